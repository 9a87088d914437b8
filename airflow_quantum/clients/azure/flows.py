"""Azure Quantum operations written once (sans-IO): calls, flows and pagers (see ``calls``).

Each operation's requests, parsing and error handling live here or in ``protocol``; the clients
only run them (``AzureQuantumClient`` with ``requests``, ``AsyncAzureQuantumClient`` with
``httpx``). Nothing here waits for a job: ``get_results`` reads a job that is final already.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from airflow_quantum.clients.azure.models import JobDetails, SessionDetails
from airflow_quantum.clients.azure.protocol import (
    VENDOR,
    AzureQuantumProtocol,
    check_job_id,
    check_name,
    new_job_id,
    parse_page,
)
from airflow_quantum.clients.azure.results import decode_results
from airflow_quantum.clients.azure.storage import (
    INPUT_BLOB,
    container_name_for,
    decode_blob,
    download_request,
    needs_renewal,
    parse_blob_url,
    upload_input,
    upload_request,
)
from airflow_quantum.clients.azure.targets import check_current
from airflow_quantum.clients.calls import Answer, Call, Flow, json_call, json_of
from airflow_quantum.clients.errors import (
    AuthenticationError,
    BadRequestError,
    BadResponseError,
    InvalidInputError,
    InvalidStateError,
    JobFailedError,
    QuantumAPIError,
    SessionClosedError,
)
from airflow_quantum.clients.state import JobState
from airflow_quantum.clients.transport import Request

log = logging.getLogger(__name__)

T = TypeVar("T")

M = TypeVar("M")


def _has_body(answer: Answer) -> bool:
    return answer.status_code != 204 and bool(answer.content.strip())


# ------------------------------------------------------------------------ single requests


def _maybe(request: Request, parse: Callable[[Any], M]) -> Call[M | None]:
    """A call whose answer may be empty (204): None then, else its JSON parsed."""

    def read(answer: Answer) -> M | None:
        return parse(json_of(VENDOR, answer, request)) if _has_body(answer) else None

    return Call(request, read)


def cancel_job(protocol: AzureQuantumProtocol, job_id: str) -> Flow[JobDetails]:
    """Cancel; a job already final raises ``InvalidStateError`` (the service's 409)."""
    job = yield _maybe(protocol.cancel_job(job_id), protocol.parse_job)
    return job if job is not None else (yield protocol.get_job(job_id))


def updated(protocol: AzureQuantumProtocol, job_id: str, update: Request) -> Flow[JobDetails]:
    """Send ``update`` (a ``protocol.update_job`` request); the job as it is afterwards."""
    job = yield _maybe(update, protocol.parse_job)
    return job if job is not None else (yield protocol.get_job(job_id))


def change_tags(
    protocol: AzureQuantumProtocol,
    job_id: str,
    change: Callable[[list[str]], list[str]],
) -> Flow[JobDetails]:
    """Read the tags, apply ``change``, write them back (merge-patch replaces the list)."""
    current = yield protocol.get_job(job_id)
    tags = change(list(current.tags or []))
    return (yield from updated(protocol, job_id, protocol.update_job(job_id, tags=tags)))


def open_session(
    protocol: AzureQuantumProtocol,
    *,
    provider_id: str,
    target: str,
    session_id: str | None,
    name: str | None,
    job_failure_policy: str,
) -> Flow[SessionDetails]:
    session_id = check_job_id(session_id, "session_id") if session_id else new_job_id()
    if job_failure_policy not in ("Abort", "Continue"):
        raise InvalidInputError("job_failure_policy must be 'Abort' or 'Continue'")
    check_current(target)
    body = {
        "id": session_id,
        "name": check_name(name, "name") if name is not None else session_id,
        "providerId": check_name(provider_id, "provider_id"),
        "target": check_name(target, "target"),
        "itemType": "Session",
        "jobFailurePolicy": job_failure_policy,
    }
    request = protocol.open_session(session_id, body)
    return (yield json_call(VENDOR, request, protocol.parse_session))


def close_session(protocol: AzureQuantumProtocol, session_id: str) -> Flow[SessionDetails]:
    session = yield _maybe(protocol.close_session(session_id), protocol.parse_session)
    return session if session is not None else (yield protocol.get_session(session_id))


# ------------------------------------------------------------------------ submission


@dataclass(frozen=True)
class Submission:
    """A checked job submission: everything is validated before the first request."""

    job_id: str
    data: bytes
    content_type: str
    content_encoding: str | None
    body_fields: Mapping[str, Any]


def job_body(
    *,
    job_id: str,
    name: str,
    provider_id: str,
    target: str,
    container_uri: str,
    input_data_uri: str,
    input_data_format: str,
    output_data_format: str | None,
    input_params: Mapping[str, Any] | None,
    tags: list[str] | None,
    session_id: str | None,
    metadata: Mapping[str, Any] | None,
    priority: str | None = None,
) -> dict[str, Any]:
    """The JobDetails a client sends to create a job (the wire's step 4)."""
    body: dict[str, Any] = {
        "id": job_id,
        "name": name,
        "providerId": provider_id,
        "target": target,
        "itemType": "Job",
        "containerUri": container_uri,
        "inputDataUri": input_data_uri,
        "inputDataFormat": input_data_format,
        "inputParams": dict(input_params or {}),
    }
    if output_data_format:
        body["outputDataFormat"] = output_data_format
    if tags:
        body["tags"] = list(tags)
    if session_id:
        body["sessionId"] = session_id
    if metadata:
        body["metadata"] = dict(metadata)
    if priority:
        body["priority"] = priority
    return body


def submit(protocol: AzureQuantumProtocol, submission: Submission) -> Flow[JobDetails]:
    """SAS for ``job-{id}``, gzip block-blob upload, ``PUT /jobs/{id}``.

    The id is generated once, so transport retries of the PUT cannot create a second job. If
    the blob or the job already exists (a retry of a whole submission with the same id), the
    existing job is returned when it is the same submission.
    """
    job_id = submission.job_id
    container_sas = yield protocol.sas_uri(container_name_for(job_id))
    upload, location = upload_request(
        container_sas,
        INPUT_BLOB,
        submission.data,
        content_type=submission.content_type,
        content_encoding=submission.content_encoding,
    )
    yield from upload_input(upload, container_sas, job_id)
    body = job_body(
        job_id=job_id,
        container_uri=container_sas,
        input_data_uri=location.bare_url,
        **submission.body_fields,
    )
    try:
        job = yield json_call(VENDOR, protocol.create_job(job_id, body), protocol.parse_job)
    except (BadRequestError, InvalidStateError) as exc:
        closed = _session_closed(exc, submission.body_fields.get("session_id"))
        if closed is not None:
            raise closed from exc
        if not isinstance(exc, InvalidStateError) or exc.code != "JobAlreadyExists":
            raise
        existing = yield protocol.get_job(job_id)
        if not _same_submission(existing, submission):
            raise
        log.info("Job %s already exists with the same target and input; reusing it", job_id)
        return existing
    # Debug: the operator logs the one "Submitted" line of a task.
    log.debug("Submitted Azure Quantum job %s to %s (%s)", job.id, job.target, job.status)
    return job


#: Codes of a job refused by a session that accepts no more jobs: the service's 400 (recorded)
#: and the 409s of earlier emulators and services.
_SESSION_CLOSED_CODES = frozenset({"SessionClosed", "SessionFailed", "SessionTimedOut"})


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


def _same_submission(job: JobDetails, submission: Submission) -> bool:
    fields = submission.body_fields
    return (
        (job.target or "").lower() == str(fields["target"]).lower()
        and (job.provider_id or "").lower() == str(fields["provider_id"]).lower()
        and (job.input_data_format or "").lower() == str(fields["input_data_format"]).lower()
    )


# ------------------------------------------------------------------------ results


def download_output(
    protocol: AzureQuantumProtocol, job: JobDetails, *, now: float | None = None
) -> Flow[bytes]:
    """The output blob's bytes; renews the SAS first when it is missing or about to expire."""
    url = job.output_data_uri
    if not url:
        raise BadResponseError(f"job {job.id} has no outputDataUri", vendor=VENDOR)
    location = parse_blob_url(url)
    if location.blob is None:
        raise BadResponseError(f"job {job.id}'s outputDataUri names no blob", vendor=VENDOR)
    renewed = False
    if needs_renewal(url, now):
        url = yield protocol.sas_uri(location.container, location.blob)
        renewed = True
    try:
        return (yield _download(url))
    except AuthenticationError:
        # The SAS expired between the check and the read (clock skew): renew once.
        if renewed:
            raise
        url = yield protocol.sas_uri(location.container, location.blob)
        return (yield _download(url))


def _download(url: str) -> Call[bytes]:
    return Call(download_request(url), lambda answer: decode_blob(answer.content))


def _qubits_of(job: JobDetails) -> int | None:
    metadata = job.metadata if isinstance(job.metadata, Mapping) else {}
    for key in ("qubits", "num_qubits"):
        value = metadata.get(key)
        try:
            number = int(value) if value is not None and not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is not None and 0 < number <= 1000:
            return number
    return None


def check_result_state(job: JobDetails) -> None:
    """Raise unless the job succeeded.

    Failed or cancelled -> ``JobFailedError``; still active -> ``InvalidStateError``.
    """
    state = job.state
    if state is JobState.SUCCEEDED:
        return
    if state is JobState.FAILED:
        error = job.error_data
        raise JobFailedError(
            f"job {job.id} failed: {job.error_message()}",
            job_id=job.id,
            state=state.value,
            code=error.code if error is not None else None,
        )
    if state is JobState.CANCELLED:
        raise JobFailedError(
            f"job {job.id} was cancelled; it has no results", job_id=job.id, state=state.value
        )
    raise InvalidStateError(
        f"job {job.id} is {job.status}, not finished: no results yet", vendor=VENDOR
    )


def get_results(
    protocol: AzureQuantumProtocol, job: JobDetails | str, *, qubits: int | None = None
) -> Flow[dict[str, Any]]:
    """Check that the job succeeded, then download and decode its output (no waiting).

    A job given by id, or not final yet, is read first; one still active raises
    ``InvalidStateError``, a failed or cancelled one ``JobFailedError``.
    """
    if qubits is not None and (
        isinstance(qubits, bool) or not isinstance(qubits, int) or not 1 <= qubits <= 1000
    ):
        raise InvalidInputError("qubits must be an integer between 1 and 1000")
    if isinstance(job, str) or not job.has_completed():
        job = yield protocol.get_job(job if isinstance(job, str) else job.id)
    check_result_state(job)
    data = yield from download_output(protocol, job)
    return decode_results(data, job.output_data_format, qubits=qubits or _qubits_of(job))


# ------------------------------------------------------------------------ listings


class LinkPager:
    """A listing that follows ``nextLink`` (on the workspace's host only, never in a loop)."""

    def __init__(
        self,
        protocol: AzureQuantumProtocol,
        request: Request,
        what: str,
        parse: Callable[[Any], Any],
        max_pages: int | None = None,
    ) -> None:
        self.protocol, self.what, self.parse, self.max_pages = protocol, what, parse, max_pages
        self._request: Request | None = request
        self._next_link: str | None = None
        self._seen: set[str] = set()
        self._pages = 0

    def next_call(self) -> Call[list[Any]] | None:
        if self._next_link is not None:
            link, self._next_link = self._next_link, None
            if link in self._seen:
                raise BadResponseError(f"the {self.what} listing's nextLink loops", vendor=VENDOR)
            self._seen.add(link)
            self._request = self.protocol.next_page(link)
        request, self._request = self._request, None
        if request is None:
            return None
        return Call(request, lambda answer: self._read(json_of(VENDOR, answer, request)))

    def _read(self, payload: Any) -> list[Any]:
        page = parse_page(payload, self.what)
        self._pages += 1
        if page.next_link and (self.max_pages is None or self._pages < self.max_pages):
            self._next_link = page.next_link
        return [self.parse(item) for item in page.items]
