"""Azure Quantum's synchronous client, ``AzureQuantumClient``; the async one is in ``async_client``.

Every operation is written once in ``flows`` (and ``queue``), sans-IO, and run here by the shared
sync executor (``calls.SyncCaller``, ``requests.Session``); the submit methods, which check and
encode each kind of input, are ``submissions.JobSubmitter``'s. The async client has only what
the triggers call. No Airflow here: the clients are usable on their own::

    settings = AzureQuantumSettings.create(subscription_id="...", resource_group="rg",
                                           workspace="ws", location="eastus", api_key="...")
    with AzureQuantumClient(settings) as client:
        job = client.submit_ionq_circuit([{"gate": "h", "target": 0}], shots=100)
        ...  # wait for the job (the hook's ``wait_until_completed``), then
        print(client.get_results(job.id)["probabilities"])
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from functools import partial
from typing import Any, Unpack

from airflow_quantum.clients.azure import flows
from airflow_quantum.clients.azure.async_client import (
    AZURE_RETRY_POLICY,
    PENDING_PAGE_SIZE,
    AsyncAzureQuantumClient,
    AzureClientBase,
)
from airflow_quantum.clients.azure.models import (
    JobDetails,
    ProviderStatus,
    Quota,
    SessionDetails,
)
from airflow_quantum.clients.azure.protocol import (
    JobQuery,
    JobUpdate,
    Paging,
    SortedPaging,
    build_job_filter,
    check_tags,
    list_params,
)
from airflow_quantum.clients.azure.queue import AzureQueueInfo, queue_info
from airflow_quantum.clients.azure.submissions import JobSubmitter
from airflow_quantum.clients.calls import SyncCaller
from airflow_quantum.clients.errors import InvalidInputError, reject_unknown_keywords
from airflow_quantum.clients.state import JobState
from airflow_quantum.clients.transport import Request

__all__ = [
    "AZURE_RETRY_POLICY",
    "PENDING_PAGE_SIZE",
    "AsyncAzureQuantumClient",
    "AzureQuantumClient",
    "Moment",
    "StatusFilter",
]

StatusFilter = JobState | str | list[JobState | str] | tuple[JobState | str, ...]
Moment = datetime | date | str


class AzureQuantumClient(JobSubmitter, SyncCaller, AzureClientBase):
    """Synchronous Azure Quantum client on ``requests.Session`` (pooled connections).

    Built as ``QuantumClient``: ``AzureQuantumClient(settings, retry_policy=...,
    token_cache=..., session=<requests.Session>, sleep=<the retries' sleep>)``. Its submit
    methods (``submit_job``, ``submit_ionq_circuit``, ``submit_quantinuum_program``,
    ``submit_qir``) are ``JobSubmitter``'s.
    """

    def close(self) -> None:
        self.transport.close()
        source = getattr(self.authenticator, "source", None)
        if source is not None and hasattr(source, "close"):
            source.close()

    # -- jobs

    def _submit(self, submission: flows.Submission) -> JobDetails:
        return self._run(flows.submit(self.protocol, submission))

    def get_job(self, job_id: str) -> JobDetails:
        """The job's details (the official ``Job.details``)."""
        return self._run(self.protocol.get_job(job_id))

    def get_results(self, job: JobDetails | str, *, qubits: int | None = None) -> dict[str, Any]:
        """A finished job's output, decoded to plain JSON (see ``results``); no waiting.

        A job still active raises ``InvalidStateError``; failed or cancelled ``JobFailedError``.
        """
        return self._run(flows.get_results(self.protocol, job, qubits=qubits))

    def download_output(self, job: JobDetails | str) -> bytes:
        """The raw output blob (gzip removed), renewing an expiring SAS link first."""
        details = job if isinstance(job, JobDetails) else self.get_job(job)
        return self._run(flows.download_output(self.protocol, details))

    def cancel_job(self, job_id: str) -> JobDetails:
        """Cancel the job; one already final raises ``InvalidStateError``."""
        return self._run(flows.cancel_job(self.protocol, job_id))

    def queue_info(self, job_id: str) -> AzureQueueInfo | None:
        """The job's queue position (api-version 2026-08-01-preview on), else None."""
        return self._run(queue_info(self.protocol, job_id))

    def update_job(self, job_id: str, **update: Unpack[JobUpdate]) -> JobDetails:
        """Change the job's name, priority (``Standard``/``High``) or tags (``JobUpdate``)."""
        request = self.protocol.update_job(job_id, **update)
        return self._run(flows.updated(self.protocol, job_id, request))

    def update_tags(self, job_id: str, tags: list[str]) -> JobDetails:
        """Replace the job's tags with ``tags``."""
        return self.update_job(job_id, tags=check_tags(tags))

    def add_tags(self, job_id: str, tags: list[str]) -> JobDetails:
        """Add the tags the job does not have yet."""
        new = check_tags(tags)
        return self._run(
            flows.change_tags(
                self.protocol, job_id, lambda old: old + [t for t in new if t not in old]
            )
        )

    def remove_tags(self, job_id: str, tags: list[str]) -> JobDetails:
        """Remove these tags from the job."""
        gone = set(check_tags(tags))
        return self._run(
            flows.change_tags(self.protocol, job_id, lambda old: [t for t in old if t not in gone])
        )

    def list_jobs(self, **query: Unpack[JobQuery]) -> Iterator[JobDetails]:
        """Jobs matching every given filter (``JobFilter``), page after page (``SortedPaging``).

        ``status`` takes ``JobState`` members or wire words; each names the words of both
        status vocabularies (``Succeeded`` and ``Completed``...); lists are OR-ed.
        """
        paging: SortedPaging = _take(query, SortedPaging)  # type: ignore[assignment]
        return self._paged(self.protocol.list_jobs, "JobDetails", paging, build_job_filter(**query))

    def get_sas_uri(self, container: str, blob: str | None = None) -> str:
        """A SAS URL for a storage container of the workspace, or for one blob in it."""
        return self._run(self.protocol.sas_uri(container, blob))

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
        """Open a session on ``target``; submit jobs into it with ``session_id=``."""
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
        return self._run(self.protocol.get_session(session_id))

    def close_session(self, session_id: str) -> SessionDetails:
        """Close the session: it takes no new jobs; its jobs run on."""
        return self._run(flows.close_session(self.protocol, session_id))

    def list_sessions(self, **paging: Unpack[SortedPaging]) -> Iterator[SessionDetails]:
        reject_unknown_keywords(paging, SortedPaging, "list_sessions")
        return self._paged(self.protocol.list_sessions, "SessionDetails", paging)

    def list_session_jobs(self, session_id: str, **paging: Unpack[Paging]) -> Iterator[JobDetails]:
        reject_unknown_keywords(paging, Paging, "list_session_jobs")
        list_request = partial(self.protocol.list_session_jobs, session_id)
        return self._paged(list_request, "JobDetails", paging)

    # -- workspace

    def get_provider_status(self) -> list[ProviderStatus]:
        """Availability and average queue time of every provider and target."""
        return list(self._listing(self.protocol.provider_status(), "ProviderStatus", None))

    def get_quotas(self) -> list[Quota]:
        """The workspace's quotas and their utilisation."""
        return list(self._listing(self.protocol.quotas(), "Quota", None))

    def _paged(
        self,
        list_request: Callable[[dict[str, Any]], Request],
        what: str,
        paging: Paging,
        query: str | None = None,
    ) -> Iterator[Any]:
        """The listing's items; its arguments checked now, its pages fetched as consumed."""
        limit = paging.pop("limit", None)
        _check_limit(limit)
        return self._listing(list_request(list_params(filter=query, **paging)), what, limit)

    def _listing(self, request: Request, what: str, limit: int | None) -> Iterator[Any]:
        parse = partial(_MODELS[what].from_wire, what=what)
        return self._items(flows.LinkPager(self.protocol, request, what, parse), limit)


_MODELS: dict[str, Any] = {
    "JobDetails": JobDetails,
    "SessionDetails": SessionDetails,
    "ProviderStatus": ProviderStatus,
    "Quota": Quota,
}


def _take(given: dict[str, Any], keys: type) -> dict[str, Any]:
    """The entries of ``given`` that the TypedDict ``keys`` names, taken out of it."""
    return {key: given.pop(key) for key in keys.__annotations__ if key in given}


def _check_limit(limit: Any) -> None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidInputError("limit must be a positive integer or None")
