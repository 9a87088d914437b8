"""Session and batch routes, and the instance usage route."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from starlette.responses import Response

from airflow_quantum_emulator.bodies import read_json, validate
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.ibm import views
from airflow_quantum_emulator.ibm.auth import Caller
from airflow_quantum_emulator.ibm.backends import get_backend
from airflow_quantum_emulator.ibm.jobs import cancel
from airflow_quantum_emulator.ibm.plans import PLAN_IDS, check_session_mode, plan_of
from airflow_quantum_emulator.ibm.store import IBMStore, SessionRecord, new_id
from airflow_quantum_emulator.jobs import Phase
from airflow_quantum_emulator.state import EmulatorState

MAX_TTL = 28800
INTERACTIVE_TTL = 60


class SessionRequest(BaseModel):
    """Body of ``POST /sessions``."""

    model_config = ConfigDict(extra="allow")

    mode: Literal["dedicated", "batch"] = "dedicated"
    backend: StrictStr
    instance: StrictStr | None = None
    max_ttl: StrictInt = Field(MAX_TTL, ge=1, le=MAX_TTL)


class SessionUpdate(BaseModel):
    """Body of ``PATCH /sessions/{id}``."""

    model_config = ConfigDict(extra="forbid")

    accepting_jobs: StrictBool


def build_sessions_router(state: EmulatorState, store: IBMStore, authenticate: Any) -> APIRouter:
    """Session routes and ``GET /instances/usage``, bound to ``state`` and ``store``."""
    router = APIRouter(prefix="/api/v1", tags=["IBM Qiskit Runtime"])

    def find(session_id: str, caller: Caller) -> SessionRecord:
        session = store.session(session_id, caller.instance)
        if session is None:
            raise VendorError(404, f"Session not found: {session_id[:100]}.", 1292)
        return session

    @router.post("/sessions")
    async def create_session(request: Request, caller: Caller = Depends(authenticate)) -> Any:
        body = await read_json(request)
        if isinstance(body, dict) and "backend" not in body and "backend_name" in body:
            body = {**body, "backend": body["backend_name"]}
            body.pop("backend_name")
        spec = validate(SessionRequest, body, "session request")
        backend = get_backend(spec.backend)
        check_session_mode(caller.instance, spec.mode, state.config)
        now = state.now()
        session = SessionRecord(
            session_id=new_id(),
            instance=caller.instance,
            backend=backend.name,
            mode=spec.mode,
            max_ttl=spec.max_ttl,
            interactive_ttl=INTERACTIVE_TTL,
            user_id=caller.user_id,
            created_at=now,
            idle_ttl=state.config.ibm_session_idle_seconds,
        )
        store.sessions[session.session_id] = session
        return views.json_response(views.session_json(session, store, now))

    @router.get("/sessions/{session_id}")
    async def get_session(session_id: str, caller: Caller = Depends(authenticate)) -> Any:
        session = find(session_id, caller)
        return views.json_response(views.session_json(session, store, state.now()))

    @router.patch("/sessions/{session_id}", status_code=204)
    async def update_session(
        session_id: str, request: Request, caller: Caller = Depends(authenticate)
    ) -> Response:
        session = find(session_id, caller)
        update = validate(SessionUpdate, await read_json(request), "session update")
        now = state.now()
        if update.accepting_jobs:
            if views.session_state(session, store, now) == "closed":
                raise VendorError(409, f"Session {session_id} is closed and cannot reopen.", 1229)
            session.accepting_jobs = True
            session.closed_to_jobs_at = None
        elif session.accepting_jobs:
            session.accepting_jobs = False
            session.closed_to_jobs_at = now
        return Response(status_code=204)

    @router.delete("/sessions/{session_id}/close", status_code=204)
    async def cancel_session(session_id: str, caller: Caller = Depends(authenticate)) -> Response:
        session = find(session_id, caller)
        now = state.now()
        for job_id in session.job_ids:
            record = store.jobs.get(job_id)
            if record is not None and record.job.phase(now) is Phase.QUEUED:
                cancel(record, now)
        if session.accepting_jobs:
            session.accepting_jobs = False
            session.closed_to_jobs_at = now
        session.cancelled_at = session.cancelled_at or now
        return Response(status_code=204)

    @router.get("/instances/usage")
    async def instance_usage(caller: Caller = Depends(authenticate)) -> Any:
        now = state.now()
        consumed = store.usage_seconds(caller.instance, now)
        limit = state.config.ibm_usage_limit_seconds
        return views.json_response(
            {
                "instance_id": caller.instance,
                "plan_id": PLAN_IDS[plan_of(caller.instance, state.config)],
                "usage_consumed_seconds": consumed,
                "usage_limit_seconds": limit,
                "usage_allocation_seconds": limit,
                "usage_remaining_seconds": max(0, limit - consumed),
                "usage_limit_reached": consumed >= limit,
            }
        )

    return router
