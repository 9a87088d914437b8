"""Job routes of the Qiskit Runtime API: run, get, list, cancel, delete, results, logs, tags."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from starlette.responses import Response

from airflow_quantum_emulator.bodies import read_json, validate
from airflow_quantum_emulator.clock import parse_iso
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.ibm import executor, programs, views
from airflow_quantum_emulator.ibm.auth import Caller
from airflow_quantum_emulator.ibm.backends import get_backend
from airflow_quantum_emulator.ibm.isa import NON_ISA_CODE
from airflow_quantum_emulator.ibm.store import IBMJobRecord, IBMStore, new_id
from airflow_quantum_emulator.jobs import EmulatedJob, JobFailure, Phase
from airflow_quantum_emulator.state import EmulatorState

MAX_TAGS = 8
MAX_TAG_LENGTH = 86
MAX_COST = 10800
MAX_LIST_LIMIT = 200
DEFAULT_LIST_LIMIT = 10
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
#: Reason code of a job failed through ``POST /_emulator/faults/jobs`` without a code.
INJECTED_FAILURE_CODE = "1517"

_JOB_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_RUNTIME_IMAGE = re.compile(r"^[A-Za-z0-9._/-]+:[A-Za-z0-9._-]+$")

Tag = Annotated[StrictStr, Field(min_length=1, max_length=MAX_TAG_LENGTH)]
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS)]


class JobRequest(BaseModel):
    """Body of ``POST /jobs`` (fields the emulator does not know are accepted and ignored)."""

    model_config = ConfigDict(extra="allow")

    program_id: StrictStr
    params: dict[str, Any]
    backend: StrictStr | None = None
    session_id: StrictStr | None = None
    tags: Tags | None = None
    runtime: StrictStr | None = None
    log_level: StrictStr | None = None
    cost: StrictInt | None = Field(None, ge=0, le=MAX_COST)
    private: StrictBool | None = None
    #: Run with this calibration of the backend (the emulator has one per day; any id is kept).
    calibration_id: Annotated[StrictStr, Field(min_length=1, max_length=128)] | None = None


class TagsRequest(BaseModel):
    """Body of ``PUT /jobs/{id}/tags``."""

    model_config = ConfigDict(extra="forbid")

    tags: Tags


def build_jobs_router(state: EmulatorState, store: IBMStore, authenticate: Any) -> APIRouter:
    """Job routes, bound to ``state`` and the IBM ``store``."""
    router = APIRouter(prefix="/api/v1", tags=["IBM Qiskit Runtime"])

    def find(job_id: str, caller: Caller) -> IBMJobRecord:
        if not _JOB_ID.match(job_id):
            raise VendorError(
                400, f"{job_id[:100]!r} is not a job id (letters, digits, '_' and '-')."
            )
        record = store.job(job_id, caller.instance)
        if record is None:
            raise VendorError(404, f"Job not found: {job_id}.", 1291)
        record.settle()
        return record

    @router.post("/jobs")
    async def run_job(request: Request, caller: Caller = Depends(authenticate)) -> Response:
        body = await read_json(request)
        if not isinstance(body, dict):
            raise VendorError(400, "The body must be a JSON object with program_id and params.")
        if "program_id" in body and body["program_id"] != executor.PROGRAM_ID:
            programs.check_program(body["program_id"])
        spec = validate(JobRequest, body, "job request")
        now = state.now()
        config = state.config
        session = None
        if spec.session_id is not None:
            session = store.session(spec.session_id, caller.instance)
            if session is None:
                raise VendorError(404, f"Session not found: {spec.session_id}.", 1292)
            if views.session_state(session, store, now) == "closed" or not session.accepting_jobs:
                raise VendorError(
                    400,
                    f"Session {session.session_id} is closed and accepts no new jobs; "
                    "open a new session.",
                    1229,
                )
            if spec.backend is not None and spec.backend != session.backend:
                raise VendorError(
                    400,
                    f"The job's backend {spec.backend!r} differs from the backend of session "
                    f"{session.session_id} ({session.backend!r}).",
                )
        backend_name = spec.backend or (session.backend if session else None)
        if not backend_name:
            raise VendorError(400, "backend is required (or a session_id that gives one).")
        backend = get_backend(backend_name)
        _check_options(spec)
        limits = {"backend": backend, "max_qubits": config.max_qubits, "seed": state.next_seed()}
        if spec.program_id == executor.PROGRAM_ID:
            program = executor.prepare(spec.params, **limits)
        else:
            program = programs.prepare(spec.program_id, spec.params, **limits)
        limit = config.ibm_usage_limit_seconds
        if store.usage_seconds(caller.instance, now) >= limit:
            raise VendorError(
                409,
                f"The instance has used its usage limit of {limit} seconds; no new jobs run "
                "until the next usage period.",
                1227,
            )
        job = EmulatedJob(
            vendor="ibm",
            job_id=new_id(),
            created_at=now,
            queue_seconds=config.queue_seconds,
            run_seconds=config.run_seconds,
            backend=backend.name,
        )
        record = IBMJobRecord(
            job=job,
            instance=caller.instance,
            program_id=spec.program_id,
            params=spec.params,
            user_id=caller.user_id,
            tags=list(spec.tags or []),
            session_id=session.session_id if session else None,
            runtime=spec.runtime or "",
            log_level=spec.log_level.upper() if spec.log_level else None,
            cost=spec.cost,
            private=bool(spec.private),
            calibration_id=spec.calibration_id,
            scripted_estimate=store.take_estimate(),
        )
        fault = state.faults.take_job_fault("ibm")
        if program.non_isa is not None:
            # Accepted, then failed by the service's validation before it runs (code 1517).
            job.forced_failure = JobFailure(NON_ISA_CODE, program.non_isa)
            job.failure_at_start = True
        elif fault is not None and fault.outcome == "fail":
            job.forced_failure = JobFailure(
                fault.code or INJECTED_FAILURE_CODE,
                fault.message or "Job failed during execution (injected by the emulator).",
            )
        elif fault is not None and fault.outcome == "cancel":
            job.external_cancel = True
        elif spec.cost is not None and job.run_seconds > spec.cost:
            job.cancelled_at = job.starts_at + spec.cost
            record.ran_too_long = True
        state.jobs.add(job, None if program.non_isa else program.compute)
        store.add(record)
        if session is not None:
            session.job_ids.append(job.job_id)
        state.stats.job_submitted("ibm")
        answer: dict[str, Any] = {"id": job.job_id, "backend": backend.name}
        if session is not None:
            answer["session_id"] = session.session_id
        if spec.private is not None:
            answer["private"] = spec.private
        return views.json_response(answer)

    @router.get("/jobs")
    async def list_jobs(request: Request, caller: Caller = Depends(authenticate)) -> Response:
        query = request.query_params
        limit = _int_param(query.get("limit"), "limit", DEFAULT_LIST_LIMIT, 0, MAX_LIST_LIMIT)
        offset = _int_param(query.get("offset"), "offset", 0, 0, None)
        pending = _bool_param(query.get("pending"), "pending")
        exclude = _bool_param(query.get("exclude_params"), "exclude_params") or False
        after = _time_param(query.get("created_after"), "created_after")
        before = _time_param(query.get("created_before"), "created_before")
        sort = (query.get("sort") or "DESC").upper()
        if sort not in ("ASC", "DESC"):
            raise VendorError(400, f"sort must be ASC or DESC, got {query.get('sort')!r}.")
        wanted_tags = set(query.getlist("tags"))
        program = query.get("program") or query.get("program_id")
        backend = query.get("backend")
        session_id = query.get("session_id")
        now = state.now()
        matches = []
        for record in store.jobs.values():
            if record.instance != caller.instance:
                continue
            job = record.job
            if program and record.program_id != program:
                continue
            if backend and record.backend != backend:
                continue
            if session_id and record.session_id != session_id:
                continue
            # Both bounds are inclusive, in whole microseconds as the ``created`` field shows.
            created = round(job.created_at * 1_000_000)
            if after is not None and created < after:
                continue
            if before is not None and created > before:
                continue
            if wanted_tags and not wanted_tags.issubset(record.tags):
                continue
            record.settle()
            if pending is not None and views.is_pending(record, now) != pending:
                continue
            matches.append(record)
        matches.sort(key=lambda record: record.job.created_at, reverse=sort == "DESC")
        page = matches[offset : offset + limit]
        return views.json_response(
            {
                "jobs": [views.job_json(r, now, include_params=not exclude) for r in page],
                "count": len(matches),
                "limit": limit,
                "offset": offset,
            }
        )

    @router.get("/jobs/{job_id}")
    async def get_job(
        job_id: str, request: Request, caller: Caller = Depends(authenticate)
    ) -> Response:
        record = find(job_id, caller)
        exclude = _bool_param(request.query_params.get("exclude_params"), "exclude_params")
        return views.json_response(views.job_json(record, state.now(), include_params=not exclude))

    @router.post("/jobs/{job_id}/cancel", status_code=204)
    async def cancel_job(job_id: str, caller: Caller = Depends(authenticate)) -> Response:
        record = find(job_id, caller)
        now = state.now()
        if record.job.phase(now).final:
            raise VendorError(409, "Job is in non cancellable status", 1233)
        cancel(record, now)
        return Response(status_code=204)

    @router.delete("/jobs/{job_id}", status_code=204)
    async def delete_job(job_id: str, caller: Caller = Depends(authenticate)) -> Response:
        record = find(job_id, caller)
        now = state.now()
        if not record.job.phase(now).final:
            raise VendorError(
                409,
                f"Job {job_id} is {views.status_of(record, now)}; only a final job (Completed, "
                "Failed or Cancelled) can be deleted. Cancel it first.",
                1232,
            )
        store.remove(record, now)
        state.jobs.remove(job_id)
        return Response(status_code=204)

    @router.get("/jobs/{job_id}/results")
    async def job_results(job_id: str, caller: Caller = Depends(authenticate)) -> Response:
        record = find(job_id, caller)
        now = state.now()
        job = record.job
        phase = job.phase(now)
        if phase is Phase.SUCCEEDED:
            return Response(_result_text(record, now), 200, media_type="application/json")
        text = views.failure_text(record, now)
        if text is not None:
            return Response(text, 200, media_type="text/plain")
        return Response(status_code=204)

    @router.get("/jobs/{job_id}/logs")
    async def job_logs(job_id: str, caller: Caller = Depends(authenticate)) -> Response:
        record = find(job_id, caller)
        text = views.log_text(record, state.now())
        if text is None:
            raise VendorError(404, f"Job {job_id} has no logs yet: it has not started running.")
        return Response(text, 200, media_type="text/plain")

    @router.get("/jobs/{job_id}/metrics")
    async def job_metrics(job_id: str, caller: Caller = Depends(authenticate)) -> Response:
        record = find(job_id, caller)
        return views.json_response(views.metrics_json(record, store, state.now()))

    @router.put("/jobs/{job_id}/tags", status_code=204)
    async def replace_tags(
        job_id: str, request: Request, caller: Caller = Depends(authenticate)
    ) -> Response:
        record = find(job_id, caller)
        body = validate(TagsRequest, await read_json(request), "tags request")
        record.tags = list(body.tags)
        return Response(status_code=204)

    return router


def cancel(record: IBMJobRecord, now: float) -> None:
    """Cancel a job on its user's request."""
    record.job.cancel(now)
    record.ran_too_long = False
    record.cancelled_by_user = True


def _result_text(record: IBMJobRecord, now: float) -> str:
    cached = record.job.wire.get("results_text")
    if cached is None:
        job = record.job
        started = job.started_at(now)
        begun, ended = started if started is not None else job.created_at, job.ended_at(now) or now
        result = job.result()
        if isinstance(result, executor.ExecutorResult):
            document = result.document(begun, ended)
        else:
            document = programs.result_document(result, begun, ended)
        cached = json.dumps(document)
        job.wire["results_text"] = cached
    return cached


def _check_options(spec: JobRequest) -> None:
    if spec.log_level is not None and spec.log_level.lower() not in LOG_LEVELS:
        raise VendorError(
            400, f"log_level must be one of {', '.join(LOG_LEVELS)}, got {spec.log_level!r}."
        )
    if spec.runtime and not _RUNTIME_IMAGE.match(spec.runtime):
        raise VendorError(400, f"runtime must be an image 'name:tag', got {spec.runtime!r}.")


def _int_param(raw: str | None, name: str, default: int, low: int, high: int | None) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise VendorError(400, f"{name} must be an integer, got {raw!r}.") from None
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise VendorError(400, f"{name} must be {bound}, got {value}.")
    return value


def _bool_param(raw: str | None, name: str) -> bool | None:
    if raw is None or raw == "":
        return None
    lowered = raw.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise VendorError(400, f"{name} must be true or false, got {raw!r}.")


def _time_param(raw: str | None, name: str) -> int | None:
    """An ISO time query parameter, in epoch microseconds."""
    if raw is None or raw == "":
        return None
    try:
        return round(parse_iso(raw) * 1_000_000)
    except (ValueError, OverflowError):
        raise VendorError(
            400, f"{name} must be an ISO 8601 time such as 2025-05-01T12:00:00Z, got {raw!r}."
        ) from None
