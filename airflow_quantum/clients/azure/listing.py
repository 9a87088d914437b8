"""Azure Quantum listings: keyword filters in the service's OData grammar, and ``nextLink`` pages.

``build_job_filter`` writes the filter the official client writes; ``list_params`` checks the
paging parameters; ``LinkPager`` follows ``nextLink`` pages (on the workspace's own host only,
never in a loop) up to a ``limit`` of items.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, TypedDict, TypeVar, Unpack
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from airflow_quantum.clients.azure.models import state_of, words_of
from airflow_quantum.clients.azure.validation import check_job_id
from airflow_quantum.clients.calls import Call, Pager, json_of
from airflow_quantum.clients.errors import (
    BadResponseError,
    InvalidInputError,
    reject_unknown_keywords,
)
from airflow_quantum.clients.models import ListedJob
from airflow_quantum.clients.state import JobState
from airflow_quantum.clients.transport import Request, redact_url

M = TypeVar("M")

VENDOR = "Azure Quantum"
MAX_PAGE_SIZE = 1000
_ORDERBY = re.compile(r"^\s*[A-Za-z][A-Za-z]*(\s+(asc|desc))?\s*$", re.IGNORECASE)

#: The states of a job that is not final (the pending listing's ``State`` filter).
ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING, JobState.FINISHING, JobState.CANCELLING)


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _values(value: Any, what: str) -> list[str]:
    items = [value] if isinstance(value, str | JobState) else value
    if not isinstance(items, Iterable) or isinstance(items, Mapping):
        raise InvalidInputError(f"{what} must be a string or a list of strings")
    result = list(items)
    if not all(isinstance(item, str) and item.strip() for item in result):
        raise InvalidInputError(f"{what} values must be non-empty strings")
    if not result:
        raise InvalidInputError(f"{what} is empty")
    return [item if isinstance(item, JobState) else item.strip() for item in result]


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
    for field, key in (("ProviderId", "provider"), ("Target", "target"), ("State", "status")):
        if (value := filters.get(key)) is not None:
            words = _values(value, key)
            words = status_words(words) if key == "status" else words
            alternatives = " or ".join(f"{field} eq {_quote_literal(str(w))}" for w in words)
            clauses.append(f"({alternatives})")
    for key, operator in (("created_after", "ge"), ("created_before", "le")):
        if (moment := filters.get(key)) is not None:
            clauses.append(f"CreationTime {operator} {_time_literal(moment, key)}")
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


class LinkPager:
    """A listing that follows ``nextLink`` (through ``next_page``, which keeps it on the
    workspace's host), never in a loop, for at most ``max_pages`` pages and ``limit`` items.
    Items that ``parse`` reads as None are left out."""

    def __init__(
        self,
        request: Request,
        next_page: Callable[[str], Request],
        what: str,
        parse: Callable[[Any], Any],
        *,
        max_pages: int | None = None,
        limit: int | None = None,
    ) -> None:
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        ):
            raise InvalidInputError("limit must be a positive integer or None")
        self.next_page, self.what, self.parse = next_page, what, parse
        self.max_pages, self.limit = max_pages, limit
        self._request: Request | None = request
        self._next_link: str | None = None
        self._seen: set[str] = set()
        self._pages = self._items = 0

    def next_call(self) -> Call[list[Any]] | None:
        if self._next_link is not None:
            link, self._next_link = self._next_link, None
            if link in self._seen:
                raise BadResponseError(f"the {self.what} listing's nextLink loops", vendor=VENDOR)
            self._seen.add(link)
            self._request = self.next_page(link)
        request, self._request = self._request, None
        if request is None:
            return None
        return Call(request, lambda answer: self._read(json_of(VENDOR, answer, request)))

    def _read(self, payload: Any) -> list[Any]:
        page = parse_page(payload, self.what)
        self._pages += 1
        items = [parsed for item in page.items if (parsed := self.parse(item)) is not None]
        if self.limit is not None:
            items = items[: self.limit - self._items]
        self._items += len(items)
        more_wanted = self.limit is None or self._items < self.limit
        more_allowed = self.max_pages is None or self._pages < self.max_pages
        if page.next_link and more_wanted and more_allowed:
            self._next_link = page.next_link
        return items


def next_page_request(next_link: str, endpoint: str, api_version: str) -> Request:
    """The request for an absolute ``nextLink``, which must stay on the workspace's host
    (``endpoint``): credentials are never sent anywhere else."""
    parts, origin = urlsplit(next_link), urlsplit(endpoint)
    if (parts.scheme, parts.netloc.lower()) != (origin.scheme, origin.netloc.lower()):
        raise BadResponseError(
            f"nextLink {redact_url(next_link)!r} leaves the workspace endpoint "
            f"{endpoint}; refusing to send credentials there",
            vendor=VENDOR,
        )
    query = parse_qsl(parts.query, keep_blank_values=True)
    if not any(key == "api-version" for key, _ in query):
        query.append(("api-version", api_version))
    return Request("GET", urlunsplit(parts._replace(query=urlencode(query, quote_via=quote))))


def listed_jobs(
    request: Request, next_page: Callable[[str], Request], max_pages: int | None
) -> Pager[ListedJob]:
    """A listing of jobs as ``ListedJob`` (unparsed: id, status words, raw JSON); items that
    are no job object are left out."""
    return LinkPager(request, next_page, "JobDetails", _listed, max_pages=max_pages)


def _listed(item: object) -> ListedJob | None:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return ListedJob(item["id"], (item.get("status"),), item)
    return None
