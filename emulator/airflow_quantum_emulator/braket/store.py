"""What the Braket side remembers beside the shared job registry: tasks, tokens, devices, tags.

A task's status is derived from its ``EmulatedJob`` on every read (see ``status``), so that no
background work moves tasks along. ``pending`` keeps the tasks whose ``results.json`` is not
written yet, indexed by output directory: S3 reads write the results of the tasks they look
for (``settle``), and so does reading the task.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from airflow_quantum_emulator.braket.devices import ALL_DAY, Device
from airflow_quantum_emulator.braket.s3 import ObjectStore
from airflow_quantum_emulator.braket.sigv4 import TemporaryCredentials
from airflow_quantum_emulator.config import BRAKET_ACCOUNT
from airflow_quantum_emulator.jobs import EmulatedJob, Phase

#: ``queueInfo.position`` while a task waits for its device's execution window (AWS's word).
NOT_QUEUED = "None"


@dataclass
class DeviceState:
    """What the control API changed of a device: availability, windows, extra queue."""

    status: str = "ONLINE"
    windows: tuple[dict[str, str], ...] = ALL_DAY
    queue_size: int = 0


@dataclass
class BraketTask:
    """The wire fields of one quantum task; timing and outcome live in its ``EmulatedJob``."""

    job: EmulatedJob
    region: str
    device: Device
    shots: int
    bucket: str
    prefix: str
    action: str
    action_type: str
    device_parameters: str | None
    tags: dict[str, str]
    client_token: str
    #: When the task leaves CREATED for QUEUED (its device's window opens).
    queued_at: float
    estimated_cost: float
    program_count: int | None = None
    executable_count: int | None = None
    job_arn: str | None = None
    associations: list[dict[str, str]] = field(default_factory=list)
    cancel_requested_at: float | None = None
    #: Whether its result files are written (or it ended without any).
    result_written: bool = False

    @property
    def task_id(self) -> str:
        return self.job.job_id

    @property
    def arn(self) -> str:
        return task_arn(self.region, self.task_id)

    @property
    def directory(self) -> str:
        """``outputS3Directory``: the key prefix of the task's ``results.json``."""
        return f"{self.prefix}/{self.task_id}"

    def status(self, now: float) -> str:
        phase = self.job.phase(now)
        if phase is Phase.CANCELLED:
            return "CANCELLED"
        if self.cancel_requested_at is not None and not phase.final:
            return "CANCELLING"
        if phase is Phase.QUEUED:
            return "CREATED" if now < self.queued_at else "QUEUED"
        if phase in (Phase.RUNNING, Phase.FINISHING):
            return "RUNNING"
        return "COMPLETED" if phase is Phase.SUCCEEDED else "FAILED"

    def same_request(self, body: dict[str, Any]) -> bool:
        """Whether ``body`` asks for this very task (a retry with its ``clientToken``)."""
        return (
            body.get("deviceArn") == self.device.arn
            and body.get("shots") == self.shots
            and body.get("outputS3Bucket") == self.bucket
            and body.get("outputS3KeyPrefix") == self.prefix
            and _json_equal(body.get("action"), self.action)
            and _json_equal(body.get("deviceParameters"), self.device_parameters)
        )


def _json_equal(left: Any, right: Any) -> bool:
    if left == right:
        return True
    try:
        return json.loads(left) == json.loads(right)
    except (TypeError, ValueError):
        return False


def task_arn(region: str, task_id: str) -> str:
    return f"arn:aws:braket:{region}:{BRAKET_ACCOUNT}:quantum-task/{task_id}"


def new_task_id() -> str:
    return str(uuid.uuid4())


class BraketStore:
    """Quantum tasks, client tokens, device states, spending limits and the S3 subset."""

    def __init__(self) -> None:
        self.tasks: dict[str, BraketTask] = {}
        #: (region, clientToken) -> task id.
        self.tokens: dict[tuple[str, str], str] = {}
        self.devices: dict[str, DeviceState] = {}
        #: Temporary credentials the control API issued, by access key id.
        self.credentials: dict[str, TemporaryCredentials] = {}
        #: Spending limits by ARN (``spending.SpendingLimit``).
        self.limits: dict[str, Any] = {}
        self.objects = ObjectStore()
        #: Tasks whose results.json is not written yet, by (bucket, directory).
        self.pending: dict[tuple[str, str], BraketTask] = {}
        #: A finished task's result files, by key relative to its directory (set by the
        #: router: it needs the clock and the config).
        self.render_results: Callable[[BraketTask], dict[str, bytes]] = lambda task: {}

    def reset(self) -> None:
        self.tasks.clear()
        self.tokens.clear()
        self.devices.clear()
        self.limits.clear()
        self.credentials.clear()
        self.objects.reset()
        self.pending.clear()

    def new_job_id(self) -> str:
        return new_task_id()

    def reference(self, job_id: str) -> str:
        task = self.tasks.get(job_id)
        return task.arn if task is not None else job_id

    def add(self, task: BraketTask) -> None:
        self.tasks[task.task_id] = task
        self.tokens[(task.region, task.client_token)] = task.task_id
        self.pending[(task.bucket, task.directory)] = task
        self.objects.ensure_bucket(task.bucket)

    def clone(self, job_id: str, job: EmulatedJob) -> bool:
        """Add a twin of task ``job_id`` (same device, program and output) living as ``job``."""
        task = self.tasks.get(job_id)
        if task is None:
            return False
        twin = replace(
            task,
            job=job,
            tags=dict(task.tags),
            client_token=new_task_id(),
            queued_at=job.created_at,
            cancel_requested_at=None,
            result_written=False,
        )
        self.add(twin)
        return True

    def device_state(self, device: Device) -> DeviceState:
        return self.devices.get(device.arn) or DeviceState()

    def task(self, arn: str, region: str) -> BraketTask | None:
        """The task of ``arn`` if it lives in ``region``."""
        task_id = arn.rsplit("/", 1)[-1]
        task = self.tasks.get(task_id)
        if task is None or task.arn != arn or task.region != region:
            return None
        return task

    def by_token(self, region: str, token: str) -> BraketTask | None:
        task_id = self.tokens.get((region, token))
        return None if task_id is None else self.tasks.get(task_id)

    def settle(self, task: BraketTask, now: float) -> None:
        """Write the results of ``task`` if it has just completed; forget it once final."""
        if task.result_written:
            return
        phase = task.job.phase(now)
        if not phase.final:
            return
        key = (task.bucket, task.directory)
        if phase is Phase.SUCCEEDED:
            for name, body in self.render_results(task).items():
                self.objects.put(task.bucket, f"{task.directory}/{name}", body, now)
        task.result_written = True
        self.pending.pop(key, None)

    def settle_under(self, bucket: str, prefix: str, now: float) -> None:
        """Settle the pending tasks whose output lies under ``prefix`` of ``bucket``."""
        for (pending_bucket, directory), task in list(self.pending.items()):
            if pending_bucket == bucket and (
                directory.startswith(prefix) or prefix.startswith(directory)
            ):
                self.settle(task, now)

    def queued_on(self, device: Device, now: float) -> list[BraketTask]:
        """Tasks waiting on ``device`` at ``now`` (QUEUED, not CREATED), in queue order."""
        queued = [
            task
            for task in self.pending.values()
            if task.device.arn == device.arn and task.status(now) == "QUEUED"
        ]
        queued.sort(key=lambda task: (task.job.starts_at, task.job.created_at))
        return queued
