"""``results.json`` of a finished task: the simulator's document with the task's own metadata.

The simulators fill ``taskMetadata`` with their local ids and times; the service's document
names the task's ARN, the device's ARN, the task's shots and its own times, which is what
clients read back (the SDK's ``GateModelQuantumTaskResult`` and friends).
"""

from __future__ import annotations

import json
from typing import Any

from airflow_quantum_emulator.braket.store import BraketTask
from airflow_quantum_emulator.clock import iso_utc


def render(task: BraketTask, now: float) -> bytes | None:
    """The bytes of ``results.json`` for a task that completed by ``now`` (None if not)."""
    document = task.job.result()
    if not isinstance(document, dict):
        return None
    document = json.loads(json.dumps(document))  # the job's result is shared by its clones
    metadata: dict[str, Any] = document.get("taskMetadata") or {}
    ended = task.job.ended_at(now) or now
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
    document["taskMetadata"] = metadata
    return json.dumps(document).encode()
