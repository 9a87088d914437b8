"""The soak's DAG: four jobs per run, both vendors, operators and sensors, deferrable and not.

- ``ibm_sampler``: IBM Sampler job, waited for in the triggerer (deferrable).
- ``azure_ionq``: Azure IonQ job, waited for on the Celery worker (not deferrable), so a worker
  SIGKILLed mid-wait kills a task that holds a live job.
- ``ibm_submit`` -> ``ibm_sensor``: a job submitted without waiting, then a deferrable sensor.
- ``azure_submit`` -> ``azure_sensor``: the same, with a poking (worker) sensor.

Every task retries: a try killed by the fault driver, or failed by a fault storm that outlasted
the transport's retries, is tried again and must find the job the earlier try submitted (the
operators' ``airflow-<32 hex>`` idempotency tag).
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import dag

from airflow_quantum.operators.azure_quantum import AzureQuantumSubmitJobOperator
from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator
from airflow_quantum.sensors.azure_quantum import AzureQuantumJobSensor
from airflow_quantum.sensors.ibm_quantum import IBMQuantumJobSensor

DAG_ID = "soak_mixed"
#: A Bell state as an ISA circuit of ibm_fez (basis cz, id, rz, sx, x; qubits 0 and 1 coupled).
BELL_ISA_QASM = (
    'OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; bit[2] c; '
    "rz(pi/2) q[0]; sx q[0]; rz(pi/2) q[0]; rz(pi/2) q[1]; sx q[1]; rz(pi/2) q[1]; "
    "cz q[0], q[1]; rz(pi/2) q[1]; sx q[1]; rz(pi/2) q[1]; "
    "c[0] = measure q[0]; c[1] = measure q[1];"
)
BELL_IONQ = [{"gate": "h", "target": 0}, {"gate": "cnot", "control": 0, "target": 1}]
SHOTS = 100
#: Tasks whose XCom ``return_value`` is the job's result (the others return a job id or none).
RESULT_TASKS = ("ibm_sampler", "azure_ionq")
#: Each sensor, and the task whose job it watches.
SENSED = {"ibm_sensor": "ibm_submit", "azure_sensor": "azure_submit"}
DEFAULT_ARGS = {"retries": 3, "retry_delay": timedelta(seconds=3)}
POLLING = {"poll_interval": 1, "max_poll_interval": 3}


@dag(
    dag_id=DAG_ID,
    schedule=None,
    catchup=False,
    max_active_runs=64,
    default_args=DEFAULT_ARGS,
    tags=["soak"],
)
def soak_mixed() -> None:
    IBMQuantumRunSamplerOperator(
        task_id="ibm_sampler",
        circuits=[BELL_ISA_QASM],
        backend="ibm_fez",
        shots=SHOTS,
        deferrable=True,
        **POLLING,
    )
    AzureQuantumSubmitJobOperator(
        task_id="azure_ionq",
        target="ionq.simulator",
        ionq_circuit=BELL_IONQ,
        shots=SHOTS,
        deferrable=False,
        **POLLING,
    )
    ibm_submit = IBMQuantumRunSamplerOperator(
        task_id="ibm_submit",
        circuits=[BELL_ISA_QASM],
        backend="ibm_fez",
        shots=SHOTS,
        wait_for_completion=False,
    )
    azure_submit = AzureQuantumSubmitJobOperator(
        task_id="azure_submit",
        target="ionq.simulator",
        ionq_circuit=BELL_IONQ,
        shots=SHOTS,
        wait_for_completion=False,
    )
    ibm_submit >> IBMQuantumJobSensor(
        task_id="ibm_sensor",
        job_id="{{ ti.xcom_pull(task_ids='ibm_submit') }}",
        deferrable=True,
        poke_interval=1,
        max_poll_interval=3,
    )
    azure_submit >> AzureQuantumJobSensor(
        task_id="azure_sensor",
        job_id="{{ ti.xcom_pull(task_ids='azure_submit') }}",
        deferrable=False,
        poke_interval=1,
        max_poll_interval=3,
    )


soak_mixed()
