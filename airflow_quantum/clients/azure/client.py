"""Azure Quantum clients: ``AzureQuantumClient`` (sync) and ``AsyncAzureQuantumClient`` (async).

Both faces expose the same operations with the same arguments; the async one's methods are
coroutines and its listings async iterators. They share the protocol (``protocol.py``), the
multi-step flows (``flows.py``) and the HTTP policy (``transport.py``): only the sending differs
(``requests.Session`` and ``time.sleep`` / ``httpx.AsyncClient`` and ``asyncio.sleep``).

No Airflow here: the clients are usable on their own::

    settings = AzureQuantumSettings.create(subscription_id="...", resource_group="rg",
                                           workspace="ws", location="eastus", api_key="...")
    with AzureQuantumClient(settings) as client:
        job = client.submit_ionq_circuit([{"gate": "h", "target": 0}], shots=100)
        print(client.get_results(job.id)["probabilities"])
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

import httpx
import requests

from airflow_quantum.clients.auth import TokenCache
from airflow_quantum.clients.azure import flows, inputs, submissions
from airflow_quantum.clients.azure.auth import build_authenticator
from airflow_quantum.clients.azure.flows import Flow, Pause, payload
from airflow_quantum.clients.azure.models import (
    JobDetails,
    ProviderStatus,
    Quota,
    SessionDetails,
)
from airflow_quantum.clients.azure.protocol import (
    ACTIVE_STATES,
    VENDOR,
    AzureQuantumProtocol,
    build_job_filter,
    check_tags,
    list_params,
    parse_page,
)
from airflow_quantum.clients.azure.queue import AsyncQueuePosition, SyncQueuePosition
from airflow_quantum.clients.azure.settings import AzureQuantumSettings
from airflow_quantum.clients.azure.targets import (
    DEFAULT_IONQ_TARGET,
    DEFAULT_QUANTINUUM_TARGET,
    retired_qio,
)
from airflow_quantum.clients.errors import BadResponseError, InvalidInputError, QuantumError
from airflow_quantum.clients.models import ListedJob
from airflow_quantum.clients.state import JobState
from airflow_quantum.clients.transport import (
    AsyncTransport,
    Request,
    RetryPolicy,
    SyncTransport,
)

T = TypeVar("T")
M = TypeVar("M")


#: The official client's policy: 408/429/5xx retried with backoff 0.8 s x 2^n (at most 120 s),
#: ``Retry-After`` honoured; POST/PATCH only on 500/503/504 or with ``Retry-After``.
AZURE_RETRY_POLICY = RetryPolicy(
    max_retries=6,
    backoff_base=0.8,
    backoff_factor=2.0,
    backoff_max=120.0,
    jitter=0.2,
)

#: Page size of the pending-jobs listing: 10,000 waiting jobs take 20 requests, and one page
#: (about 0.5 MB of JSON) decodes in a few milliseconds, so the event loop never stalls.
PENDING_PAGE_SIZE = 500

StatusFilter = JobState | str | list[JobState | str] | tuple[JobState | str, ...]
Moment = datetime | date | str


class _AzureQuantumClientBase:
    """What both faces share: settings, protocol, credentials and argument checking."""

    def __init__(
        self,
        settings: AzureQuantumSettings,
        *,
        retry_policy: RetryPolicy | None = None,
        token_cache: TokenCache | None = None,
    ) -> None:
        if not isinstance(settings, AzureQuantumSettings):
            raise InvalidInputError("settings must be AzureQuantumSettings")
        self.settings = settings
        self.protocol = AzureQuantumProtocol(settings)
        self.retry_policy = retry_policy or AZURE_RETRY_POLICY
        self.authenticator = build_authenticator(
            settings, policy=self.retry_policy, cache=token_cache
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.settings.describe()})"

    # -- argument building shared by both faces

    def _jobs_request(
        self,
        *,
        name_prefix: str | None,
        provider: str | list[str] | None,
        target: str | list[str] | None,
        status: StatusFilter | None,
        created_after: Moment | None,
        created_before: Moment | None,
        session_id: str | None,
        orderby: str | None,
        top: int | None,
        skip: int | None,
        limit: int | None,
    ) -> Request:
        _check_limit(limit)
        query = build_job_filter(
            name_prefix=name_prefix,
            provider=provider,
            target=target,
            status=status,
            created_after=created_after,
            created_before=created_before,
            session_id=session_id,
        )
        params = list_params(filter=query, orderby=orderby, top=top, skip=skip)
        return self.protocol.list_jobs(params)


def _check_limit(limit: Any) -> None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidInputError("limit must be a positive integer or None")


def _check_tags_arg(tags: Any) -> list[str]:
    return check_tags(tags)


# ============================================================================ sync face


class AzureQuantumClient(SyncQueuePosition, _AzureQuantumClientBase):
    """Synchronous Azure Quantum client on ``requests.Session`` (pooled connections)."""

    def __init__(
        self,
        settings: AzureQuantumSettings,
        *,
        retry_policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        token_cache: TokenCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(settings, retry_policy=retry_policy, token_cache=token_cache)
        self._sleep = sleep
        self._clock = clock
        self.transport = SyncTransport(
            VENDOR,
            self.authenticator,
            self.retry_policy,
            session=session,
            verify=settings.verify,
            sleep=sleep,
        )

    def __enter__(self) -> AzureQuantumClient:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()
        source = getattr(self.authenticator, "source", None)
        if source is not None and hasattr(source, "close"):
            source.close()

    def _run(self, flow: Flow[T]) -> T:
        """Drive a flow: send its requests, sleep its pauses, throw failures back into it."""
        try:
            step = next(flow)
            while True:
                if isinstance(step, Pause):
                    self._sleep(step.seconds)
                    step = flow.send(None)
                    continue
                try:
                    reply = self.transport.send(step)
                except QuantumError as exc:
                    step = flow.throw(exc)
                    continue
                step = flow.send(reply)
        except StopIteration as stop:
            return stop.value
        finally:
            flow.close()

    def _iterate(self, request: Request, parse: Callable[[Any], M], what: str, limit: int | None):
        seen: set[str] = set()
        count = 0
        while True:
            page = parse_page(payload(self.transport.send(request)), what)
            for item in page.items:
                yield parse(item)
                count += 1
                if limit is not None and count >= limit:
                    return
            if not page.next_link:
                return
            if page.next_link in seen:
                raise BadResponseError(f"the {what} listing's nextLink loops", vendor=VENDOR)
            seen.add(page.next_link)
            request = self.protocol.next_page(page.next_link)

    # -- jobs

    def submit_job(
        self,
        input_data: Any,
        input_data_format: str,
        output_data_format: str | None,
        provider_id: str,
        target: str,
        input_params: Mapping[str, Any] | None = None,
        name: str | None = None,
        tags: list[str] | None = None,
        session_id: str | None = None,
        job_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        *,
        priority: str | None = None,
        content_type: str | None = None,
        gzip: bool = True,
    ) -> JobDetails:
        """Upload ``input_data`` (gzip) and create the job; returns its details."""
        submission = flows.prepare_submission(
            input_data=input_data,
            input_data_format=input_data_format,
            output_data_format=output_data_format,
            provider_id=provider_id,
            target=target,
            input_params=input_params,
            name=name,
            tags=tags,
            session_id=session_id,
            job_id=job_id,
            metadata=metadata,
            priority=priority,
            content_type=content_type,
            gzip=gzip,
        )
        return self._run(flows.submit(self.protocol, submission))

    def submit_qio_problem(self, *args: Any, **kwargs: Any) -> JobDetails:
        """Retired: optimization (QIO) accepts no jobs; raises ``RetiredTargetError``."""
        raise retired_qio(kwargs.get("target"))

    def submit_quantinuum_program(
        self,
        program: str,
        *,
        shots: int = inputs.IONQ_DEFAULT_SHOTS,
        target: str = DEFAULT_QUANTINUUM_TARGET,
        name: str | None = None,
        tags: list[str] | None = None,
        session_id: str | None = None,
        job_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> JobDetails:
        """Submit an OpenQASM 2 program to a Quantinuum target (H2 emulator by default)."""
        submission = submissions.quantinuum_submission(
            program,
            shots=shots,
            target=target,
            name=name,
            tags=tags,
            session_id=session_id,
            job_id=job_id,
            metadata=metadata,
        )
        return self._run(flows.submit(self.protocol, submission))

    def submit_qir(
        self,
        qir: bytes | str,
        *,
        target: str,
        shots: int | None = None,
        entry_point: str | None = None,
        arguments: list[Any] | None = None,
        items: list[Mapping[str, Any]] | None = None,
        input_params: Mapping[str, Any] | None = None,
        output_data_format: str | None = None,
        provider_id: str | None = None,
        name: str | None = None,
        tags: list[str] | None = None,
        session_id: str | None = None,
        job_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> JobDetails:
        """Submit QIR (bitcode or LLVM text) to ``target`` (``microsoft.estimator`` too)."""
        submission = submissions.qir_submission(
            qir,
            target=target,
            shots=shots,
            entry_point=entry_point,
            arguments=arguments,
            items=items,
            input_params=input_params,
            output_data_format=output_data_format,
            provider_id=provider_id,
            name=name,
            tags=tags,
            session_id=session_id,
            job_id=job_id,
            metadata=metadata,
        )
        return self._run(flows.submit(self.protocol, submission))

    def submit_ionq_circuit(
        self,
        circuit: Any,
        qubits: int | None = None,
        *,
        shots: int = inputs.IONQ_DEFAULT_SHOTS,
        target: str = DEFAULT_IONQ_TARGET,
        output_data_format: str = inputs.IONQ_OUTPUT_FORMAT,
        gateset: str | None = None,
        name: str | None = None,
        tags: list[str] | None = None,
        session_id: str | None = None,
        job_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> JobDetails:
        """Submit an ``ionq.circuit.v1`` circuit (a gate list, or a whole document)."""
        submission = submissions.ionq_submission(
            circuit,
            qubits,
            shots=shots,
            target=target,
            output_data_format=output_data_format,
            gateset=gateset,
            name=name,
            tags=tags,
            session_id=session_id,
            job_id=job_id,
            metadata=metadata,
        )
        return self._run(flows.submit(self.protocol, submission))

    def get_job(self, job_id: str) -> JobDetails:
        return self._run(flows.get_job(self.protocol, job_id))

    def wait_until_completed(
        self,
        job_id: str,
        *,
        timeout: float | None = None,
        poll_interval: float | None = None,
        backoff: bool = True,
    ) -> JobDetails:
        return self._run(
            flows.wait_until_completed(
                self.protocol,
                job_id,
                timeout=timeout,
                poll_interval=poll_interval,
                backoff=backoff,
                clock=self._clock,
            )
        )

    def get_results(
        self,
        job: JobDetails | str,
        *,
        wait: bool = True,
        timeout: float | None = flows.RESULTS_TIMEOUT,
        qubits: int | None = None,
    ) -> dict[str, Any]:
        return self._run(
            flows.get_results(
                self.protocol, job, wait=wait, timeout=timeout, qubits=qubits, clock=self._clock
            )
        )

    def download_output(self, job: JobDetails | str) -> bytes:
        details = job if isinstance(job, JobDetails) else self.get_job(job)
        return self._run(flows.download_output(self.protocol, details))

    def cancel_job(self, job_id: str) -> JobDetails:
        return self._run(flows.cancel_job(self.protocol, job_id))

    def update_job(
        self,
        job_id: str,
        *,
        name: str | None = None,
        priority: str | None = None,
        tags: list[str] | None = None,
    ) -> JobDetails:
        return self._run(
            flows.update_job(self.protocol, job_id, name=name, priority=priority, tags=tags)
        )

    def update_tags(self, job_id: str, tags: list[str]) -> JobDetails:
        """Replace the job's tags with ``tags``."""
        return self.update_job(job_id, tags=_check_tags_arg(tags))

    def add_tags(self, job_id: str, tags: list[str]) -> JobDetails:
        new = _check_tags_arg(tags)
        return self._run(
            flows.change_tags(
                self.protocol, job_id, lambda old: old + [t for t in new if t not in old]
            )
        )

    def remove_tags(self, job_id: str, tags: list[str]) -> JobDetails:
        gone = set(_check_tags_arg(tags))
        return self._run(
            flows.change_tags(self.protocol, job_id, lambda old: [t for t in old if t not in gone])
        )

    def list_jobs(
        self,
        *,
        name_prefix: str | None = None,
        provider: str | list[str] | None = None,
        target: str | list[str] | None = None,
        status: StatusFilter | None = None,
        created_after: Moment | None = None,
        created_before: Moment | None = None,
        session_id: str | None = None,
        orderby: str | None = None,
        top: int | None = None,
        skip: int | None = None,
        limit: int | None = None,
    ) -> Iterator[JobDetails]:
        """Jobs matching every given filter, page after page (``top`` is the page size)."""
        request = self._jobs_request(
            name_prefix=name_prefix,
            provider=provider,
            target=target,
            status=status,
            created_after=created_after,
            created_before=created_before,
            session_id=session_id,
            orderby=orderby,
            top=top,
            skip=skip,
            limit=limit,
        )
        return self._iterate(request, self.protocol.parse_job, "JobDetails", limit)

    def get_sas_uri(self, container: str, blob: str | None = None) -> str:
        return self._run(flows.sas_uri(self.protocol, container, blob))

    # -- sessions

    def open_session(
        self,
        *,
        provider_id: str,
        target: str,
        session_id: str | None = None,
        name: str | None = None,
        job_failure_policy: str = "Abort",
    ) -> SessionDetails:
        return self._run(
            flows.open_session(
                self.protocol,
                provider_id=provider_id,
                target=target,
                session_id=session_id,
                name=name,
                job_failure_policy=job_failure_policy,
            )
        )

    def get_session(self, session_id: str) -> SessionDetails:
        return self._run(flows.get_session(self.protocol, session_id))

    def close_session(self, session_id: str) -> SessionDetails:
        return self._run(flows.close_session(self.protocol, session_id))

    def list_sessions(
        self,
        *,
        orderby: str | None = None,
        top: int | None = None,
        skip: int | None = None,
        limit: int | None = None,
    ) -> Iterator[SessionDetails]:
        _check_limit(limit)
        request = self.protocol.list_sessions(list_params(orderby=orderby, top=top, skip=skip))
        return self._iterate(request, self.protocol.parse_session, "SessionDetails", limit)

    def list_session_jobs(
        self,
        session_id: str,
        *,
        top: int | None = None,
        skip: int | None = None,
        limit: int | None = None,
    ) -> Iterator[JobDetails]:
        _check_limit(limit)
        request = self.protocol.list_session_jobs(session_id, list_params(top=top, skip=skip))
        return self._iterate(request, self.protocol.parse_job, "JobDetails", limit)

    # -- workspace

    def get_provider_status(self) -> list[ProviderStatus]:
        return list(
            self._iterate(
                self.protocol.provider_status(),
                lambda item: ProviderStatus.from_wire(item, "ProviderStatus"),
                "ProviderStatus",
                None,
            )
        )

    def get_quotas(self) -> list[Quota]:
        return list(
            self._iterate(
                self.protocol.quotas(), lambda item: Quota.from_wire(item, "Quota"), "Quota", None
            )
        )


# ============================================================================ async face


class AsyncAzureQuantumClient(AsyncQueuePosition, _AzureQuantumClientBase):
    """Asynchronous Azure Quantum client on ``httpx.AsyncClient``; never blocks the loop."""

    def __init__(
        self,
        settings: AzureQuantumSettings,
        *,
        retry_policy: RetryPolicy | None = None,
        client: httpx.AsyncClient | None = None,
        token_cache: TokenCache | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(settings, retry_policy=retry_policy, token_cache=token_cache)
        self._clock = clock
        self.transport = AsyncTransport(
            VENDOR, self.authenticator, self.retry_policy, client=client, verify=settings.verify
        )

    async def __aenter__(self) -> AsyncAzureQuantumClient:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def _run(self, flow: Flow[T]) -> T:
        try:
            step = next(flow)
            while True:
                if isinstance(step, Pause):
                    await asyncio.sleep(step.seconds)
                    step = flow.send(None)
                    continue
                try:
                    reply = await self.transport.send(step)
                except QuantumError as exc:
                    step = flow.throw(exc)
                    continue
                step = flow.send(reply)
        except StopIteration as stop:
            return stop.value
        finally:
            flow.close()

    async def _iterate(
        self, request: Request, parse: Callable[[Any], M], what: str, limit: int | None
    ) -> AsyncIterator[M]:
        count = 0
        async for items in self._pages(request, what):
            for item in items:
                yield parse(item)
                count += 1
                if limit is not None and count >= limit:
                    return

    async def _pages(
        self, request: Request, what: str, max_pages: int | None = None
    ) -> AsyncIterator[list[Any]]:
        """The raw items of each page, following ``nextLink`` (at most ``max_pages``)."""
        seen: set[str] = set()
        pages = 0
        while True:
            page = parse_page(payload(await self.transport.send(request)), what)
            pages += 1
            yield page.items
            if not page.next_link or (max_pages is not None and pages >= max_pages):
                return
            if page.next_link in seen:
                raise BadResponseError(f"the {what} listing's nextLink loops", vendor=VENDOR)
            seen.add(page.next_link)
            request = self.protocol.next_page(page.next_link)

    async def pending_job_pages(
        self, page_size: int | None = None, max_pages: int | None = None
    ) -> AsyncIterator[list[ListedJob]]:
        """Pages of the workspace's jobs that are not final (a ``State`` filter), unparsed.

        A job that ends while the listing is paged may shift a later page, so a pending job
        may be missed: callers confirm jobs they did not see with ``get_job``.
        """
        request = self._jobs_request(
            name_prefix=None,
            provider=None,
            target=None,
            status=list(ACTIVE_STATES),
            created_after=None,
            created_before=None,
            session_id=None,
            orderby=None,
            top=page_size or PENDING_PAGE_SIZE,
            skip=None,
            limit=None,
        )
        async for items in self._pages(request, "JobDetails", max_pages):
            yield [
                ListedJob(item["id"], (item.get("status"),), item)
                for item in items
                if isinstance(item, dict) and isinstance(item.get("id"), str)
            ]

    def job_from_listing(self, listed: ListedJob) -> JobDetails:
        """The ``JobDetails`` of a job from ``pending_job_pages``."""
        return self.protocol.parse_job(listed.raw)

    # -- jobs

    async def submit_job(
        self,
        input_data: Any,
        input_data_format: str,
        output_data_format: str | None,
        provider_id: str,
        target: str,
        input_params: Mapping[str, Any] | None = None,
        name: str | None = None,
        tags: list[str] | None = None,
        session_id: str | None = None,
        job_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        *,
        priority: str | None = None,
        content_type: str | None = None,
        gzip: bool = True,
    ) -> JobDetails:
        submission = flows.prepare_submission(
            input_data=input_data,
            input_data_format=input_data_format,
            output_data_format=output_data_format,
            provider_id=provider_id,
            target=target,
            input_params=input_params,
            name=name,
            tags=tags,
            session_id=session_id,
            job_id=job_id,
            metadata=metadata,
            priority=priority,
            content_type=content_type,
            gzip=gzip,
        )
        return await self._run(flows.submit(self.protocol, submission))

    async def submit_qio_problem(self, *args: Any, **kwargs: Any) -> JobDetails:
        """Retired: optimization (QIO) accepts no jobs; raises ``RetiredTargetError``."""
        raise retired_qio(kwargs.get("target"))

    async def submit_quantinuum_program(
        self,
        program: str,
        *,
        shots: int = inputs.IONQ_DEFAULT_SHOTS,
        target: str = DEFAULT_QUANTINUUM_TARGET,
        name: str | None = None,
        tags: list[str] | None = None,
        session_id: str | None = None,
        job_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> JobDetails:
        """Submit an OpenQASM 2 program to a Quantinuum target (H2 emulator by default)."""
        submission = submissions.quantinuum_submission(
            program,
            shots=shots,
            target=target,
            name=name,
            tags=tags,
            session_id=session_id,
            job_id=job_id,
            metadata=metadata,
        )
        return await self._run(flows.submit(self.protocol, submission))

    async def submit_qir(
        self,
        qir: bytes | str,
        *,
        target: str,
        shots: int | None = None,
        entry_point: str | None = None,
        arguments: list[Any] | None = None,
        items: list[Mapping[str, Any]] | None = None,
        input_params: Mapping[str, Any] | None = None,
        output_data_format: str | None = None,
        provider_id: str | None = None,
        name: str | None = None,
        tags: list[str] | None = None,
        session_id: str | None = None,
        job_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> JobDetails:
        """Submit QIR (bitcode or LLVM text) to ``target`` (``microsoft.estimator`` too)."""
        submission = submissions.qir_submission(
            qir,
            target=target,
            shots=shots,
            entry_point=entry_point,
            arguments=arguments,
            items=items,
            input_params=input_params,
            output_data_format=output_data_format,
            provider_id=provider_id,
            name=name,
            tags=tags,
            session_id=session_id,
            job_id=job_id,
            metadata=metadata,
        )
        return await self._run(flows.submit(self.protocol, submission))

    async def submit_ionq_circuit(
        self,
        circuit: Any,
        qubits: int | None = None,
        *,
        shots: int = inputs.IONQ_DEFAULT_SHOTS,
        target: str = DEFAULT_IONQ_TARGET,
        output_data_format: str = inputs.IONQ_OUTPUT_FORMAT,
        gateset: str | None = None,
        name: str | None = None,
        tags: list[str] | None = None,
        session_id: str | None = None,
        job_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> JobDetails:
        submission = submissions.ionq_submission(
            circuit,
            qubits,
            shots=shots,
            target=target,
            output_data_format=output_data_format,
            gateset=gateset,
            name=name,
            tags=tags,
            session_id=session_id,
            job_id=job_id,
            metadata=metadata,
        )
        return await self._run(flows.submit(self.protocol, submission))

    async def get_job(self, job_id: str) -> JobDetails:
        return await self._run(flows.get_job(self.protocol, job_id))

    async def wait_until_completed(
        self,
        job_id: str,
        *,
        timeout: float | None = None,
        poll_interval: float | None = None,
        backoff: bool = True,
    ) -> JobDetails:
        return await self._run(
            flows.wait_until_completed(
                self.protocol,
                job_id,
                timeout=timeout,
                poll_interval=poll_interval,
                backoff=backoff,
                clock=self._clock,
            )
        )

    async def get_results(
        self,
        job: JobDetails | str,
        *,
        wait: bool = True,
        timeout: float | None = flows.RESULTS_TIMEOUT,
        qubits: int | None = None,
    ) -> dict[str, Any]:
        return await self._run(
            flows.get_results(
                self.protocol, job, wait=wait, timeout=timeout, qubits=qubits, clock=self._clock
            )
        )

    async def download_output(self, job: JobDetails | str) -> bytes:
        details = job if isinstance(job, JobDetails) else await self.get_job(job)
        return await self._run(flows.download_output(self.protocol, details))

    async def cancel_job(self, job_id: str) -> JobDetails:
        return await self._run(flows.cancel_job(self.protocol, job_id))

    async def update_job(
        self,
        job_id: str,
        *,
        name: str | None = None,
        priority: str | None = None,
        tags: list[str] | None = None,
    ) -> JobDetails:
        return await self._run(
            flows.update_job(self.protocol, job_id, name=name, priority=priority, tags=tags)
        )

    async def update_tags(self, job_id: str, tags: list[str]) -> JobDetails:
        return await self.update_job(job_id, tags=_check_tags_arg(tags))

    async def add_tags(self, job_id: str, tags: list[str]) -> JobDetails:
        new = _check_tags_arg(tags)
        return await self._run(
            flows.change_tags(
                self.protocol, job_id, lambda old: old + [t for t in new if t not in old]
            )
        )

    async def remove_tags(self, job_id: str, tags: list[str]) -> JobDetails:
        gone = set(_check_tags_arg(tags))
        return await self._run(
            flows.change_tags(self.protocol, job_id, lambda old: [t for t in old if t not in gone])
        )

    def list_jobs(
        self,
        *,
        name_prefix: str | None = None,
        provider: str | list[str] | None = None,
        target: str | list[str] | None = None,
        status: StatusFilter | None = None,
        created_after: Moment | None = None,
        created_before: Moment | None = None,
        session_id: str | None = None,
        orderby: str | None = None,
        top: int | None = None,
        skip: int | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[JobDetails]:
        """An async iterator of jobs (arguments as the sync client's ``list_jobs``)."""
        request = self._jobs_request(
            name_prefix=name_prefix,
            provider=provider,
            target=target,
            status=status,
            created_after=created_after,
            created_before=created_before,
            session_id=session_id,
            orderby=orderby,
            top=top,
            skip=skip,
            limit=limit,
        )
        return self._iterate(request, self.protocol.parse_job, "JobDetails", limit)

    async def get_sas_uri(self, container: str, blob: str | None = None) -> str:
        return await self._run(flows.sas_uri(self.protocol, container, blob))

    # -- sessions

    async def open_session(
        self,
        *,
        provider_id: str,
        target: str,
        session_id: str | None = None,
        name: str | None = None,
        job_failure_policy: str = "Abort",
    ) -> SessionDetails:
        return await self._run(
            flows.open_session(
                self.protocol,
                provider_id=provider_id,
                target=target,
                session_id=session_id,
                name=name,
                job_failure_policy=job_failure_policy,
            )
        )

    async def get_session(self, session_id: str) -> SessionDetails:
        return await self._run(flows.get_session(self.protocol, session_id))

    async def close_session(self, session_id: str) -> SessionDetails:
        return await self._run(flows.close_session(self.protocol, session_id))

    def list_sessions(
        self,
        *,
        orderby: str | None = None,
        top: int | None = None,
        skip: int | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[SessionDetails]:
        _check_limit(limit)
        request = self.protocol.list_sessions(list_params(orderby=orderby, top=top, skip=skip))
        return self._iterate(request, self.protocol.parse_session, "SessionDetails", limit)

    def list_session_jobs(
        self,
        session_id: str,
        *,
        top: int | None = None,
        skip: int | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[JobDetails]:
        _check_limit(limit)
        request = self.protocol.list_session_jobs(session_id, list_params(top=top, skip=skip))
        return self._iterate(request, self.protocol.parse_job, "JobDetails", limit)

    # -- workspace

    async def get_provider_status(self) -> list[ProviderStatus]:
        return [
            item
            async for item in self._iterate(
                self.protocol.provider_status(),
                lambda item: ProviderStatus.from_wire(item, "ProviderStatus"),
                "ProviderStatus",
                None,
            )
        ]

    async def get_quotas(self) -> list[Quota]:
        return [
            item
            async for item in self._iterate(
                self.protocol.quotas(), lambda item: Quota.from_wire(item, "Quota"), "Quota", None
            )
        ]
