"""Amazon Braket's face of a sweep: program sets where the device runs them, each device's shot
range, one task per circuit elsewhere.

The limits are the device's own (``GetDevice``'s capabilities). Its ``shotsRange`` caps the
shots of one task: more (8,192 shots on AQT Ibex-Q1, which takes at most 2,000) are split over
tasks of (nearly) equal shots and summed. A device that runs ``braket.ir.openqasm.program_set``
(IQM, Rigetti) takes a chunk as one program set of at most ``maximumExecutables`` (100)
executables, all with the same shots (the task's shots are shared evenly among them); anywhere
else a chunk is one circuit, one task. Whether a program set's ``shotsRange`` bounds its total
shots or each executable's is UNVERIFIED: a chunk keeps its total within the range and within
``maximumTotalShots``, which is right under either reading (the emulator refuses a total over
the range).

A sweep's circuit takes its parameters as OpenQASM 3 ``input`` values, bound by the service: in a
program set, one program with a list of values per input (one executable per row); in a single
task, the row's values.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from airflow_quantum.clients.braket.prepared import (
    MAX_EXECUTABLES,
    OPENQASM_PROGRAM,
    PROGRAM_SET,
    BraketPreparedJob,
)
from airflow_quantum.clients.braket.results import PROGRAM_SET as PROGRAM_SET_RESULT
from airflow_quantum.clients.errors import BadResponseError, InvalidInputError
from airflow_quantum.sweeps.limits import Chunk, JobLimits
from airflow_quantum.sweeps.workload import Workload


def runs_program_sets(device: Any) -> bool:
    """Whether ``device`` (a ``BraketDevice``) runs program sets."""
    return PROGRAM_SET in device.supported_actions


def limits(device: Any) -> JobLimits:
    """The limits of one task on ``device`` (a ``BraketDevice``)."""
    actions = device.supported_actions
    if actions and OPENQASM_PROGRAM not in actions and PROGRAM_SET not in actions:
        raise InvalidInputError(
            f"the device {device.name or device.arn} runs {', '.join(actions)}: a sweep needs "
            "one that runs OpenQASM 3 programs"
        )
    shots_range = device.shots_range
    max_shots = shots_range[1] if shots_range else None
    source = f"{device.name or device.arn}'s capabilities"
    if not runs_program_sets(device):
        return JobLimits(max_items=1, max_shots=max_shots, source=f"one circuit a task; {source}")
    executables = device.action_limit(PROGRAM_SET, "maximumExecutables") or MAX_EXECUTABLES
    totals = [
        total
        for total in (max_shots, device.action_limit(PROGRAM_SET, "maximumTotalShots"))
        if total is not None
    ]
    return JobLimits(
        max_items=min(executables, MAX_EXECUTABLES),
        max_shots=max_shots,
        max_executions=min(totals) if totals else None,
        uniform_shots=True,
        source=f"program sets; {source}",
    )


def chunk_job(
    workload: Workload, chunk: Chunk, device_arn: str, program_set: bool, **options: Any
) -> BraketPreparedJob:
    """The task of ``chunk``: a program set (``program_set``: the device runs them) or one
    program with its row's inputs (``options``: those every ``BraketPreparedJob`` takes)."""
    parts = chunk.parts
    if not program_set:
        (part,) = parts
        return BraketPreparedJob.openqasm(
            workload.circuit_of(part.item),
            device_arn,
            part.shots,
            inputs=workload.values_of(part.item) or None,
            **options,
        )
    if workload.is_sweep:
        inputs = {
            name: [workload.rows[part.item][column] for part in parts]
            for column, name in enumerate(workload.names)
        }
        programs: list[Any] = [(workload.circuits[0], inputs)]
    else:
        programs = [workload.circuit_of(part.item) for part in parts]
    return BraketPreparedJob.program_set(programs, device_arn, parts[0].shots, **options)


def part_counts(chunk: Chunk, result: Mapping[str, Any]) -> Iterator[Any]:
    """The counts of each part of ``chunk``, in order, from the decoded task result: a program
    set's executables in (program, inputs) order, or the one program's counts."""
    if result.get("format") != PROGRAM_SET_RESULT:
        if len(chunk.parts) != 1:
            raise _bad(chunk, f"one result for {len(chunk.parts)} circuits")
        yield _counts(chunk, result, "the task")
        return
    entries = sorted(
        result.get("results") or [],
        key=lambda entry: (entry.get("program_index", 0), entry.get("inputs_index", 0)),
    )
    if len(entries) != len(chunk.parts):
        raise _bad(chunk, f"{len(entries)} executable results for {len(chunk.parts)} circuits")
    for position, entry in enumerate(entries):
        if entry.get("failure") is not None:
            raise _bad(chunk, f"executable {position} failed: {entry['failure']!r:.200}")
        yield _counts(chunk, entry, f"executable {position}")


def _counts(chunk: Chunk, result: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    counts = result.get("counts")
    if not isinstance(counts, Mapping):
        raise _bad(chunk, f"{where} has no counts")
    return counts


def _bad(chunk: Chunk, what: str) -> BadResponseError:
    return BadResponseError(f"chunk {chunk.index}: {what}", vendor="Amazon Braket")
