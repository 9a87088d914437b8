"""What an Azure Quantum workspace is, beside its jobs: auth, storage links, sessions, providers.

``AzureWorkspace`` is the base of the Azure protocol (``protocol.AzureQuantumProtocol`` adds the
job operations): its settings, credentials and request helpers, and the operations on the
workspace itself, each defined once (see ``calls``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar, Unpack
from urllib.parse import quote

from airflow_quantum.clients.auth import Authenticator, TokenCache
from airflow_quantum.clients.azure.auth import build_authenticator
from airflow_quantum.clients.azure.listing import (
    LinkPager,
    Paging,
    SortedPaging,
    list_params,
    next_page_request,
)
from airflow_quantum.clients.azure.models import JobDetails, ProviderStatus, Quota, SessionDetails
from airflow_quantum.clients.azure.settings import AzureQuantumSettings
from airflow_quantum.clients.azure.targets import check_current
from airflow_quantum.clients.azure.validation import check_job_id, check_name, new_job_id
from airflow_quantum.clients.base import QuantumClient
from airflow_quantum.clients.calls import (
    Answer,
    Call,
    Flow,
    Pager,
    collect,
    json_call,
    json_of,
    listing,
    operation,
)
from airflow_quantum.clients.errors import (
    BadResponseError,
    InvalidInputError,
    reject_unknown_keywords,
)
from airflow_quantum.clients.retries import RetryPolicy
from airflow_quantum.clients.transport import Request

M = TypeVar("M")

VENDOR = "Azure Quantum"
#: The official client's policy: 408/429/5xx retried with backoff 0.8 s x 2^n (at most 120 s),
#: ``Retry-After`` honoured; POST/PATCH only on 500/503/504 or with ``Retry-After``.
AZURE_RETRY_POLICY = RetryPolicy(
    max_retries=6, backoff_base=0.8, backoff_factor=2.0, backoff_max=120.0, jitter=0.2
)


class AzureWorkspace(QuantumClient[AzureQuantumSettings]):
    """One workspace: its settings, credentials and requests, its sessions and providers.
    Built as ``QuantumClient`` (``AzureQuantumClient(settings, session=..., sleep=...)``)."""

    vendor = VENDOR
    settings_class = AzureQuantumSettings
    default_retry_policy = AZURE_RETRY_POLICY

    def __init__(self, settings: AzureQuantumSettings, **options: Any) -> None:
        super().__init__(settings, **options)
        self.base = settings.workspace_url
        self.api_version = settings.api_version

    def make_authenticator(self, token_cache: TokenCache | None) -> Authenticator:
        return build_authenticator(self.settings, policy=self.retry_policy, cache=token_cache)

    def _request(self, method: str, path: str, **options: Any) -> Request:
        params = {"api-version": self.api_version, **options.pop("params", {})}
        return Request(method, f"{self.base}{path}", params=params, **options)

    def _session_path(self, session_id: str, suffix: str = "") -> str:
        return f"/sessions/{quote(check_job_id(session_id, 'session_id'), safe='')}{suffix}"

    def _json(self, request: Request, read: Callable[[Any], M]) -> Call[M]:
        return json_call(VENDOR, request, read)

    @staticmethod
    def _item(request: Request, parse: Callable[[Any], M], get: Call[M]) -> Flow[M]:
        """The item the answer carries, or ``get``'s when the answer is empty (204)."""

        def read(answer: Answer) -> M | None:
            empty = answer.status_code == 204 or not answer.content.strip()
            return None if empty else parse(json_of(VENDOR, answer, request))

        item = yield Call(request, read)
        return item if item is not None else (yield get)

    @staticmethod
    def parse_session(payload: Any) -> SessionDetails:
        return SessionDetails.from_wire(payload, "SessionDetails")

    def next_page(self, next_link: str) -> Request:
        """The request for an absolute ``nextLink``, which must stay on the workspace's host."""
        return next_page_request(next_link, self.settings.endpoint, self.api_version)

    def _pager(
        self, path: str, what: str, model: Any, paging: Paging, query: str | None = None
    ) -> LinkPager:
        """A listing of ``path``, its arguments checked now, its pages fetched as consumed."""
        limit = paging.pop("limit", None)
        request = self._request("GET", path, params=list_params(filter=query, **paging))
        parse = partial(model.from_wire, what=what)
        return LinkPager(request, self.next_page, what, parse, limit=limit)

    # ------------------------------------------------------------- storage and sessions

    @operation
    def get_sas_uri(self, container: str, blob: str | None = None) -> Call[str]:
        """``POST /storage/sasUri``: a SAS URL for a container of the workspace, or one blob."""
        body: dict[str, Any] = {"containerName": container}
        if blob is not None:
            body["blobName"] = blob
        request = self._request("POST", "/storage/sasUri", json_body=body)
        return self._json(request, _sas_uri)

    @operation
    def open_session(
        self,
        *,
        provider_id: str,
        target: str,
        session_id: str | None = None,
        name: str | None = None,
        job_failure_policy: str = "Abort",
    ) -> Call[SessionDetails]:
        """Open a session on ``target``; submit jobs into it with ``session_id``."""
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
        request = self._request("PUT", self._session_path(session_id), json_body=body)
        return self._json(request, self.parse_session)

    @operation
    def get_session(self, session_id: str) -> Call[SessionDetails]:
        """The session's details."""
        return self._json(self._request("GET", self._session_path(session_id)), self.parse_session)

    @operation
    def close_session(self, session_id: str) -> Flow[SessionDetails]:
        """Close the session: it takes no new jobs; its jobs run on."""
        ok = frozenset({200, 204})
        request = self._request("POST", self._session_path(session_id, ":close"), ok_statuses=ok)
        return (
            yield from self._item(request, self.parse_session, self.get_session.call(session_id))
        )

    @listing
    def list_sessions(self, **paging: Unpack[SortedPaging]) -> Pager[SessionDetails]:
        """The workspace's sessions."""
        reject_unknown_keywords(paging, SortedPaging, "list_sessions")
        return self._pager("/sessions", "SessionDetails", SessionDetails, paging)  # type: ignore[arg-type]

    @listing
    def list_session_jobs(self, session_id: str, **paging: Unpack[Paging]) -> Pager[JobDetails]:
        """The jobs of a session."""
        reject_unknown_keywords(paging, Paging, "list_session_jobs")
        return self._pager(
            self._session_path(session_id, "/jobs"), "JobDetails", JobDetails, paging
        )  # type: ignore[arg-type]

    # ----------------------------------------------------------------------- providers

    @operation
    def get_provider_status(self) -> Flow[list[ProviderStatus]]:
        """Availability and average queue time of every provider and target."""
        pager = self._pager("/providerStatus", "ProviderStatus", ProviderStatus, {})
        return (yield from collect(pager))

    @operation
    def get_quotas(self) -> Flow[list[Quota]]:
        """The workspace's quotas and their utilisation."""
        return (yield from collect(self._pager("/quotas", "Quota", Quota, {})))


def _sas_uri(payload: Any) -> str:
    if not isinstance(payload, dict) or not isinstance(payload.get("sasUri"), str):
        raise BadResponseError("the storage/sasUri answer has no sasUri", vendor=VENDOR)
    return payload["sasUri"]
