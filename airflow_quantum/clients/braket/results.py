"""Braket's ``results.json`` documents decoded into plain JSON, the shape the other vendors give.

- Gate model (``braket.task_result.gate_model_task_result``): ``counts`` (bitstring -> shots),
  ``probabilities``, ``shots``, ``measured_qubits``, ``result_types``, ``task_metadata``.
  Bitstrings are Braket's: the bit of ``measured_qubits[0]`` first (leftmost), as the SDK's
  ``measurement_counts``. A device that reports only probabilities gets counts rounded from them.
- Program set (``braket.task_result.program_set_task_result``): ``results``, one entry per
  executable (``program_index``, ``inputs_index``, and the gate-model fields, or ``failure``),
  in program order; ``counts`` of the first executable on top, as Azure's multi-result format.
  Entries given as S3 paths are read by the caller (``missing_paths``): a program's relative to
  the task's result folder (``s3Location``), an executable's relative to its program's.
- AHS (``braket.task_result.analog_hamiltonian_simulation_task_result``): ``shots`` (status,
  pre- and post-sequence of each), and ``counts`` of the successful shots' site states in the
  SDK's letters: ``e`` empty site, ``r`` Rydberg (filled, not found after), ``g`` ground.
"""

from __future__ import annotations

import json
import posixpath
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from airflow_quantum.clients.errors import BadResponseError

VENDOR = "Amazon Braket"
GATE_MODEL = "braket.task_result.gate_model_task_result"
PROGRAM_SET = "braket.task_result.program_set_task_result"
PROGRAM_RESULT = "braket.task_result.program_result"
EXECUTABLE_FAILURE = "braket.task_result.program_set_executable_failure"
AHS = "braket.task_result.analog_hamiltonian_simulation_task_result"


def _bad(message: str) -> BadResponseError:
    return BadResponseError(f"unexpected results.json: {message}", vendor=VENDOR)


def parse(payload: bytes | str | Any) -> dict[str, Any]:
    """A results document as a dict (``BadResponseError`` when it is not a JSON object)."""
    if isinstance(payload, bytes | str):
        try:
            payload = json.loads(payload)
        except (ValueError, RecursionError) as exc:
            raise _bad(f"not JSON ({exc})") from None
    if not isinstance(payload, dict):
        raise _bad(f"expected an object, got {type(payload).__name__}")
    return payload


def schema_name(document: Mapping[str, Any]) -> str | None:
    header = document.get("braketSchemaHeader")
    return header.get("name") if isinstance(header, Mapping) else None


def _bits(shot: Any, where: str) -> str:
    # The schema says integers; the digits as text are read too (never a wrong count).
    if not isinstance(shot, list) or not all(bit in (0, 1, "0", "1") for bit in shot):
        raise _bad(f"{where} is not a list of 0/1")
    return "".join("1" if bit in (1, "1") else "0" for bit in shot)


def gate_model(document: Mapping[str, Any]) -> dict[str, Any]:
    """The plain JSON of one gate-model result (a task's, or one executable's)."""
    measurements = document.get("measurements")
    probabilities = document.get("measurementProbabilities")
    metadata = (
        document.get("taskMetadata") if isinstance(document.get("taskMetadata"), dict) else {}
    )
    shots = metadata.get("shots") if isinstance(metadata.get("shots"), int) else None
    if isinstance(measurements, list):
        counts = Counter(_bits(shot, f"measurements[{i}]") for i, shot in enumerate(measurements))
        shots = len(measurements)
        total = shots or 1
        probabilities_out = {key: value / total for key, value in counts.items()}
        counts_out: dict[str, int] | None = dict(sorted(counts.items()))
    elif isinstance(probabilities, Mapping):
        probabilities_out = {str(k): float(v) for k, v in probabilities.items()}
        counts_out = (
            {key: round(p * shots) for key, p in sorted(probabilities_out.items())}
            if shots
            else None
        )
    else:
        probabilities_out, counts_out = {}, None
    decoded: dict[str, Any] = {
        "counts": counts_out,
        "probabilities": dict(sorted(probabilities_out.items())),
        "shots": shots,
        "measured_qubits": document.get("measuredQubits"),
    }
    if document.get("resultTypes"):
        decoded["result_types"] = document["resultTypes"]
    if metadata:
        decoded["task_metadata"] = metadata
    return decoded


def ahs(document: Mapping[str, Any]) -> dict[str, Any]:
    """The plain JSON of an AHS result (see the module docstring)."""
    measurements = document.get("measurements") or []
    if not isinstance(measurements, list):
        raise _bad("AHS measurements is not a list")
    shots, counts = [], Counter()
    for index, shot in enumerate(measurements):
        meta = shot.get("shotMetadata") if isinstance(shot, dict) else None
        result = shot.get("shotResult") if isinstance(shot, dict) else None
        if not isinstance(meta, dict) or not isinstance(result, dict):
            raise _bad(f"AHS measurements[{index}] lacks shotMetadata or shotResult")
        status = meta.get("shotStatus")
        pre, post = result.get("preSequence"), result.get("postSequence")
        shots.append({"status": status, "pre_sequence": pre, "post_sequence": post})
        if status == "Success" and isinstance(pre, list) and isinstance(post, list):
            counts["".join(_site(a, b) for a, b in zip(pre, post, strict=False))] += 1
    return {
        "format": AHS,
        "counts": dict(sorted(counts.items())),
        "shots": shots,
        "successful_shots": sum(1 for shot in shots if shot["status"] == "Success"),
        "task_metadata": document.get("taskMetadata"),
    }


def _site(pre: Any, post: Any) -> str:
    if not pre:
        return "e"
    return "g" if post else "r"


def relative(path: str, program: str | None = None) -> str:
    """Where an entry given as a path lives, relative to the task's result folder: a program's
    path as it is, an executable's relative to the folder of its program's result file (as the
    SDK reads them)."""
    if program is None:
        return path.lstrip("/")
    return posixpath.join(posixpath.dirname(program.lstrip("/")), path)


def program_set(
    document: Mapping[str, Any], fetch: Callable[[str], Mapping[str, Any]]
) -> dict[str, Any]:
    """The plain JSON of a program-set result; ``fetch(path)`` reads an entry given as a
    relative S3 path (``relative``: a program's result, or one executable's)."""
    programs = document.get("programResults")
    if not isinstance(programs, list):
        raise _bad("a program set result has no programResults list")
    results: list[dict[str, Any]] = []
    for program_index, program in enumerate(programs):
        where = program if isinstance(program, str) else None
        program = fetch(relative(program)) if isinstance(program, str) else program
        executables = program.get("executableResults") if isinstance(program, Mapping) else None
        if not isinstance(executables, list):
            raise _bad(f"programResults[{program_index}] has no executableResults list")
        for position, executable in enumerate(executables):
            if isinstance(executable, str):
                executable = fetch(relative(executable, where))
            if not isinstance(executable, Mapping):
                raise _bad(f"programResults[{program_index}].executableResults[{position}]")
            entry: dict[str, Any] = {
                "program_index": program_index,
                "inputs_index": executable.get("inputsIndex", position),
            }
            if schema_name(executable) == EXECUTABLE_FAILURE or "failureMetadata" in executable:
                entry["failure"] = executable.get("failureMetadata")
            else:
                entry.update(gate_model(executable))
            results.append(entry)
    metadata = document.get("taskMetadata")
    if isinstance(metadata, str):
        metadata = fetch(relative(metadata))
    head = next((r for r in results if "counts" in r), {})
    return {
        "format": PROGRAM_SET,
        "results": results,
        "counts": head.get("counts"),
        "shots": sum(r.get("shots") or 0 for r in results),
        "task_metadata": metadata if isinstance(metadata, dict) else None,
    }


def missing_paths(document: Mapping[str, Any], known: Mapping[str, Any]) -> list[str]:
    """The entries (``relative`` paths) a program-set result still needs read, given those
    ``known`` already: its programs' results first, then their executables'."""
    if schema_name(document) != PROGRAM_SET or not isinstance(document.get("programResults"), list):
        return []
    missing: list[str] = []
    metadata = document.get("taskMetadata")
    if isinstance(metadata, str) and relative(metadata) not in known:
        missing.append(relative(metadata))
    for program in document["programResults"]:
        where = None
        if isinstance(program, str):
            where = relative(program)
            if where not in known:
                missing.append(where)
                continue
            program = known[where]
        executables = program.get("executableResults") if isinstance(program, Mapping) else None
        for executable in executables if isinstance(executables, list) else ():
            if isinstance(executable, str) and relative(executable, where) not in known:
                missing.append(relative(executable, where))
    return list(dict.fromkeys(missing))


def decode(
    payload: bytes | str | Mapping[str, Any],
    fetch: Callable[[str], Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Decode a ``results.json`` (see the module docstring); an unknown format is returned as
    ``{"format": name, "data": document}``."""
    document = parse(payload)
    name = schema_name(document)
    if name == GATE_MODEL:
        return {"format": GATE_MODEL, **gate_model(document)}
    if name == AHS:
        return ahs(document)
    if name == PROGRAM_SET:
        return program_set(document, fetch or _no_fetch)
    return {"format": name, "data": document}


def _no_fetch(path: str) -> Mapping[str, Any]:
    raise _bad(f"the entry {path!r} is an S3 path and no reader was given")
