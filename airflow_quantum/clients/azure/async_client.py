"""What both Azure Quantum clients share, and ``AsyncAzureQuantumClient``: the triggers' face.

The async client has only what triggers call: ``get_job``, ``cancel_job``, ``queue_info``,
``pending_job_pages`` / ``job_from_listing`` and ``aclose``. Everything else is the sync
``AzureQuantumClient``'s (``client.py``); both run the operations of ``flows`` and ``queue``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from airflow_quantum.clients.auth import Authenticator, TokenCache
from airflow_quantum.clients.azure import flows
from airflow_quantum.clients.azure.auth import build_authenticator
from airflow_quantum.clients.azure.models import JobDetails
from airflow_quantum.clients.azure.protocol import (
    ACTIVE_STATES,
    AzureQuantumProtocol,
    build_job_filter,
    list_params,
)
from airflow_quantum.clients.azure.queue import AzureQueueInfo, queue_info
from airflow_quantum.clients.azure.settings import AzureQuantumSettings
from airflow_quantum.clients.base import QuantumClient
from airflow_quantum.clients.calls import AsyncCaller
from airflow_quantum.clients.models import ListedJob
from airflow_quantum.clients.transport import RetryPolicy

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


class AzureClientBase(QuantumClient[AzureQuantumSettings, AzureQuantumProtocol]):
    """What both faces share: the Azure pieces of ``QuantumClient`` (credentials through the
    token cache)."""

    protocol_class = AzureQuantumProtocol
    default_retry_policy = AZURE_RETRY_POLICY

    def make_authenticator(self, token_cache: TokenCache | None) -> Authenticator:
        return build_authenticator(self.settings, policy=self.retry_policy, cache=token_cache)

    def job_from_listing(self, listed: ListedJob) -> JobDetails:
        """The ``JobDetails`` of a job from ``pending_job_pages``."""
        return self.protocol.parse_job(listed.raw)


def pending_jobs_pager(
    protocol: AzureQuantumProtocol, page_size: int | None, max_pages: int | None
) -> flows.LinkPager:
    """The workspace's jobs that are not final (a ``State`` filter), as ``ListedJob`` pages."""
    query = build_job_filter(status=list(ACTIVE_STATES))
    request = protocol.list_jobs(list_params(filter=query, top=page_size or PENDING_PAGE_SIZE))
    return flows.LinkPager(protocol, request, "JobDetails", _listed, max_pages)


def _listed(item: object) -> ListedJob | None:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return ListedJob(item["id"], (item.get("status"),), item)
    return None


class AsyncAzureQuantumClient(AsyncCaller, AzureClientBase):
    """Asynchronous Azure Quantum client on ``httpx.AsyncClient``; never blocks the loop.

    Built as ``QuantumClient``: ``AsyncAzureQuantumClient(settings, retry_policy=...,
    token_cache=..., client=<httpx.AsyncClient>)``.
    """

    async def get_job(self, job_id: str) -> JobDetails:
        """The job's details."""
        return await self._run(self.protocol.get_job(job_id))

    async def cancel_job(self, job_id: str) -> JobDetails:
        """Cancel the job; one already final raises ``InvalidStateError``."""
        return await self._run(flows.cancel_job(self.protocol, job_id))

    async def queue_info(self, job_id: str) -> AzureQueueInfo | None:
        """The job's queue position (api-version 2026-08-01-preview on), else None."""
        return await self._run(queue_info(self.protocol, job_id))

    async def pending_job_pages(
        self, page_size: int | None = None, max_pages: int | None = None
    ) -> AsyncIterator[list[ListedJob]]:
        """Pages of the workspace's jobs that are not final (a ``State`` filter), unparsed.

        A job that ends while the listing is paged may shift a later page, so a pending job
        may be missed: callers confirm jobs they did not see with ``get_job``.
        """
        async for page in self._pages(pending_jobs_pager(self.protocol, page_size, max_pages)):
            yield [item for item in page if item is not None]
