"""The Azure Quantum data-plane protocol, written once for both client faces.

``AzureQuantumProtocol`` builds ``transport.Request`` objects (paths, ``api-version``, bodies,
which failures may be retried) and parses the answers into models (reads are whole
``calls.Call`` objects); ``flows`` composes them, and the clients only run what they build.
The listing helpers turn keyword filters into the service's OData filter grammar and read
``nextLink`` pages (followed on the workspace's own host only).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, TypedDict, TypeVar, Unpack
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from airflow_quantum.clients.azure.models import (
    JobDetails,
    SessionDetails,
    state_of,
    words_of,
)
from airflow_quantum.clients.azure.settings import AzureQuantumSettings
from airflow_quantum.clients.base import VendorProtocol
from airflow_quantum.clients.calls import Call, json_call
from airflow_quantum.clients.errors import (
    BadResponseError,
    InvalidInputError,
    reject_unknown_keywords,
)
from airflow_quantum.clients.state import JobState
from airflow_quantum.clients.transport import Request, redact_url

M = TypeVar("M")

VENDOR = "Azure Quantum"

#: From this api-version on, jobs are cancelled with ``POST :cancel`` (before: ``DELETE``).
#: (Status words do not follow the api-version: both vocabularies are answered at every version.)
CANCEL_ACTION_VERSION = "2025-12-01-preview"
#: From this api-version on, ``PATCH /jobs/{id}`` takes a JSON Merge Patch (before: JSON Patch).
MERGE_PATCH_VERSION = "2025-09-01-preview"
MAX_PAGE_SIZE = 1000

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ORDERBY = re.compile(r"^\s*[A-Za-z][A-Za-z]*(\s+(asc|desc))?\s*$", re.IGNORECASE)

ACTIVE_STATES = (
    JobState.QUEUED,
    JobState.RUNNING,
    JobState.FINISHING,
    JobState.CANCELLING,
)


# ------------------------------------------------------------------------ input checks


def check_job_id(job_id: Any, what: str = "job_id") -> str:
    """A job or session id as the service accepts it: a GUID (other ids get 400 there)."""
    if not isinstance(job_id, str) or not _GUID.match(job_id):
        shown = job_id[:60] if isinstance(job_id, str) else type(job_id).__name__
        raise InvalidInputError(
            f"{what} {shown!r} is not a valid id: use a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
        )
    return job_id


def new_job_id() -> str:
    """A fresh client-generated job id (a GUID): retries of the same PUT reuse it."""
    return str(uuid.uuid4())


def is_guid(value: str) -> bool:
    return bool(_GUID.match(value))


def check_name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{what} must be a non-empty string")
    if len(value) > 1024:
        raise InvalidInputError(f"{what} is longer than 1024 characters")
    return value


def check_tags(tags: Any, what: str = "tags") -> list[str]:
    """Tags: a list of strings (a single string is refused, it is almost always a mistake)."""
    if isinstance(tags, str) or not isinstance(tags, Iterable) or isinstance(tags, Mapping):
        raise InvalidInputError(f"{what} must be a list of strings")
    result = []
    for index, tag in enumerate(tags):
        if not isinstance(tag, str):
            raise InvalidInputError(f"{what}[{index}] must be a string, got {type(tag).__name__}")
        if len(tag) > 1024:
            raise InvalidInputError(f"{what}[{index}] is longer than 1024 characters")
        result.append(tag)
    if len(result) > 100:
        raise InvalidInputError(f"{what}: a job has at most 100 tags")
    return result


def check_json_object(value: Any, what: str) -> dict[str, Any]:
    """A JSON-serialisable object with string keys and finite numbers."""
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"{what} must be a JSON object (dict)")
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{what} is not JSON-serialisable: {exc}") from None
    return dict(value)


# ------------------------------------------------------------------------ listing filters


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _values(value: Any, what: str) -> list[str]:
    items = [value] if isinstance(value, str | JobState) else value
    if not isinstance(items, Iterable) or isinstance(items, Mapping):
        raise InvalidInputError(f"{what} must be a string or a list of strings")
    result = []
    for item in items:
        if isinstance(item, JobState):
            result.append(item)
            continue
        if not isinstance(item, str) or not item.strip():
            raise InvalidInputError(f"{what} values must be non-empty strings")
        result.append(item.strip())
    if not result:
        raise InvalidInputError(f"{what} is empty")
    return result


def status_words(states: Iterable[JobState | str]) -> list[str]:
    """Every wire status word, in both vocabularies, for ``states``.

    ``JobState`` members and known wire words (either vocabulary, any case) name a state, and
    bring all of its words: ``Succeeded`` gives ``Succeeded`` and ``Completed``, so that a
    filter finds the job whichever vocabulary the service answers in. Other strings are sent
    as they are.
    """
    words: list[str] = []
    for item in states:
        state = item if isinstance(item, JobState) else _state_named(item)
        if state is JobState.UNKNOWN:
            raise InvalidInputError("status: UNKNOWN cannot be filtered on")
        candidates: Iterable[str] = words_of(state) if state is not None else (str(item),)
        words.extend(word for word in candidates if word not in words)
    return words


def _state_named(word: str) -> JobState | None:
    """The JobState a wire word (either vocabulary) or a JobState value names, else None."""
    state = state_of(word)
    if state is not JobState.UNKNOWN:
        return state
    try:
        return JobState(word.strip().lower())
    except ValueError:
        return None


def _time_literal(value: Any, what: str) -> str:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and re.match(
        r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$", value.strip()
    ):
        return value.strip()
    raise InvalidInputError(f"{what} must be a datetime, a date or an ISO 8601 string")


class JobFilter(TypedDict, total=False):
    """The keyword filters of a job listing: AND-ed, and a list is OR-ed within its field."""

    name_prefix: str | None
    provider: str | Iterable[str] | None
    target: str | Iterable[str] | None
    #: ``JobState`` members or wire words; each names the words of both vocabularies.
    status: JobState | str | Iterable[JobState | str] | None
    created_after: datetime | date | str | None
    created_before: datetime | date | str | None
    session_id: str | None


class Paging(TypedDict, total=False):
    """How a listing is read: pages of ``top`` items after the first ``skip``, at most ``limit``
    in all (None: every one). Checked when the listing is asked for, pages fetched as consumed."""

    top: int | None
    skip: int | None
    limit: int | None


class SortedPaging(Paging, total=False):
    """``Paging`` of a listing that can be sorted."""

    #: ``Field [asc|desc]``, comma-separated (e.g. ``CreationTime desc``).
    orderby: str | None


class JobQuery(JobFilter, SortedPaging, total=False):
    """The keywords of a job listing: its filters (``JobFilter``) and paging (``SortedPaging``)."""


class JobUpdate(TypedDict, total=False):
    """What ``update_job`` may change."""

    name: str | None
    #: ``Standard`` or ``High``.
    priority: str | None
    tags: list[str] | None


def build_job_filter(**filters: Unpack[JobFilter]) -> str | None:
    """The OData filter the official client writes, from keyword filters (AND-ed).

    ``startswith(Name, 'abc') and (ProviderId eq 'ionq') and (Target eq 'ionq.simulator') and
    (State eq 'Succeeded' or State eq 'Completed') and CreationTime ge 2024-01-01``. Lists are
    OR-ed within a field; a status names the words of both vocabularies (``status_words``).
    """
    reject_unknown_keywords(filters, JobFilter, "build_job_filter")
    clauses: list[str] = []
    if (name_prefix := filters.get("name_prefix")) is not None:
        if not isinstance(name_prefix, str) or not name_prefix:
            raise InvalidInputError("name_prefix must be a non-empty string")
        clauses.append(f"startswith(Name, {_quote_literal(name_prefix)})")
    for field, value, what in (
        ("ProviderId", filters.get("provider"), "provider"),
        ("Target", filters.get("target"), "target"),
    ):
        if value is not None:
            words = _values(value, what)
            clauses.append(
                "(" + " or ".join(f"{field} eq {_quote_literal(str(w))}" for w in words) + ")"
            )
    if (status := filters.get("status")) is not None:
        words = status_words(_values(status, "status"))
        clauses.append("(" + " or ".join(f"State eq {_quote_literal(w)}" for w in words) + ")")
    if (created_after := filters.get("created_after")) is not None:
        clauses.append(f"CreationTime ge {_time_literal(created_after, 'created_after')}")
    if (created_before := filters.get("created_before")) is not None:
        clauses.append(f"CreationTime le {_time_literal(created_before, 'created_before')}")
    if (session_id := filters.get("session_id")) is not None:
        check_job_id(session_id, "session_id")
        clauses.append(f"SessionId eq {_quote_literal(session_id)}")
    return " and ".join(clauses) or None


def list_params(
    *,
    filter: str | None = None,
    orderby: str | None = None,
    top: int | None = None,
    skip: int | None = None,
) -> dict[str, Any]:
    """Query parameters of a listing (checked)."""
    params: dict[str, Any] = {}
    if filter:
        params["filter"] = filter
    if orderby is not None:
        if not isinstance(orderby, str) or not all(
            _ORDERBY.match(part) for part in orderby.split(",")
        ):
            raise InvalidInputError(
                f"orderby {orderby!r:.60} is not 'Field [asc|desc]' (e.g. 'CreationTime desc')"
            )
        params["orderby"] = orderby
    if skip is not None:
        if isinstance(skip, bool) or not isinstance(skip, int) or skip < 0:
            raise InvalidInputError("skip must be a non-negative integer")
        params["skip"] = skip
    if top is not None:
        if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= MAX_PAGE_SIZE:
            raise InvalidInputError(f"top (the page size) must be between 1 and {MAX_PAGE_SIZE}")
        params["top"] = top
    return params


# ------------------------------------------------------------------------ pages


@dataclass(frozen=True)
class Page:
    """One page of a listing: raw items and the absolute URL of the next page (or None)."""

    items: list[Any]
    next_link: str | None


def parse_page(payload: Any, what: str) -> Page:
    if not isinstance(payload, dict):
        raise BadResponseError(f"expected a page of {what} (a JSON object)", vendor=VENDOR)
    items = payload.get("value")
    if items is None:
        items = []
    if not isinstance(items, list):
        raise BadResponseError(f"the page of {what} has no 'value' list", vendor=VENDOR)
    next_link = payload.get("nextLink")
    if next_link is not None and not isinstance(next_link, str):
        raise BadResponseError(f"the page of {what} has a non-string nextLink", vendor=VENDOR)
    return Page(items, next_link or None)


def parse_items(items: list[Any], model: type[M], what: str) -> list[M]:
    return [model.from_wire(item, what) for item in items]  # type: ignore[attr-defined]


# ------------------------------------------------------------------------ the protocol


class AzureQuantumProtocol(VendorProtocol, vendor=VENDOR, settings=AzureQuantumSettings):
    """Builds the requests of one workspace and parses their answers."""

    def __init__(self, settings: AzureQuantumSettings) -> None:
        self.settings = settings
        self.base = settings.workspace_url
        self.api_version = settings.api_version
        self._origin = urlsplit(settings.endpoint)

    # -- helpers

    @property
    def uses_cancel_action(self) -> bool:
        return self.api_version >= CANCEL_ACTION_VERSION

    @property
    def uses_merge_patch(self) -> bool:
        return self.api_version >= MERGE_PATCH_VERSION

    def _params(self, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        params = {"api-version": self.api_version}
        if extra:
            params.update(extra)
        return params

    def _url(self, path: str) -> str:
        return f"{self.base}{path}"

    def _job_path(self, job_id: str, suffix: str = "") -> str:
        return self._url(f"/jobs/{quote(check_job_id(job_id), safe='')}{suffix}")

    def _session_path(self, session_id: str, suffix: str = "") -> str:
        sid = check_job_id(session_id, "session_id")
        return self._url(f"/sessions/{quote(sid, safe='')}{suffix}")

    # -- jobs

    def create_job(self, job_id: str, body: Mapping[str, Any]) -> Request:
        """``PUT /jobs/{id}``: idempotent (same id, same body), so every failure may be retried."""
        return Request("PUT", self._job_path(job_id), params=self._params(), json_body=dict(body))

    def get_job(self, job_id: str) -> Call[JobDetails]:
        request = Request("GET", self._job_path(job_id), params=self._params())
        return json_call(VENDOR, request, self.parse_job)

    def cancel_job(self, job_id: str) -> Request:
        """``POST /jobs/{id}:cancel`` (200 or 204), or ``DELETE /jobs/{id}`` before 2025-12."""
        if self.uses_cancel_action:
            return Request(
                "POST",
                self._job_path(job_id, ":cancel"),
                params=self._params(),
                ok_statuses=frozenset({200, 204}),
            )
        return Request("DELETE", self._job_path(job_id), params=self._params())

    def update_job(self, job_id: str, **update: Unpack[JobUpdate]) -> Request:
        """Change name, priority or tags: merge-patch (≥2025-09) or JSON Patch (older)."""
        reject_unknown_keywords(update, JobUpdate, "update_job")
        changes: dict[str, Any] = {}
        if (name := update.get("name")) is not None:
            changes["name"] = check_name(name, "name")
        if (priority := update.get("priority")) is not None:
            if priority not in ("Standard", "High"):
                raise InvalidInputError("priority must be 'Standard' or 'High'")
            changes["priority"] = priority
        if (tags := update.get("tags")) is not None:
            changes["tags"] = check_tags(tags)
        if not changes:
            raise InvalidInputError("nothing to update: give name, priority or tags")
        if self.uses_merge_patch:
            body: Any = changes
            content_type = "application/merge-patch+json"
        else:
            body = [{"op": "add", "path": f"/{key}", "value": val} for key, val in changes.items()]
            content_type = "application/json-patch+json"
        return Request(
            "PATCH",
            self._job_path(job_id),
            params=self._params(),
            content=json.dumps(body).encode(),
            headers={"Content-Type": content_type},
            ok_statuses=frozenset({200, 204}),
        )

    def list_jobs(self, params: Mapping[str, Any]) -> Request:
        return Request("GET", self._url("/jobs"), params=self._params(params))

    # -- storage

    def sas_uri(self, container: str, blob: str | None = None) -> Call[str]:
        """``POST /storage/sasUri``: a SAS URL for a container, or for one blob."""
        body: dict[str, Any] = {"containerName": container}
        if blob is not None:
            body["blobName"] = blob
        url = self._url("/storage/sasUri")
        request = Request("POST", url, params=self._params(), json_body=body)
        return json_call(VENDOR, request, self.parse_sas_uri)

    # -- sessions

    def open_session(self, session_id: str, body: Mapping[str, Any]) -> Request:
        return Request(
            "PUT", self._session_path(session_id), params=self._params(), json_body=dict(body)
        )

    def get_session(self, session_id: str) -> Call[SessionDetails]:
        request = Request("GET", self._session_path(session_id), params=self._params())
        return json_call(VENDOR, request, self.parse_session)

    def close_session(self, session_id: str) -> Request:
        return Request(
            "POST",
            self._session_path(session_id, ":close"),
            params=self._params(),
            ok_statuses=frozenset({200, 204}),
        )

    def list_sessions(self, params: Mapping[str, Any]) -> Request:
        return Request("GET", self._url("/sessions"), params=self._params(params))

    def list_session_jobs(self, session_id: str, params: Mapping[str, Any]) -> Request:
        return Request("GET", self._session_path(session_id, "/jobs"), params=self._params(params))

    # -- workspace

    def provider_status(self) -> Request:
        return Request("GET", self._url("/providerStatus"), params=self._params())

    def quotas(self) -> Request:
        return Request("GET", self._url("/quotas"), params=self._params())

    # -- paging

    def next_page(self, next_link: str) -> Request:
        """The request for an absolute ``nextLink``, which must stay on the workspace's host."""
        parts = urlsplit(next_link)
        if (parts.scheme, parts.netloc.lower()) != (
            self._origin.scheme,
            self._origin.netloc.lower(),
        ):
            raise BadResponseError(
                f"nextLink {redact_url(next_link)!r} leaves the workspace endpoint "
                f"{self.settings.endpoint}; refusing to send credentials there",
                vendor=VENDOR,
            )
        query = parse_qsl(parts.query, keep_blank_values=True)
        if not any(key == "api-version" for key, _ in query):
            query.append(("api-version", self.api_version))
        url = urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))
        return Request("GET", url)

    # -- parsing

    @staticmethod
    def parse_job(payload: Any) -> JobDetails:
        return JobDetails.from_wire(payload, "JobDetails")

    @staticmethod
    def parse_session(payload: Any) -> SessionDetails:
        return SessionDetails.from_wire(payload, "SessionDetails")

    @staticmethod
    def parse_sas_uri(payload: Any) -> str:
        if not isinstance(payload, dict) or not isinstance(payload.get("sasUri"), str):
            raise BadResponseError("the storage/sasUri answer has no sasUri", vendor=VENDOR)
        return payload["sasUri"]
