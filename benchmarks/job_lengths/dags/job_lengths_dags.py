"""DAG of the job-lengths benchmark: deferrable submits as a newcomer writes them.

Four IBM Sampler and two Azure IonQ operators, ``deferrable=True`` and the default polling;
the emulator gives every job the run time the benchmark sets (``benchmarks/job_lengths/run.py``).
"""

from __future__ import annotations

from airflow.sdk import dag

from airflow_quantum.operators.azure_quantum import AzureQuantumSubmitJobOperator
from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator
from benchmarks.support import BELL as BELL_ISA_QASM  # PYTHONPATH: benchmarks/sqlite_deployment.py

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
