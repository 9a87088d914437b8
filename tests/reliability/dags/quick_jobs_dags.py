"""DAG of the quick-jobs scenario: 30 deferrable waits on jobs that end 0-3 s after deferring.

Operators of both vendors submit and wait (8 IBM Sampler, 8 Azure IonQ); sensors of both
vendors (7 + 7) wait for jobs one plain task submitted for them. The emulator holds every job
until the test ends it, a chosen 0-3 s after the task's last look before deferring
(``tests/reliability/test_reliability_quick_jobs.py``). Every task must succeed.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import dag, task

from airflow_quantum.clients.azure import AzurePreparedJob
from airflow_quantum.clients.ibm import IBMPreparedJob
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook
from airflow_quantum.operators.azure_quantum import AzureQuantumSubmitJobOperator
from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator
from airflow_quantum.sensors.azure_quantum import AzureQuantumJobSensor
from airflow_quantum.sensors.ibm_quantum import IBMQuantumJobSensor

#: A Bell state as an ISA circuit of ibm_fez (basis cz, id, rz, sx, x; qubits 0 and 1 coupled).
BELL_ISA_QASM = (
    'OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; bit[2] c; '
    "rz(pi/2) q[0]; sx q[0]; rz(pi/2) q[0]; rz(pi/2) q[1]; sx q[1]; rz(pi/2) q[1]; "
    "cz q[0], q[1]; rz(pi/2) q[1]; sx q[1]; rz(pi/2) q[1]; "
    "c[0] = measure q[0]; c[1] = measure q[1];"
)
BELL_IONQ = [{"gate": "h", "target": 0}, {"gate": "cnot", "control": 0, "target": 1}]
SHOTS = 100
OPERATORS_PER_VENDOR = 8
SENSORS_PER_VENDOR = 7
#: Polling as a quick-job user would set it: first look after about a second.
POLLING = {"deferrable": True, "max_poll_interval": 2}


@dag(dag_id="reliability_quick_jobs", schedule=None, catchup=False, tags=["reliability"])
def reliability_quick_jobs() -> None:
    for i in range(OPERATORS_PER_VENDOR):
        IBMQuantumRunSamplerOperator(
            task_id=f"ibm_sampler_{i}",
            circuits=[BELL_ISA_QASM],
            backend="ibm_fez",
            shots=SHOTS,
            poll_interval=1,
            **POLLING,
        )
        AzureQuantumSubmitJobOperator(
            task_id=f"azure_ionq_{i}",
            target="ionq.simulator",
            ionq_circuit=BELL_IONQ,
            shots=SHOTS,
            poll_interval=1,
            **POLLING,
        )

    @task
    def submit_for_sensors() -> dict[str, list[str]]:
        ibm = IBMQuantumHook()
        azure = AzureQuantumHook()
        return {
            "ibm": [
                ibm.get_conn().run_job(IBMPreparedJob.sampler([BELL_ISA_QASM], "ibm_fez", SHOTS)).id
                for _ in range(SENSORS_PER_VENDOR)
            ],
            "azure": [
                azure.get_conn()
                .submit_job(
                    AzurePreparedJob.ionq_circuit(BELL_IONQ, shots=SHOTS, target="ionq.simulator")
                )
                .id
                for _ in range(SENSORS_PER_VENDOR)
            ],
        }

    jobs: Any = submit_for_sensors()
    for i in range(SENSORS_PER_VENDOR):
        jobs >> IBMQuantumJobSensor(
            task_id=f"ibm_sensor_{i}",
            job_id=f"{{{{ ti.xcom_pull(task_ids='submit_for_sensors')['ibm'][{i}] }}}}",
            poke_interval=1,
            **POLLING,
        )
        jobs >> AzureQuantumJobSensor(
            task_id=f"azure_sensor_{i}",
            job_id=f"{{{{ ti.xcom_pull(task_ids='submit_for_sensors')['azure'][{i}] }}}}",
            poke_interval=1,
            **POLLING,
        )


reliability_quick_jobs()
