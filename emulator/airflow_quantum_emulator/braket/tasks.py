"""Quantum task routes: CreateQuantumTask, GetQuantumTask, CancelQuantumTask, SearchQuantumTasks.

``clientToken``: botocore fills it with a new UUID per call unless the caller gives one, and
the model marks it the request's idempotency token. What the service does with a token seen
before is not documented for tasks (for spending limits: "Amazon Braket ignores the request,
but does not return an error"); the emulator (``braket_client_token = idempotent``, the
default) answers the first task's ARN for the same request, and a 400 ValidationException for
a different one; ``first`` answers the first task's ARN whatever the body; ``ignored`` creates
a new task each time, so that clients can be tested against each.
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from airflow_quantum_emulator.bodies import read_json, validate
from airflow_quantum_emulator.braket import programs
from airflow_quantum_emulator.braket.devices import BY_ARN, Device, serves
from airflow_quantum_emulator.braket.search import (
    OPERATORS,
    FilterName,
    FilterValues,
    apply_filters,
    page,
)
from airflow_quantum_emulator.braket.sigv4 import Caller
from airflow_quantum_emulator.braket.store import NOT_QUEUED, BraketStore, BraketTask, new_task_id
from airflow_quantum_emulator.braket.windows import next_open
from airflow_quantum_emulator.clock import iso_utc, parse_iso
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.jobs import EmulatedJob, JobFailure
from airflow_quantum_emulator.state import EmulatorState

String64 = Annotated[StrictStr, Field(min_length=1, max_length=64)]


class Association(BaseModel):
    model_config = ConfigDict(extra="forbid")
    arn: StrictStr = Field(pattern=r"^arn:aws[a-z\-]*:braket:[a-z0-9\-]*:[0-9]{12}:.*")
    type: Literal["RESERVATION_TIME_WINDOW_ARN"]


class CreateQuantumTaskRequest(BaseModel):
    """Body of ``POST /quantum-task`` (botocore's ``CreateQuantumTaskRequest``)."""

    model_config = ConfigDict(extra="forbid")
    clientToken: String64
    deviceArn: Annotated[StrictStr, Field(min_length=1, max_length=256)]
    shots: Annotated[StrictInt, Field(ge=0)]
    outputS3Bucket: Annotated[StrictStr, Field(min_length=3, max_length=63)]
    outputS3KeyPrefix: Annotated[StrictStr, Field(min_length=1, max_length=1024)]
    action: StrictStr
    deviceParameters: Annotated[StrictStr, Field(min_length=1, max_length=48000)] | None = None
    tags: dict[StrictStr, StrictStr] | None = None
    jobToken: Annotated[StrictStr, Field(min_length=1, max_length=128)] | None = None
    associations: Annotated[list[Association], Field(max_length=1)] | None = None
    experimentalCapabilities: dict[str, Any] | None = None

    @field_validator("deviceParameters")
    @classmethod
    def _json_document(cls, value: str | None) -> str | None:
        # botocore sends it as a JSON value encoded in a string (``jsonvalue``), as ``action``.
        if value is not None:
            try:
                json.loads(value)
            except ValueError:
                raise ValueError("deviceParameters is not a valid JSON document") from None
        return value


class CancelQuantumTaskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    clientToken: String64


class SearchFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: FilterName
    values: FilterValues
    operator: Literal[OPERATORS]  # type: ignore[valid-type]


class SearchQuantumTasksRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    filters: Annotated[list[SearchFilter], Field(max_length=10)]
    maxResults: Annotated[StrictInt, Field(ge=1, le=100)] | None = None
    nextToken: StrictStr | None = None


def build_tasks_router(
    state: EmulatorState, store: BraketStore, authenticate: Any, check_spend: Any
) -> APIRouter:
    """The quantum task routes, bound to ``state`` and the Braket ``store``."""
    router = APIRouter(tags=["Amazon Braket"])

    def find(arn: str, caller: Caller) -> BraketTask:
        task = store.task(arn, caller.region)
        if task is None:
            raise VendorError(404, f"Quantum task {arn} not found.")
        store.settle(task, state.now())
        return task

    @router.post("/quantum-task", status_code=201)
    async def create_task(request: Request, caller: Caller = Depends(authenticate)) -> Response:
        body = await read_json(request)
        spec = validate(CreateQuantumTaskRequest, body, "CreateQuantumTask request")
        config = state.config

        def replay() -> Response | None:
            earlier = store.by_token(caller.region, spec.clientToken)
            if earlier is None or config.braket_client_token == "ignored":
                return None
            if earlier.same_request(body) or config.braket_client_token == "first":
                return JSONResponse({"quantumTaskArn": earlier.arn}, 201)
            raise VendorError(
                400,
                f"The clientToken {spec.clientToken} was already used for quantum task "
                f"{earlier.arn} with different parameters.",
            )

        answer = replay()
        if answer is not None:
            return answer
        device = usable_device(store, spec.deviceArn, caller.region)
        # Parsing OpenQASM takes milliseconds a program (a program set: up to 100 of them).
        prepared = await run_in_threadpool(
            programs.prepare, device, spec.action, spec.shots, config.max_qubits
        )
        answer = replay()  # the same request may have been created meanwhile
        if answer is not None:
            return answer
        now = state.now()
        estimated = device.estimated_cost(spec.shots)
        check_spend(device, estimated, now, caller.region)
        windows = store.device_state(device).windows
        opens = next_open(windows, now)
        queued_at = math.inf if opens is None else opens
        job = EmulatedJob(
            vendor="braket",
            job_id=new_task_id(),
            created_at=now,
            queue_seconds=(1e9 if opens is None else opens - now) + config.queue_seconds,
            run_seconds=config.run_seconds,
            backend=device.arn,
        )
        fault = state.faults.take_job_fault("braket")
        if fault is not None and fault.outcome == "fail":
            job.forced_failure = JobFailure(
                fault.code or "FAILED",
                fault.message or "The quantum task failed (injected by the emulator).",
            )
        elif fault is not None and fault.outcome == "cancel":
            job.external_cancel = True
        task = BraketTask(
            job=job,
            region=caller.region,
            device=device,
            shots=spec.shots,
            bucket=spec.outputS3Bucket,
            prefix=spec.outputS3KeyPrefix,
            action=spec.action,
            action_type=prepared.action_type,
            device_parameters=spec.deviceParameters,
            tags=dict(spec.tags or {}),
            client_token=spec.clientToken,
            queued_at=queued_at,
            estimated_cost=estimated,
            program_count=prepared.program_count,
            executable_count=prepared.executable_count,
            job_arn=None,
            associations=[a.model_dump() for a in spec.associations or []],
        )
        state.jobs.add(job, prepared.compute)
        store.add(task)
        state.stats.job_submitted("braket")
        return JSONResponse({"quantumTaskArn": task.arn}, 201)

    @router.get("/quantum-task/{arn:path}")
    async def get_task(
        arn: str, request: Request, caller: Caller = Depends(authenticate)
    ) -> Response:
        task = find(arn, caller)
        wanted = request.query_params.getlist("additionalAttributeNames")
        for name in wanted:
            if name != "QueueInfo":
                raise VendorError(400, f"additionalAttributeNames {name!r} is not QueueInfo.")
        return JSONResponse(render_task(task, state.now(), store, "QueueInfo" in wanted))

    @router.put("/quantum-task/{arn:path}/cancel")
    async def cancel_task(
        arn: str, request: Request, caller: Caller = Depends(authenticate)
    ) -> Response:
        validate(CancelQuantumTaskRequest, await read_json(request), "CancelQuantumTask request")
        task = find(arn, caller)
        now = state.now()
        status = task.status(now)
        if status in ("COMPLETED", "FAILED", "CANCELLED"):
            raise VendorError(
                409, f"Quantum task {task.arn} is {status} and can no longer be cancelled."
            )
        if status != "CANCELLING":
            request_cancel(task, now, state.config.braket_cancel_seconds)
        return JSONResponse({"quantumTaskArn": task.arn, "cancellationStatus": task.status(now)})

    @router.post("/quantum-tasks")
    async def search_tasks(request: Request, caller: Caller = Depends(authenticate)) -> Response:
        spec = validate(
            SearchQuantumTasksRequest, await read_json(request), "SearchQuantumTasks request"
        )
        now = state.now()
        tasks = [task for task in store.tasks.values() if task.region == caller.region]
        tasks.sort(key=lambda task: task.job.created_at, reverse=True)
        selected = apply_filters(
            tasks,
            [item.model_dump() for item in spec.filters],
            {
                "quantumTaskArn": lambda task: task.arn,
                "deviceArn": lambda task: task.device.arn,
                "jobArn": lambda task: task.job_arn,
                "status": lambda task: task.status(now),
                # At the precision clients see (milliseconds), so that a task's own
                # createdAt is not "after" itself.
                "createdAt": lambda task: parse_iso(iso_utc(task.job.created_at, 3)),
            },
            times=frozenset({"createdAt"}),
        )
        chunk, token = page(selected, spec.nextToken, spec.maxResults, "quantum-tasks")
        answer: dict[str, Any] = {"quantumTasks": [summary(task, now) for task in chunk]}
        if token:
            answer["nextToken"] = token
        return JSONResponse(answer)

    return router


def usable_device(store: BraketStore, arn: str, region: str) -> Device:
    """The device a task may be created on (400, 410 or 424 otherwise)."""
    device = BY_ARN.get(arn)
    if device is None or not serves(device, region):
        raise VendorError(400, f"Device {arn} is not a valid Braket device in {region}.")
    if device.retired is not None:
        raise VendorError(410, f"Device {arn} was retired in {device.retired}.")
    if store.device_state(device).status == "OFFLINE":
        raise VendorError(424, f"Device {arn} is offline; try again later.")
    return device


def request_cancel(task: BraketTask, now: float, delay: float) -> None:
    """Cancel ``task``: CANCELLING for ``delay`` seconds, then CANCELLED (it never ends first)."""
    job = task.job
    task.cancel_requested_at = now
    done = now + delay
    if job.phase(now).value == "queued":
        job.queue_seconds = max(job.queue_seconds, done - job.created_at + 1.0)
    else:
        job.run_seconds = max(job.run_seconds, done - job.starts_at + 1.0)
    job.cancel(done)


def summary(task: BraketTask, now: float) -> dict[str, Any]:
    """A task as SearchQuantumTasks lists it (``QuantumTaskSummary``)."""
    answer: dict[str, Any] = {
        "quantumTaskArn": task.arn,
        "status": task.status(now),
        "deviceArn": task.device.arn,
        "shots": task.shots,
        "outputS3Bucket": task.bucket,
        "outputS3Directory": task.directory,
        "createdAt": iso_utc(task.job.created_at, 3),
    }
    ended = task.job.ended_at(now)
    if ended is not None:
        answer["endedAt"] = iso_utc(ended, 3)
    if task.tags:
        answer["tags"] = dict(task.tags)
    return answer


def render_task(
    task: BraketTask, now: float, store: BraketStore, queue_info: bool
) -> dict[str, Any]:
    """GetQuantumTask's answer (``GetQuantumTaskResponse``)."""
    status = task.status(now)
    answer = summary(task, now)
    answer["tags"] = dict(task.tags)
    answer["deviceParameters"] = task.device_parameters or "{}"
    failure = task.job.failure(now)
    if failure is not None:
        answer["failureReason"] = failure.message
    if status == "CANCELLED" and task.cancel_requested_at is None:
        answer["failureReason"] = "The quantum task was cancelled by the service."
    if status == "COMPLETED":
        answer["numSuccessfulShots"] = task.shots
    metadata: dict[str, Any] = {"actionType": task.action_type}
    if task.program_count is not None:
        metadata["programCount"] = task.program_count
        metadata["executableCount"] = task.executable_count
    answer["actionMetadata"] = metadata
    if task.associations:
        answer["associations"] = list(task.associations)
    if task.job_arn:
        answer["jobArn"] = task.job_arn
    if queue_info:
        answer["queueInfo"] = queue_position(task, now, store, status)
    return answer


def queue_position(task: BraketTask, now: float, store: BraketStore, status: str) -> dict[str, Any]:
    info: dict[str, Any] = {"queue": "QUANTUM_TASKS_QUEUE", "queuePriority": "Normal"}
    if status != "QUEUED":
        info["position"] = NOT_QUEUED
        info["message"] = (
            f"Task is in {status} status. AmazonBraket does not show queue position for "
            "this status."
        )
        return info
    queued = store.queued_on(task.device, now)
    ahead = next((index for index, other in enumerate(queued) if other is task), len(queued))
    info["position"] = str(ahead + 1 + store.device_state(task.device).queue_size)
    return info
