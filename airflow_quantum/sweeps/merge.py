"""One table back from many jobs: the parts of each item combined, one row per item.

Chunks are read one at a time and in order, and the parts of an item sit in consecutive chunks,
so only the items still being combined are held: a row is handed on (to the object-storage
writer) as soon as all of its shots are in. A 100,000-circuit sweep never sits in memory whole.

How parts combine is a ``Combiner``: counts add up (``COUNTS``); expectation values are the
shot-weighted mean of the parts' and their standard errors combine as for any weighted mean of
independent estimates, ``sqrt(sum(w_i^2 std_i^2))`` with ``w_i = shots_i / shots``
(``EXPECTATIONS``), element by element when an item has a value per observable.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Combiner:
    """How the results of an item's parts make its row.

    ``add(acc, result, shots)`` folds one part's result in (``acc`` is None at first);
    ``finish(acc, shots)`` gives the row's fields.
    """

    add: Callable[[Any, Any, int], Any]
    finish: Callable[[Any, int], dict[str, Any]]


def _each(function: Callable[..., Any], *values: Any) -> Any:
    """``function`` applied element by element: to numbers, or down nested lists of one shape
    (an item's values for a list of observables)."""
    if isinstance(values[0], list):
        return [_each(function, *items) for items in zip(*values, strict=True)]
    return function(*values)


def _add_expectation(acc: Any, result: Mapping[str, Any], shots: int) -> tuple[Any, Any]:
    ev = result["ev"]
    std = result.get("std")
    if std is None:
        std = _each(lambda _: 0.0, ev)
    weighted, variance = acc or (_each(lambda _: 0.0, ev), _each(lambda _: 0.0, ev))
    return (
        _each(lambda w, e: w + shots * float(e), weighted, ev),
        _each(lambda v, s: v + (shots * float(s or 0.0)) ** 2, variance, std),
    )


def _finish_expectation(acc: tuple[Any, Any], shots: int) -> dict[str, Any]:
    weighted, variance = acc
    return {
        "ev": _each(lambda w: w / shots, weighted),
        "std": _each(lambda v: math.sqrt(v) / shots, variance),
    }


COUNTS = Combiner(
    add=lambda acc, counts, shots: add_counts({} if acc is None else acc, counts),
    finish=lambda acc, shots: {"counts": acc},
)
EXPECTATIONS = Combiner(add=_add_expectation, finish=_finish_expectation)


class RowMerger:
    """Combines the parts of each item and hands each finished row to ``emit`` in order.

    :param workload: the items (their circuits, parameter values and shots).
    :param emit: called with each finished row: ``{"item", "circuit" | "parameters",
        "shots", <the combiner's fields>, "jobs"}``.
    :param combiner: how parts combine (default: counts add up).
    """

    def __init__(
        self,
        workload: Workload,
        emit: Callable[[dict[str, Any]], None],
        combiner: Combiner = COUNTS,
    ) -> None:
        self.workload = workload
        self.emit = emit
        self.combiner = combiner
        #: item -> (combined so far, shots so far, job ids)
        self._open: dict[int, tuple[Any, int, list[str]]] = {}
        self.rows = 0
        self.preview: list[dict[str, Any]] = []

    def add(self, part: Part, result: Any, job_id: str) -> None:
        """The result of one part (its counts, or its expectation value), run by ``job_id``."""
        acc, shots, jobs = self._open.get(part.item) or (None, 0, [])
        acc = self.combiner.add(acc, result, part.shots)
        shots += part.shots
        if job_id not in jobs:
            jobs.append(job_id)
        if shots < self.workload.shots:
            self._open[part.item] = (acc, shots, jobs)
            return
        self._open.pop(part.item, None)
        row = self.row(part.item, self.combiner.finish(acc, shots), shots, jobs)
        self.rows += 1
        if len(self.preview) < PREVIEW_ROWS:
            self.preview.append(row)
        self.emit(row)

    def row(self, item: int, fields: dict[str, Any], shots: int, jobs: list[str]) -> dict[str, Any]:
        where: dict[str, Any] = (
            {"parameters": self.workload.values_of(item)}
            if self.workload.is_sweep
            else {"circuit": item}
        )
        return {"item": item, **where, "shots": shots, **fields, "jobs": jobs}

    def close(self) -> None:
        """Every item must have all of its shots (``ValueError`` names the first that has not)."""
        if self._open:
            item = min(self._open)
            raise ValueError(
                f"item {item} has {self._open[item][1]} of its {self.workload.shots} shots: "
                "a part is missing from the merged results"
            )
