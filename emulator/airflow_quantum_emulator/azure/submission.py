"""Turning the body of ``PUT /jobs/{id}`` into a job, or into the 4xx that says what is wrong.

A 4xx is for a malformed request: a bad id, a body that is no JobDetails, an unknown or retired
target, a session the job cannot join, storage URIs outside the account. What is wrong with the
program itself (its format, input blob, parameters, size) does not stop the request: the job is
created (200, ``Waiting``) and fails after its queue with ``errorData``, as on the service
(``formats``). Each submission is checked anew, so a resubmission fails the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from airflow_quantum_emulator.azure.context import Workspace
from airflow_quantum_emulator.azure.details import OUTPUT_BLOB
from airflow_quantum_emulator.azure.format_support import decode_input
from airflow_quantum_emulator.azure.formats import InputError, JobInput, PreparedJob, check_formats
from airflow_quantum_emulator.azure.handlers import prepare
from airflow_quantum_emulator.azure.patching import check_name, check_priority, check_tags
from airflow_quantum_emulator.azure.statuses import session_state
from airflow_quantum_emulator.azure.storage import parse_storage_uri
from airflow_quantum_emulator.azure.store import AzureJob, AzureSession, AzureStore
from airflow_quantum_emulator.azure.targets import (
    PROVIDERS,
    RETIRED_INPUT_FORMATS,
    Target,
    find_target,
    retirement,
    targets_of,
)
from airflow_quantum_emulator.bodies import describe_validation_error
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.jobs import EmulatedJob, JobFailure
from airflow_quantum_emulator.state import EmulatorState

#: Job and session ids: GUIDs (the spec's pattern; the service answers 400 to other ids).
ITEM_ID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
DEFAULT_INPUT_BLOB = "inputData"
#: Decompressed input blobs are refused above this many times the request body limit.
INFLATE_FACTOR = 4


class JobSubmission(BaseModel):
    """The fields of JobDetails a client sets when it creates a job (unknown fields are kept)."""

    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True)

    id: str | None = None
    name: str | None = None
    item_type: str | None = Field(None, alias="itemType")
    provider_id: str = Field(alias="providerId")
    target: str
    container_uri: str = Field(alias="containerUri")
    input_data_uri: str | None = Field(None, alias="inputDataUri")
    input_data_format: str = Field(alias="inputDataFormat")
    output_data_format: str | None = Field(None, alias="outputDataFormat")
    output_data_uri: str | None = Field(None, alias="outputDataUri")
    input_params: dict[str, Any] | None = Field(None, alias="inputParams")
    metadata: dict[str, Any] | None = None
    tags: list[Any] | None = None
    session_id: str | None = Field(None, alias="sessionId")
    priority: str | None = None
    job_type: str | None = Field(None, alias="jobType")


def check_item_id(item_id: str, what: str = "job") -> str:
    if not ITEM_ID.match(item_id):
        raise VendorError(
            400,
            f"The {what} id {item_id[:60]!r} is not valid: use a GUID "
            "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).",
            "InvalidJobId" if what == "job" else "InvalidSessionId",
        )
    return item_id


def _definition(message: str) -> VendorError:
    return VendorError(400, message, "InvalidJobDefinition")


def parse_submission(body: Any) -> JobSubmission:
    if not isinstance(body, dict):
        raise _definition("The request body must be a JobDetails JSON object.")
    try:
        return JobSubmission.model_validate(body)
    except ValidationError as exc:
        raise _definition(describe_validation_error(exc, "JobDetails")) from None


def resolve_target(provider_id: str, target_id: str) -> Target:
    """The target, checked against the provider (both case-insensitive); 400 otherwise.

    A retired target is refused first, with a message that says so and names its successor.
    """
    retired = retirement(target_id)
    if retired is not None:
        raise VendorError(400, retired.message(target_id.strip().lower()), "InvalidTarget")
    provider = provider_id.strip().lower()
    if provider not in PROVIDERS:
        raise VendorError(
            400,
            f"The provider {provider_id[:60]!r} is not available in this workspace; "
            f"providers: {', '.join(PROVIDERS)}.",
            "InvalidProvider",
        )
    target = find_target(target_id)
    if target is None or target.provider != provider:
        offered = ", ".join(t.id for t in targets_of(provider))
        raise VendorError(
            400,
            f"The target {target_id[:80]!r} is not offered by provider {provider!r}; "
            f"its targets: {offered}.",
            "InvalidTarget",
        )
    return target


@dataclass(frozen=True)
class BlobLocations:
    """Where a job's data lives: its container, the input blob, the output blob."""

    container: str
    input_container: str
    input_blob: str
    output_container: str
    output_blob: str


def blob_locations(spec: JobSubmission, account: str) -> BlobLocations:
    """Parse containerUri, inputDataUri and outputDataUri (each must be in ``account``)."""

    def parse(field: str, uri: str) -> tuple[str, str | None]:
        try:
            return parse_storage_uri(uri, account)
        except ValueError as exc:
            raise _definition(f"{field}: {exc}.") from None

    container, _ = parse("containerUri", spec.container_uri)
    input_container, input_blob = container, DEFAULT_INPUT_BLOB
    if spec.input_data_uri:
        input_container, named = parse("inputDataUri", spec.input_data_uri)
        if named is None:
            raise _definition("inputDataUri names a container, not a blob.")
        input_blob = named
    output_container, output_blob = container, OUTPUT_BLOB
    if spec.output_data_uri:
        output_container, named = parse("outputDataUri", spec.output_data_uri)
        output_blob = named or OUTPUT_BLOB
    return BlobLocations(container, input_container, input_blob, output_container, output_blob)


class JobFactory:
    """Validates a submission completely, then creates and starts the job."""

    def __init__(self, state: EmulatorState, store: AzureStore) -> None:
        self.state = state
        self.store = store

    def create(
        self, ws: Workspace, job_id: str, spec: JobSubmission, body: dict[str, Any]
    ) -> AzureJob:
        """Create the job ``spec`` describes, or raise the 4xx that says what is wrong."""
        state = self.state
        if spec.id is not None and spec.id != job_id:
            raise _definition(f"The body's id {spec.id[:60]!r} differs from the id in the URL.")
        if spec.item_type is not None and spec.item_type != "Job":
            raise _definition(f"itemType must be 'Job' on /jobs, got {spec.item_type[:40]!r}.")
        try:
            name = check_name(spec.name) if spec.name is not None else job_id
            tags = check_tags(spec.tags) if spec.tags is not None else []
            priority = check_priority(spec.priority) if spec.priority is not None else "Standard"
        except VendorError as exc:
            raise _definition(exc.message) from None
        target = resolve_target(spec.provider_id, spec.target)
        output_format = spec.output_data_format or target.default_output_for(spec.input_data_format)
        session = None
        if spec.session_id is not None:
            session = self._open_session(ws, spec.session_id, target)
        where = blob_locations(spec, state.config.storage_account)
        input_params = spec.input_params or {}
        failure: JobFailure | None = None
        try:
            prepared = self._prepare(
                target, output_format, where, input_params, spec.input_data_format
            )
        except InputError as exc:  # accepted, then failed: the program cannot run
            prepared = PreparedJob(None, quantum_computing_count=1)
            failure = JobFailure(exc.code, str(exc))

        job = self._new_job(job_id, target, failure)
        record = AzureJob(
            job=job,
            workspace=ws.key,
            name=name,
            provider_id=target.provider,
            target=target.id,
            job_type=target.job_type,
            input_data_format=spec.input_data_format,
            output_data_format=output_format,
            input_params=input_params,
            metadata=spec.metadata,
            tags=tags,
            priority=priority,
            session_id=spec.session_id,
            container=where.container,
            input_container=where.input_container,
            input_blob=where.input_blob,
            output_container=where.output_container,
            output_blob=where.output_blob,
            submitted=body,
            created_by=ws.principal.name,
            created_by_type=ws.principal.kind,
            updated_at=job.created_at,
            quantum_computing_count=prepared.quantum_computing_count,
            usage=prepared.usage,
        )
        state.jobs.add(job, prepared.compute)
        self.store.add_job(record)
        state.stats.job_submitted("azure")
        if session is not None:
            session.job_ids.append(job_id)
            session.last_activity = job.created_at
        return record

    def _prepare(
        self,
        target: Target,
        output_format: str,
        where: BlobLocations,
        input_params: dict[str, Any],
        input_format: str,
    ) -> PreparedJob:
        """Check the formats, read and decode the input blob, validate the program."""
        retired_format = RETIRED_INPUT_FORMATS.get(input_format)
        if retired_format is not None:
            raise InputError(retired_format.message(input_format))
        check_formats(target, input_format, output_format)
        config = self.state.config
        blob = self.store.blob(where.input_container, where.input_blob)
        if blob is None:
            raise InputError(
                f"The input blob {where.input_container}/{where.input_blob} does not exist; "
                "upload it before creating the job."
            )
        data = decode_input(
            blob.data, blob.content_encoding, config.max_body_bytes * INFLATE_FACTOR
        )
        job = JobInput(
            target, output_format, data, input_params, self.state.next_seed(), config.max_qubits
        )
        return prepare(job, input_format)

    def _new_job(self, job_id: str, target: Target, failure: JobFailure | None) -> EmulatedJob:
        """The vendor-neutral job: failing with ``failure`` (its input cannot run), or with the
        outcome of an injected job fault if one is due."""
        state = self.state
        job = EmulatedJob(
            vendor="azure",
            job_id=job_id,
            created_at=state.now(),
            queue_seconds=state.config.queue_seconds,
            run_seconds=state.config.run_seconds,
            backend=target.id,
        )
        if failure is not None:
            job.forced_failure = failure
            return job
        fault = state.faults.take_job_fault("azure")
        if fault is not None and fault.outcome == "fail":
            job.forced_failure = JobFailure(
                fault.code or "InternalError",
                fault.message
                or f"The job failed on {target.id} (failure injected by the emulator).",
            )
        elif fault is not None:
            job.external_cancel = True
        return job

    def _open_session(self, ws: Workspace, session_id: str, target: Target) -> AzureSession:
        session = self.store.session(ws.key, session_id)
        if session is None:
            raise VendorError(
                400,
                f"The session {session_id[:60]!r} does not exist in this workspace; "
                "open it with PUT /sessions/{id} first.",
                "SessionNotFound",
            )
        if session.target != target.id:
            raise VendorError(
                400,
                f"The session {session_id} runs on {session.target}; a job for {target.id} "
                "cannot join it.",
                "SessionTargetMismatch",
            )
        jobs = [self.store.jobs[j] for j in session.job_ids if j in self.store.jobs]
        current = session_state(session, jobs, self.state.now())
        if session.closed_at is not None or current.status in ("Failed", "TimedOut"):
            # As recorded: 400 InvalidJobDefinition, whether closed, failed or timed out.
            raise _definition(
                "Session is already in a terminal state. This may have been due to failures in "
                f"prior jobs in the session. (session {session_id}: "
                f"{'closed' if session.closed_at is not None else current.status})"
            )
        return session
