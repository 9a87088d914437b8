"""DAGs of the benchmarks: one IBM job waited for by a sensor, in poke mode or deferred."""

from __future__ import annotations

from airflow.sdk import dag

from airflow_quantum.sensors.ibm_quantum import IBMQuantumJobSensor

#: The connection the benchmark workers are given (see benchmarks/support.py).
IBM_CONN_ID = "ibm_quantum_bench"
POKE_INTERVAL = 5


@dag(dag_id="bench_poke", schedule=None, catchup=False, params={"job_id": ""})
def bench_poke() -> None:
    """The classic wait: a worker process that polls until the job is final."""
    IBMQuantumJobSensor(
        task_id="wait",
        job_id="{{ params.job_id }}",
        ibm_quantum_conn_id=IBM_CONN_ID,
        mode="poke",
        deferrable=False,
        poke_interval=POKE_INTERVAL,
    )


@dag(dag_id="bench_deferred", schedule=None, catchup=False, params={"job_id": ""})
def bench_deferred() -> None:
    """The deferred wait; the benchmark puts its deferred task instances straight in the DB."""
    IBMQuantumJobSensor(
        task_id="wait",
        job_id="{{ params.job_id }}",
        ibm_quantum_conn_id=IBM_CONN_ID,
        deferrable=True,
        poke_interval=POKE_INTERVAL,
    )


bench_poke()
bench_deferred()
