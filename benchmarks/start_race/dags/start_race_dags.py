"""DAG of the start-race benchmark: many short tasks started at once on a loaded SQLite DB.

Each task does nothing but return: what matters is its start request
(``PATCH /execution/task-instances/{id}/run``) and its end, both writes on the metadata DB
that ``benchmarks/start_race/load.py`` keeps busy.
"""

from __future__ import annotations

from airflow.sdk import dag, task

TASKS = 40


@dag(dag_id="start_race", schedule=None, catchup=False, tags=["benchmark"])
def start_race() -> None:
    @task
    def short(index: int) -> int:
        return index

    for index in range(TASKS):
        short.override(task_id=f"short_{index:02d}")(index)


start_race()
