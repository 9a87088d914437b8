"""The Qiskit Runtime wire protocol: every operation of the IBM clients, defined once.

Each ``@operation`` builds its ``Call`` (request, parsing, error reading) or drives a ``Flow``
of several calls; ``IBMQuantumClient`` (sync) and ``AsyncIBMQuantumClient`` (async) are this
class run by ``calls.SyncRunner`` and ``calls.AsyncRunner``. Inputs are checked when the call
is built: a bad value raises ``InvalidInputError`` before anything is sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, Unpack
from urllib.parse import quote

from airflow_quantum.clients.auth import Authenticator, TokenCache
from airflow_quantum.clients.base import QuantumClient
from airflow_quantum.clients.calls import Call, Flow, Pager, json_call, listing, operation, pages_of
from airflow_quantum.clients.errors import (
    BadResponseError,
    InvalidInputError,
    InvalidStateError,
    NotFoundError,
    QuantumAPIError,
    QuotaExhaustedError,
    SessionClosedError,
)
from airflow_quantum.clients.ibm import isa, models, transpile
from airflow_quantum.clients.ibm import validation as check
from airflow_quantum.clients.ibm.auth import iam_authenticator
from airflow_quantum.clients.ibm.listing import (
    JobFilters,
    JobListing,
    JobPager,
    PendingListing,
    job_filters,
    listed_jobs,
    page_query,
)
from airflow_quantum.clients.ibm.prepared import IBMPreparedJob
from airflow_quantum.clients.ibm.results import result_or_raise
from airflow_quantum.clients.ibm.settings import IBMQuantumSettings
from airflow_quantum.clients.models import ListedJob
from airflow_quantum.clients.transport import Request, RetryPolicy

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
#: Page size of the pending-jobs listing: the most the service gives in one page.
PENDING_PAGE_SIZE = check.MAX_PAGE_SIZE


class IBMProtocol(QuantumClient[IBMQuantumSettings]):
    """The operations of one instance (its runtime URL, CRN and API version).

    Built as ``QuantumClient``: ``IBMQuantumClient(settings, retry_policy=...,
    token_cache=..., session=<requests.Session>)``; all clients of one API key share one IAM
    token, refreshed at 80% of its lifetime or after a 401.
    """

    vendor = VENDOR
    settings_class = IBMQuantumSettings
    default_retry_policy = IBM_RETRY_POLICY

    def __init__(self, settings: IBMQuantumSettings, **options: Any) -> None:
        super().__init__(settings, **options)
        self.base = settings.runtime_url
        self.headers = {"Service-CRN": settings.instance, "IBM-API-Version": settings.api_version}
        #: Backend configurations and qiskit Targets, read once per client.
        self._configurations: dict[str, models.IBMBackendConfiguration] = {}
        self._qiskit_targets: dict[str, Any] = {}

    def make_authenticator(self, token_cache: TokenCache | None) -> Authenticator:
        # The sync face's IAM requests share its session (the async face has none).
        session = getattr(self.transport, "session", None)
        return iam_authenticator(
            self.settings, policy=self.retry_policy, session=session, cache=token_cache
        )

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
    def _read(what: str, model: type[T]) -> Callable[[Any], T]:
        return lambda payload: model.from_wire(payload, what)  # type: ignore[attr-defined]

    def _get(self, path: str, what: str, model: type[T], params: Any = None) -> Call[T]:
        request = self.request("GET", path, params=params)
        return json_call(VENDOR, request, self._read(what, model))

    @staticmethod
    def _empty(
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

    def job_from_listing(self, listed: ListedJob) -> models.IBMJob:
        """The ``IBMJob`` of a job from ``pending_job_pages``."""
        return self._job(listed.raw)

    # ---------------------------------------------------------------------------- jobs

    @operation
    def run_job(self, job: IBMPreparedJob) -> Flow[models.IBMSubmittedJob]:
        """Submit a prepared job (``POST /jobs``).

        With an ``optimization_level`` its circuits are first transpiled for the backend (its
        configuration and properties are read once per client; needs the ``qiskit`` extra).
        Sampler and estimator circuits must be ISA circuits of the backend: they are checked
        against its configuration and ``NonISACircuitError`` is raised before any job exists;
        an unknown backend raises ``InvalidInputError`` naming the instance's backends. The
        service's 409 (the instance's usage limit is reached) raises ``QuotaExhaustedError``.
        """
        if not isinstance(job, IBMPreparedJob):
            raise InvalidInputError(f"run_job takes an IBMPreparedJob, got {type(job).__name__}")
        backend = job.backend
        if isa.checks_isa(job.program_id) and (backend is not None or job.session_id):
            if backend is None:
                backend = (yield self.get_session.call(job.session_id)).backend_name
            if backend is not None:
                configuration = yield from self._configuration(backend)
                if job.optimization_level is not None:
                    target = yield from self._qiskit_target(backend, configuration)
                    built = transpile.isa_pubs(
                        job.program_id, job.params["pubs"], target, job.optimization_level
                    )
                    job = job.with_pubs(built)
                isa.check_pubs(job.params, isa.BackendTarget.from_configuration(configuration))
        request = self.request("POST", "/jobs", body=job.body())
        try:
            return (yield json_call(VENDOR, request, self._read("job", models.IBMSubmittedJob)))
        except SessionClosedError:
            raise
        except InvalidStateError as exc:  # the service's 409: the instance's usage limit
            raise QuotaExhaustedError(
                "the IBM Quantum service refused the job: the instance's usage limit is "
                f"reached (no job was created): {exc}"
            ) from None

    @operation
    def get_job(self, job_id: str, *, exclude_params: bool = True) -> Call[models.IBMJob]:
        """``GET /jobs/{id}`` -> ``IBMJob`` (without its params unless asked)."""
        params = {"exclude_params": "true"} if exclude_params else None
        return json_call(
            VENDOR, self.request("GET", self._job_path(job_id), params=params), self._job
        )

    @operation
    def cancel_job(self, job_id: str) -> Call[None]:
        """``POST /jobs/{id}/cancel``; ``InvalidStateError`` when the job is already final."""

        def already_final(exc: QuantumAPIError) -> None:
            if isinstance(exc, InvalidStateError):
                raise exc.reworded(
                    InvalidStateError,
                    f"job {job_id} cannot be cancelled: the job is already final (completed, "
                    f"failed or cancelled). The service said: {exc.vendor_message}",
                ) from exc
            raise exc

        return self._empty(self.request("POST", self._job_path(job_id, "/cancel")), already_final)

    @operation
    def delete_job(self, job_id: str) -> Call[None]:
        """``DELETE /jobs/{id}`` (only final jobs can be deleted)."""
        return self._empty(self.request("DELETE", self._job_path(job_id)))

    @operation
    def get_results(
        self, job: models.IBMJob | str, *, bitstrings: bool = False
    ) -> Flow[dict[str, Any]]:
        """The decoded result of a finished job (no waiting here).

        ``JobFailedError`` if it failed or was cancelled, ``InvalidStateError`` while it is not
        final. The raw results text is ``get_results_text``.
        """
        if isinstance(job, str):
            job = yield self.get_job.call(job)
        needs_text = job.done() or job.errored()
        text = (yield self.get_results_text.call(job.id)) if needs_text else None
        return result_or_raise(job, text, bitstrings=bitstrings)

    @operation
    def get_results_text(self, job_id: str) -> Call[str | None]:
        """``GET /jobs/{id}/results``: the raw text (a failed job's is its error), None on 204."""
        request = self.request("GET", self._job_path(job_id, "/results"))
        return Call(request, lambda answer: None if answer.status_code == 204 else answer.text)

    @operation
    def get_logs(self, job_id: str) -> Call[str]:
        """``GET /jobs/{id}/logs``; 404 (no logs yet) reads as ``""``."""

        def no_logs(exc: QuantumAPIError) -> str:
            if isinstance(exc, NotFoundError):
                return ""
            raise exc

        request = self.request("GET", self._job_path(job_id, "/logs"))
        return Call(request, lambda answer: answer.text, no_logs)

    @operation
    def get_metrics(self, job_id: str) -> Call[models.IBMJobMetrics]:
        """``GET /jobs/{id}/metrics`` -> ``IBMJobMetrics`` (queue position, timestamps, usage)."""
        return self._get(self._job_path(job_id, "/metrics"), "job metrics", models.IBMJobMetrics)

    @operation
    def queue_info(self, job_id: str) -> Call[models.IBMQueueInfo | None]:
        """Where a queued job stands (``RuntimeJob.queue_info``: position, estimated start and
        end, from its metrics); None where the service gives none."""
        return self.get_metrics.call(job_id).then(
            lambda metrics: models.IBMQueueInfo.from_metrics(job_id, metrics)
        )

    @operation
    def update_tags(self, job_id: str, tags: Iterable[str]) -> Flow[models.IBMJob]:
        """Replace the job's tags (``PUT /jobs/{id}/tags``; an empty list clears them); the job
        as it is afterwards."""
        body = {"tags": check.tags(tags)}
        yield self._empty(self.request("PUT", self._job_path(job_id, "/tags"), body=body))
        return (yield self.get_job.call(job_id))

    @operation
    def list_jobs_page(
        self, *, limit: int = 10, offset: int = 0, **filters: Unpack[JobFilters]
    ) -> Call[models.IBMJobPage]:
        """One page of ``GET /jobs`` -> ``IBMJobPage``; ``filters`` as for ``list_jobs``."""
        return self._page(job_filters(**filters), limit, offset)

    def _page(
        self, query: list[tuple[str, str]], limit: int, offset: int
    ) -> Call[models.IBMJobPage]:
        request = self.request("GET", "/jobs", params=page_query(query, limit, offset))

        def read(payload: Any) -> models.IBMJobPage:
            page = models.IBMJobPage.from_wire(payload, "job list")
            for job in page.jobs:
                job.instance = self.settings.instance
            return page

        return json_call(VENDOR, request, read)

    @listing
    def list_jobs(
        self,
        *,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = check.MAX_PAGE_SIZE,
        **filters: Unpack[JobFilters],
    ) -> Pager[models.IBMJob]:
        """Jobs matching all the filters (``JobFilters``), page by page (``limit`` None: all)."""
        query = job_filters(**filters)
        pager = JobPager(
            limit=None if limit is None else check.count(limit, "limit"),
            offset=check.count(offset, "offset"),
            page_size=check.count(page_size, "page_size", minimum=1, maximum=check.MAX_PAGE_SIZE),
        )
        return JobListing(lambda size, at: self._page(query, size, at), pager)

    @listing
    def pending_job_pages(
        self, page_size: int | None = None, max_pages: int | None = None
    ) -> Pager[list[ListedJob]]:
        """Pages of the instance's jobs that are not final (``pending=true``), unparsed.

        ``GET /jobs?pending=true&sort=ASC``: oldest first, so jobs submitted while a listing is
        paged land after it instead of shifting it. Stops at a short page, at the server's
        ``count``, or after ``max_pages``. A job that ends while the listing is paged shifts the
        later pages by one, so a pending job may be missed: callers confirm jobs they did not
        see with ``get_job``.
        """
        query = job_filters(pending=True, sort="ASC")

        def page(limit: int, offset: int) -> Call[tuple[list[ListedJob], int | None]]:
            request = self.request("GET", "/jobs", params=page_query(query, limit, offset))
            return json_call(VENDOR, request, listed_jobs)

        return pages_of(PendingListing(page, page_size or PENDING_PAGE_SIZE, max_pages))

    # ------------------------------------------------------------------------ sessions

    @operation
    def open_session(
        self, backend: str, *, mode: str = "batch", max_ttl: int | None = None
    ) -> Call[models.IBMSession]:
        """Open a ``batch`` (the default; the Open plan allows only this) or a ``dedicated``
        session on ``backend`` -> ``IBMSession``."""
        body: dict[str, Any] = {"mode": check.session_mode(mode), "backend": check.backend(backend)}
        if max_ttl is not None:
            body["max_ttl"] = check.count(max_ttl, "max_ttl", minimum=1)
        request = self.request("POST", "/sessions", body=body)
        return json_call(VENDOR, request, self._read("session", models.IBMSession))

    @operation
    def get_session(self, session_id: str) -> Call[models.IBMSession]:
        """``GET /sessions/{id}`` -> ``IBMSession``."""
        return self._get(self._session_path(session_id), "session", models.IBMSession)

    @operation
    def close_session(self, session_id: str) -> Call[None]:
        """Stop accepting jobs; queued and running jobs still run."""
        body = {"accepting_jobs": False}
        request = self.request("PATCH", self._session_path(session_id), body=body, idempotent=True)
        return self._empty(request)

    @operation
    def cancel_session(self, session_id: str) -> Call[None]:
        """Close the session now: its queued jobs will not run."""
        return self._empty(self.request("DELETE", self._session_path(session_id, "/close")))

    # ------------------------------------------------------------- backends and usage

    @operation
    def list_backends(self) -> Call[list[models.IBMBackend]]:
        """``GET /backends`` -> ``list[IBMBackend]``."""

        def read(payload: Any) -> list[models.IBMBackend]:
            devices = payload.get("devices") if isinstance(payload, dict) else None
            if not isinstance(devices, list):
                raise BadResponseError("the backend list has no devices list", vendor=VENDOR)
            return [models.IBMBackend.from_wire(device, "backend") for device in devices]

        return json_call(VENDOR, self.request("GET", "/backends"), read)

    @operation
    def get_backend_status(self, name: str) -> Call[models.IBMBackendStatus]:
        """``GET /backends/{name}/status`` -> ``IBMBackendStatus``."""
        path = self._backend_path(name, "/status")
        return self._get(path, "backend status", models.IBMBackendStatus)

    @operation
    def get_backend_configuration(self, name: str) -> Call[models.IBMBackendConfiguration]:
        """``GET /backends/{name}/configuration`` -> ``IBMBackendConfiguration``."""
        path = self._backend_path(name, "/configuration")
        return self._get(path, "backend configuration", models.IBMBackendConfiguration)

    @operation
    def get_backend_properties(self, name: str) -> Call[models.IBMBackendProperties]:
        """Calibration data (``RuntimeJob.properties``); ``NotFoundError`` for simulators (they
        have none)."""
        path = self._backend_path(name, "/properties")
        return self._get(path, "backend properties", models.IBMBackendProperties)

    @operation
    def get_instance_usage(self) -> Call[models.IBMInstanceUsage]:
        """``GET /instances/usage`` -> ``IBMInstanceUsage`` (quantum seconds used and allowed)."""
        return self._get("/instances/usage", "instance usage", models.IBMInstanceUsage)

    def _configuration(self, name: str) -> Flow[models.IBMBackendConfiguration]:
        """The backend's configuration, read once per client; ``InvalidInputError`` naming the
        instance's backends when it has no such backend."""
        configuration = self._configurations.get(name)
        if configuration is None:
            try:
                configuration = yield self.get_backend_configuration.call(name)
            except NotFoundError:
                devices = yield self.list_backends.call()
                raise isa.unknown_backend(name, [b.name for b in devices]) from None
            self._configurations[name] = configuration
        return configuration

    def _qiskit_target(self, name: str, configuration: Any) -> Flow[Any]:
        """The backend's qiskit ``Target`` (calibrated errors included), built once per client."""
        target = self._qiskit_targets.get(name)
        if target is None:
            try:
                properties = yield self.get_backend_properties.call(name)
            except NotFoundError:  # a simulator: no calibration to weigh the gates by
                properties = None
            target = transpile.backend_target(configuration, properties)
            self._qiskit_targets[name] = target
        return target
