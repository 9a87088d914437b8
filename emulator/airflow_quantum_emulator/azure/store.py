"""What the Azure side of the emulator remembers: blobs, jobs' wire fields, sessions, tokens."""

from __future__ import annotations

import secrets
import uuid
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from airflow_quantum_emulator.jobs import EmulatedJob


@dataclass
class Blob:
    """One block blob: its bytes and the properties the client set or the service computed."""

    data: bytes
    content_type: str
    content_encoding: str | None
    content_md5: str
    etag: str
    created_at: float
    last_modified: float
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class Container:
    """A blob container of the emulated storage account."""

    name: str
    created_at: float
    etag: str
    blobs: dict[str, Blob] = field(default_factory=dict)


@dataclass
class AzureJob:
    """The Azure wire fields of one job, beside its vendor-neutral ``EmulatedJob``."""

    job: EmulatedJob
    workspace: str
    name: str
    provider_id: str
    target: str
    job_type: str
    input_data_format: str
    output_data_format: str
    input_params: dict[str, Any]
    metadata: dict[str, Any] | None
    tags: list[str]
    priority: str
    session_id: str | None
    container: str
    input_container: str
    input_blob: str
    output_container: str
    output_blob: str
    submitted: dict[str, Any]
    created_by: str
    created_by_type: str
    updated_at: float
    quantum_computing_count: int | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    output_written: bool = False

    @property
    def id(self) -> str:
        return self.job.job_id


@dataclass
class AzureSession:
    """A session: a group of jobs on one target, with a failure policy."""

    id: str
    workspace: str
    name: str
    provider_id: str
    target: str
    job_failure_policy: str
    created_at: float
    created_by: str
    created_by_type: str
    submitted: dict[str, Any]
    closed_at: float | None = None
    job_ids: list[str] = field(default_factory=list)
    last_activity: float = 0.0


class AzureStore:
    """Vendor store of the Azure emulation; ``reset`` forgets everything but the SAS key."""

    def __init__(self) -> None:
        # Signs SAS URLs; kept across resets because it is a property of the "account".
        self.sas_key = secrets.token_bytes(32)
        self.containers: dict[str, Container] = {}
        self.jobs: dict[str, AzureJob] = {}
        self.workspace_jobs: dict[str, dict[str, AzureJob]] = defaultdict(dict)
        self.sessions: dict[str, dict[str, AzureSession]] = defaultdict(dict)
        self.outputs: dict[tuple[str, str], str] = {}
        self.token_subjects: dict[str, str] = {}
        #: Scripted through ``/_emulator/azure/...`` (see ``capacity``): quota fields by
        #: (provider, dimension), target status by target id, availability by provider.
        self.quota_settings: dict[tuple[str, str], dict[str, Any]] = {}
        self.target_settings: dict[str, dict[str, Any]] = {}
        self.provider_settings: dict[str, str] = {}

    def reset(self) -> None:
        self.containers.clear()
        self.jobs.clear()
        self.workspace_jobs.clear()
        self.sessions.clear()
        self.outputs.clear()
        self.token_subjects.clear()
        self.quota_settings.clear()
        self.target_settings.clear()
        self.provider_settings.clear()

    def add_job(self, record: AzureJob) -> None:
        self.jobs[record.id] = record
        self.workspace_jobs[record.workspace][record.id] = record
        self.outputs[(record.output_container, record.output_blob)] = record.id

    def clone(self, job_id: str, job: EmulatedJob) -> bool:
        """Add a twin of job ``job_id`` (same workspace, target and input) living as ``job``.

        The twin writes its output to a blob of its own beside the original's.
        """
        record = self.jobs.get(job_id)
        if record is None:
            return False
        twin = replace(
            record,
            job=job,
            tags=list(record.tags),
            session_id=None,
            output_blob=f"{record.output_blob}-{job.job_id}",
            usage={},
            output_written=False,
        )
        self.add_job(twin)
        return True

    def new_job_id(self) -> str:
        return str(uuid.uuid4())

    def reference(self, job_id: str) -> str:
        return job_id

    def remove_job(self, record: AzureJob) -> None:
        self.jobs.pop(record.id, None)
        self.workspace_jobs.get(record.workspace, {}).pop(record.id, None)
        self.outputs.pop((record.output_container, record.output_blob), None)

    def job(self, workspace: str, job_id: str) -> AzureJob | None:
        return self.workspace_jobs.get(workspace, {}).get(job_id)

    def session(self, workspace: str, session_id: str) -> AzureSession | None:
        return self.sessions.get(workspace, {}).get(session_id)

    def blob(self, container: str, name: str) -> Blob | None:
        box = self.containers.get(container)
        return None if box is None else box.blobs.get(name)
