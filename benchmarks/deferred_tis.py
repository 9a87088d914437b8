"""Put N deferred task instances in the metadata DB, or report what became of them.

    python -m benchmarks.deferred_tis create JOBS.json   # one DAG run of bench_deferred per job
    python -m benchmarks.deferred_tis states             # task-instance states of those runs

What a sensor's ``defer()`` leaves behind, without starting N worker processes to get there: a
running DAG run, its ``wait`` task instance DEFERRED with ``next_method=execute_complete``, and
the trigger row (kwargs encrypted by Airflow, as ``defer()`` would store them). Runs with the
Airflow environment of ``benchmarks.airflow_home`` (the DAG serialized beforehand).
"""

from __future__ import annotations

import json
import sys
from collections import Counter

DAG_ID, TASK_ID = "bench_deferred", "wait"


def create(jobs_file: str, poll_interval: float, max_poll_interval: float) -> dict:
    from airflow.models.serialized_dag import SerializedDagModel
    from airflow.models.trigger import Trigger
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState, TaskInstanceState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType
    from pendulum import now

    from airflow_quantum.triggers.azure_quantum import AzureQuantumJobTrigger
    from airflow_quantum.triggers.ibm_quantum import IBMQuantumJobTrigger
    from benchmarks.support import AZURE_CONN_ID, IBM_CONN_ID

    with open(jobs_file) as source:
        jobs = json.load(source)
    # The task instances are all of the IBM sensor task; each trigger row is of its job's
    # vendor. The triggerer only runs the triggers: no task resumes in this benchmark.
    waits = [(IBMQuantumJobTrigger, IBM_CONN_ID, job) for job in jobs["ibm"]]
    waits += [(AzureQuantumJobTrigger, AZURE_CONN_ID, job) for job in jobs["azure"]]
    with create_session() as session:
        dag = SerializedDagModel.get_dag(DAG_ID, session=session)
        if dag is None:
            raise SystemExit(f"{DAG_ID} is not serialized: run `airflow dags reserialize` first")
        for index, (trigger_class, conn_id, job_id) in enumerate(waits):
            run = dag.create_dagrun(
                run_id=f"bench_{index}_{job_id}",
                run_after=now("UTC"),
                conf={"job_id": job_id},
                run_type=DagRunType.MANUAL,
                triggered_by=DagRunTriggeredByType.TEST,
                state=DagRunState.RUNNING,
                session=session,
            )
            trigger = Trigger.from_object(
                trigger_class(
                    conn_id,
                    job_id,
                    poll_interval=poll_interval,
                    max_poll_interval=max_poll_interval,
                )
            )
            session.add(trigger)
            session.flush()
            (ti,) = [ti for ti in run.get_task_instances(session=session) if ti.task_id == TASK_ID]
            ti.state = TaskInstanceState.DEFERRED
            ti.trigger_id = trigger.id
            ti.next_method = "execute_complete"
            ti.try_number = 1
            session.merge(ti)
    return {"created": len(waits)}


def states() -> dict:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(TaskInstance.state, TaskInstance.next_kwargs).where(
                TaskInstance.dag_id == DAG_ID, TaskInstance.task_id == TASK_ID
            )
        ).all()
    statuses: Counter[str] = Counter()
    for state, next_kwargs in rows:
        event = (next_kwargs or {}).get("event") if isinstance(next_kwargs, dict) else None
        statuses[f"{state}:{event.get('status') if isinstance(event, dict) else None}"] += 1
    return dict(statuses)


def main(argv: list[str]) -> int:
    if argv[:1] == ["create"]:
        print(json.dumps(create(argv[1], float(argv[2]), float(argv[3]))))
    elif argv[:1] == ["states"]:
        print(json.dumps(states()))
    else:
        raise SystemExit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
