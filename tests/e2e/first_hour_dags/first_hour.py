"""DAGs of a new user's first hour, for the log and retry checks of test_first_hour.py.

``first_hour_jobs``: one deferred job per vendor (Azure ``ionq.simulator``, IBM ``ibm_fez`` with
an ISA circuit). ``first_hour_malformed``: ``retries=2`` and an OpenQASM program the service
refuses (400): it must be sent once and fail without retries.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import dag

from airflow_quantum.operators.azure_quantum import AzureQuantumSubmitJobOperator
from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator

ISA_BELL = (
    'OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; bit[2] c; '
    "rz(pi/2) q[0]; sx q[0]; rz(pi/2) q[0]; rz(pi/2) q[1]; sx q[1]; rz(pi/2) q[1]; "
    "cz q[0], q[1]; rz(pi/2) q[1]; sx q[1]; rz(pi/2) q[1]; "
    "c[0] = measure q[0]; c[1] = measure q[1];"
)
#: Starts like OpenQASM (the client-side check passes); the service cannot parse it.
MALFORMED = 'OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; bit[2] c; rz(pi/2 q[0];'
FAST = {"poll_interval": 0.5, "max_poll_interval": 1.0, "deferrable": True}


@dag(dag_id="first_hour_jobs", schedule=None, catchup=False)
def first_hour_jobs():
    AzureQuantumSubmitJobOperator(
        task_id="ionq_bell",
        target="ionq.simulator",
        ionq_circuit=[
            {"gate": "h", "target": 0},
            {"gate": "cnot", "control": 0, "target": 1},
        ],
        qubits=2,
        shots=100,
        **FAST,
    )
    IBMQuantumRunSamplerOperator(
        task_id="ibm_bell", backend="ibm_fez", circuits=[ISA_BELL], shots=100, **FAST
    )


@dag(
    dag_id="first_hour_malformed",
    schedule=None,
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=1)},
)
def first_hour_malformed():
    IBMQuantumRunSamplerOperator(
        task_id="malformed", backend="ibm_fez", circuits=[MALFORMED], shots=10, **FAST
    )


first_hour_jobs()
first_hour_malformed()
