"""The data-plane ``api-version`` values the emulator accepts and what changes between them."""

from __future__ import annotations

from airflow_quantum_emulator.errors import VendorError

#: The published versions (azure-rest-api-specs ``specification/quantum/data-plane``) from the
#: first one without the ``/v1.0`` prefix on: what the emulator advertises.
SUPPORTED_API_VERSIONS = (
    "2022-09-12-preview",
    "2023-11-13-preview",
    "2024-02-01-preview",
    "2024-03-01-preview",
    "2024-10-01-preview",
    "2025-09-01-preview",
    "2025-12-01-preview",
    "2026-01-15-preview",
)
#: The newest published version: what the official client (e7c9490) sends.
LATEST_API_VERSION = SUPPORTED_API_VERSIONS[-1]
#: Versions in no spec and no official client, answered when a client asks for them (the
#: queue position is keyed to 2026-08-01-preview, named by an earlier misreading) but never
#: advertised: error messages list ``SUPPORTED_API_VERSIONS`` only.
UNPUBLISHED_API_VERSIONS = ("2026-08-01-preview",)

#: From this version on, DELETE /jobs/{id} deletes the job (before, it cancelled it).
DELETE_REMOVES_JOBS = "2025-12-01-preview"
#: From this version on, JobDetails carry lastUpdatedTime, createdBy and createdByType.
AUDIT_FIELDS = "2026-01-15-preview"
#: From this version on, ``POST /storage/sasUri`` creates the job's container; before it, a Put
#: Blob into a missing container answers 404 ContainerNotFound and the client creates it.
SERVICE_CREATES_CONTAINERS = "2026-01-15-preview"
#: From this version on, ``PATCH .../jobUpdateOptions/{jobId}`` (``Jobs_Update`` in the specs
#: 2025-09-01-preview to 2026-01-15-preview and the official client at HEAD) exists.
JOB_UPDATE_OPTIONS = "2025-09-01-preview"
#: From this (unpublished) version on, ``Jobs_GetQueuePosition`` exists.
QUEUE_POSITION = UNPUBLISHED_API_VERSIONS[0]


def check_api_version(value: str | None) -> str:
    """The request's api-version, or the 400 the service answers when it is missing or unknown."""
    supported = ", ".join(SUPPORTED_API_VERSIONS)
    if not value:
        raise VendorError(
            400,
            "The api-version query parameter (?api-version=) is required for all requests. "
            f"Supported versions: {supported}.",
            "MissingApiVersionParameter",
        )
    if value not in SUPPORTED_API_VERSIONS and value not in UNPUBLISHED_API_VERSIONS:
        raise VendorError(
            400,
            f"The api-version '{value}' is not supported. Supported versions: {supported}.",
            "UnsupportedApiVersion",
        )
    return value


def delete_removes_jobs(api_version: str) -> bool:
    return api_version >= DELETE_REMOVES_JOBS


def has_audit_fields(api_version: str) -> bool:
    return api_version >= AUDIT_FIELDS


def service_creates_containers(api_version: str) -> bool:
    return api_version >= SERVICE_CREATES_CONTAINERS


def has_job_update_options(api_version: str) -> bool:
    return api_version >= JOB_UPDATE_OPTIONS


def has_queue_position(api_version: str) -> bool:
    return api_version >= QUEUE_POSITION
