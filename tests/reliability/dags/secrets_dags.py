"""The secrets DAG: every credential kind at work, and two that the service refuses.

Three deferrable jobs (IBM with an API key, Azure with a workspace API key, Azure with an Entra
client secret) wait in the triggerer; two tasks use connections whose secret is wrong and fail
with an authentication error. The test then hunts the secrets everywhere Airflow keeps text.
"""

from __future__ import annotations

from airflow.sdk import dag

from airflow_quantum.operators.azure_quantum import AzureQuantumSubmitJobOperator
from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator

BELL_QASM = """OPENQASM 3.0;
include "stdgates.inc";
bit[2] c;
rz(pi/2) $0;
sx $0;
cz $0, $1;
c[0] = measure $0;
c[1] = measure $1;
"""
#: The same Bell pair for Quantinuum's H2 emulator (OpenQASM 2).
BELL_QASM2 = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
h q[0];
cx q[0],q[1];
measure q -> c;
"""
WAIT = {"deferrable": True, "poll_interval": 1, "max_poll_interval": 2}


def _ibm(task_id: str, conn_id: str) -> IBMQuantumRunSamplerOperator:
    return IBMQuantumRunSamplerOperator(
        task_id=task_id,
        ibm_quantum_conn_id=conn_id,
        circuits=[BELL_QASM],
        backend="ibm_fez",
        shots=100,
        **WAIT,
    )


def _azure(task_id: str, conn_id: str) -> AzureQuantumSubmitJobOperator:
    return AzureQuantumSubmitJobOperator(
        task_id=task_id,
        azure_quantum_conn_id=conn_id,
        target="quantinuum.sim.h2-1e",
        quantinuum_program=BELL_QASM2,
        shots=100,
        **WAIT,
    )


@dag(dag_id="reliability_secrets", schedule=None, catchup=False, tags=["reliability"])
def reliability_secrets() -> None:
    _ibm("ibm_api_key", "ibm_quantum_default")
    _azure("azure_api_key", "azure_quantum_default")
    _azure("azure_entra", "azure_quantum_entra")
    _ibm("ibm_wrong_key", "ibm_quantum_wrong")
    _azure("azure_wrong_secret", "azure_quantum_wrong")


reliability_secrets()
