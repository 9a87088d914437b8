"""IBM Quantum's face of a sweep: its limits, a chunk as Sampler pubs, counts per part.

Limits: the backend's own ``max_shots`` (its configuration) and the job validation service's
10 million executions per job (circuits after broadcasting x shots; IBM's docs "Job limits",
the wire facts of 2026-12-07). A chunk of a parameter sweep is one pub per run of parts with
the same shots (``(circuit, rows, shots)``: the service broadcasts the rows), so a 2,000-point
sweep of 1,000 shots is a single job.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from itertools import groupby
from typing import Any

from airflow_quantum.clients.errors import BadResponseError, InvalidInputError
from airflow_quantum.clients.ibm.prepared import IBMPreparedJob
from airflow_quantum.sweeps.limits import Chunk, JobLimits, Part
from airflow_quantum.sweeps.workload import Workload

#: Executions (circuits after broadcasting x shots) one job may hold: IBM's job validation.
MAX_EXECUTIONS = 10_000_000
#: The Estimator's default precision (qiskit-ibm-runtime's ``default_precision``).
DEFAULT_PRECISION = 0.015625


def precision_shots(precision: float) -> int:
    """The shots a precision stands for when an Estimator sweep is cut: ``1 / precision^2``
    (the service chooses its own shots; this only sizes the chunks)."""
    return math.ceil(1 / precision**2)


def shots_precision(shots: int) -> float:
    """The precision a part of ``shots`` (of an item cut over jobs) is asked for."""
    return 1 / math.sqrt(shots)


LIMITS_AS_OF = "2026-12-07"


def limits(backend: str, max_shots: int | None, circuits_per_item: int = 1) -> JobLimits:
    """The limits of a job on ``backend`` whose configuration gives ``max_shots``; an item is
    ``circuits_per_item`` circuits after broadcasting (an Estimator item with a list of
    observables: one per observable), each run with the item's shots."""
    per_item = "" if circuits_per_item == 1 else f" / {circuits_per_item} observables an item"
    return JobLimits(
        max_shots=max_shots,
        max_executions=MAX_EXECUTIONS // circuits_per_item,
        source=(
            f"shots: {backend}'s configuration; executions: IBM job validation{per_item} "
            f"(as of {LIMITS_AS_OF})"
        ),
    )


def observable_count(observables: Any) -> int:
    """How many circuits an Estimator item is after broadcasting: 1 for one observable, the
    length of a list of them (``InvalidInputError`` for a nested list)."""
    if not isinstance(observables, list | tuple):
        return 1
    if not observables or any(isinstance(item, list | tuple) for item in observables):
        raise InvalidInputError(
            "observables of a sweep are one observable or a flat, non-empty list of them"
        )
    return len(observables)


def _pub_groups(workload: Workload, chunk: Chunk) -> Iterator[tuple[Part, ...]]:
    """The parts of each pub: in a sweep, consecutive parts with the same shots share one;
    in a batch every part is its own pub."""
    if not workload.is_sweep:
        for part in chunk.parts:
            yield (part,)
        return
    for _, parts in groupby(chunk.parts, key=lambda part: part.shots):
        yield tuple(parts)


def sampler_job(
    workload: Workload, chunk: Chunk, backend: str, **sampler_options: Any
) -> IBMPreparedJob:
    """The Sampler job of ``chunk`` (``sampler_options``: those of ``IBMPreparedJob.sampler``)."""
    pubs: list[Any] = []
    for parts in _pub_groups(workload, chunk):
        circuit = workload.circuit_of(parts[0].item)
        rows = [list(workload.rows[part.item]) for part in parts] if workload.is_sweep else None
        pubs.append((circuit, rows, parts[0].shots))
    return IBMPreparedJob.sampler(pubs, backend, **sampler_options)


def estimator_job(
    workload: Workload, chunk: Chunk, backend: str, observable: Any, **estimator_options: Any
) -> IBMPreparedJob:
    """The Estimator job of ``chunk``: ``observable`` (one, or a list) on every item, each pub's
    precision that of its parts' shots (``estimator_options``: those of
    ``IBMPreparedJob.estimator``).

    A list of M observables is broadcast against the rows as Qiskit Runtime's pubs are: the
    rows go as parameter values of shape (rows, 1, parameters), so the pub's shape is (rows, M)
    and each row gets M values."""
    listed = isinstance(observable, list | tuple)
    pubs: list[Any] = []
    for parts in _pub_groups(workload, chunk):
        circuit = workload.circuit_of(parts[0].item)
        rows = None
        if workload.is_sweep:
            rows = [
                [list(workload.rows[part.item])] if listed else list(workload.rows[part.item])
                for part in parts
            ]
        pubs.append((circuit, observable, rows, shots_precision(parts[0].shots)))
    return IBMPreparedJob.estimator(pubs, None, backend, **estimator_options)


def part_values(workload: Workload, chunk: Chunk, result: Mapping[str, Any]) -> Iterator[Any]:
    """``{"ev", "std"}`` of each part of ``chunk``, in order, from the Estimator result."""
    for parts, pub in _pubs(workload, chunk, result):
        evs, stds = pub.get("evs"), pub.get("stds")
        if not workload.is_sweep:
            yield {"ev": evs, "std": stds}
            continue
        if not (isinstance(evs, list) and isinstance(stds, list) and len(evs) == len(stds)):
            raise _bad(chunk, f"a pub of {len(parts)} rows has no value per row")
        if len(evs) != len(parts):
            raise _bad(chunk, f"a pub of {len(parts)} rows has {len(evs)} values")
        for ev, std in zip(evs, stds, strict=True):
            yield {"ev": ev, "std": std}


def part_counts(workload: Workload, chunk: Chunk, result: Mapping[str, Any]) -> Iterator[Any]:
    """The counts of each part of ``chunk``, in order, from the decoded Sampler result."""
    for parts, pub in _pubs(workload, chunk, result):
        counts = pub.get("counts")
        if not workload.is_sweep:
            yield counts
            continue
        if not isinstance(counts, list) or len(counts) != len(parts):
            raise _bad(chunk, f"a pub of {len(parts)} rows has no counts per row")
        yield from counts


def _pubs(
    workload: Workload, chunk: Chunk, result: Mapping[str, Any]
) -> list[tuple[tuple[Part, ...], Mapping[str, Any]]]:
    """Each pub's parts and its result (``BadResponseError`` when they do not pair up)."""
    pub_results = result.get("pub_results") or []
    groups = list(_pub_groups(workload, chunk))
    if len(pub_results) != len(groups):
        raise _bad(chunk, f"{len(pub_results)} pub results for {len(groups)} pubs")
    return list(zip(groups, pub_results, strict=True))


def _bad(chunk: Chunk, what: str) -> BadResponseError:
    return BadResponseError(f"chunk {chunk.index}: {what}", vendor="IBM Quantum")
