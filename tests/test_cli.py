"""The airflow-quantum-emulator command line as a new user meets it: clear messages, plain help."""

from __future__ import annotations

import subprocess
import sys

import pytest

from airflow_quantum_emulator.cli import DEMO_MODULES, EMULATOR_MODULES, FROM_THE_CLONE


def run_cli(*args: str, block: str | None = None) -> subprocess.CompletedProcess[str]:
    """``airflow-quantum-emulator ARGS`` in a fresh interpreter, ``block`` unimportable there."""
    hide = f"sys.modules[{block!r}] = None; " if block else ""
    code = (
        f"import sys; {hide}from airflow_quantum_emulator.cli import main; "
        f"sys.exit(main({list(args)!r}))"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("command", "module", "distribution"),
    [
        *(("serve", module, dist) for module, dist in EMULATOR_MODULES.items()),
        *(("demo", module, dist) for module, dist in DEMO_MODULES.items()),
    ],
)
def test_a_missing_package_is_named_with_its_distribution(command, module, distribution):
    done = run_cli(command, block=module)
    assert done.returncode == 1, done
    how = FROM_THE_CLONE.get(distribution, f"pip install {distribution}")
    assert done.stderr.strip() == (
        f"airflow-quantum-emulator {command} needs the {module} package: {how}"
    )
    assert "Traceback" not in done.stderr + done.stdout


def test_the_unpublished_provider_is_installed_from_the_clone_not_from_pypi():
    done = run_cli("demo", block="airflow_quantum")
    assert done.returncode == 1, done
    assert "pip install airflow-quantum\n" not in done.stderr + "\n"
    assert "not published" in done.stderr and "make install" in done.stderr


def test_the_demo_needs_airflow_and_the_provider_the_emulator_neither():
    assert {"airflow", "airflow_quantum"} <= set(DEMO_MODULES)
    assert DEMO_MODULES["airflow_quantum"] == "airflow-quantum"
    assert not {"airflow", "airflow_quantum"} & set(EMULATOR_MODULES)
    assert set(EMULATOR_MODULES.values()) == {"airflow-quantum-emulator"}


@pytest.mark.parametrize("command", [[], ["serve"], ["demo"]])
def test_help_is_plain_text_without_rest_markup(command):
    done = run_cli(*command, "--help")
    assert done.returncode == 0, done
    assert "usage: airflow-quantum-emulator" in done.stdout
    assert "`" not in done.stdout, done.stdout


def test_options_alone_serve(monkeypatch):
    """``airflow-quantum-emulator --port 0`` serves, as ``make emulator EMULATOR_ARGS=...`` runs."""
    from airflow_quantum_emulator import cli

    seen: dict[str, int] = {}
    monkeypatch.setattr(cli, "_run_emulator", lambda args: seen.setdefault("port", args.port) * 0)
    assert cli.main(["--port", "0"]) == 0
    assert seen == {"port": 0}
