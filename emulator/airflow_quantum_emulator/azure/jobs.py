"""Job routes: create, get, list, cancel (both ways) and update."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from airflow_quantum_emulator.azure.context import (
    WORKSPACE_PREFIX,
    Workspace,
    empty,
    read_body,
    reply,
    workspace_call,
)
from airflow_quantum_emulator.azure.details import Renderer
from airflow_quantum_emulator.azure.filters import (
    JOB_FIELDS,
    FilterError,
    compile_filter,
    compile_orderby,
    filter_error,
    paged,
    paging,
    query_value,
    sort_entries,
)
from airflow_quantum_emulator.azure.patching import UPDATE_OPTIONS_FIELDS, json_patch, merge_patch
from airflow_quantum_emulator.azure.statuses import job_status
from airflow_quantum_emulator.azure.store import AzureJob, AzureStore
from airflow_quantum_emulator.azure.submission import JobFactory, check_item_id, parse_submission
from airflow_quantum_emulator.azure.versions import (
    JOB_UPDATE_OPTIONS,
    delete_removes_jobs,
    has_job_update_options,
)
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.state import EmulatorState


def job_row(record: AzureJob, now: float, vocabulary: str) -> dict[str, Any]:
    """The filterable and sortable fields of a job (lower-case names)."""
    job = record.job
    return {
        "id": record.id,
        "name": record.name,
        "providerid": record.provider_id,
        "target": record.target,
        "status": job_status(job.phase(now), vocabulary),
        "creationtime": job.created_at,
        "beginexecutiontime": job.started_at(now),
        "endexecutiontime": job.ended_at(now),
        "jobtype": record.job_type,
        "sessionid": record.session_id,
        "itemtype": "Job",
        "priority": record.priority,
        "inputdataformat": record.input_data_format,
        "outputdataformat": record.output_data_format,
    }


def listing(
    request: Request,
    ws: Workspace,
    entries: list[tuple[dict[str, Any], Any]],
    fields: Mapping[str, str],
    render: Callable[[Any], dict[str, Any]],
) -> Response:
    """Filter, order and page ``(row, item)`` pairs; answer ``{"value", "nextLink"}``."""
    params = request.query_params
    try:
        predicate = compile_filter(query_value(params, "filter"), fields)
        order = compile_orderby(query_value(params, "orderby"), fields)
    except FilterError as exc:
        raise filter_error(exc) from None
    page = paging(params)
    kept = sort_entries([entry for entry in entries if predicate(entry[0])], order)
    chunk, next_link = paged(kept, page, _absolute(request, ws), params.multi_items())
    return reply(request, {"value": [render(item) for _, item in chunk], "nextLink": next_link})


def _absolute(request: Request, ws: Workspace) -> str:
    return f"{ws.base_url}{request.url.path}"


def build_jobs_router(
    state: EmulatorState, store: AzureStore, renderer: Renderer, factory: JobFactory
) -> APIRouter:
    router = APIRouter(prefix=WORKSPACE_PREFIX, tags=["azure quantum jobs"])

    def lookup(ws: Workspace, job_id: str) -> AzureJob:
        check_item_id(job_id)
        record = store.job(ws.key, job_id)
        if record is None:
            raise VendorError(404, f"Job {job_id} was not found in this workspace.", "JobNotFound")
        return record

    @router.put("/jobs/{job_id}")
    async def create_job(request: Request, job_id: str) -> Response:
        ws = workspace_call(request, state, store)
        check_item_id(job_id)
        body = await read_body(request)
        existing = store.job(ws.key, job_id)
        if existing is not None:
            # A client retrying its own PUT gets the job it created, not a second job.
            if existing.submitted == body:
                return reply(request, renderer.job(existing, ws, signed=False))
            raise VendorError(
                409,
                f"A job with id {job_id} already exists with different details; "
                "job ids cannot be reused.",
                "JobAlreadyExists",
            )
        if state.jobs.get(job_id) is not None:
            raise VendorError(409, f"The job id {job_id} is already in use.", "JobAlreadyExists")
        spec = parse_submission(body)
        record = factory.create(ws, job_id, spec, body)
        return reply(request, renderer.job(record, ws, signed=False))

    @router.get("/jobs/{job_id}")
    async def get_job(request: Request, job_id: str) -> Response:
        ws = workspace_call(request, state, store)
        return reply(request, renderer.job(lookup(ws, job_id), ws))

    @router.get("/jobs")
    async def list_jobs(request: Request) -> Response:
        ws = workspace_call(request, state, store)
        now = state.now()
        records = store.workspace_jobs.get(ws.key, {}).values()
        words = state.config.azure_status_words
        entries = [(job_row(record, now, words), record) for record in records]
        return listing(request, ws, entries, JOB_FIELDS, lambda r: renderer.job(r, ws))

    def cancel(record: AzureJob, ws: Workspace) -> None:
        now = state.now()
        phase = record.job.phase(now)
        if phase.final:
            raise VendorError(
                409,
                f"Job {record.id} is already {job_status(phase, state.config.azure_status_words)}; "
                "only jobs that have not finished can be cancelled.",
                "JobInFinalState",
            )
        record.job.cancel(now)
        record.updated_at = now

    @router.delete("/jobs/{job_id}")
    async def delete_job(request: Request, job_id: str) -> Response:
        ws = workspace_call(request, state, store)
        record = lookup(ws, job_id)
        if not delete_removes_jobs(ws.api_version):
            cancel(record, ws)
            return empty(request)
        now = state.now()
        if not record.job.phase(now).final:
            record.job.cancel(now)
        store.remove_job(record)
        state.jobs.remove(job_id)
        return empty(request)

    @router.post("/jobs/{job_id}:cancel")
    async def cancel_job(request: Request, job_id: str) -> Response:
        ws = workspace_call(request, state, store)
        record = lookup(ws, job_id)
        cancel(record, ws)
        return reply(request, renderer.job(record, ws))

    @router.patch("/jobs/{job_id}")
    async def update_job(request: Request, job_id: str) -> Response:
        ws = workspace_call(request, state, store)
        record = lookup(ws, job_id)
        body = await read_body(request)
        if isinstance(body, list):
            json_patch(record, body)
        elif isinstance(body, dict):
            merge_patch(record, body)
        else:
            raise VendorError(
                400,
                "The body must be a JSON Merge Patch object or a JSON Patch array.",
                "InvalidPatch",
            )
        record.updated_at = state.now()
        return reply(request, renderer.job(record, ws))

    @router.patch("/jobUpdateOptions/{job_id}")
    async def update_job_options(request: Request, job_id: str) -> Response:
        """``Jobs_Update`` of the 2025-09 to 2026-01-15 specs: answers ``JobUpdateOptions``."""
        ws = workspace_call(request, state, store)
        if not has_job_update_options(ws.api_version):
            raise VendorError(
                404,
                f"jobUpdateOptions exists from api-version {JOB_UPDATE_OPTIONS} on; "
                f"at {ws.api_version} update a job with PATCH /jobs/{{jobId}}.",
                "NotFound",
            )
        record = lookup(ws, job_id)
        body = await read_body(request)
        if not isinstance(body, dict):
            raise VendorError(
                400, "The body must be a JobUpdateOptions JSON Merge Patch object.", "InvalidPatch"
            )
        merge_patch(record, body, UPDATE_OPTIONS_FIELDS)
        record.updated_at = state.now()
        # As the 2026-01-15 example answers (the client's model reads id, name and tags).
        options = {"id": record.id, "name": record.name, "priority": record.priority}
        return reply(request, {**options, "tags": list(record.tags)})

    return router
