"""Workspace-wide routes: storage SAS URIs, provider status, quotas and top-level items."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.responses import Response

from airflow_quantum_emulator.azure.billing import quantinuum_credits
from airflow_quantum_emulator.azure.capacity import apply_quota_settings, provider_statuses
from airflow_quantum_emulator.azure.context import (
    WORKSPACE_PREFIX,
    Workspace,
    read_body,
    reply,
    workspace_call,
)
from airflow_quantum_emulator.azure.details import Renderer
from airflow_quantum_emulator.azure.filters import JOB_FIELDS, SESSION_FIELDS, paged, paging
from airflow_quantum_emulator.azure.jobs import job_row, listing
from airflow_quantum_emulator.azure.sessions import session_jobs, session_row
from airflow_quantum_emulator.azure.statuses import session_state
from airflow_quantum_emulator.azure.storage import (
    MAX_BLOB_NAME,
    check_container_name,
    ensure_container,
)
from airflow_quantum_emulator.azure.store import AzureJob, AzureStore
from airflow_quantum_emulator.azure.targets import find_any_target
from airflow_quantum_emulator.azure.versions import service_creates_containers
from airflow_quantum_emulator.bodies import describe_validation_error
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.jobs import Phase
from airflow_quantum_emulator.state import EmulatorState


class BlobDetails(BaseModel):
    """Body of ``POST /storage/sasUri``."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    container_name: str = Field(alias="containerName")
    blob_name: str | None = Field(None, alias="blobName")


def build_workspace_router(
    state: EmulatorState, store: AzureStore, renderer: Renderer
) -> APIRouter:
    router = APIRouter(prefix=WORKSPACE_PREFIX, tags=["azure quantum workspace"])

    @router.post("/storage/sasUri")
    async def sas_uri(request: Request) -> Response:
        ws = workspace_call(request, state, store)
        body = await read_body(request)
        try:
            spec = BlobDetails.model_validate(body)
        except ValidationError as exc:
            raise VendorError(
                400, describe_validation_error(exc, "BlobDetails"), "BadRequest"
            ) from None
        try:
            check_container_name(spec.container_name)
        except ValueError as exc:
            raise VendorError(400, f"containerName: {exc}.", "InvalidContainerName") from None
        if spec.blob_name is not None and not 1 <= len(spec.blob_name) <= MAX_BLOB_NAME:
            raise VendorError(
                400, f"blobName must have 1 to {MAX_BLOB_NAME} characters.", "InvalidBlobName"
            )
        if spec.blob_name is None and service_creates_containers(ws.api_version):
            ensure_container(store, spec.container_name, state.now())
        uri = renderer.sas_uri(ws.base_url, spec.container_name, spec.blob_name)
        return reply(request, {"sasUri": uri})

    @router.get("/providerStatus")
    async def provider_status(request: Request) -> Response:
        ws = workspace_call(request, state, store)
        return _paged_reply(request, ws, provider_statuses(store, state.config.queue_seconds))

    @router.get("/quotas")
    async def quotas(request: Request) -> Response:
        ws = workspace_call(request, state, store)
        records = list(store.workspace_jobs.get(ws.key, {}).values())
        shown = apply_quota_settings(store, _quotas(records, state.now()))
        return _paged_reply(request, ws, shown)

    @router.get("/topLevelItems")
    async def top_level_items(request: Request) -> Response:
        ws = workspace_call(request, state, store)
        now = state.now()
        entries: list[tuple[dict[str, Any], Any]] = []
        for session in store.sessions.get(ws.key, {}).values():
            current = session_state(session, session_jobs(store, session), now)
            entries.append((session_row(session, current), session))
        for record in store.workspace_jobs.get(ws.key, {}).values():
            if record.session_id is None:
                entries.append((job_row(record, now, state.config.azure_status_words), record))
        entries.sort(key=lambda entry: entry[0]["creationtime"])

        def render(item: Any) -> dict[str, Any]:
            if isinstance(item, AzureJob):
                return renderer.job(item, ws)
            jobs = session_jobs(store, item)
            return renderer.session(item, session_state(item, jobs, state.now()), ws)

        return listing(request, ws, entries, {**SESSION_FIELDS, **JOB_FIELDS}, render)

    return router


def _paged_reply(request: Request, ws: Workspace, items: list[dict[str, Any]]) -> Response:
    page = paging(request.query_params)
    chunk, next_link = paged(
        items, page, f"{ws.base_url}{request.url.path}", request.query_params.multi_items()
    )
    return reply(request, {"value": chunk, "nextLink": next_link})


def _quotas(records: list[AzureJob], now: float) -> list[dict[str, Any]]:
    """Quotas named as the service names them, their utilisation following this workspace's jobs.

    Microsoft's (``free_combined_job_hours`` by subscription and workspace, ``free_fpga_job_hours``,
    ``concurrent_cpu_jobs``, ``concurrent_fpga_jobs``) as in the 2026-01-15-preview examples;
    ``concurrent_resource_estimator_jobs`` and IonQ's ``qgs`` as in recorded answers; Quantinuum's
    ``hqc``/``ehqc`` credits (UNVERIFIED names).
    """
    job_hours = 0.0
    running_cpu = 0
    gate_shots = 0
    credits = {"hqc": 0.0, "ehqc": 0.0}
    for record in records:
        phase = record.job.phase(now)
        target = find_any_target(record.target)
        if target is None:
            continue
        if target.family in ("qio", "estimator"):  # CPU jobs
            if not phase.final:
                running_cpu += 1
            start, end = record.job.started_at(now), record.job.ended_at(now)
            if start is not None:
                job_hours += ((end if end is not None else now) - start) / 3600
        elif phase is Phase.SUCCEEDED:
            usage = record.usage
            two = usage.get("billedTwoQubitGates", usage.get("multiQubitGates", 0))
            gates = usage.get("oneQubitGates", 0) + two
            if target.family == "ionq" and not target.simulator:
                gate_shots += usage.get("shots", 0) * gates
            elif target.family == "quantinuum" and not target.id.endswith("sc"):
                credits["ehqc" if target.simulator else "hqc"] += quantinuum_credits(usage)

    def quota(dimension: str, scope: str, provider: str, used: float, limit: float, period: str):
        return {
            "dimension": dimension,
            "scope": scope,
            "providerId": provider,
            "utilization": round(used, 6),
            "holds": 0.0,
            "limit": limit,
            "period": period,
        }

    return [
        quota("free_combined_job_hours", "Subscription", "Microsoft", job_hours, 15.0, "Monthly"),
        quota("free_fpga_job_hours", "Workspace", "Microsoft", 0.0, 0.25, "Monthly"),
        quota("free_combined_job_hours", "Workspace", "Microsoft", job_hours, 1.0, "Monthly"),
        quota("concurrent_cpu_jobs", "Workspace", "Microsoft", running_cpu, 10.0, "None"),
        quota("concurrent_fpga_jobs", "Workspace", "Microsoft", 0.0, 1.0, "None"),
        quota(
            "concurrent_resource_estimator_jobs",
            "Workspace",
            "microsoft-qc",
            running_cpu,
            10.0,
            "None",
        ),
        quota("qgs", "Subscription", "ionq", gate_shots, 16_666_667.0, "Monthly"),
        quota("hqc", "Workspace", "quantinuum", credits["hqc"], 40.0, "Monthly"),
        quota("ehqc", "Workspace", "quantinuum", credits["ehqc"], 400.0, "Monthly"),
    ]
