"""The curl walkthroughs in docs/examples run unchanged against the emulator."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("bash", "curl", "jq", "gzip")),
    reason="the walkthroughs need bash, curl, jq and gzip",
)


def _run(script: str, url: str) -> str:
    done = subprocess.run(
        ["bash", str(EXAMPLES / script), url], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_ibm_walkthrough_drives_a_bell_job_to_its_counts(emulator):
    output = _run("ibm-lifecycle.sh", emulator.url)
    assert "status: Completed" in output
    counts = ast.literal_eval(output.split("counts: ", 1)[1].splitlines()[0])
    assert set(counts) == {"00", "11"} and sum(counts.values()) == 1000
    assert "tags: HTTP 204" in output and "delete: HTTP 204" in output


def test_azure_walkthrough_solves_the_ising_triangle(emulator):
    output = _run("azure-lifecycle.sh", emulator.url)
    assert "upload: HTTP 201" in output
    assert "status: Succeeded" in output  # the legacy words, the emulator's default
    assert '"cost":-2' in output
    assert emulator.state.stats.vendors["azure"].jobs_submitted == 1
