"""``airflow-quantum-emulator demo`` as a user runs it: exit codes, summary, a failed DAG."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from airflow_quantum_emulator import demo

pytestmark = pytest.mark.slow

FAILING_DAG = textwrap.dedent(
    '''
    """A DAG with one good quantum task and one whose input is refused before submission."""

    from airflow.sdk import dag

    from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator

    BELL = """OPENQASM 3.0;
    include "stdgates.inc";
    qubit[2] q;
    bit[2] c;
    h q[0];
    cx q[0], q[1];
    c = measure q;
    """


    @dag(dag_id="quantum_demo_failing", schedule=None, catchup=False)
    def quantum_demo_failing():
        good = IBMQuantumRunSamplerOperator(
            task_id="good", circuits=[BELL], backend="ibm_fez", shots=100,
            optimization_level=1,  # h and cx are not ISA: transpile for ibm_fez
            deferrable=True, poll_interval=0.5,
        )
        broken = IBMQuantumRunSamplerOperator(
            task_id="broken", circuits=["this is not OpenQASM"], backend="ibm_fez"
        )
        good >> broken


    quantum_demo_failing()
    '''
)


def test_demo_names_the_failed_dag_and_task_and_exits_1(tmp_path: Path):
    dags, home = tmp_path / "dags", tmp_path / "home"
    dags.mkdir()
    (dags / "quantum_demo_failing.py").write_text(FAILING_DAG)
    command = [sys.executable, "-m", "airflow_quantum_emulator.cli", "demo"]
    options = ["--home", str(home), "--dags-folder", str(dags), "--queue-seconds", "0.5"]
    result = subprocess.run(
        [*command, *options, "quantum_demo_failing"],
        capture_output=True,
        text=True,
        timeout=240,
    )
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "(metadata DB migrated)" in out
    assert "quantum_demo_failing ✗ FAILED" in out or "quantum_demo_failing x FAILED" in out
    assert "tasks not successful: broken" in out
    log = home / "demo-logs" / "quantum_demo_failing.log"
    assert f"Airflow's output: {log}" in out
    assert "this is not OpenQASM" in log.read_text() or "circuits[0]" in log.read_text()
    assert (
        out.rstrip().splitlines()[-1].startswith("1 of 1 example DAGs failed: quantum_demo_failing")
    )
    assert "[DAG TEST]" not in out  # Airflow's own output stays in the log file

    # The migrated metadata DB is reused by the next run.
    env = demo.airflow_env(home, dags, {})
    assert demo.migrate(env, home, home / "again.log") is False

    # Another DAGs folder needs DAG ids.
    again = subprocess.run([*command, *options], capture_output=True, text=True, timeout=60)
    assert again.returncode == 2
    assert "name the DAGs to run" in again.stdout
