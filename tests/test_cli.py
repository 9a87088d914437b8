"""The airflow-quantum command line as a new user meets it: clear messages, plain help text."""

from __future__ import annotations

import subprocess
import sys

import pytest

from airflow_quantum.cli import EMULATOR_EXTRA_MODULES


def run_cli(*args: str, block: str | None = None) -> subprocess.CompletedProcess[str]:
    """``airflow-quantum ARGS`` in a fresh interpreter, ``block`` made unimportable there."""
    hide = f"sys.modules[{block!r}] = None; " if block else ""
    code = f"import sys; {hide}from airflow_quantum.cli import main; sys.exit(main({list(args)!r}))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("module", EMULATOR_EXTRA_MODULES)
@pytest.mark.parametrize("command", ["emulator", "demo"])
def test_without_the_emulator_extra_the_cli_names_the_extra(command, module):
    done = run_cli(command, block=module)
    assert done.returncode == 1, done
    assert done.stderr.strip() == (
        f"airflow-quantum {command} needs the {module} package: "
        "pip install 'airflow-quantum[emulator]'"
    )
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize("command", [[], ["emulator"], ["demo"]])
def test_help_is_plain_text_without_rest_markup(command):
    done = run_cli(*command, "--help")
    assert done.returncode == 0, done
    assert "usage: airflow-quantum" in done.stdout
    assert "`" not in done.stdout, done.stdout
