"""The Azure Quantum data-plane protocol: every job operation of the Azure clients, defined once
(the workspace's own are in ``workspace``). ``AzureQuantumClient`` and
``AsyncAzureQuantumClient`` are this class run by ``calls.SyncRunner`` and ``calls.AsyncRunner``.
Nothing here waits for a job: ``get_results`` reads a job that is final.
"""

from __future__ import annotations

import json
import logging
from functools import partial
from typing import Any, TypedDict, Unpack
from urllib.parse import quote

from airflow_quantum.clients.azure import queue, storage
from airflow_quantum.clients.azure.listing import (
    ACTIVE_STATES,
    JobQuery,
    SortedPaging,
    build_job_filter,
    list_params,
    listed_jobs,
)
from airflow_quantum.clients.azure.models import JobDetails
from airflow_quantum.clients.azure.prepared import AzurePreparedJob
from airflow_quantum.clients.azure.results import check_result_state, decode_results, qubits_of
from airflow_quantum.clients.azure.validation import (
    check_job_id,
    check_name,
    check_tags,
    new_job_id,
)
from airflow_quantum.clients.azure.workspace import VENDOR, AzureWorkspace
from airflow_quantum.clients.calls import Call, Flow, Pager, json_of, listing, operation, pages_of
from airflow_quantum.clients.errors import (
    BadRequestError,
    BadResponseError,
    InvalidInputError,
    InvalidStateError,
    NotFoundError,
    QuantumAPIError,
    SessionClosedError,
    reject_unknown_keywords,
)
from airflow_quantum.clients.models import ListedJob

log = logging.getLogger(__name__)

#: From this api-version on, jobs are cancelled with ``POST :cancel`` (before: ``DELETE``).
#: (Status words do not follow the api-version: both vocabularies are answered at every version.)
CANCEL_ACTION_VERSION = "2025-12-01-preview"
#: From this api-version on, a job is updated with a JSON Merge Patch at
#: ``PATCH /jobUpdateOptions/{id}`` (the specs and the official client at HEAD); before, with a
#: JSON Patch at ``PATCH /jobs/{id}`` (the published 3.13 client). Both paths are tried.
MERGE_PATCH_VERSION = "2025-09-01-preview"
#: Page size of the pending-jobs listing: 10,000 waiting jobs take 20 requests, and one page
#: (about 0.5 MB of JSON) decodes in a few milliseconds, so the event loop never stalls.
PENDING_PAGE_SIZE = 500
#: Codes of a job refused by a session that accepts no more jobs: the service's 400 (recorded)
#: and the 409s of earlier emulators and services.
_SESSION_CLOSED_CODES = frozenset({"SessionClosed", "SessionFailed", "SessionTimedOut"})


class JobUpdate(TypedDict, total=False):
    """What ``update_job`` may change."""

    name: str | None
    #: ``Standard`` or ``High``.
    priority: str | None
    tags: list[str] | None


class AzureQuantumProtocol(AzureWorkspace):
    """The operations of one workspace: its jobs here, the workspace's own in ``AzureWorkspace``."""

    def _job_path(self, job_id: str, suffix: str = "") -> str:
        return f"/jobs/{quote(check_job_id(job_id), safe='')}{suffix}"

    @staticmethod
    def parse_job(payload: Any) -> JobDetails:
        return JobDetails.from_wire(payload, "JobDetails")

    def job_from_listing(self, listed: ListedJob) -> JobDetails:
        """The ``JobDetails`` of a job from ``pending_job_pages``."""
        return self.parse_job(listed.raw)

    @operation
    def submit_job(self, job: AzurePreparedJob, *, job_id: str | None = None) -> Flow[JobDetails]:
        """Submit a prepared job: SAS for ``job-{id}``, gzip block-blob upload, ``PUT /jobs/{id}``.

        ``job_id`` (a GUID; default: a new one) is generated once, so transport retries of the
        PUT cannot create a second job; resubmitting with the same id finds the job already
        submitted (when it is the same submission) instead of paying twice.
        """
        if not isinstance(job, AzurePreparedJob):
            raise InvalidInputError(
                f"submit_job takes an AzurePreparedJob, got {type(job).__name__}"
            )
        job_id = check_job_id(job_id) if job_id is not None else new_job_id()
        container_sas = yield self.get_sas_uri.call(storage.container_name_for(job_id))
        upload = storage.upload_input(container_sas, job_id, job.data, job.content_type, job.gzip)
        body = job.body(job_id, container_sas, (yield from upload))
        request = self._request("PUT", self._job_path(job_id), json_body=body)
        try:
            created = yield self._json(request, self.parse_job)
        except (BadRequestError, InvalidStateError) as exc:
            closed = _session_closed(exc, job.session_id)
            if closed is not None:
                raise closed from exc
            if not isinstance(exc, InvalidStateError) or exc.code != "JobAlreadyExists":
                raise
            existing = yield self.get_job.call(job_id)
            if not job.matches(existing):
                raise
            log.info("Job %s already exists with the same target and input; reusing it", job_id)
            return existing
        # Debug: the operator logs the one "Submitted" line of a task.
        log.debug(
            "Submitted Azure Quantum job %s to %s (%s)", created.id, created.target, created.status
        )
        return created

    @operation
    def get_job(self, job_id: str) -> Call[JobDetails]:
        """The job's details (the official ``Job.details``)."""
        return self._json(self._request("GET", self._job_path(job_id)), self.parse_job)

    @operation
    def cancel_job(self, job_id: str) -> Flow[JobDetails]:
        """Cancel the job (``POST :cancel``, or ``DELETE`` before 2025-12); the job afterwards.
        A job already final raises ``InvalidStateError`` (the service's 409)."""
        if self.api_version >= CANCEL_ACTION_VERSION:
            ok = frozenset({200, 204})
            request = self._request("POST", self._job_path(job_id, ":cancel"), ok_statuses=ok)
        else:
            request = self._request("DELETE", self._job_path(job_id))
        return (yield from self._item(request, self.parse_job, self.get_job.call(job_id)))

    @operation
    def get_results(
        self, job: JobDetails | str, *, qubits: int | None = None
    ) -> Flow[dict[str, Any]]:
        """A finished job's output, decoded to plain JSON (see ``results``); no waiting.

        A job given by id, or not final yet, is read first; one still active raises
        ``InvalidStateError``, a failed or cancelled one ``JobFailedError``.
        """
        if qubits is not None and (
            isinstance(qubits, bool) or not isinstance(qubits, int) or not 1 <= qubits <= 1000
        ):
            raise InvalidInputError("qubits must be an integer between 1 and 1000")
        if isinstance(job, str) or not job.has_completed():
            job = yield self.get_job.call(job if isinstance(job, str) else job.id)
        check_result_state(job)
        data = yield from self._output(job)
        return decode_results(data, job.output_data_format, qubits=qubits or qubits_of(job))

    @operation
    def download_output(self, job: JobDetails | str) -> Flow[bytes]:
        """The raw output blob (gzip removed), renewing an expiring SAS link first."""
        if isinstance(job, str):
            job = yield self.get_job.call(job)
        return (yield from self._output(job))

    def _output(self, job: JobDetails) -> Flow[bytes]:
        if not job.output_data_uri:
            raise BadResponseError(f"job {job.id} has no outputDataUri", vendor=VENDOR)
        what = f"job {job.id}'s outputDataUri"
        return (yield from storage.download_blob(job.output_data_uri, self.get_sas_uri.call, what))

    @operation
    def queue_info(self, job_id: str) -> Flow[queue.AzureQueueInfo | None]:
        """The job's queue position; None before api-version 2026-08-01-preview (no request)."""
        path = self._job_path(job_id)
        if not queue.has_queue_position(self.api_version):
            return None
        for index, suffix in enumerate(queue.PATH_VARIANTS):
            request = self._request("GET", path + suffix)
            try:
                body = yield Call(request, partial(json_of, VENDOR, request=request))
            except NotFoundError as exc:
                if exc.code == "JobNotFound" or index == len(queue.PATH_VARIANTS) - 1:
                    raise
                continue
            if isinstance(body, dict):
                body = {"jobId": job_id, **body}
            return queue.AzureQueueInfo.from_wire(body, "queue position")
        return None

    @operation
    def update_job(self, job_id: str, **update: Unpack[JobUpdate]) -> Flow[JobDetails]:
        """Change the job's name, priority (``Standard``/``High``) or tags; the job afterwards."""
        reject_unknown_keywords(update, JobUpdate, "update_job")
        changes: dict[str, Any] = {}
        if (name := update.get("name")) is not None:
            changes["name"] = check_name(name, "name")
        if (priority := update.get("priority")) is not None:
            if priority not in ("Standard", "High"):
                raise InvalidInputError("priority must be 'Standard' or 'High'")
            changes["priority"] = priority
        if (tags := update.get("tags")) is not None:
            changes["tags"] = check_tags(tags)
        if not changes:
            raise InvalidInputError("nothing to update: give name, priority or tags")
        ok = frozenset({200, 204})
        if self.api_version >= MERGE_PATCH_VERSION:
            headers = {"Content-Type": "application/merge-patch+json"}
            content = json.dumps(changes).encode()
            path = f"/jobUpdateOptions/{quote(check_job_id(job_id), safe='')}"
            request = self._request("PATCH", path, content=content, headers=headers, ok_statuses=ok)
            try:
                yield Call(request, lambda answer: None)
                return (yield self.get_job.call(job_id))
            except (NotFoundError, BadRequestError) as exc:
                if exc.code == "JobNotFound" or exc.status not in (404, 405):
                    raise  # the path exists and refused: a fallback would be refused too
        else:
            headers = {"Content-Type": "application/json-patch+json"}
            patch = [{"op": "add", "path": f"/{key}", "value": val} for key, val in changes.items()]
            content = json.dumps(patch).encode()
        request = self._request(
            "PATCH", self._job_path(job_id), content=content, headers=headers, ok_statuses=ok
        )
        return (yield from self._item(request, self.parse_job, self.get_job.call(job_id)))

    @operation
    def update_tags(self, job_id: str, tags: list[str]) -> Flow[JobDetails]:
        """Replace the job's tags with ``tags``; the job afterwards."""
        return (yield from self.update_job.call(job_id, tags=check_tags(tags)))

    @operation
    def add_tags(self, job_id: str, tags: list[str]) -> Flow[JobDetails]:
        """Add the tags the job does not have yet; the job afterwards."""
        new = check_tags(tags)
        current = yield self.get_job.call(job_id)
        old = list(current.tags or [])
        return (
            yield from self.update_job.call(job_id, tags=old + [t for t in new if t not in old])
        )

    @operation
    def remove_tags(self, job_id: str, tags: list[str]) -> Flow[JobDetails]:
        """Remove these tags from the job; the job afterwards."""
        gone = set(check_tags(tags))
        current = yield self.get_job.call(job_id)
        kept = [tag for tag in current.tags or [] if tag not in gone]
        return (yield from self.update_job.call(job_id, tags=kept))

    @listing
    def list_jobs(self, **query: Unpack[JobQuery]) -> Pager[JobDetails]:
        """Jobs matching every given filter (``JobFilter``), page by page (``SortedPaging``).

        ``status`` takes ``JobState`` members or wire words; each names the words of both
        status vocabularies (``Succeeded`` and ``Completed``...); lists are OR-ed.
        """
        paging = {k: query.pop(k) for k in SortedPaging.__annotations__ if k in query}  # type: ignore[misc]
        return self._pager("/jobs", "JobDetails", JobDetails, paging, build_job_filter(**query))  # type: ignore[arg-type]

    @listing
    def pending_job_pages(
        self, page_size: int | None = None, max_pages: int | None = None
    ) -> Pager[list[ListedJob]]:
        """Pages of the workspace's jobs that are not final (a ``State`` filter), unparsed.

        A job that ends while the listing is paged may shift a later page, so a pending job
        may be missed: callers confirm jobs they did not see with ``get_job``.
        """
        query = build_job_filter(status=list(ACTIVE_STATES))
        params = list_params(filter=query, top=page_size or PENDING_PAGE_SIZE)
        request = self._request("GET", "/jobs", params=params)
        return pages_of(listed_jobs(request, self.next_page, max_pages))


def _session_closed(exc: QuantumAPIError, session_id: str | None) -> SessionClosedError | None:
    """A ``SessionClosedError`` when ``exc`` says the job's session takes no more jobs."""
    if session_id is None:
        return None
    terminal = exc.code == "InvalidJobDefinition" and "terminal state" in exc.vendor_message
    if not terminal and exc.code not in _SESSION_CLOSED_CODES:
        return None
    return exc.reworded(
        SessionClosedError,
        f"session {session_id} accepts no more jobs: it is closed, failed or timed out; open a "
        f"new session for this job. The service said: {exc.vendor_message}",
    )
