"""The curl walkthroughs in docs/examples run unchanged against the emulator."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("bash", "curl", "jq", "gzip")),
    reason="the walkthroughs need bash, curl, jq and gzip",
)


def _run(script: str, url: str, **env: str) -> str:
    done = subprocess.run(
        ["bash", str(EXAMPLES / script), url],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_ibm_walkthrough_drives_a_bell_job_to_its_counts(emulator, tmp_path):
    output = _run("ibm-lifecycle.sh", emulator.url, TMPDIR=str(tmp_path))
    labels = [line.split(":", 1)[0] for line in output.splitlines() if not line.startswith(" ")]
    assert labels[:3] == ["token", "submitted", "status"], output
    assert "status: Completed" in output and "num_bits: 2" in output
    counts = ast.literal_eval(output.split("counts: ", 1)[1].splitlines()[0])
    assert set(counts) == {"00", "11"} and sum(counts.values()) == 1000
    assert '"usage"' in output.split("metrics: ", 1)[1].splitlines()[0]
    assert "tags: HTTP 204" in output and "delete: HTTP 204" in output
    assert list(tmp_path.iterdir()) == []  # its temporary result file is gone


def test_ibm_walkthrough_says_it_needs_jq(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("curl", "python3"):  # everything but jq
        (bin_dir / tool).symlink_to(shutil.which(tool))
    done = subprocess.run(
        [shutil.which("bash"), str(EXAMPLES / "ibm-lifecycle.sh"), "http://127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": str(bin_dir)},
    )
    assert done.returncode == 1
    assert done.stderr.strip() == "ibm-lifecycle.sh needs jq; install it and run again"


def test_azure_walkthrough_runs_a_bell_program_on_a_current_target(emulator):
    output = _run("azure-lifecycle.sh", emulator.url)
    assert "quantinuum.sim.h2-1e  Available  queue" in output
    offered = output.split("retired target: ", 1)[0]
    assert ".cpu" not in offered and ".h1-" not in offered  # no retired target is offered
    assert "upload: HTTP 201" in output
    assert "status: Succeeded" in output  # the legacy words, the emulator's default
    assert "shots: 100" in output
    counts = json.loads(output.split("counts of register c: ", 1)[1].splitlines()[0])
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == 100
    assert 'tags: ["curl-demo","done"]' in output
    retired = output.split("retired target: ", 1)[1].splitlines()[0]
    assert retired.startswith("InvalidTarget:") and "retired" in retired and "ionq" in retired
    assert emulator.state.stats.vendors["azure"].jobs_submitted == 1


def test_azure_walkthrough_leaves_no_temporary_files(emulator, tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        ["bash", str(EXAMPLES / "azure-lifecycle.sh"), emulator.url],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == []


def test_azure_walkthrough_says_it_needs_jq(tmp_path):
    # A PATH with bash and the basic tools but no jq.
    for tool in ("bash", "dirname", "env"):
        found = shutil.which(tool)
        if found:
            (tmp_path / tool).symlink_to(found)
    done = subprocess.run(
        [str(tmp_path / "bash"), str(EXAMPLES / "azure-lifecycle.sh")],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": str(tmp_path)},
    )
    assert done.returncode == 2
    assert "needs jq" in done.stderr
