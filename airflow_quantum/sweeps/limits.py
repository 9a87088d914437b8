"""How much one job may hold, and cutting a workload into jobs (chunks) within it.

Pure functions on plain numbers: a workload is a list of items (circuits after broadcasting: a
circuit with one row of parameter values) each with its shots. An item whose shots exceed what
one job may run is split into parts of (nearly) equal shots, run in several jobs and summed when
merged. Parts are packed into chunks in order, a new chunk starting when the next part would
break a limit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from airflow_quantum.clients.errors import InvalidInputError


@dataclass(frozen=True)
class JobLimits:
    """What one job of a vendor may hold (None: no limit of that kind).

    :param max_items: items (circuits after broadcasting) per job; Azure: 1.
    :param max_shots: shots of one item in one job (a backend's or target's maximum).
    :param max_executions: items x shots summed over a job (IBM: 10 million).
    :param source: where the numbers come from (the backend itself, or a dated table).
    :param uniform_shots: every part of one job has the same shots (a Braket program set: the
        task's shots are shared evenly among its executables).
    """

    max_items: int | None = None
    max_shots: int | None = None
    max_executions: int | None = None
    source: str = ""
    uniform_shots: bool = False

    def __post_init__(self) -> None:
        for name in ("max_items", "max_shots", "max_executions"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise InvalidInputError(f"{name} must be a whole number or None, got {value!r}")
            if value is not None and value < 1:
                raise InvalidInputError(f"{name} must be at least 1, got {value}")

    @property
    def shots_per_part(self) -> int | None:
        """The most shots one part of an item may have in one job."""
        caps = [cap for cap in (self.max_shots, self.max_executions) if cap is not None]
        return min(caps) if caps else None

    def describe(self) -> str:
        words = []
        if self.max_items is not None:
            words.append(f"{self.max_items} circuit(s) per job")
        if self.max_shots is not None:
            words.append(f"{self.max_shots} shots per circuit")
        if self.max_executions is not None:
            words.append(f"{self.max_executions} executions per job")
        text = ", ".join(words) or "no limits"
        return f"{text} ({self.source})" if self.source else text


class Part(NamedTuple):
    """Some (or all) of the shots of one item, run in one chunk."""

    item: int
    shots: int


class Chunk(NamedTuple):
    """The work of one job: its index in the workload and its parts, in item order."""

    index: int
    parts: tuple[Part, ...]

    @property
    def executions(self) -> int:
        return sum(part.shots for part in self.parts)


def shot_parts(item: int, shots: int, cap: int | None) -> list[Part]:
    """``shots`` of ``item`` as parts of at most ``cap`` shots, as equal as they can be (so
    that parts of a parameter sweep keep sharing one shot count)."""
    if isinstance(shots, bool) or not isinstance(shots, int) or shots < 1:
        raise InvalidInputError(f"item {item}: shots must be a whole number >= 1, got {shots!r}")
    if cap is None or shots <= cap:
        return [Part(item, shots)]
    count = math.ceil(shots / cap)
    base, extra = divmod(shots, count)
    return [Part(item, base + (1 if index < extra else 0)) for index in range(count)]


def split(shots: Iterable[int], limits: JobLimits) -> Iterator[Chunk]:
    """The chunks of a workload whose item ``i`` has ``shots[i]`` shots, within ``limits``.

    Every chunk holds at most ``max_items`` parts and ``max_executions`` executions; every part
    at most ``max_shots`` shots; the parts of one item add up to its shots; with
    ``uniform_shots`` the parts of a chunk have one shot count. A generator: a
    100,000-item sweep is cut as it is submitted.
    """
    cap = limits.shots_per_part
    parts: list[Part] = []
    executions = 0
    index = 0
    for item, item_shots in enumerate(shots):
        for part in shot_parts(item, item_shots, cap):
            full_items = limits.max_items is not None and len(parts) >= limits.max_items
            full_shots = (
                limits.max_executions is not None
                and executions + part.shots > limits.max_executions
            )
            other_shots = limits.uniform_shots and parts and parts[-1].shots != part.shots
            if parts and (full_items or full_shots or other_shots):
                yield Chunk(index, tuple(parts))
                index += 1
                parts, executions = [], 0
            parts.append(part)
            executions += part.shots
    if parts:
        yield Chunk(index, tuple(parts))
