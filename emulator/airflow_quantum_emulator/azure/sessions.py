"""Session routes: open, get, list, close, and list a session's jobs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.responses import Response

from airflow_quantum_emulator.azure.context import (
    WORKSPACE_PREFIX,
    Workspace,
    read_body,
    reply,
    workspace_call,
)
from airflow_quantum_emulator.azure.details import Renderer
from airflow_quantum_emulator.azure.filters import JOB_FIELDS, SESSION_FIELDS
from airflow_quantum_emulator.azure.jobs import job_row, listing
from airflow_quantum_emulator.azure.patching import check_name
from airflow_quantum_emulator.azure.statuses import SessionState, session_state
from airflow_quantum_emulator.azure.store import AzureJob, AzureSession, AzureStore
from airflow_quantum_emulator.azure.submission import check_item_id, resolve_target
from airflow_quantum_emulator.bodies import describe_validation_error
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.state import EmulatorState

FAILURE_POLICIES = ("Abort", "Continue")


class SessionSubmission(BaseModel):
    """The fields of SessionDetails a client sets when it opens a session."""

    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True)

    id: str | None = None
    name: str | None = None
    item_type: str | None = Field(None, alias="itemType")
    provider_id: str = Field(alias="providerId")
    target: str
    job_failure_policy: str = Field("Abort", alias="jobFailurePolicy")


def _bad(message: str) -> VendorError:
    return VendorError(400, message, "InvalidSessionDefinition")


def session_jobs(store: AzureStore, session: AzureSession) -> list[AzureJob]:
    return [store.jobs[job_id] for job_id in session.job_ids if job_id in store.jobs]


def session_row(session: AzureSession, current: SessionState) -> dict[str, Any]:
    return {
        "id": session.id,
        "name": session.name,
        "providerid": session.provider_id,
        "target": session.target,
        "status": current.status,
        "creationtime": session.created_at,
        "beginexecutiontime": current.begin,
        "endexecutiontime": current.end,
        "itemtype": "Session",
        "jobfailurepolicy": session.job_failure_policy,
    }


def build_sessions_router(state: EmulatorState, store: AzureStore, renderer: Renderer) -> APIRouter:
    router = APIRouter(prefix=WORKSPACE_PREFIX, tags=["azure quantum sessions"])

    def current(session: AzureSession) -> SessionState:
        return session_state(session, session_jobs(store, session), state.now())

    def render(session: AzureSession, ws: Workspace) -> dict[str, Any]:
        return renderer.session(session, current(session), ws)

    def lookup(ws: Workspace, session_id: str) -> AzureSession:
        check_item_id(session_id, "session")
        session = store.session(ws.key, session_id)
        if session is None:
            raise VendorError(
                404, f"Session {session_id} was not found in this workspace.", "SessionNotFound"
            )
        return session

    @router.put("/sessions/{session_id}")
    async def open_session(request: Request, session_id: str) -> Response:
        ws = workspace_call(request, state, store)
        check_item_id(session_id, "session")
        body = await read_body(request)
        existing = store.session(ws.key, session_id)
        if existing is not None:
            if existing.submitted == body:
                return reply(request, render(existing, ws), 200)
            raise VendorError(
                409,
                f"A session with id {session_id} already exists with different details.",
                "SessionAlreadyExists",
            )
        if not isinstance(body, dict):
            raise _bad("The request body must be a SessionDetails JSON object.")
        try:
            spec = SessionSubmission.model_validate(body)
        except ValidationError as exc:
            raise _bad(describe_validation_error(exc, "SessionDetails")) from None
        if spec.id is not None and spec.id != session_id:
            raise _bad(f"The body's id {spec.id[:60]!r} differs from the id in the URL.")
        if spec.item_type is not None and spec.item_type != "Session":
            raise _bad(f"itemType must be 'Session' on /sessions, got {spec.item_type[:40]!r}.")
        if spec.job_failure_policy not in FAILURE_POLICIES:
            raise _bad(
                f"jobFailurePolicy must be Abort or Continue, got {spec.job_failure_policy[:40]!r}."
            )
        try:
            name = check_name(spec.name) if spec.name is not None else session_id
        except VendorError as exc:
            raise _bad(exc.message) from None
        target = resolve_target(spec.provider_id, spec.target)
        now = state.now()
        session = AzureSession(
            id=session_id,
            workspace=ws.key,
            name=name,
            provider_id=target.provider,
            target=target.id,
            job_failure_policy=spec.job_failure_policy,
            created_at=now,
            created_by=ws.principal.name,
            created_by_type=ws.principal.kind,
            submitted=body,
            last_activity=now,
        )
        store.sessions[ws.key][session_id] = session
        return reply(request, render(session, ws), 200)

    @router.get("/sessions/{session_id}")
    async def get_session(request: Request, session_id: str) -> Response:
        ws = workspace_call(request, state, store)
        return reply(request, render(lookup(ws, session_id), ws))

    @router.get("/sessions")
    async def list_sessions(request: Request) -> Response:
        ws = workspace_call(request, state, store)
        entries = []
        for session in store.sessions.get(ws.key, {}).values():
            entries.append((session_row(session, current(session)), session))
        return listing(request, ws, entries, SESSION_FIELDS, lambda s: render(s, ws))

    @router.post("/sessions/{session_id}:close")
    async def close_session(request: Request, session_id: str) -> Response:
        ws = workspace_call(request, state, store)
        session = lookup(ws, session_id)
        # A timed-out session stays TimedOut; closing an open one makes it final.
        if session.closed_at is None and current(session).status != "TimedOut":
            session.closed_at = state.now()
        return reply(request, render(session, ws))

    @router.get("/sessions/{session_id}/jobs")
    async def list_session_jobs(request: Request, session_id: str) -> Response:
        ws = workspace_call(request, state, store)
        session = lookup(ws, session_id)
        now = state.now()
        entries = [
            (job_row(record, now, state.config.azure_status_words), record)
            for record in session_jobs(store, session)
        ]
        return listing(request, ws, entries, JOB_FIELDS, lambda r: renderer.job(r, ws))

    return router
