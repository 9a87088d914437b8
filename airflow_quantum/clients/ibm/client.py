"""The Qiskit Runtime clients: ``IBMQuantumClient`` (sync) and ``AsyncIBMQuantumClient`` (async).

Every operation is written once in ``protocol`` as a ``Call`` (request, parsing, error reading)
and run by the shared executors of ``calls``: ``SyncCaller`` on a pooled ``requests.Session``,
``AsyncCaller`` on ``httpx.AsyncClient``. The async client has only what the triggers call
(``get_job``, ``cancel_job``, ``get_metrics``, ``pending_job_pages`` / ``job_from_listing``,
``authenticate``, ``aclose``). Invalid input raises ``InvalidInputError`` when a method is
called, before anything is sent. Neither client waits for a job: they only read.

Both use the IBM retry policy (``IBM_RETRY_POLICY``) and the process-wide IAM token cache: all
clients of one API key share one token, refreshed at 80% of its lifetime or after a 401.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import Any, Unpack

from airflow_quantum.clients.auth import Authenticator, TokenCache
from airflow_quantum.clients.base import QuantumClient
from airflow_quantum.clients.calls import AsyncCaller, SyncCaller
from airflow_quantum.clients.errors import (
    InvalidStateError,
    NotFoundError,
    QuotaExhaustedError,
    SessionClosedError,
)
from airflow_quantum.clients.ibm import models
from airflow_quantum.clients.ibm.auth import iam_authenticator
from airflow_quantum.clients.ibm.isa import (
    BackendTarget,
    check_pubs,
    checks_isa,
    unknown_backend,
)
from airflow_quantum.clients.ibm.protocol import (
    IBM_RETRY_POLICY,
    IBMProtocol,
    JobFilters,
    JobListing,
    JobPager,
    PendingListing,
    RunOptions,
)
from airflow_quantum.clients.ibm.results import result_or_raise
from airflow_quantum.clients.ibm.settings import IBMQuantumSettings
from airflow_quantum.clients.ibm.validation import MAX_PAGE_SIZE, count
from airflow_quantum.clients.models import ListedJob

#: Page size of the pending-jobs listing: the most the service gives in one page.
PENDING_PAGE_SIZE = MAX_PAGE_SIZE


class _IBMClientBase(QuantumClient[IBMQuantumSettings, IBMProtocol]):
    """What both faces share: the IBM pieces of ``QuantumClient`` (the IAM authenticator)."""

    protocol_class = IBMProtocol
    default_retry_policy = IBM_RETRY_POLICY

    def make_authenticator(self, token_cache: TokenCache | None) -> Authenticator:
        # The sync face's IAM requests share its session (the async face has none).
        session = getattr(self.transport, "session", None)
        return iam_authenticator(
            self.settings, policy=self.retry_policy, session=session, cache=token_cache
        )

    @property
    def auth(self) -> Authenticator:
        """The IAM authenticator (``authenticator``)."""
        return self.authenticator

    def job_from_listing(self, listed: ListedJob) -> models.IBMJob:
        """The ``IBMJob`` of a job from ``pending_job_pages``."""
        return self.protocol.job_from_listing(listed)


def _needs_results(job: models.IBMJob) -> bool:
    return job.done() or job.errored()


class IBMQuantumClient(SyncCaller, _IBMClientBase):
    """Synchronous Qiskit Runtime client on a pooled ``requests.Session``.

    Built as ``QuantumClient``: ``IBMQuantumClient(settings, retry_policy=...,
    token_cache=..., session=<requests.Session>)``.
    """

    def __init__(self, settings: IBMQuantumSettings, **options: Any) -> None:
        super().__init__(settings, **options)
        self._targets: dict[str, BackendTarget] = {}
        self._configurations: dict[str, models.IBMBackendConfiguration] = {}

    def authenticate(self) -> None:
        """Make sure an IAM token can be had for the API key (``AuthenticationError`` if not)."""
        self.authenticator.headers()

    # ---- jobs

    def run_job(
        self,
        program_id: str,
        backend: str | None,
        params: Mapping[str, Any],
        session_id: str | None = None,
        tags: Iterable[str] | None = None,
        **options: Unpack[RunOptions],
    ) -> models.IBMSubmittedJob:
        """Submit a job (``POST /jobs``); ``backend`` may be None inside a session.

        The arguments are in the hook's order; ``options`` (``RunOptions``): ``log_level``,
        ``max_execution_time`` (the wire's ``cost``, seconds), ``image`` (its ``runtime``),
        ``private``, ``calibration_id``. Sampler and estimator circuits must be ISA
        circuits of the backend: they are checked against its configuration (fetched once per
        backend) and ``NonISACircuitError`` is raised before any job exists; an unknown
        backend raises ``InvalidInputError`` naming the instance's backends. The service's 409
        (the instance's usage limit is reached) raises ``QuotaExhaustedError``: no job exists.
        """
        call = self.protocol.run_job(program_id, backend, params, session_id, tags, **options)
        if checks_isa(program_id):
            if backend is None and session_id is not None:
                backend = self.get_session(session_id).backend_name
            if backend is not None:
                check_pubs(params, self.backend_target(backend))
        try:
            return self._run(call)
        except SessionClosedError:
            raise
        except InvalidStateError as exc:  # the service's 409: the instance's usage limit
            raise QuotaExhaustedError(
                "the IBM Quantum service refused the job: the instance's usage limit is "
                f"reached (no job was created): {exc}"
            ) from None

    def get_job(self, job_id: str, *, exclude_params: bool = True) -> models.IBMJob:
        """``GET /jobs/{id}`` -> ``IBMJob`` (without its params unless asked)."""
        return self._run(self.protocol.get_job(job_id, exclude_params=exclude_params))

    def cancel_job(self, job_id: str) -> None:
        """Cancel a job; ``InvalidStateError`` when it is already final."""
        return self._run(self.protocol.cancel_job(job_id))

    def delete_job(self, job_id: str) -> None:
        """Delete a final job."""
        return self._run(self.protocol.delete_job(job_id))

    def get_results(self, job: models.IBMJob | str, *, bitstrings: bool = False) -> dict[str, Any]:
        """The decoded result of a finished job (no waiting here).

        ``JobFailedError`` if it failed or was cancelled, ``InvalidStateError`` while it is not
        final. The raw results text is ``get_results_text``.
        """
        if isinstance(job, str):
            job = self.get_job(job)
        text = self.get_results_text(job.id) if _needs_results(job) else None
        return result_or_raise(job, text, bitstrings=bitstrings)

    def get_results_text(self, job_id: str) -> str | None:
        """Raw results text (a failed job's error text), None while there is none (204)."""
        return self._run(self.protocol.get_results(job_id))

    def get_logs(self, job_id: str) -> str:
        """The job's log text (``""`` when it has none yet)."""
        return self._run(self.protocol.get_logs(job_id))

    def get_metrics(self, job_id: str) -> models.IBMJobMetrics:
        """``GET /jobs/{id}/metrics`` -> ``IBMJobMetrics``."""
        return self._run(self.protocol.get_metrics(job_id))

    def update_tags(self, job_id: str, tags: Iterable[str]) -> None:
        """Replace the job's tags (an empty list clears them)."""
        return self._run(self.protocol.update_tags(job_id, tags))

    def list_jobs_page(
        self, *, limit: int = 10, offset: int = 0, **filters: Unpack[JobFilters]
    ) -> models.IBMJobPage:
        """One page of ``GET /jobs`` -> ``IBMJobPage``; ``filters`` as for ``list_jobs``."""
        query = self.protocol.job_filters(**filters)
        return self._run(self.protocol.list_jobs_page(query, limit=limit, offset=offset))

    def list_jobs(
        self,
        *,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = MAX_PAGE_SIZE,
        **filters: Unpack[JobFilters],
    ) -> Iterator[models.IBMJob]:
        """Jobs matching all the filters (``JobFilters``), page by page (``limit`` None: all).

        The arguments are checked now; pages are fetched as the iterator is consumed.
        """
        query = self.protocol.job_filters(**filters)
        pager = JobPager(
            limit=None if limit is None else count(limit, "limit"),
            offset=count(offset, "offset"),
            page_size=count(page_size, "page_size", minimum=1, maximum=MAX_PAGE_SIZE),
        )
        return self._items(JobListing(self.protocol, query, pager))

    # ---- sessions

    def create_session(
        self, backend: str, *, mode: str = "dedicated", max_ttl: int | None = None
    ) -> models.IBMSession:
        """Open a ``dedicated`` session or a ``batch`` -> ``IBMSession``."""
        return self._run(self.protocol.create_session(backend, mode=mode, max_ttl=max_ttl))

    def get_session(self, session_id: str) -> models.IBMSession:
        return self._run(self.protocol.get_session(session_id))

    def close_session(self, session_id: str) -> None:
        """Stop accepting jobs; queued and running jobs still run."""
        return self._run(self.protocol.close_session(session_id))

    def cancel_session(self, session_id: str) -> None:
        """Close now: queued jobs of the session will not run."""
        return self._run(self.protocol.cancel_session(session_id))

    # ---- backends and usage

    def list_backends(self) -> list[models.IBMBackend]:
        """``GET /backends`` -> ``list[IBMBackend]``."""
        return self._run(self.protocol.list_backends())

    def get_backend_status(self, name: str) -> models.IBMBackendStatus:
        return self._run(self.protocol.get_backend_status(name))

    def get_backend_configuration(self, name: str) -> models.IBMBackendConfiguration:
        return self._run(self.protocol.get_backend_configuration(name))

    def get_backend_properties(self, name: str) -> models.IBMBackendProperties:
        """Calibration data; ``NotFoundError`` for simulators (they have none)."""
        return self._run(self.protocol.get_backend_properties(name))

    def get_instance_usage(self) -> models.IBMInstanceUsage:
        return self._run(self.protocol.get_instance_usage())

    def backend_target(self, name: str) -> BackendTarget:
        """The backend's instruction set, from its configuration (fetched once per client)."""
        target = self._targets.get(name)
        if target is None:
            configuration = self.cached_configuration(name)
            target = self._targets[name] = BackendTarget.from_configuration(configuration)
        return target

    def cached_configuration(self, name: str) -> models.IBMBackendConfiguration:
        """The backend's configuration, fetched once per client; ``InvalidInputError`` naming
        the instance's backends when it has no such backend."""
        configuration = self._configurations.get(name)
        if configuration is None:
            try:
                configuration = self.get_backend_configuration(name)
            except NotFoundError:
                raise unknown_backend(name, [b.name for b in self.list_backends()]) from None
            self._configurations[name] = configuration
        return configuration


class AsyncIBMQuantumClient(AsyncCaller, _IBMClientBase):
    """Asynchronous Qiskit Runtime client on ``httpx.AsyncClient``: the triggers' face.

    Built as ``QuantumClient``: ``AsyncIBMQuantumClient(settings, retry_policy=...,
    token_cache=..., client=<httpx.AsyncClient>)``.
    """

    async def authenticate(self) -> None:
        """Make sure an IAM token can be had for the API key (``AuthenticationError`` if not)."""
        await self.authenticator.aheaders()

    async def get_job(self, job_id: str, *, exclude_params: bool = True) -> models.IBMJob:
        """As ``IBMQuantumClient.get_job``, without blocking the loop."""
        return await self._run(self.protocol.get_job(job_id, exclude_params=exclude_params))

    async def cancel_job(self, job_id: str) -> None:
        """Cancel a job; ``InvalidStateError`` when it is already final."""
        return await self._run(self.protocol.cancel_job(job_id))

    async def get_metrics(self, job_id: str) -> models.IBMJobMetrics:
        """``GET /jobs/{id}/metrics`` -> ``IBMJobMetrics``."""
        return await self._run(self.protocol.get_metrics(job_id))

    async def pending_job_pages(
        self, page_size: int | None = None, max_pages: int | None = None
    ) -> AsyncIterator[list[ListedJob]]:
        """Pages of the instance's jobs that are not final (``pending=true``), unparsed.

        Stops at a short page, at the server's ``count``, or after ``max_pages``. A job that
        ends while the listing is paged shifts the later pages by one, so a pending job may be
        missed: callers confirm jobs they did not see with ``get_job``.
        """
        listing = PendingListing(self.protocol, page_size or PENDING_PAGE_SIZE, max_pages)
        async for page in self._pages(listing):
            yield page
