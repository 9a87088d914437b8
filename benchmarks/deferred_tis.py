"""Put N deferred task instances in the metadata DB, or report what became of them.

    python -m benchmarks.deferred_tis create JOBS.json P MAX  # one run of bench_deferred per job
    python -m benchmarks.deferred_tis create-datetime N SECONDS  # N runs on DateTimeTrigger
    python -m benchmarks.deferred_tis create-ticker PATH      # one run on the loop-lag probe
    python -m benchmarks.deferred_tis states             # task-instance states of those runs

What a sensor's ``defer()`` leaves behind, without starting N worker processes to get there: a
running DAG run, its ``wait`` task instance DEFERRED with ``next_method=execute_complete``, and
the trigger row (kwargs encrypted by Airflow, as ``defer()`` would store them). Runs with the
Airflow environment of ``benchmarks.airflow_home`` (the DAG serialized beforehand).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

DAG_ID, TASK_ID = "bench_deferred", "wait"
#: The DAG run whose task waits on the loop-lag probe (left out of the states).
TICKER_RUN_ID = "ticker"
#: Rows committed at a time (10,000 runs in one transaction hold many locks for long).
BATCH = 500


def create(jobs_file: str, poll_interval: float, max_poll_interval: float) -> dict:
    """One deferred wait per job of ``jobs_file``, on our triggers (shared polling)."""
    from airflow_quantum.triggers.azure_quantum import AzureQuantumJobTrigger
    from airflow_quantum.triggers.braket import BraketTaskTrigger
    from airflow_quantum.triggers.ibm_quantum import IBMQuantumJobTrigger
    from benchmarks.support import AZURE_CONN_ID, BRAKET_CONN_ID, IBM_CONN_ID

    with open(jobs_file) as source:
        jobs = json.load(source)
    # The task instances are all of the IBM sensor task; each trigger row is of its job's
    # vendor. The triggerer only runs the triggers: no task resumes in this benchmark.
    kinds = {
        "ibm": (IBMQuantumJobTrigger, IBM_CONN_ID),
        "azure": (AzureQuantumJobTrigger, AZURE_CONN_ID),
        "braket": (BraketTaskTrigger, BRAKET_CONN_ID),
    }
    waits = [(*kinds[vendor], job) for vendor in kinds for job in jobs.get(vendor, [])]
    # A run id cannot hold a Braket task ARN's "/": the task's id ends it.
    run_ids = [
        f"bench_{index}_{job_id.rsplit('/', 1)[-1]}" for index, (_, _, job_id) in enumerate(waits)
    ]

    def build() -> list[Any]:
        return [
            trigger_class(
                conn_id, job_id, poll_interval=poll_interval, max_poll_interval=max_poll_interval
            )
            for trigger_class, conn_id, job_id in waits
        ]

    return {"created": _defer(run_ids, build)}


def create_datetime(count: int, seconds_after: float) -> dict:
    """``count`` waits on Airflow's own ``DateTimeTrigger``, all firing at one moment.

    The moment is ``seconds_after`` the task instances exist (their DAG runs take a while to
    create), so that the triggerer started right after this sees the same timeline as ours.
    """
    from airflow.providers.standard.triggers.temporal import DateTimeTrigger
    from pendulum import now

    chosen: dict[str, float] = {}

    def build() -> list[Any]:
        moment = now("UTC").add(seconds=seconds_after)
        chosen["moment"] = moment.timestamp()
        return [DateTimeTrigger(moment) for _ in range(count)]

    created = _defer([f"bench_{index}_datetime" for index in range(count)], build)
    return {"created": created, **chosen}


def create_ticker(path: str) -> dict:
    """One deferred ``LoopLagTrigger`` (writing to ``path``): the loop-lag probe of a run."""
    from benchmarks.lag_ticker import LoopLagTrigger

    return {"created": _defer([TICKER_RUN_ID], lambda: [LoopLagTrigger(path)])}


def _defer(run_ids: list[str], build: Callable[[], list[Any]]) -> int:
    """A running DAG run per run id, its ``wait`` task deferred on a trigger of ``build()``.

    The runs and task instances are made first; ``build`` is called once they exist, so a
    trigger that fires at a moment can take it from when the waits are all in place.
    """
    from airflow.models.serialized_dag import SerializedDagModel
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.trigger import Trigger
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState, TaskInstanceState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType
    from pendulum import now
    from sqlalchemy import update

    with create_session() as session:
        dag = SerializedDagModel.get_dag(DAG_ID, session=session)
        if dag is None:
            raise SystemExit(f"{DAG_ID} is not serialized: run `airflow dags reserialize` first")
        keys = []
        for index, run_id in enumerate(run_ids, 1):
            run = dag.create_dagrun(
                run_id=run_id,
                run_after=now("UTC"),
                conf={},
                run_type=DagRunType.MANUAL,
                triggered_by=DagRunTriggeredByType.TEST,
                state=DagRunState.RUNNING,
                session=session,
            )
            (ti,) = [ti for ti in run.get_task_instances(session=session) if ti.task_id == TASK_ID]
            keys.append(ti.id)
            if index % BATCH == 0:
                session.commit()
        session.commit()
        triggers = build()
        for index, (ti_id, trigger_object) in enumerate(zip(keys, triggers, strict=True), 1):
            trigger = Trigger.from_object(trigger_object)
            session.add(trigger)
            session.flush()
            session.execute(
                update(TaskInstance)
                .where(TaskInstance.id == ti_id)
                .values(
                    state=TaskInstanceState.DEFERRED,
                    trigger_id=trigger.id,
                    next_method="execute_complete",
                    try_number=1,
                )
            )
            if index % BATCH == 0:
                session.commit()
    return len(keys)


def states() -> dict:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(TaskInstance.state, TaskInstance.next_kwargs).where(
                TaskInstance.dag_id == DAG_ID,
                TaskInstance.task_id == TASK_ID,
                TaskInstance.run_id != TICKER_RUN_ID,
            )
        ).all()
    statuses: Counter[str] = Counter()
    for state, next_kwargs in rows:
        event = (next_kwargs or {}).get("event") if isinstance(next_kwargs, dict) else None
        statuses[f"{state}:{event.get('status') if isinstance(event, dict) else None}"] += 1
    return dict(statuses)


def invoke(env: dict[str, str], *args: str, timeout: float | None = None) -> Any:
    """Run this module with ``args`` in the Airflow environment ``env``; its JSON answer."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.deferred_tis", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=Path(__file__).resolve().parents[1],
    )
    if done.returncode != 0:
        raise RuntimeError(f"deferred_tis {args[0]} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    if argv[:1] == ["create"]:
        print(json.dumps(create(argv[1], float(argv[2]), float(argv[3]))))
    elif argv[:1] == ["create-datetime"]:
        print(json.dumps(create_datetime(int(argv[1]), float(argv[2]))))
    elif argv[:1] == ["create-ticker"]:
        print(json.dumps(create_ticker(argv[1])))
    elif argv[:1] == ["states"]:
        print(json.dumps(states()))
    else:
        raise SystemExit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
