"""Rendering jobs and sessions as the service's JobDetails / SessionDetails JSON."""

from __future__ import annotations

from typing import Any

from airflow_quantum_emulator.azure.billing import cost_estimate
from airflow_quantum_emulator.azure.context import Workspace
from airflow_quantum_emulator.azure.sas import (
    BLOB_PERMISSIONS,
    CONTAINER_PERMISSIONS,
    CONTAINER_READ_LIST,
    READ,
    SasSigner,
)
from airflow_quantum_emulator.azure.statuses import SessionState, job_status
from airflow_quantum_emulator.azure.storage import blob_url, container_url, write_blob
from airflow_quantum_emulator.azure.store import AzureJob, AzureSession, AzureStore
from airflow_quantum_emulator.azure.targets import find_any_target
from airflow_quantum_emulator.azure.versions import has_audit_fields
from airflow_quantum_emulator.clock import iso_utc
from airflow_quantum_emulator.jobs import FINISHING_SHARE, Phase
from airflow_quantum_emulator.state import EmulatorState

#: Name the service gives the output blob before a job has written it.
PENDING_OUTPUT_BLOB = "outputData"
OUTPUT_BLOB = "rawOutputData"
#: What real jobs and sessions carry (recorded 2024-10 to 2026-02); the service sends neither
#: ``priority`` nor ``usage`` (whose 2026-01-15 keys are provider-defined, never promised).
JOB_PRIORITY = "Basic"


class Renderer:
    """Turns stored jobs and sessions into wire JSON, with fresh SAS links every time."""

    def __init__(self, state: EmulatorState, store: AzureStore) -> None:
        self.state = state
        self.store = store
        self.signer = SasSigner(store.sas_key)

    # ------------------------------------------------------------ links

    def blob_link(self, base_url: str, container: str, blob: str, permissions: str = READ) -> str:
        query = self._query(container, blob, permissions)
        return f"{blob_url(base_url, self.state.config.storage_account, container, blob)}?{query}"

    def sas_uri(
        self,
        base_url: str,
        container: str,
        blob: str | None,
        container_permissions: str = CONTAINER_PERMISSIONS,
    ) -> str:
        """What ``POST /storage/sasUri`` hands out: a container (rcwl) or blob (rcw) SAS URL."""
        if blob is not None:
            return self.blob_link(base_url, container, blob, BLOB_PERMISSIONS)
        query = self._query(container, None, container_permissions)
        return f"{container_url(base_url, self.state.config.storage_account, container)}?{query}"

    def _query(self, container: str, blob: str | None, permissions: str) -> str:
        now = self.state.now()
        return self.signer.query(container, blob, permissions, now, self.state.config.sas_lifetime)

    # ------------------------------------------------------------ output blobs

    def materialize(self, record: AzureJob) -> bool:
        """Write a succeeded job's output blob (once); True when the blob exists."""
        if record.output_written:
            return True
        now = self.state.now()
        if record.job.phase(now) is not Phase.SUCCEEDED:
            return False
        write_blob(
            self.store,
            record.output_container,
            record.output_blob,
            record.job.result(),
            now,
            content_type="application/json",
        )
        record.output_written = True
        return True

    def materialize_blob(self, container: str, blob: str) -> None:
        """Called before a blob is read: write it first if it is a finished job's output."""
        job_id = self.store.outputs.get((container, blob))
        record = self.store.jobs.get(job_id) if job_id else None
        if record is not None:
            self.materialize(record)

    # ------------------------------------------------------------ jobs

    def job(self, record: AzureJob, ws: Workspace, *, signed: bool = True) -> dict[str, Any]:
        """JobDetails of ``record`` as a caller with ``ws.api_version`` sees it.

        ``signed=False``: the links without SAS, as the answer to ``PUT /jobs/{id}`` has them
        (recorded: ``containerUri`` bare, ``outputDataUri`` ``.../outputData``).
        """
        now = self.state.now()
        job = record.job
        phase = job.phase(now)
        finished = self.materialize(record)
        if finished or record.output_blob != OUTPUT_BLOB:
            output_blob = record.output_blob
        else:
            output_blob = PENDING_OUTPUT_BLOB
        failure = job.failure(now)
        started, ended = job.started_at(now), job.ended_at(now)
        if phase is Phase.FINISHING and ended is None:
            # Recorded: a Finishing job already has its end time (execution is over).
            ended = job.scheduled_end - FINISHING_SHARE * job.run_seconds
        words = self.state.config.azure_status_words
        account = self.state.config.storage_account
        if signed:
            container = self.sas_uri(ws.base_url, record.container, None, CONTAINER_READ_LIST)
            input_uri = self.blob_link(ws.base_url, record.input_container, record.input_blob)
            output_uri = self.blob_link(ws.base_url, record.output_container, output_blob)
        else:
            container = container_url(ws.base_url, account, record.container)
            input_uri = blob_url(ws.base_url, account, record.input_container, record.input_blob)
            output_uri = blob_url(ws.base_url, account, record.output_container, output_blob)
        details: dict[str, Any] = {
            "id": record.id,
            "name": record.name,
            "itemType": "Job",
            "providerId": record.provider_id,
            "target": record.target,
            "jobType": record.job_type,
            "sessionId": record.session_id,
            "containerUri": container,
            "inputDataUri": input_uri,
            "inputDataFormat": record.input_data_format,
            "inputParams": record.input_params,
            "metadata": record.metadata,
            "outputDataUri": output_uri,
            "outputDataFormat": record.output_data_format,
            "status": job_status(phase, words),
            "creationTime": iso_utc(job.created_at),
            "beginExecutionTime": iso_utc(started),
            "endExecutionTime": iso_utc(ended),
            "cancellationTime": iso_utc(job.cancelled_at if phase is Phase.CANCELLED else None),
            "costEstimate": self._cost(record) if phase is Phase.SUCCEEDED else None,
            "errorData": None
            if failure is None
            else {"code": failure.code, "message": failure.message},
            "tags": list(record.tags),
            "jobPriority": JOB_PRIORITY,
            "quantumComputingData": (
                None
                if record.quantum_computing_count is None
                else {"count": record.quantum_computing_count}
            ),
        }
        if words == "legacy":
            # Real traffic (legacy words) carries isCancelling, though no spec names it.
            details["isCancelling"] = False
        moments = [job.created_at, started, ended, record.updated_at]
        if phase is Phase.CANCELLED:
            moments.append(job.cancelled_at)
        # Recorded in real traffic at 2025-12-01-preview (and null on jobs of 2024).
        details["lastModifiedTime"] = iso_utc(max(m for m in moments if m is not None))
        if has_audit_fields(ws.api_version):
            details["lastUpdatedTime"] = details["lastModifiedTime"]
            details["createdBy"] = record.created_by
            details["createdByType"] = record.created_by_type
        return details

    def _cost(self, record: AzureJob) -> dict[str, Any]:
        job = record.job
        ran = max(0.0, (job.ended_at(self.state.now()) or 0.0) - job.starts_at)
        return cost_estimate(record, find_any_target(record.target), ran)

    # ------------------------------------------------------------ sessions

    def session(self, session: AzureSession, state: SessionState, ws: Workspace) -> dict[str, Any]:
        details: dict[str, Any] = {
            "id": session.id,
            "name": session.name,
            "itemType": "Session",
            "providerId": session.provider_id,
            "target": session.target,
            "jobFailurePolicy": session.job_failure_policy,
            "jobPriority": JOB_PRIORITY,
            "status": state.status,
            "creationTime": iso_utc(session.created_at),
            "beginExecutionTime": iso_utc(state.begin),
            "endExecutionTime": iso_utc(state.end),
            "costEstimate": None,
            "errorData": _session_error(session, state),
        }
        if has_audit_fields(ws.api_version):
            moments = [session.created_at, session.last_activity, state.end, session.closed_at]
            details["lastUpdatedTime"] = iso_utc(max(m for m in moments if m is not None))
            details["createdBy"] = session.created_by
            details["createdByType"] = session.created_by_type
        return details


def _session_error(session: AzureSession, state: SessionState) -> dict[str, str] | None:
    if state.status == "Failed":
        return {
            "code": "SessionFailed",
            "message": "A job of the session failed"
            + (
                " and its jobFailurePolicy is Abort."
                if session.job_failure_policy == "Abort"
                else "."
            ),
        }
    if state.status == "TimedOut":
        return {"code": "SessionTimedOut", "message": "The session was idle for too long."}
    return None
