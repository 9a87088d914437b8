"""Jobs that ran on targets since retired: ``POST /_emulator/azure/historic-jobs``.

The service no longer accepts jobs for the QIO solvers or the Quantinuum H1 systems, but a
workspace keeps the jobs that ran on them: their details, input and results stay readable.
This control route plants such a job (already finished, created ``age_seconds`` ago) in a
workspace, so that reading it can be tested. A QIO job keeps the results (or the failure) the
caller stores with it: the service only serves what its retired solvers left, so the emulator
has no annealer. An H1 job's OpenQASM 2 is run as on today's Quantinuum targets, unless it too
is given its stored output.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from concurrent import futures
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from airflow_quantum_emulator.azure.details import OUTPUT_BLOB
from airflow_quantum_emulator.azure.formats import InputError, JobInput, PreparedJob
from airflow_quantum_emulator.azure.handlers import prepare
from airflow_quantum_emulator.azure.storage import write_blob
from airflow_quantum_emulator.azure.store import AzureJob, AzureStore
from airflow_quantum_emulator.azure.submission import DEFAULT_INPUT_BLOB, check_item_id
from airflow_quantum_emulator.azure.targets import HISTORIC_TARGETS
from airflow_quantum_emulator.bodies import read_json, validate
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.jobs import EmulatedJob, JobFailureError
from airflow_quantum_emulator.state import EmulatorState


class HistoricError(BaseModel):
    """The ``errorData`` a historic job failed with."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1)
    message: str = Field(min_length=1)


class HistoricJob(BaseModel):
    """Body of ``POST /_emulator/azure/historic-jobs``."""

    model_config = ConfigDict(extra="forbid")
    subscription_id: str = Field(min_length=1)
    resource_group: str = Field(min_length=1)
    workspace: str = Field(min_length=1)
    target: str = "microsoft.simulatedannealing.cpu"
    #: The job's input document (a ``microsoft.qio.v2`` problem, or OpenQASM 2 text for H1).
    input: Any
    input_params: dict[str, Any] = Field(default_factory=dict)
    #: The results document the job left (required for QIO, unless ``error``).
    output: dict[str, Any] | None = None
    #: The failure the job ended with, instead of an output.
    error: HistoricError | None = None
    id: str | None = None
    name: str | None = None
    tags: list[str] = Field(default_factory=list)
    #: How long ago the job was submitted (default: 400 days, before QIO's retirement).
    age_seconds: float = Field(default=400 * 86400, gt=0)


def build_historic_router(state: EmulatorState, store: AzureStore) -> APIRouter:
    """The control route that plants finished jobs of retired targets in a workspace."""
    router = APIRouter(prefix="/_emulator/azure", tags=["emulator control"])

    @router.post("/historic-jobs")
    async def historic_job(request: Request) -> dict[str, Any]:
        spec = validate(HistoricJob, await read_json(request))
        record = plant(state, store, spec)
        if record.job.result_future is not None:  # computed before the answer (may fail)
            futures.wait([record.job.result_future])
        return {"id": record.id, "target": record.target, "workspace": record.workspace}

    return router


def plant(state: EmulatorState, store: AzureStore, spec: HistoricJob) -> AzureJob:
    """Create the finished historic job ``spec`` describes (400 if its input cannot run)."""
    target = HISTORIC_TARGETS.get(spec.target.strip().lower())
    if target is None:
        raise VendorError(
            400,
            f"{spec.target[:60]!r} is not a retired target; "
            f"historic jobs run on: {', '.join(HISTORIC_TARGETS)}.",
        )
    job_id = check_item_id(spec.id) if spec.id else str(uuid.uuid4())
    if job_id in store.jobs:
        raise VendorError(409, f"A job {job_id} already exists.", "JobAlreadyExists")
    input_format = target.input_formats[0]
    output_format = target.default_output_format
    data = spec.input.encode() if isinstance(spec.input, str) else json.dumps(spec.input).encode()
    if spec.output is not None and spec.error is not None:
        raise VendorError(400, "A historic job has an output or an error, not both.")
    if spec.output is not None or spec.error is not None:
        prepared = PreparedJob(_stored(spec.output, spec.error))
    elif target.family == "qio":
        raise VendorError(
            400,
            "QIO jobs are not run any more: give the historic job's stored output (its "
            "microsoft.qio-results.v2 document) or error.",
        )
    else:
        try:
            job_input = JobInput(
                target,
                output_format,
                data,
                spec.input_params,
                state.next_seed(),
                state.config.max_qubits,
            )
            prepared = prepare(job_input, input_format)
        except InputError as exc:
            raise VendorError(400, str(exc), exc.code) from None
    now = state.now()
    container = f"job-{job_id}"
    write_blob(store, container, DEFAULT_INPUT_BLOB, data, now - spec.age_seconds)
    job = EmulatedJob(
        vendor="azure",
        job_id=job_id,
        created_at=now - spec.age_seconds,
        # Finished by now: a third of its age queued, a third ran (at most 1 s and 2 s).
        queue_seconds=min(1.0, spec.age_seconds / 3),
        run_seconds=min(2.0, spec.age_seconds / 3),
        backend=target.id,
    )
    workspace = "/".join(
        name.lower() for name in (spec.subscription_id, spec.resource_group, spec.workspace)
    )
    record = AzureJob(
        job=job,
        workspace=workspace,
        name=spec.name or job_id,
        provider_id=target.provider,
        target=target.id,
        job_type=target.job_type,
        input_data_format=input_format,
        output_data_format=output_format,
        input_params=dict(spec.input_params),
        metadata=None,
        tags=list(spec.tags),
        priority="Standard",
        session_id=None,
        container=container,
        input_container=container,
        input_blob=DEFAULT_INPUT_BLOB,
        output_container=container,
        output_blob=OUTPUT_BLOB,
        submitted={},
        created_by="historic",
        created_by_type="User",
        updated_at=job.scheduled_end,
        quantum_computing_count=prepared.quantum_computing_count,
        usage=prepared.usage,
    )
    state.jobs.add(job, prepared.compute)
    store.add_job(record)
    return record


def _stored(output: dict[str, Any] | None, error: HistoricError | None) -> Callable[[], bytes]:
    """The computation of a job whose output (or failure) was stored when it ran."""

    def compute() -> bytes:
        if error is not None:
            raise JobFailureError(error.code, error.message)
        return json.dumps(output, separators=(",", ":")).encode()

    return compute
