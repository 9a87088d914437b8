"""One table back from many jobs: counts summed over the parts of an item, one row per item.

Chunks are read one at a time and in order, and the parts of an item sit in consecutive chunks,
so only the items still being summed are held: a row is handed on (to the object-storage
writer) as soon as all of its shots are in. A 100,000-circuit sweep never sits in memory whole.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from airflow_quantum.sweeps.limits import Part
from airflow_quantum.sweeps.workload import Workload

#: Rows kept for the XCom summary (the whole table is in object storage).
PREVIEW_ROWS = 5


def add_counts(total: dict[str, Any], counts: Mapping[str, Any]) -> dict[str, Any]:
    """``total`` plus ``counts`` (flat ``{outcome: n}`` or ``{register: {outcome: n}}``)."""
    for key, value in counts.items():
        if isinstance(value, Mapping):
            add_counts(total.setdefault(key, {}), value)
        else:
            total[key] = total.get(key, 0) + int(value)
    return total


class CountsMerger:
    """Sums the parts of each item and hands each finished row to ``emit`` in item order.

    :param workload: the items (their circuits, parameter values and shots).
    :param emit: called with each finished row: ``{"item", "circuit" | "parameters", "shots",
        "counts", "jobs"}``.
    """

    def __init__(self, workload: Workload, emit: Callable[[dict[str, Any]], None]) -> None:
        self.workload = workload
        self.emit = emit
        #: item -> (counts so far, shots so far, job ids)
        self._open: dict[int, tuple[dict[str, Any], int, list[str]]] = {}
        self.rows = 0
        self.preview: list[dict[str, Any]] = []

    def add(self, part: Part, counts: Mapping[str, Any], job_id: str) -> None:
        """The counts of one part, run by ``job_id``."""
        total, shots, jobs = self._open.get(part.item) or ({}, 0, [])
        add_counts(total, counts)
        shots += part.shots
        if job_id not in jobs:
            jobs.append(job_id)
        if shots < self.workload.shots:
            self._open[part.item] = (total, shots, jobs)
            return
        self._open.pop(part.item, None)
        row = self.row(part.item, total, shots, jobs)
        self.rows += 1
        if len(self.preview) < PREVIEW_ROWS:
            self.preview.append(row)
        self.emit(row)

    def row(self, item: int, counts: dict[str, Any], shots: int, jobs: list[str]) -> dict[str, Any]:
        where: dict[str, Any] = (
            {"parameters": self.workload.values_of(item)}
            if self.workload.is_sweep
            else {"circuit": item}
        )
        return {"item": item, **where, "shots": shots, "counts": counts, "jobs": jobs}

    def close(self) -> None:
        """Every item must have all of its shots (``ValueError`` names the first that has not)."""
        if self._open:
            item = min(self._open)
            raise ValueError(
                f"item {item} has {self._open[item][1]} of its {self.workload.shots} shots: "
                "a part is missing from the merged results"
            )
