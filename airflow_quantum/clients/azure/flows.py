"""Multi-step operations written once, run by either client face.

A flow is a generator that yields what it needs (a ``transport.Request`` to send, or a ``Pause``
to wait) and receives the answer (the HTTP response, or None after a pause); failures are thrown
into it as the provider's exceptions. ``AzureQuantumClient`` runs flows with ``requests`` and
``time.sleep``, ``AsyncAzureQuantumClient`` with ``httpx`` and ``asyncio.sleep``: the protocol
logic (submission, SAS renewal, polling, result download) exists once.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from airflow_quantum.clients.azure.models import JobDetails, SessionDetails
from airflow_quantum.clients.azure.protocol import (
    VENDOR,
    AzureQuantumProtocol,
    check_job_id,
    check_json_object,
    check_name,
    check_tags,
    job_body,
    new_job_id,
)
from airflow_quantum.clients.azure.results import decode_results
from airflow_quantum.clients.azure.storage import (
    INPUT_BLOB,
    compress,
    container_name_for,
    decode_blob,
    download_request,
    needs_renewal,
    parse_blob_url,
    upload_input,
    upload_request,
)
from airflow_quantum.clients.azure.targets import check_current
from airflow_quantum.clients.errors import (
    AuthenticationError,
    BadRequestError,
    BadResponseError,
    InvalidInputError,
    InvalidStateError,
    JobFailedError,
    JobTimeoutError,
    QuantumAPIError,
    SessionClosedError,
)
from airflow_quantum.clients.state import JobState
from airflow_quantum.clients.transport import Request, decode_json

log = logging.getLogger(__name__)

T = TypeVar("T")

#: The official client's polling: first wait 0.2 s, each next x1.5, at most 30 s.
FIRST_POLL = 0.2
POLL_GROWTH = 1.5
MAX_POLL = 30.0
#: How long ``get_results`` waits for a job by default (as the official client's helpers).
RESULTS_TIMEOUT = 300.0


@dataclass(frozen=True)
class Pause:
    """A flow step: wait this many seconds."""

    seconds: float


Step = Request | Pause
Flow = Generator[Step, Any, T]


def payload(response: Any) -> Any:
    """The JSON body of a response of either HTTP library (None when empty)."""
    request = getattr(response, "request", None)
    method = getattr(request, "method", "?")
    url = str(getattr(request, "url", ""))
    return decode_json(VENDOR, response.text, method, url)


def _has_body(response: Any) -> bool:
    return response.status_code != 204 and bool(response.content.strip())


# ------------------------------------------------------------------------ single requests


def get_job(protocol: AzureQuantumProtocol, job_id: str) -> Flow[JobDetails]:
    response = yield protocol.get_job(job_id)
    return protocol.parse_job(payload(response))


def get_session(protocol: AzureQuantumProtocol, session_id: str) -> Flow[SessionDetails]:
    response = yield protocol.get_session(session_id)
    return protocol.parse_session(payload(response))


def sas_uri(protocol: AzureQuantumProtocol, container: str, blob: str | None = None) -> Flow[str]:
    response = yield protocol.sas_uri(container, blob)
    return protocol.parse_sas_uri(payload(response))


def cancel_job(protocol: AzureQuantumProtocol, job_id: str) -> Flow[JobDetails]:
    """Cancel; a job already final raises ``InvalidStateError`` (the service's 409)."""
    response = yield protocol.cancel_job(job_id)
    if _has_body(response):
        return protocol.parse_job(payload(response))
    return (yield from get_job(protocol, job_id))


def update_job(
    protocol: AzureQuantumProtocol,
    job_id: str,
    *,
    name: str | None = None,
    priority: str | None = None,
    tags: list[str] | None = None,
) -> Flow[JobDetails]:
    response = yield protocol.update_job(job_id, name=name, priority=priority, tags=tags)
    if _has_body(response):
        return protocol.parse_job(payload(response))
    return (yield from get_job(protocol, job_id))


def change_tags(
    protocol: AzureQuantumProtocol,
    job_id: str,
    change: Callable[[list[str]], list[str]],
) -> Flow[JobDetails]:
    """Read the tags, apply ``change``, write them back (merge-patch replaces the list)."""
    current = yield from get_job(protocol, job_id)
    tags = change(list(current.tags or []))
    return (yield from update_job(protocol, job_id, tags=tags))


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
    response = yield protocol.open_session(session_id, body)
    return protocol.parse_session(payload(response))


def close_session(protocol: AzureQuantumProtocol, session_id: str) -> Flow[SessionDetails]:
    response = yield protocol.close_session(session_id)
    if _has_body(response):
        return protocol.parse_session(payload(response))
    return (yield from get_session(protocol, session_id))


# ------------------------------------------------------------------------ submission


@dataclass(frozen=True)
class Submission:
    """A checked job submission: everything is validated before the first request."""

    job_id: str
    data: bytes
    content_type: str
    content_encoding: str | None
    body_fields: Mapping[str, Any]


def _default_content_type(input_data_format: str) -> str:
    fmt = input_data_format.lower()
    if "qasm" in fmt:
        return "application/qasm"  # as the official client's Quantinuum target sends it
    if "qir" in fmt:
        return "qir.v1"
    if "quil" in fmt:
        return "text/plain"  # as the official client's Rigetti target sends Quil
    return "application/json"


def prepare_submission(
    *,
    input_data: Any,
    input_data_format: str,
    output_data_format: str | None,
    provider_id: str,
    target: str,
    input_params: Mapping[str, Any] | None = None,
    name: str | None = None,
    tags: Any = None,
    session_id: str | None = None,
    job_id: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    priority: str | None = None,
    content_type: str | None = None,
    gzip: bool = True,
) -> Submission:
    """Check and encode a job before anything is sent; ``InvalidInputError`` names the field."""
    job_id = check_job_id(job_id) if job_id is not None else new_job_id()
    container_name_for(job_id)
    for field, value in (
        ("provider_id", provider_id),
        ("target", target),
        ("input_data_format", input_data_format),
    ):
        check_name(value, field)
    check_current(target, input_data_format)
    if output_data_format is not None:
        check_name(output_data_format, "output_data_format")
    if name is not None:
        check_name(name, "name")
    if session_id is not None:
        check_job_id(session_id, "session_id")
    if priority is not None and priority not in ("Standard", "High"):
        raise InvalidInputError("priority must be 'Standard' or 'High'")
    params = check_json_object(input_params, "input_params") if input_params is not None else {}
    meta = check_json_object(metadata, "metadata") if metadata is not None else None
    checked_tags = check_tags(tags) if tags is not None else None
    if isinstance(input_data, bytes | bytearray):
        raw = bytes(input_data)
    elif isinstance(input_data, str):
        raw = input_data.encode("utf-8")
    elif isinstance(input_data, Mapping | list):
        try:
            raw = json.dumps(input_data, allow_nan=False, separators=(",", ":")).encode()
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"input_data is not JSON-serialisable: {exc}") from None
    else:
        raise InvalidInputError(
            f"input_data must be bytes, str, dict or list, got {type(input_data).__name__}"
        )
    if not raw:
        raise InvalidInputError("input_data is empty")
    if content_type is not None:
        check_name(content_type, "content_type")
    return Submission(
        job_id=job_id,
        data=compress(raw) if gzip else raw,
        content_type=content_type or _default_content_type(input_data_format),
        content_encoding="gzip" if gzip else None,
        body_fields={
            "name": name or job_id,
            "provider_id": provider_id,
            "target": target,
            "input_data_format": input_data_format,
            "output_data_format": output_data_format,
            "input_params": params,
            "tags": checked_tags,
            "session_id": session_id,
            "metadata": meta,
            "priority": priority,
        },
    )


def submit(protocol: AzureQuantumProtocol, submission: Submission) -> Flow[JobDetails]:
    """SAS for ``job-{id}``, gzip block-blob upload, ``PUT /jobs/{id}``.

    The id is generated once, so transport retries of the PUT cannot create a second job. If
    the blob or the job already exists (a retry of a whole submission with the same id), the
    existing job is returned when it is the same submission.
    """
    job_id = submission.job_id
    container_sas = yield from sas_uri(protocol, container_name_for(job_id))
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
        response = yield protocol.create_job(job_id, body)
    except (BadRequestError, InvalidStateError) as exc:
        closed = _session_closed(exc, submission.body_fields.get("session_id"))
        if closed is not None:
            raise closed from exc
        if not isinstance(exc, InvalidStateError) or exc.code != "JobAlreadyExists":
            raise
        existing = yield from get_job(protocol, job_id)
        if not _same_submission(existing, submission):
            raise
        log.info("Job %s already exists with the same target and input; reusing it", job_id)
        return existing
    job = protocol.parse_job(payload(response))
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
    return SessionClosedError(
        f"session {session_id} accepts no more jobs: it is closed, failed or timed out; open a "
        f"new session for this job. The service said: {exc.vendor_message}",
        status=exc.status,
        code=exc.code,
        request_id=exc.request_id,
        vendor=exc.vendor,
    )


def _same_submission(job: JobDetails, submission: Submission) -> bool:
    fields = submission.body_fields
    return (
        (job.target or "").lower() == str(fields["target"]).lower()
        and (job.provider_id or "").lower() == str(fields["provider_id"]).lower()
        and (job.input_data_format or "").lower() == str(fields["input_data_format"]).lower()
    )


# ------------------------------------------------------------------------ waiting


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def wait_until_completed(
    protocol: AzureQuantumProtocol,
    job_id: str,
    *,
    timeout: float | None = None,
    poll_interval: float | None = None,
    backoff: bool = True,
    clock: Callable[[], float] = time.monotonic,
) -> Flow[JobDetails]:
    """Poll until the job is final (the official client's schedule).

    Waits 0.2 s, then 1.5 times longer each time, at most ``poll_interval`` (default 30 s);
    with ``backoff=False`` every wait is ``poll_interval``. When ``timeout`` seconds pass first,
    ``JobTimeoutError`` is raised and the job is left running (it is not cancelled).
    """
    check_job_id(job_id)
    if timeout is not None and (not _is_number(timeout) or not timeout >= 0):
        raise InvalidInputError("timeout must be a non-negative number of seconds, or None")
    if poll_interval is not None and (not _is_number(poll_interval) or not poll_interval > 0):
        raise InvalidInputError("poll_interval must be a positive number of seconds, or None")
    cap = MAX_POLL if poll_interval is None else float(poll_interval)
    delay = min(FIRST_POLL, cap) if backoff else cap
    deadline = None if timeout is None else clock() + timeout
    last_state = None
    while True:
        job = yield from get_job(protocol, job_id)
        if job.state is not last_state:
            # A job already final at the first look (results fetched after a wait elsewhere)
            # logs nothing: its state was reported where it was seen.
            if last_state is not None or not job.has_completed():
                log.info("Azure Quantum job %s: %s", job.id, job.state.value)
            last_state = job.state
        if job.has_completed():
            return job
        now = clock()
        if deadline is not None and now >= deadline:
            raise JobTimeoutError(
                f"job {job_id} is still {job.status} after {timeout:g} s; it was not cancelled"
            )
        yield Pause(delay if deadline is None else min(delay, max(0.0, deadline - now)))
        if backoff:
            delay = min(delay * POLL_GROWTH, cap)


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
        url = yield from sas_uri(protocol, location.container, location.blob)
        renewed = True
    try:
        response = yield download_request(url)
    except AuthenticationError:
        # The SAS expired between the check and the read (clock skew): renew once.
        if renewed:
            raise
        url = yield from sas_uri(protocol, location.container, location.blob)
        response = yield download_request(url)
    return decode_blob(response.content)


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
    protocol: AzureQuantumProtocol,
    job: JobDetails | str,
    *,
    wait: bool = True,
    timeout: float | None = RESULTS_TIMEOUT,
    qubits: int | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Flow[dict[str, Any]]:
    """Wait (unless ``wait=False``), check success, download and decode the output."""
    job_id = job if isinstance(job, str) else job.id
    if wait:
        details = yield from wait_until_completed(protocol, job_id, timeout=timeout, clock=clock)
    elif isinstance(job, str) or not job.has_completed():
        details = yield from get_job(protocol, job_id)
    else:
        details = job
    check_result_state(details)
    if qubits is not None and (
        isinstance(qubits, bool) or not isinstance(qubits, int) or not 1 <= qubits <= 1000
    ):
        raise InvalidInputError("qubits must be an integer between 1 and 1000")
    data = yield from download_output(protocol, details)
    return decode_results(data, details.output_data_format, qubits=qubits or _qubits_of(details))
