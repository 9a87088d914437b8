"""The result files of a finished task: ``results.json`` with the task's own metadata.

The simulators fill ``taskMetadata`` with their local ids and times; the service's document
names the task's ARN, the device's ARN, the task's shots and its own times, which is what
clients read back (the SDK's ``GateModelQuantumTaskResult`` and friends).

A program set's ``results.json`` holds relative S3 paths by default
(``braket_program_set_results = files``): ``s3Location`` names the task's directory and every
part (``taskMetadata``, each program's result, its source and each executable's result) is a
file of its own under it, which is how the SDK's ``ProgramSetQuantumTaskResult`` reads them
back: each program's result is a ``results.json`` in a folder of its own, and the paths in it
are relative to that folder (the SDK strips ``/results.json`` to find them). The folder and
file names are the emulator's (UNVERIFIED: the service's are not documented);
``inline`` writes one document instead, which the schema allows too.
"""

from __future__ import annotations

import json
from typing import Any

from airflow_quantum_emulator.braket.store import BraketTask
from airflow_quantum_emulator.clock import iso_utc

RESULTS = "results.json"


def files(task: BraketTask, now: float, program_set_layout: str = "files") -> dict[str, bytes]:
    """The files (relative key -> bytes) of a task that completed by ``now``."""
    document = task.job.result()
    if not isinstance(document, dict):
        return {}
    document = json.loads(json.dumps(document))  # the job's result is shared by its clones
    ended = task.job.ended_at(now) or now
    document["taskMetadata"] = _metadata(task, document.get("taskMetadata") or {}, ended)
    for result in [document, *_executables(document)]:
        _bits_as_integers(result)
    if "programResults" not in document or program_set_layout != "files":
        return {RESULTS: _encode(document)}
    out: dict[str, bytes] = {"metadata.json": _encode(document["taskMetadata"])}
    program_paths = []
    for index, program in enumerate(document["programResults"]):
        base = f"programs/{index}"
        executable_paths = []
        for number, executable in enumerate(program.get("executableResults") or []):
            out[f"{base}/executables/{number}.json"] = _encode(executable)
            executable_paths.append(f"executables/{number}.json")
        out[f"{base}/program.json"] = _encode(program["source"])
        # The parts of a program's result are relative to its own folder.
        out[f"{base}/{RESULTS}"] = _encode(
            {**program, "source": "program.json", "executableResults": executable_paths}
        )
        program_paths.append(f"{base}/{RESULTS}")
    out[RESULTS] = _encode(
        {
            "braketSchemaHeader": document["braketSchemaHeader"],
            "programResults": program_paths,
            "taskMetadata": "metadata.json",
            "s3Location": [task.bucket, task.directory],
        }
    )
    return out


def _metadata(task: BraketTask, metadata: dict[str, Any], ended: float) -> dict[str, Any]:
    metadata.update(
        {
            "id": task.arn,
            "deviceId": task.device.arn,
            "createdAt": iso_utc(task.job.created_at, 3),
            "endedAt": iso_utc(ended, 3),
            "status": "COMPLETED",
        }
    )
    if "shots" in metadata:
        metadata["shots"] = task.shots
    if task.device_parameters and "deviceParameters" in metadata:
        metadata["deviceParameters"] = json.loads(task.device_parameters)
    return metadata


def _executables(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        executable
        for program in document.get("programResults") or []
        for executable in program.get("executableResults") or []
    ]


def _bits_as_integers(result: dict[str, Any]) -> None:
    """A gate-model result's ``measurements`` as the service writes them: 0 and 1 (the schema's
    ``conint(ge=0, le=1)``), where the local simulators give the characters ``"0"`` and ``"1"``.
    AHS measurements (one object a shot) are left as they are."""
    shots = result.get("measurements")
    if isinstance(shots, list) and all(isinstance(shot, list) for shot in shots):
        result["measurements"] = [[int(bit) for bit in shot] for shot in shots]


def _encode(document: Any) -> bytes:
    return json.dumps(document).encode()
