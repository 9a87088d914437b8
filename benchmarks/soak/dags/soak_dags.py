"""The soak's DAG: six jobs per run, three vendors, operators and sensors, deferrable and not.

- ``ibm_sampler``: IBM Sampler job, waited for in the triggerer (deferrable).
- ``azure_ionq``: Azure IonQ job, waited for on the Celery worker (not deferrable), so a worker
  SIGKILLed mid-wait kills a task that holds a live job.
- ``braket_sv1``: Amazon Braket task on SV1, waited for in the triggerer (deferrable).
- ``ibm_submit`` -> ``ibm_sensor``: a job submitted without waiting, then a deferrable sensor.
- ``azure_submit`` -> ``azure_sensor``: the same, with a poking (worker) sensor.
- ``braket_submit`` -> ``braket_sensor``: the same, with a poking (worker) sensor.

Every task retries: a try killed by the fault driver, or failed by a fault storm that outlasted
the transport's retries, is tried again and must find the job the earlier try submitted (the
operators' ``airflow-<32 hex>`` idempotency tag).
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import dag

from airflow_quantum.operators.azure_quantum import AzureQuantumSubmitJobOperator
from airflow_quantum.operators.braket import BraketRunQuantumTaskOperator
from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator
from airflow_quantum.sensors.azure_quantum import AzureQuantumJobSensor
from airflow_quantum.sensors.braket import BraketTaskSensor
from airflow_quantum.sensors.ibm_quantum import IBMQuantumJobSensor

DAG_ID = "soak_mixed"
#: Two qubits in superposition (ISA gates of ibm_fez; H on each for IonQ): four outcomes with
#: seeded random counts, so each job's result differs from the others' and a result found in
#: the wrong task's XCom shows.
SUPERPOSED_QASM = (
    'OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; bit[2] c; sx q[0]; sx q[1]; '
    "c[0] = measure q[0]; c[1] = measure q[1];"
)
SUPERPOSED_IONQ = [{"gate": "h", "target": 0}, {"gate": "h", "target": 1}]
SUPERPOSED_BRAKET = "OPENQASM 3.0; qubit[2] q; bit[2] c; h q[0]; h q[1]; c = measure q;"
SHOTS = 100
IBM_INPUT = {"circuits": [SUPERPOSED_QASM], "backend": "ibm_fez", "shots": SHOTS}
AZURE_INPUT = {"target": "ionq.simulator", "ionq_circuit": SUPERPOSED_IONQ, "shots": SHOTS}
BRAKET_INPUT = {
    "device_arn": "arn:aws:braket:::device/quantum-simulator/amazon/sv1",
    "program": SUPERPOSED_BRAKET,
    "shots": SHOTS,
}
#: Tasks whose XCom ``return_value`` is the job's result (the others return a job id or none).
RESULT_TASKS = ("ibm_sampler", "azure_ionq", "braket_sv1")
#: Each sensor, and the task whose job it watches.
SENSED = {
    "ibm_sensor": "ibm_submit",
    "azure_sensor": "azure_submit",
    "braket_sensor": "braket_submit",
}
DEFAULT_ARGS = {"retries": 3, "retry_delay": timedelta(seconds=3)}
POLLING = {"poll_interval": 1, "max_poll_interval": 3}
#: vendor: (submitting operator, its input, sensor, whether the sensor defers).
SUBMIT_AND_SENSE = {
    "ibm": (IBMQuantumRunSamplerOperator, IBM_INPUT, IBMQuantumJobSensor, True),
    "azure": (AzureQuantumSubmitJobOperator, AZURE_INPUT, AzureQuantumJobSensor, False),
    "braket": (BraketRunQuantumTaskOperator, BRAKET_INPUT, BraketTaskSensor, False),
}


@dag(
    dag_id=DAG_ID,
    schedule=None,
    catchup=False,
    max_active_runs=64,
    default_args=DEFAULT_ARGS,
    tags=["soak"],
)
def soak_mixed() -> None:
    IBMQuantumRunSamplerOperator(task_id="ibm_sampler", deferrable=True, **IBM_INPUT, **POLLING)
    AzureQuantumSubmitJobOperator(task_id="azure_ionq", deferrable=False, **AZURE_INPUT, **POLLING)
    BraketRunQuantumTaskOperator(task_id="braket_sv1", deferrable=True, **BRAKET_INPUT, **POLLING)
    for vendor, (operator, job_input, sensor, defers) in SUBMIT_AND_SENSE.items():
        submit = operator(task_id=f"{vendor}_submit", wait_for_completion=False, **job_input)
        submit >> sensor(
            task_id=f"{vendor}_sensor",
            job_id=f"{{{{ ti.xcom_pull(task_ids='{vendor}_submit') }}}}",
            deferrable=defers,
            poke_interval=1,
            max_poll_interval=3,
        )


soak_mixed()
