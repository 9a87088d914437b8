"""The emulator's own API under ``/_emulator/``: stats, reset, faults, clock, config, jobs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from airflow_quantum_emulator.bodies import read_json, validate
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.faults import FaultRule, JobFault
from airflow_quantum_emulator.jobs import JobFailure
from airflow_quantum_emulator.state import EmulatorState


class ClockAdvance(BaseModel):
    """Body of ``POST /_emulator/clock/advance``."""

    model_config = ConfigDict(extra="forbid")
    seconds: float = Field(gt=0)


class CloneJob(BaseModel):
    """Body of ``POST /_emulator/jobs/{job_id}/clone``."""

    model_config = ConfigDict(extra="forbid")
    count: int = Field(default=1, ge=1, le=100_000)
    #: Timings of the twins (default: the original's).
    queue_seconds: float | None = Field(default=None, ge=0)
    run_seconds: float | None = Field(default=None, ge=0)


class FinishJobs(BaseModel):
    """Body of ``POST /_emulator/jobs/finish``."""

    model_config = ConfigDict(extra="forbid")
    ids: list[str] = Field(min_length=1, max_length=100_000)


class FailJob(BaseModel):
    """Body of ``POST /_emulator/jobs/{job_id}/fail``."""

    model_config = ConfigDict(extra="forbid")
    code: str | None = None
    message: str | None = None


def build_control_router(state: EmulatorState) -> APIRouter:
    """Routes of the control API, bound to ``state``."""
    router = APIRouter(prefix="/_emulator", tags=["emulator control"])

    @router.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "time": state.now()}

    @router.get("/stats")
    async def stats() -> dict[str, Any]:
        return state.stats.as_dict()

    @router.get("/requests")
    async def requests_log(
        vendor: str | None = None, route: str | None = None, since: float | None = None
    ) -> dict[str, Any]:
        records = [
            record.__dict__
            for record in state.stats.log
            if (vendor is None or record.vendor == vendor)
            and (route is None or route in record.route)
            and (since is None or record.time >= since)
        ]
        return {"requests": records}

    @router.post("/reset")
    async def reset() -> dict[str, str]:
        state.reset()
        return {"status": "reset"}

    @router.get("/config")
    async def get_config() -> dict[str, Any]:
        return state.config.model_dump()

    @router.patch("/config")
    async def patch_config(request: Request) -> dict[str, Any]:
        changes = await read_json(request, required=False)
        if not isinstance(changes, dict):
            raise VendorError(400, "The body must be a JSON object of config fields.")
        merged = {**state.config.model_dump(), **changes}
        updated = validate(type(state.config), merged)
        # Change the config in place: every part of the emulator holds the same object.
        for name in type(updated).model_fields:
            setattr(state.config, name, getattr(updated, name))
        return state.config.model_dump()

    @router.get("/faults")
    async def list_faults() -> dict[str, Any]:
        return state.faults.describe(state.now())

    @router.post("/faults", status_code=201)
    async def add_fault(request: Request) -> dict[str, Any]:
        rule = validate(FaultRule, await read_json(request, required=False))
        return state.faults.add(rule, state.now()).model_dump()

    @router.post("/faults/jobs", status_code=201)
    async def add_job_fault(request: Request) -> dict[str, Any]:
        fault = validate(JobFault, await read_json(request, required=False))
        return state.faults.add_job_fault(fault).model_dump()

    @router.delete("/faults/{rule_id}", status_code=204)
    async def delete_fault(rule_id: str) -> None:
        if not state.faults.remove(rule_id):
            raise VendorError(404, f"No fault rule {rule_id!r}.")

    @router.delete("/faults", status_code=204)
    async def clear_faults() -> None:
        state.faults.clear()

    @router.post("/clock/advance")
    async def advance_clock(request: Request) -> dict[str, Any]:
        body = validate(ClockAdvance, await read_json(request, required=False))
        state.clock.advance(body.seconds)
        return {"time": state.now()}

    def _job(ref: str):
        """The job of ``ref``: its id, or what its vendor calls it (a Braket task's ARN, whose
        last path segment is the id)."""
        job = state.jobs.get(ref) or state.jobs.get(ref.rsplit("/", 1)[-1])
        if job is None or ref not in (job.job_id, state.stores[job.vendor].reference(job.job_id)):
            raise VendorError(404, f"No job {ref!r} in the emulator.")
        return job

    @router.post("/jobs/finish")
    async def finish_jobs(request: Request) -> dict[str, Any]:
        """End many jobs at one instant (jobs already final are left as they are)."""
        body = validate(FinishJobs, await read_json(request, required=False))
        jobs = [_job(job_id) for job_id in body.ids]  # all known, or nothing changes
        now = state.now()
        finished = 0
        for job in jobs:
            if not job.phase(now).final:
                job.finish_now(now)
                finished += 1
        return {"finished": finished, "finished_at": now}

    @router.get("/jobs/{job_id}")
    async def job_info(job_id: str) -> dict[str, Any]:
        job = _job(job_id)
        now = state.now()
        return {
            "vendor": job.vendor,
            "id": job.job_id,
            "phase": job.phase(now).value,
            "created_at": job.created_at,
            "starts_at": job.starts_at,
            "ended_at": job.ended_at(now),
        }

    @router.post("/jobs/{job_id:path}/finish")
    async def finish_job(job_id: str) -> dict[str, Any]:
        job = _job(job_id)
        job.finish_now(state.now())
        await job.computation_done()
        return {"id": job_id, "phase": job.phase(state.now()).value}

    @router.post("/jobs/{job_id:path}/clone", status_code=201)
    async def clone_job(job_id: str, request: Request) -> dict[str, Any]:
        """``count`` twins of a job submitted now: many waiting jobs without many submissions."""
        job = _job(job_id)
        body = validate(CloneJob, await read_json(request, required=False))
        store = state.stores[job.vendor]
        now = state.now()
        ids = []
        for _ in range(body.count):
            twin = job.copy_as(store.new_job_id(), now)
            if body.queue_seconds is not None:
                twin.queue_seconds = body.queue_seconds
            if body.run_seconds is not None:
                twin.run_seconds = body.run_seconds
            store.clone(job.job_id, twin)
            state.jobs.add(twin, None)
            ids.append(twin.job_id)
        return {
            "ids": ids,
            "references": [store.reference(twin_id) for twin_id in ids],
            "created_at": now,
            "ends_at": twin.scheduled_end,
        }

    @router.post("/jobs/{job_id:path}/fail")
    async def fail_job(job_id: str, request: Request) -> dict[str, Any]:
        job = _job(job_id)
        body = validate(FailJob, await read_json(request, required=False))
        now = state.now()
        if job.phase(now).final:
            raise VendorError(409, f"Job {job_id} is already final.")
        default_code = {"azure": "InternalError", "braket": "FAILED"}.get(job.vendor, "1517")
        job.forced_failure = JobFailure(
            body.code or default_code, body.message or "Job failed (injected by the emulator)."
        )
        job.failure_at_start = False
        job.finish_now(now)
        await job.computation_done()
        return {"id": job_id, "phase": job.phase(state.now()).value}

    @router.post("/jobs/{job_id:path}/cancel")
    async def cancel_job_externally(job_id: str) -> dict[str, Any]:
        job = _job(job_id)
        now = state.now()
        if job.phase(now).final:
            raise VendorError(409, f"Job {job_id} is already final.")
        job.cancel(now)
        return {"id": job_id, "phase": job.phase(now).value}

    return router
