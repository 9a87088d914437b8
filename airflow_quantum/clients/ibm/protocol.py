"""The Qiskit Runtime wire protocol, written once: each operation is a ``Call``.

A ``Call`` is the ``transport.Request`` to send plus how to read the answer (and, for a few
operations, how to read an error answer). The synchronous and asynchronous clients only send
calls, so paths, query parameters, bodies, validation and parsing live here and nowhere else.
Inputs are validated when the call is built: a bad value raises ``InvalidInputError`` before
anything is sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict, TypeVar, Unpack
from urllib.parse import quote

from airflow_quantum.clients.base import VendorProtocol
from airflow_quantum.clients.calls import Answer, Call, json_call
from airflow_quantum.clients.errors import (
    BadResponseError,
    InvalidInputError,
    InvalidStateError,
    NotFoundError,
    QuantumAPIError,
    reject_unknown_keywords,
)
from airflow_quantum.clients.ibm import models
from airflow_quantum.clients.ibm import validation as check
from airflow_quantum.clients.ibm.settings import IBMQuantumSettings
from airflow_quantum.clients.models import ListedJob
from airflow_quantum.clients.transport import Request, RetryPolicy

__all__ = [
    "IBM_RETRY_POLICY",
    "VENDOR",
    "Answer",
    "Call",
    "IBMProtocol",
    "JobFilters",
    "JobPager",
    "RunOptions",
]

VENDOR = "IBM Quantum"
T = TypeVar("T")

#: The official client's retry rules: 5xx (Cloudflare's 52x included) retried on every method,
#: POST included (the API documents those retries as safe); 429 and 413 only on other methods
#: and only with Retry-After; at most 5 retries with exponential backoff and jitter.
IBM_RETRY_POLICY = RetryPolicy(
    max_retries=5,
    backoff_base=0.5,
    backoff_factor=2.0,
    backoff_max=16.0,
    jitter=0.5,
    retry_statuses=frozenset({408, 413, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524}),
    unsafe_retry_statuses=frozenset({500, 502, 503, 504, 520, 521, 522, 523, 524}),
    unsafe_retry_with_retry_after=False,
    retry_after_required=frozenset({413, 429}),
)


class RunOptions(TypedDict, total=False):
    """The options of a runtime job besides its program, backend, params, session and tags."""

    #: The program's log level (``DEBUG``, ``INFO``, ``WARNING``, ``ERROR``, ``CRITICAL``).
    log_level: str | None
    #: At most this many seconds of quantum time (the wire's ``cost``).
    max_execution_time: int | None
    #: The runtime image to run (the wire's ``runtime``).
    image: str | None
    #: Whether the job's inputs and results are kept private.
    private: bool | None
    #: Run with this calibration of the backend.
    calibration_id: str | None


#: Each run option: its wire key and its check (in ``RunOptions``' order).
_RUN_OPTION_WIRE: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "log_level": ("log_level", check.log_level),
    "max_execution_time": ("cost", check.max_execution_time),
    "image": ("runtime", check.image),
    "private": ("private", lambda value: check.boolean(value, "private")),
    "calibration_id": ("calibration_id", lambda value: check.text(value, "calibration_id")),
}


class JobFilters(TypedDict, total=False):
    """The filters of ``GET /jobs``: a job must match all of them."""

    pending: bool | None
    program: str | None
    backend: str | None
    created_after: datetime | str | None
    created_before: datetime | str | None
    #: ``ASC`` or ``DESC`` by creation time.
    sort: str | None
    #: Repeated tags must all match.
    tags: Iterable[str] | None
    session_id: str | None
    #: Leave the jobs' params out of the answer (True by default).
    exclude_params: bool


@dataclass
class JobPager:
    """Offsets and page sizes of successive ``GET /jobs`` calls, shared by both faces.

    Stops at ``limit`` jobs (None: all), at a short page, or at the server's ``count``; skips
    ids seen already (a job submitted while paging shifts a newest-first listing by one).
    """

    limit: int | None
    offset: int = 0
    page_size: int = check.MAX_PAGE_SIZE
    returned: int = 0
    done: bool = False
    seen: set[str] = field(default_factory=set)

    def next_size(self) -> int | None:
        """The ``limit`` of the next page, or None when paging is over."""
        if self.done:
            return None
        if self.limit is None:
            return self.page_size
        remaining = self.limit - self.returned
        return min(self.page_size, remaining) if remaining > 0 else None

    def accept(self, page: models.IBMJobPage, asked: int) -> list[models.IBMJob]:
        """The new jobs of ``page`` (fetched with limit ``asked``); advances the offset."""
        self.offset += len(page.jobs)
        fresh = [job for job in page.jobs if job.id not in self.seen]
        if self.limit is not None:
            fresh = fresh[: self.limit - self.returned]
        self.seen.update(job.id for job in fresh)
        self.returned += len(fresh)
        if len(page.jobs) < asked or (page.count is not None and self.offset >= page.count):
            self.done = True
        return fresh


class JobListing:
    """``GET /jobs`` page after page (``JobPager``'s offsets), as a ``calls.Pager``."""

    def __init__(
        self, protocol: IBMProtocol, query: list[tuple[str, str]], pager: JobPager
    ) -> None:
        self.protocol, self.query, self.pager = protocol, query, pager

    def next_call(self) -> Call[list[models.IBMJob]] | None:
        size = self.pager.next_size()
        if size is None:
            return None
        call = self.protocol.list_jobs_page(self.query, limit=size, offset=self.pager.offset)
        return call.then(lambda page: self.pager.accept(page, size))


class PendingListing:
    """The instance's jobs that are not final, oldest first, as ``ListedJob`` pages.

    Stops at a short page, at the server's ``count``, or after ``max_pages``.
    """

    def __init__(self, protocol: IBMProtocol, page_size: int, max_pages: int | None) -> None:
        self.protocol, self.page_size, self.max_pages = protocol, page_size, max_pages
        self.offset = self.pages = 0
        self.done = False

    def next_call(self) -> Call[list[ListedJob]] | None:
        if self.done or (self.max_pages is not None and self.pages >= self.max_pages):
            return None
        call = self.protocol.pending_jobs_page(limit=self.page_size, offset=self.offset)
        return call.then(self._accept)

    def _accept(self, answer: tuple[list[ListedJob], int | None]) -> list[ListedJob]:
        jobs, total = answer
        self.pages += 1
        self.offset += len(jobs)
        self.done = len(jobs) < self.page_size or (total is not None and self.offset >= total)
        return jobs


class IBMProtocol(VendorProtocol, vendor=VENDOR, settings=IBMQuantumSettings):
    """Builds the calls of one instance (its runtime URL, CRN and API version)."""

    def __init__(self, settings: IBMQuantumSettings) -> None:
        self.settings = settings
        self.base = settings.runtime_url
        self.headers = {"Service-CRN": settings.instance, "IBM-API-Version": settings.api_version}

    # ------------------------------------------------------------------------- helpers

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        body: Any = None,
        idempotent: bool | None = None,
    ) -> Request:
        headers = dict(self.headers)
        content = None
        if body is not None:
            try:
                content = json.dumps(body, allow_nan=False).encode()
            except (TypeError, ValueError) as exc:
                raise InvalidInputError(f"the request body is not valid JSON: {exc}") from exc
            headers["Content-Type"] = "application/json"
        return Request(
            method,
            f"{self.base}{path}",
            params=params,
            content=content,
            headers=headers,
            idempotent=idempotent,
        )

    @staticmethod
    def json_call(request: Request, read: Callable[[Any], T]) -> Call[T]:
        return json_call(VENDOR, request, read)

    @staticmethod
    def empty_call(
        request: Request, on_error: Callable[[QuantumAPIError], None] | None = None
    ) -> Call[None]:
        return Call(request, lambda answer: None, on_error)

    def _job(self, payload: Any) -> models.IBMJob:
        job = models.IBMJob.from_wire(payload, "IBM job")
        job.instance = self.settings.instance
        return job

    @staticmethod
    def _job_path(job_id: str, suffix: str = "") -> str:
        return f"/jobs/{quote(check.job_id(job_id), safe='')}{suffix}"

    @staticmethod
    def _session_path(session_id: str, suffix: str = "") -> str:
        return f"/sessions/{quote(check.session_id(session_id), safe='')}{suffix}"

    @staticmethod
    def _backend_path(name: str, suffix: str) -> str:
        return f"/backends/{quote(check.backend(name), safe='')}{suffix}"

    # ---------------------------------------------------------------------------- jobs

    def run_job(
        self,
        program_id: str,
        backend: str | None,
        params: Mapping[str, Any],
        session_id: str | None = None,
        tags: Iterable[str] | None = None,
        **options: Unpack[RunOptions],
    ) -> Call[models.IBMSubmittedJob]:
        """``POST /jobs``: ``backend`` is required unless ``session_id`` gives one.

        ``options`` are ``RunOptions``; ``calibration_id`` runs the job with that calibration
        of the backend."""
        reject_unknown_keywords(options, RunOptions, "run_job")
        if not isinstance(params, Mapping):
            raise InvalidInputError(f"params must be a mapping, got {type(params).__name__}")
        body: dict[str, Any] = {"program_id": check.program_id(program_id), "params": dict(params)}
        if backend is not None or session_id is None:
            body["backend"] = check.backend(backend)
        if session_id is not None:
            body["session_id"] = check.session_id(session_id)
        if tags is not None:
            body["tags"] = check.tags(tags)
        for name, (wire, checked) in _RUN_OPTION_WIRE.items():
            value = options.get(name)
            if value is not None:
                body[wire] = checked(value)
        request = self.request("POST", "/jobs", body=body)
        return self.json_call(
            request, lambda p: models.IBMSubmittedJob.from_wire(p, "job submission")
        )

    def get_job(self, job_id: str, *, exclude_params: bool = True) -> Call[models.IBMJob]:
        params = {"exclude_params": "true"} if exclude_params else None
        request = self.request("GET", self._job_path(job_id), params=params)
        return self.json_call(request, self._job)

    def job_filters(self, **filters: Unpack[JobFilters]) -> list[tuple[str, str]]:
        """Query parameters of ``GET /jobs`` (repeated ``tags`` must all match)."""
        reject_unknown_keywords(filters, JobFilters, "job_filters")
        query: list[tuple[str, str]] = []
        if (pending := filters.get("pending")) is not None:
            query.append(("pending", str(check.boolean(pending, "pending")).lower()))
        if (program := filters.get("program")) is not None:
            query.append(("program", check.program_id(program)))
        if (backend := filters.get("backend")) is not None:
            query.append(("backend", check.backend(backend)))
        if (created_after := filters.get("created_after")) is not None:
            query.append(("created_after", check.moment(created_after, "created_after")))
        if (created_before := filters.get("created_before")) is not None:
            query.append(("created_before", check.moment(created_before, "created_before")))
        if (sort := filters.get("sort")) is not None:
            query.append(("sort", check.sort_order(sort)))
        if (tags := filters.get("tags")) is not None:
            query.extend(("tags", tag) for tag in check.tags(tags))
        if (session_id := filters.get("session_id")) is not None:
            query.append(("session_id", check.session_id(session_id)))
        if filters.get("exclude_params", True):
            query.append(("exclude_params", "true"))
        return query

    def list_jobs_page(
        self, filters: list[tuple[str, str]], *, limit: int = 10, offset: int = 0
    ) -> Call[models.IBMJobPage]:
        """One page of ``GET /jobs`` with ``filters`` from ``job_filters``."""
        query = [
            *filters,
            ("limit", str(check.count(limit, "limit", minimum=1, maximum=check.MAX_PAGE_SIZE))),
            ("offset", str(check.count(offset, "offset"))),
        ]
        request = self.request("GET", "/jobs", params=query)

        def read(payload: Any) -> models.IBMJobPage:
            page = models.IBMJobPage.from_wire(payload, "job list")
            for job in page.jobs:
                job.instance = self.settings.instance
            return page

        return self.json_call(request, read)

    def pending_jobs_page(
        self, *, limit: int = check.MAX_PAGE_SIZE, offset: int = 0
    ) -> Call[tuple[list[ListedJob], int | None]]:
        """One page of the instance's jobs that are not final, oldest first, unparsed.

        ``GET /jobs?pending=true&sort=ASC``: oldest first, so jobs submitted while a listing is
        paged land after it instead of shifting it. Answers ``(jobs, count)``.
        """
        query = [
            *self.job_filters(pending=True, sort="ASC"),
            ("limit", str(check.count(limit, "limit", minimum=1, maximum=check.MAX_PAGE_SIZE))),
            ("offset", str(check.count(offset, "offset"))),
        ]
        return self.json_call(self.request("GET", "/jobs", params=query), listed_jobs)

    def job_from_listing(self, listed: ListedJob) -> models.IBMJob:
        """The ``IBMJob`` of a listed job."""
        return self._job(listed.raw)

    def cancel_job(self, job_id: str) -> Call[None]:
        """``POST /jobs/{id}/cancel``; a 409 means the job is final already."""

        def already_final(exc: QuantumAPIError) -> None:
            if isinstance(exc, InvalidStateError):
                raise exc.reworded(
                    InvalidStateError,
                    f"job {job_id} cannot be cancelled: the job is already final (completed, "
                    f"failed or cancelled). The service said: {exc.vendor_message}",
                ) from exc
            raise exc

        return self.empty_call(
            self.request("POST", self._job_path(job_id, "/cancel")), already_final
        )

    def delete_job(self, job_id: str) -> Call[None]:
        """``DELETE /jobs/{id}`` (only final jobs can be deleted)."""
        return self.empty_call(self.request("DELETE", self._job_path(job_id)))

    def get_results(self, job_id: str) -> Call[str | None]:
        """``GET /jobs/{id}/results``: the raw text (a failed job's is its error), None on 204."""
        request = self.request("GET", self._job_path(job_id, "/results"))
        return Call(request, lambda answer: None if answer.status_code == 204 else answer.text)

    def get_logs(self, job_id: str) -> Call[str]:
        """``GET /jobs/{id}/logs``; 404 (no logs yet) reads as ``""``."""

        def no_logs(exc: QuantumAPIError) -> str:
            if isinstance(exc, NotFoundError):
                return ""
            raise exc

        request = self.request("GET", self._job_path(job_id, "/logs"))
        return Call(request, lambda answer: answer.text, no_logs)

    def get_metrics(self, job_id: str) -> Call[models.IBMJobMetrics]:
        request = self.request("GET", self._job_path(job_id, "/metrics"))
        return self.json_call(request, lambda p: models.IBMJobMetrics.from_wire(p, "job metrics"))

    def update_tags(self, job_id: str, tags: Iterable[str]) -> Call[None]:
        """``PUT /jobs/{id}/tags`` (replaces them all; an empty list clears them)."""
        body = {"tags": check.tags(tags)}
        return self.empty_call(self.request("PUT", self._job_path(job_id, "/tags"), body=body))

    # ------------------------------------------------------------------------ sessions

    def create_session(
        self, backend: str, *, mode: str = "dedicated", max_ttl: int | None = None
    ) -> Call[models.IBMSession]:
        body: dict[str, Any] = {"mode": check.session_mode(mode), "backend": check.backend(backend)}
        if max_ttl is not None:
            body["max_ttl"] = check.count(max_ttl, "max_ttl", minimum=1)
        request = self.request("POST", "/sessions", body=body)
        return self.json_call(request, lambda p: models.IBMSession.from_wire(p, "session"))

    def get_session(self, session_id: str) -> Call[models.IBMSession]:
        request = self.request("GET", self._session_path(session_id))
        return self.json_call(request, lambda p: models.IBMSession.from_wire(p, "session"))

    def close_session(self, session_id: str) -> Call[None]:
        """Stop accepting jobs; queued and running jobs still run."""
        body = {"accepting_jobs": False}
        request = self.request("PATCH", self._session_path(session_id), body=body, idempotent=True)
        return self.empty_call(request)

    def cancel_session(self, session_id: str) -> Call[None]:
        """Close the session now: its queued jobs will not run."""
        return self.empty_call(self.request("DELETE", self._session_path(session_id, "/close")))

    # ------------------------------------------------------------- backends and usage

    def list_backends(self) -> Call[list[models.IBMBackend]]:
        def read(payload: Any) -> list[models.IBMBackend]:
            devices = payload.get("devices") if isinstance(payload, dict) else None
            if not isinstance(devices, list):
                raise BadResponseError("the backend list has no devices list", vendor=VENDOR)
            return [models.IBMBackend.from_wire(device, "backend") for device in devices]

        return self.json_call(self.request("GET", "/backends"), read)

    def get_backend_status(self, name: str) -> Call[models.IBMBackendStatus]:
        request = self.request("GET", self._backend_path(name, "/status"))
        return self.json_call(
            request, lambda p: models.IBMBackendStatus.from_wire(p, "backend status")
        )

    def get_backend_configuration(self, name: str) -> Call[models.IBMBackendConfiguration]:
        request = self.request("GET", self._backend_path(name, "/configuration"))
        return self.json_call(
            request, lambda p: models.IBMBackendConfiguration.from_wire(p, "backend configuration")
        )

    def get_backend_properties(self, name: str) -> Call[models.IBMBackendProperties]:
        request = self.request("GET", self._backend_path(name, "/properties"))
        return self.json_call(
            request, lambda p: models.IBMBackendProperties.from_wire(p, "backend properties")
        )

    def get_instance_usage(self) -> Call[models.IBMInstanceUsage]:
        request = self.request("GET", "/instances/usage")
        return self.json_call(
            request, lambda p: models.IBMInstanceUsage.from_wire(p, "instance usage")
        )


def listed_jobs(payload: Any) -> tuple[list[ListedJob], int | None]:
    """The jobs of a ``GET /jobs`` answer, unparsed, and the server's ``count``."""
    jobs = payload.get("jobs") if isinstance(payload, dict) else None
    if not isinstance(jobs, list):
        raise BadResponseError("the job list has no 'jobs' list", vendor=VENDOR)
    listed = []
    for item in jobs:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            state = item.get("state") if isinstance(item.get("state"), dict) else {}
            status = (
                item.get("status"),
                state.get("status"),
                state.get("reason_code", state.get("reasonCode")),
                # A new usage estimate wakes the wait too: it may have to cancel the job.
                item.get("estimated_running_time_seconds"),
            )
            listed.append(ListedJob(item["id"], status, item))
    count = payload.get("count")
    return listed, count if isinstance(count, int) and not isinstance(count, bool) else None
