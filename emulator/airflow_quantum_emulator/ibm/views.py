"""How IBM jobs and sessions look on the wire, derived from the emulator's clock on each read."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from airflow_quantum_emulator.clock import iso_utc
from airflow_quantum_emulator.ibm.store import (
    IBMJobRecord,
    IBMStore,
    SessionRecord,
    charged_seconds,
    run_seconds,
)
from airflow_quantum_emulator.jobs import Phase

QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED = (
    "Queued",
    "Running",
    "Completed",
    "Failed",
    "Cancelled",
)
RAN_TOO_LONG = "Cancelled - Ran too long"
RAN_TOO_LONG_CODE = 1305

_STATUS = {
    Phase.QUEUED: QUEUED,
    Phase.RUNNING: RUNNING,
    Phase.FINISHING: RUNNING,
    Phase.SUCCEEDED: COMPLETED,
    Phase.FAILED: FAILED,
    Phase.CANCELLED: CANCELLED,
}


def json_response(body: Any, status: int = 200) -> Response:
    """A JSON response without FastAPI's per-field conversion (some documents are large)."""
    return Response(json.dumps(body), status, media_type="application/json")


def iso(epoch: float | None) -> str | None:
    """IBM's timestamps: ISO 8601 UTC with microseconds and ``Z``."""
    return iso_utc(epoch, 6, "Z")


def ran_too_long(record: IBMJobRecord, now: float) -> bool:
    """Whether the service cancelled the job for exceeding its ``cost`` (max execution time)."""
    return record.ran_too_long and record.job.phase(now) is Phase.CANCELLED


def status_of(record: IBMJobRecord, now: float) -> str:
    """The title-case status word (``Queued`` ... ``Cancelled``)."""
    return _STATUS[record.job.phase(now)]


def is_pending(record: IBMJobRecord, now: float) -> bool:
    return not record.job.phase(now).final


def state_of(record: IBMJobRecord, now: float) -> dict[str, Any]:
    """The ``state`` object: status plus reason and reason code for failures and cancels."""
    job = record.job
    phase = job.phase(now)
    state: dict[str, Any] = {"status": _STATUS[phase]}
    if phase is Phase.FAILED:
        failure = job.failure(now)
        if failure is not None:
            state["reason"] = failure.message
            state["reason_code"] = reason_code(failure.code)
            state["reason_solution"] = (
                "Check the circuits and options of the job, then submit it again."
            )
    elif phase is Phase.CANCELLED:
        if ran_too_long(record, now):
            state["reason"] = "Ran too long"
            state["reason_code"] = RAN_TOO_LONG_CODE
            state["reason_solution"] = (
                f"Raise the job's max execution time (cost, now {record.cost} s) or split it."
            )
        elif record.cancelled_by_user:
            state["reason"] = "Cancelled by the user"
        else:
            state["reason"] = "Cancelled by the service"
    return state


def reason_code(code: str | int) -> int | str:
    """IBM's reason codes are numbers on the wire; keep a non-numeric code as text."""
    text = str(code).strip()
    return int(text) if text.isdigit() else text


def job_json(record: IBMJobRecord, now: float, *, include_params: bool = True) -> dict[str, Any]:
    """The job document of ``GET /jobs/{id}`` and of each entry of ``GET /jobs``."""
    job = record.job
    phase = job.phase(now)
    state = state_of(record, now)
    body: dict[str, Any] = {
        "id": record.job_id,
        "backend": record.backend,
        "state": state,
        "status": RAN_TOO_LONG if ran_too_long(record, now) else state["status"],
        "program": {"id": record.program_id},
        "created": iso(job.created_at),
        "runtime": record.runtime,
        "cost": record.cost if record.cost is not None else 10800,
        "tags": list(record.tags),
        "session_id": record.session_id,
        "user_id": record.user_id,
        "usage": {
            "qpu_charge_time_seconds": charged_seconds(record, now),
            "seconds": charged_seconds(record, now),
            "status": "complete" if phase.final else "pending",
        },
        "estimated_running_time_seconds": record.usage_estimate(now),
        "private": record.private,
        "log_level": record.log_level,
        "end_time": iso(job.ended_at(now)),
    }
    if record.calibration_id is not None:
        body["calibration_id"] = record.calibration_id
    if include_params:
        body["params"] = record.params
    return body


def failure_text(record: IBMJobRecord, now: float) -> str | None:
    """The text ``GET /jobs/{id}/results`` answers for a failed (or ran-too-long) job."""
    if ran_too_long(record, now):
        return (
            f"Error code {RAN_TOO_LONG_CODE}; Job {record.job_id} ran longer than its maximum "
            f"execution time of {record.cost} seconds and was cancelled."
        )
    failure = record.job.failure(now)
    if failure is None:
        return None
    return f"Error code {failure.code}; {failure.message}"


def log_text(record: IBMJobRecord, now: float) -> str | None:
    """The job's log lines, or None before it started running."""
    job = record.job
    started = job.started_at(now)
    if started is None:
        return None
    lines = [
        f"{iso(job.created_at)} INFO Job {record.job_id} queued on {record.backend}",
        f"{iso(started)} INFO Job {record.job_id} started running ({record.program_id})",
    ]
    ended = job.ended_at(now)
    failure = failure_text(record, now)
    if ended is not None and failure is not None:
        lines.append(f"{iso(ended)} ERROR Job {record.job_id} failed: {failure}")
    if ended is not None:
        lines.append(f"{iso(ended)} INFO Job {record.job_id} finished: {status_of(record, now)}")
    return "\n".join(lines) + "\n"


def metrics_json(record: IBMJobRecord, store: IBMStore, now: float) -> dict[str, Any]:
    """``GET /jobs/{id}/metrics``: current fields plus the older queue estimates."""
    job = record.job
    phase = job.phase(now)
    position = None
    if phase is Phase.QUEUED:
        queue = store.queued_on(record.backend, now)
        position = next(
            (rank for rank, other in enumerate(queue, 1) if other is record), len(queue)
        )
    charged = charged_seconds(record, now)
    started = job.started_at(now)
    ended = job.ended_at(now)
    never_ran = phase.final and started is None  # cancelled (or failed) while queued
    return {
        "timestamps": {
            "created": iso(job.created_at),
            "running": iso(started),
            "finished": iso(ended),
        },
        "usage": {
            "qpu_charge_time_seconds": charged,
            "quantum_seconds": charged,
            "seconds": charged,
            "status": "complete" if phase.final else "pending",
        },
        "bss": {"seconds": charged},
        "executions": _executions(record),
        "num_circuits": _executions(record),
        "circuits_execution_time_ns": int(run_seconds(record, now) * 1e9),
        "qiskit_version": "emulated",
        "position_in_queue": position,
        "position_in_provider": position,
        "estimated_start_time": iso(started if started is not None else job.starts_at)
        if not never_ran
        else None,
        "estimated_completion_time": iso(ended if ended is not None else job.scheduled_end),
    }


def _executions(record: IBMJobRecord) -> int:
    params = record.params if isinstance(record.params, dict) else {}
    pubs = params.get("pubs")
    return len(pubs) if isinstance(pubs, list) else 0


def session_state(session: SessionRecord, store: IBMStore, now: float) -> str:
    """``open``, ``active``, ``inactive`` or ``closed``, from the session's jobs and TTLs."""
    jobs = [store.jobs[job_id] for job_id in session.job_ids if job_id in store.jobs]
    pending = [record for record in jobs if is_pending(record, now)]
    started = session_started_at(session, store, now)
    if started is not None and now >= started + session.max_ttl:
        return "closed"
    if not session.accepting_jobs:
        return "active" if pending else "closed"
    if pending:
        return "active"
    last = _last_activity(session, store, now)
    if now >= _idle_close(session, last):
        return "closed"
    if last is not None and now >= last + session.interactive_ttl:
        return "inactive"
    return "open"


def _idle_close(session: SessionRecord, last: float | None) -> float:
    """When a session with no job running closes: ``idle_ttl`` after its last job (or its
    creation, when it never had one)."""
    return max(session.created_at, last if last is not None else 0.0) + session.idle_ttl


def session_started_at(session: SessionRecord, store: IBMStore, now: float) -> float | None:
    """When the first job of the session started running (None before that)."""
    starts = [
        started
        for job_id in session.job_ids
        if job_id in store.jobs and (started := store.jobs[job_id].job.started_at(now)) is not None
    ]
    return min(starts) if starts else None


def _last_activity(session: SessionRecord, store: IBMStore, now: float) -> float | None:
    ends = [
        ended
        for job_id in session.job_ids
        if job_id in store.jobs and (ended := store.jobs[job_id].job.ended_at(now)) is not None
    ]
    return max(ends) if ends else None


def session_closed_at(session: SessionRecord, store: IBMStore, now: float) -> float | None:
    """When the session reached ``closed`` (None while it is not)."""
    if session_state(session, store, now) != "closed":
        return None
    started = session_started_at(session, store, now)
    candidates = []
    if started is not None and now >= started + session.max_ttl:
        candidates.append(started + session.max_ttl)
    last = _last_activity(session, store, now)
    if not session.accepting_jobs:
        closed = session.cancelled_at or session.closed_to_jobs_at or now
        candidates.append(max(closed, last) if last is not None else closed)
    idle = _idle_close(session, last)
    running = any(is_pending(store.jobs[j], now) for j in session.job_ids if j in store.jobs)
    if now >= idle and not running:
        candidates.append(idle)
    return min(candidates) if candidates else now


def session_json(session: SessionRecord, store: IBMStore, now: float) -> dict[str, Any]:
    """The session document of ``POST /sessions`` and ``GET /sessions/{id}``."""
    state = session_state(session, store, now)
    started = session_started_at(session, store, now)
    closed = session_closed_at(session, store, now)
    jobs = [store.jobs[job_id] for job_id in session.job_ids if job_id in store.jobs]
    starts = [s for r in jobs if (s := r.job.started_at(now)) is not None]
    ends = [e for r in jobs if r.job.phase(now) is Phase.SUCCEEDED and (e := r.job.ended_at(now))]
    if session.mode == "batch":
        # A batch is billed for its jobs' quantum time, a dedicated session for its wall time.
        elapsed = sum(charged_seconds(record, now) for record in jobs)
    elif started is None:
        elapsed = 0
    else:
        elapsed = int(max(0.0, (closed if closed is not None else now) - started))
    timestamps = [{"status": "open", "timestamp": iso(session.created_at)}]
    if started is not None:
        timestamps.append({"status": "active", "timestamp": iso(started)})
    last = _last_activity(session, store, now)
    if state == "inactive" and last is not None:
        timestamps.append({"status": "inactive", "timestamp": iso(last + session.interactive_ttl)})
    if closed is not None:
        timestamps.append({"status": "closed", "timestamp": iso(closed)})
    return {
        "id": session.session_id,
        "backend_name": session.backend,
        "mode": session.mode,
        "state": state,
        "accepting_jobs": session.accepting_jobs and state != "closed",
        "interactive_ttl": session.interactive_ttl,
        "max_ttl": session.max_ttl,
        "active_ttl": None if started is None else max(0, int(started + session.max_ttl - now)),
        "created_at": iso(session.created_at),
        "started_at": iso(started),
        "activated_at": iso(started),
        "closed_at": iso(closed),
        "last_job_started": iso(max(starts)) if starts else None,
        "last_job_completed": iso(max(ends)) if ends else None,
        "elapsed_time": elapsed,
        "user_id": session.user_id,
        "instance": session.instance,
        "jobs": len(jobs),
        "timestamps": timestamps,
    }
