"""DAG of the job-lengths benchmark: deferrable submits as a newcomer writes them.

Four IBM Sampler and two Azure IonQ operators, ``deferrable=True`` and the default polling;
the emulator gives every job the run time the benchmark sets (``benchmarks/job_lengths/run.py``).
"""

from __future__ import annotations

from airflow.sdk import dag

from airflow_quantum.operators.azure_quantum import AzureQuantumSubmitJobOperator
from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator

#: A Bell state as an ISA circuit of ibm_fez.
BELL_ISA_QASM = (
    'OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; bit[2] c; '
    "rz(pi/2) q[0]; sx q[0]; rz(pi/2) q[0]; rz(pi/2) q[1]; sx q[1]; rz(pi/2) q[1]; "
    "cz q[0], q[1]; rz(pi/2) q[1]; sx q[1]; rz(pi/2) q[1]; "
    "c[0] = measure q[0]; c[1] = measure q[1];"
)
BELL_IONQ = [{"gate": "h", "target": 0}, {"gate": "cnot", "control": 0, "target": 1}]


@dag(dag_id="job_lengths", schedule=None, catchup=False, tags=["benchmark"])
def job_lengths() -> None:
    for i in range(4):
        IBMQuantumRunSamplerOperator(
            task_id=f"ibm_sampler_{i}",
            backend="ibm_fez",
            circuits=[BELL_ISA_QASM],
            shots=100,
            deferrable=True,
        )
    for i in range(2):
        AzureQuantumSubmitJobOperator(
            task_id=f"azure_ionq_{i}",
            target="ionq.simulator",
            ionq_circuit=BELL_IONQ,
            shots=100,
            deferrable=True,
        )


job_lengths()
