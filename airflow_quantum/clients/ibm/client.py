"""The two faces of the Qiskit Runtime client: ``IBMQuantumClient`` and ``AsyncIBMQuantumClient``.

Both inherit every operation from ``_Operations``, where each one is a single line: build the
call in ``protocol`` and hand it to ``_send``. The synchronous face sends it with a pooled
``requests.Session``; the asynchronous face's ``_send`` is a coroutine on ``httpx.AsyncClient``,
so there every operation returns an awaitable (``await client.get_job(job_id)``) and never
blocks the event loop. Invalid input raises ``InvalidInputError`` when the method is called,
before anything is sent, on both faces.

Both use the IBM retry policy (``IBM_RETRY_POLICY``) and the process-wide IAM token cache: all
clients of one API key share one token, refreshed at 80% of its lifetime or after a 401.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, TypeVar

import httpx
import requests

from airflow_quantum.clients.auth import TokenCache
from airflow_quantum.clients.errors import NotFoundError, QuantumAPIError
from airflow_quantum.clients.ibm.auth import iam_authenticator
from airflow_quantum.clients.ibm.isa import (
    BackendTarget,
    check_pubs,
    checks_isa,
    unknown_backend,
)
from airflow_quantum.clients.ibm.models import IBMBackendConfiguration, IBMJob, IBMJobPage
from airflow_quantum.clients.ibm.protocol import (
    IBM_RETRY_POLICY,
    VENDOR,
    Call,
    IBMProtocol,
    JobPager,
)
from airflow_quantum.clients.ibm.results import result_or_raise
from airflow_quantum.clients.ibm.settings import IBMQuantumSettings
from airflow_quantum.clients.ibm.validation import MAX_PAGE_SIZE, count
from airflow_quantum.clients.models import ListedJob
from airflow_quantum.clients.transport import AsyncTransport, RetryPolicy, SyncTransport

T = TypeVar("T")

#: Page size of the pending-jobs listing: the most the service gives in one page.
PENDING_PAGE_SIZE = MAX_PAGE_SIZE


class _Operations:
    """Every runtime API operation, once. Returns the value (sync) or an awaitable (async)."""

    settings: IBMQuantumSettings
    protocol: IBMProtocol

    def _send(self, call: Call[Any]) -> Any:
        raise NotImplementedError

    # ---- jobs

    def run_job(
        self,
        program_id: str,
        params: Mapping[str, Any],
        *,
        backend: str | None = None,
        session_id: str | None = None,
        tags: Iterable[str] | None = None,
        log_level: str | None = None,
        max_execution_time: int | None = None,
        image: str | None = None,
        private: bool | None = None,
        calibration_id: str | None = None,
    ) -> Any:
        """Submit a job (``POST /jobs``) -> ``IBMSubmittedJob``.

        ``max_execution_time`` is the wire's ``cost`` (seconds), ``image`` its ``runtime``.
        Sampler and estimator circuits must be ISA circuits of the backend: the client checks
        them against its configuration (fetched once per backend) and raises
        ``NonISACircuitError`` before any job exists; an unknown backend raises
        ``InvalidInputError`` naming the instance's backends.
        """
        call = self.protocol.run_job(
            program_id,
            params,
            backend=backend,
            session_id=session_id,
            tags=tags,
            log_level=log_level,
            max_execution_time=max_execution_time,
            image=image,
            private=private,
            calibration_id=calibration_id,
        )
        return self._submit(call, program_id, params, backend, session_id)

    def _submit(
        self,
        call: Call[Any],
        program_id: str,
        params: Mapping[str, Any],
        backend: str | None,
        session_id: str | None,
    ) -> Any:
        raise NotImplementedError

    def get_job(self, job_id: str, *, exclude_params: bool = True) -> Any:
        """``GET /jobs/{id}`` -> ``IBMJob`` (without its params unless asked)."""
        return self._send(self.protocol.get_job(job_id, exclude_params=exclude_params))

    def list_jobs_page(self, *, limit: int = 10, offset: int = 0, **filters: Any) -> Any:
        """One page of ``GET /jobs`` -> ``IBMJobPage``; ``filters`` as for ``list_jobs``."""
        query = self.protocol.job_filters(**filters)
        return self._send(self.protocol.list_jobs_page(query, limit=limit, offset=offset))

    def cancel_job(self, job_id: str) -> Any:
        """Cancel a job; ``InvalidStateError`` when it is already final."""
        return self._send(self.protocol.cancel_job(job_id))

    def delete_job(self, job_id: str) -> Any:
        """Delete a final job."""
        return self._send(self.protocol.delete_job(job_id))

    def get_results(self, job_id: str) -> Any:
        """Raw results text (a failed job's error text), None while there is none (204)."""
        return self._send(self.protocol.get_results(job_id))

    def get_logs(self, job_id: str) -> Any:
        """The job's log text (``""`` when it has none yet)."""
        return self._send(self.protocol.get_logs(job_id))

    def get_metrics(self, job_id: str) -> Any:
        """``GET /jobs/{id}/metrics`` -> ``IBMJobMetrics``."""
        return self._send(self.protocol.get_metrics(job_id))

    def update_tags(self, job_id: str, tags: Iterable[str]) -> Any:
        """Replace the job's tags (an empty list clears them)."""
        return self._send(self.protocol.update_tags(job_id, tags))

    # ---- sessions

    def create_session(
        self, backend: str, *, mode: str = "dedicated", max_ttl: int | None = None
    ) -> Any:
        """Open a ``dedicated`` session or a ``batch`` -> ``IBMSession``."""
        return self._send(self.protocol.create_session(backend, mode=mode, max_ttl=max_ttl))

    def get_session(self, session_id: str) -> Any:
        return self._send(self.protocol.get_session(session_id))

    def close_session(self, session_id: str) -> Any:
        """Stop accepting jobs; queued and running jobs still run."""
        return self._send(self.protocol.close_session(session_id))

    def cancel_session(self, session_id: str) -> Any:
        """Close now: queued jobs of the session will not run."""
        return self._send(self.protocol.cancel_session(session_id))

    # ---- backends and usage

    def list_backends(self) -> Any:
        """``GET /backends`` -> ``list[IBMBackend]``."""
        return self._send(self.protocol.list_backends())

    def get_backend_status(self, name: str) -> Any:
        return self._send(self.protocol.get_backend_status(name))

    def get_backend_configuration(self, name: str) -> Any:
        return self._send(self.protocol.get_backend_configuration(name))

    def get_backend_properties(self, name: str) -> Any:
        """Calibration data; ``NotFoundError`` for simulators (they have none)."""
        return self._send(self.protocol.get_backend_properties(name))

    def get_instance_usage(self) -> Any:
        return self._send(self.protocol.get_instance_usage())

    def list_jobs(
        self,
        *,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = MAX_PAGE_SIZE,
        pending: bool | None = None,
        program: str | None = None,
        backend: str | None = None,
        created_after: datetime | str | None = None,
        created_before: datetime | str | None = None,
        sort: str | None = None,
        tags: Iterable[str] | None = None,
        session_id: str | None = None,
        exclude_params: bool = True,
    ) -> Any:
        """Jobs matching all the filters, page by page (``limit`` None: all of them).

        An iterator of ``IBMJob`` (sync face) or an async iterator (``async for``). The
        arguments are checked now; pages are fetched as the iterator is consumed.
        """
        query = self.protocol.job_filters(
            pending=pending,
            program=program,
            backend=backend,
            created_after=created_after,
            created_before=created_before,
            sort=sort,
            tags=tags,
            session_id=session_id,
            exclude_params=exclude_params,
        )
        pager = JobPager(
            limit=None if limit is None else count(limit, "limit"),
            offset=count(offset, "offset"),
            page_size=count(page_size, "page_size", minimum=1, maximum=MAX_PAGE_SIZE),
        )
        return self._pages(query, pager)

    def _pages(self, query: list[tuple[str, str]], pager: JobPager) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.settings.describe()})"


def _needs_results(job: IBMJob) -> bool:
    return job.done() or job.errored()


class IBMQuantumClient(_Operations):
    """Synchronous Qiskit Runtime client on a pooled ``requests.Session``."""

    def __init__(
        self,
        settings: IBMQuantumSettings,
        *,
        retry_policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        token_cache: TokenCache | None = None,
    ) -> None:
        self.settings = settings
        self.protocol = IBMProtocol(settings)
        self._targets: dict[str, BackendTarget] = {}
        self._configurations: dict[str, IBMBackendConfiguration] = {}
        policy = retry_policy or IBM_RETRY_POLICY
        self._owns_session = session is None
        self._session = session or requests.Session()
        self.auth = iam_authenticator(
            settings, policy=policy, session=self._session, cache=token_cache
        )
        self.transport = SyncTransport(
            VENDOR, self.auth, policy, session=self._session, verify=settings.verify
        )

    def _send(self, call: Call[T]) -> T:
        try:
            answer = self.transport.send(call.request)
        except QuantumAPIError as exc:
            return call.recover(exc)
        return call.parse(answer)

    def _submit(
        self,
        call: Call[Any],
        program_id: str,
        params: Mapping[str, Any],
        backend: str | None,
        session_id: str | None,
    ) -> Any:
        if checks_isa(program_id):
            if backend is None and session_id is not None:
                backend = self.get_session(session_id).backend_name
            if backend is not None:
                check_pubs(params, self.backend_target(backend))
        return self._send(call)

    def backend_target(self, name: str) -> BackendTarget:
        """The backend's instruction set, from its configuration (fetched once per client)."""
        target = self._targets.get(name)
        if target is None:
            configuration = self.cached_configuration(name)
            target = self._targets[name] = BackendTarget.from_configuration(configuration)
        return target

    def cached_configuration(self, name: str) -> IBMBackendConfiguration:
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

    def authenticate(self) -> None:
        """Make sure an IAM token can be had for the API key (``AuthenticationError`` if not)."""
        self.auth.headers()

    def _pages(self, query: list[tuple[str, str]], pager: JobPager) -> Iterator[IBMJob]:
        while (size := pager.next_size()) is not None:
            page: IBMJobPage = self._send(
                self.protocol.list_jobs_page(query, limit=size, offset=pager.offset)
            )
            yield from pager.accept(page, size)

    def get_result(self, job: IBMJob | str, *, bitstrings: bool = False) -> dict[str, Any]:
        """The decoded result of a finished job; ``JobFailedError`` if it failed or was
        cancelled, ``InvalidStateError`` while it is not final (no waiting here)."""
        if isinstance(job, str):
            job = self.get_job(job)
        text = self.get_results(job.id) if _needs_results(job) else None
        return result_or_raise(job, text, bitstrings=bitstrings)

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> IBMQuantumClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncIBMQuantumClient(_Operations):
    """Asynchronous Qiskit Runtime client on ``httpx.AsyncClient``: await every operation."""

    def __init__(
        self,
        settings: IBMQuantumSettings,
        *,
        retry_policy: RetryPolicy | None = None,
        client: httpx.AsyncClient | None = None,
        token_cache: TokenCache | None = None,
    ) -> None:
        self.settings = settings
        self.protocol = IBMProtocol(settings)
        self._targets: dict[str, BackendTarget] = {}
        policy = retry_policy or IBM_RETRY_POLICY
        self.auth = iam_authenticator(settings, policy=policy, cache=token_cache)
        self.transport = AsyncTransport(
            VENDOR, self.auth, policy, client=client, verify=settings.verify
        )

    async def _send(self, call: Call[T]) -> T:
        try:
            answer = await self.transport.send(call.request)
        except QuantumAPIError as exc:
            return call.recover(exc)
        return call.parse(answer)

    async def _submit(
        self,
        call: Call[Any],
        program_id: str,
        params: Mapping[str, Any],
        backend: str | None,
        session_id: str | None,
    ) -> Any:
        if checks_isa(program_id):
            if backend is None and session_id is not None:
                backend = (await self.get_session(session_id)).backend_name
            if backend is not None:
                check_pubs(params, await self.backend_target(backend))
        return await self._send(call)

    async def backend_target(self, name: str) -> BackendTarget:
        """As ``IBMQuantumClient.backend_target``, without blocking the loop."""
        target = self._targets.get(name)
        if target is None:
            try:
                configuration = await self.get_backend_configuration(name)
            except NotFoundError:
                names = [b.name for b in await self.list_backends()]
                raise unknown_backend(name, names) from None
            target = self._targets[name] = BackendTarget.from_configuration(configuration)
        return target

    async def authenticate(self) -> None:
        """Make sure an IAM token can be had for the API key (``AuthenticationError`` if not)."""
        await self.auth.aheaders()

    async def _pages(self, query: list[tuple[str, str]], pager: JobPager) -> AsyncIterator[IBMJob]:
        while (size := pager.next_size()) is not None:
            page: IBMJobPage = await self._send(
                self.protocol.list_jobs_page(query, limit=size, offset=pager.offset)
            )
            for job in pager.accept(page, size):
                yield job

    async def pending_job_pages(
        self, page_size: int | None = None, max_pages: int | None = None
    ) -> AsyncIterator[list[ListedJob]]:
        """Pages of the instance's jobs that are not final (``pending=true``), unparsed.

        Stops at a short page, at the server's ``count``, or after ``max_pages``. A job that
        ends while the listing is paged shifts the later pages by one, so a pending job may be
        missed: callers confirm jobs they did not see with ``get_job``.
        """
        page_size = page_size or PENDING_PAGE_SIZE
        offset, pages = 0, 0
        while max_pages is None or pages < max_pages:
            jobs, total = await self._send(
                self.protocol.pending_jobs_page(limit=page_size, offset=offset)
            )
            pages += 1
            offset += len(jobs)
            yield jobs
            if len(jobs) < page_size or (total is not None and offset >= total):
                return

    def job_from_listing(self, listed: ListedJob) -> IBMJob:
        """The ``IBMJob`` of a job from ``pending_job_pages``."""
        return self.protocol.job_from_listing(listed)

    async def get_result(self, job: IBMJob | str, *, bitstrings: bool = False) -> dict[str, Any]:
        """As ``IBMQuantumClient.get_result``, without blocking the loop."""
        if isinstance(job, str):
            job = await self.get_job(job)
        text = await self.get_results(job.id) if _needs_results(job) else None
        return result_or_raise(job, text, bitstrings=bitstrings)

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def __aenter__(self) -> AsyncIBMQuantumClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
