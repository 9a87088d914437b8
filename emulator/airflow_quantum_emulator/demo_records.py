"""What one DAG run left in an Airflow metadata DB: task states, XComs, state changes.

Read by the demo (``demo``) to summarise each example DAG (``demo_render``) and by the
end-to-end tests; a module of its own, so that both import it and not each other.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


def ti_label(task_id: str, map_index: int) -> str:
    """A task instance as Airflow shows it: ``task`` or ``task[index]``."""
    return task_id if map_index < 0 else f"{task_id}[{map_index}]"


@dataclass
class DagRunRecord:
    """What one DAG run left in the metadata DB."""

    dag_id: str
    run_id: str
    state: str
    #: (task_id, map_index) → state
    tasks: dict[tuple[str, int], str | None]
    #: (task_id, map_index, key) → decoded value
    xcoms: dict[tuple[str, int, str], Any]
    #: (task_id, map_index) → state changes in order (running, deferred, running, success, ...)
    events: dict[tuple[str, int], list[tuple[str, float]]] = field(default_factory=dict)

    def xcom(self, task_id: str, key: str = "return_value", map_index: int = -1) -> Any:
        return self.xcoms.get((task_id, map_index, key))

    def failed_tasks(self) -> list[str]:
        return sorted(
            ti_label(task_id, index)
            for (task_id, index), state in self.tasks.items()
            if state not in ("success", "skipped")
        )

    def started_at(self) -> float | None:
        """When the run's first task started (epoch seconds), from its state changes."""
        times = [moment for events in self.events.values() for _, moment in events]
        return min(times) if times else None

    def deferred_tasks(self) -> list[tuple[str, int]]:
        return sorted(key for key, events in self.events.items() if "deferred" in dict(events))


class MetadataDB:
    """Reads a SQLite Airflow metadata DB (the demo's and the tests' own)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)

    def latest_run(self, dag_id: str) -> DagRunRecord | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT run_id, state FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1",
                (dag_id,),
            ).fetchone()
            if row is None:
                return None
            run_id, state = row
            where = "WHERE dag_id = ? AND run_id = ?"
            tasks = {
                (task_id, index): ti_state
                for task_id, index, ti_state in db.execute(
                    f"SELECT task_id, map_index, state FROM task_instance {where}",
                    (dag_id, run_id),
                )
            }
            xcoms = {
                (task_id, index, key): _decode(value)
                for task_id, index, key, value in db.execute(
                    f"SELECT task_id, map_index, key, value FROM xcom {where}", (dag_id, run_id)
                )
            }
            events: dict[tuple[str, int], list[tuple[str, float]]] = {}
            for task_id, index, event, dttm in db.execute(
                f"SELECT task_id, map_index, event, dttm FROM log {where} "
                "AND task_id IS NOT NULL ORDER BY dttm, id",
                (dag_id, run_id),
            ):
                events.setdefault((task_id, index), []).append((event, _epoch(dttm)))
        return DagRunRecord(dag_id, run_id, state, tasks, xcoms, events)


def _decode(value: Any) -> Any:
    if isinstance(value, bytes):
        value = value.decode()
    try:
        return json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _epoch(dttm: str) -> float:
    """A metadata DB timestamp (UTC, naive in SQLite) as epoch seconds."""
    moment = datetime.fromisoformat(str(dttm))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()
