"""``Jobs_GetQueuePosition`` (api-version 2026-08-01-preview and later).

UNVERIFIED: the spec of 2026-08-01-preview was not at hand (neither the official client nor the
stored specs have the operation), so its path and answer shape are the emulator's choice. Both
``GET /jobs/{id}/queuePosition`` and ``GET /jobs/{id}:queuePosition`` are served, and the answer
is ``{"jobId", "position", "estimatedStartTime"}``; the client accepts ``position`` or
``queuePosition``. ``position`` counts from 1 among the queued jobs of the same target (oldest
first), and is null once the job has left the queue.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from airflow_quantum_emulator.azure.context import WORKSPACE_PREFIX, reply, workspace_call
from airflow_quantum_emulator.azure.store import AzureJob, AzureStore
from airflow_quantum_emulator.azure.submission import check_item_id
from airflow_quantum_emulator.azure.versions import QUEUE_POSITION, has_queue_position
from airflow_quantum_emulator.clock import iso_utc
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.jobs import Phase
from airflow_quantum_emulator.state import EmulatorState


def queue_position(store: AzureStore, record: AzureJob, now: float) -> int | None:
    """1 for the oldest queued job of its target, 2 for the next...; None when not queued."""
    if record.job.phase(now) is not Phase.QUEUED:
        return None
    ahead = [
        other
        for other in store.jobs.values()
        if other.target == record.target
        and other.job.phase(now) is Phase.QUEUED
        and (other.job.created_at, other.id) < (record.job.created_at, record.id)
    ]
    return len(ahead) + 1


def build_queue_router(state: EmulatorState, store: AzureStore) -> APIRouter:
    """The queue-position routes; included before the job routes (``GET /jobs/{id}``)."""
    router = APIRouter(prefix=WORKSPACE_PREFIX, tags=["azure quantum jobs"])

    def answer(request: Request, job_id: str) -> Response:
        ws = workspace_call(request, state, store)
        if not has_queue_position(ws.api_version):
            raise VendorError(
                400,
                f"The queue position of a job needs api-version {QUEUE_POSITION} or later.",
                "UnsupportedApiVersion",
            )
        check_item_id(job_id)
        record = store.job(ws.key, job_id)
        if record is None:
            raise VendorError(404, f"Job {job_id} was not found in this workspace.", "JobNotFound")
        now = state.now()
        position = queue_position(store, record, now)
        body: dict[str, Any] = {
            "jobId": record.id,
            "position": position,
            "estimatedStartTime": None if position is None else iso_utc(record.job.starts_at),
        }
        return reply(request, body)

    @router.get("/jobs/{job_id}/queuePosition")
    async def by_segment(request: Request, job_id: str) -> Response:
        return answer(request, job_id)

    @router.get("/jobs/{job_id}:queuePosition")
    async def by_action(request: Request, job_id: str) -> Response:
        return answer(request, job_id)

    return router
