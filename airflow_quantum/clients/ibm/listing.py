"""Listings of ``GET /jobs``: the filters, the paging rules, and the unparsed pending jobs.

``job_filters`` turns keyword filters into query parameters; ``JobPager`` pages through
``GET /jobs``: the jobs of a listing, or the jobs that are not final, unparsed (``ListedJob``),
for the triggers' shared poller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, TypedDict, Unpack

from airflow_quantum.clients.calls import Call
from airflow_quantum.clients.errors import BadResponseError, reject_unknown_keywords
from airflow_quantum.clients.ibm import models
from airflow_quantum.clients.ibm import validation as check
from airflow_quantum.clients.models import ListedJob

VENDOR = "IBM Quantum"


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


def job_filters(**filters: Unpack[JobFilters]) -> list[tuple[str, str]]:
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


def page_query(filters: list[tuple[str, str]], limit: int, offset: int) -> list[tuple[str, str]]:
    """``filters`` with the page's ``limit`` and ``offset`` (checked)."""
    return [
        *filters,
        ("limit", str(check.count(limit, "limit", minimum=1, maximum=check.MAX_PAGE_SIZE))),
        ("offset", str(check.count(offset, "offset"))),
    ]


class ListedPage(NamedTuple):
    """A page of ``GET /jobs`` left unparsed: its jobs and the server's ``count``."""

    jobs: list[ListedJob]
    count: int | None


@dataclass
class JobPager:
    """``GET /jobs`` page after page, as a ``calls.Pager``, for both faces.

    ``page(limit, offset)`` is the call of one page (an ``IBMJobPage`` or a ``ListedPage``).
    Stops at ``limit`` jobs (None: all), at a short page, at the server's ``count`` or after
    ``max_pages``; skips ids seen already (a job submitted while paging shifts a newest-first
    listing by one).
    """

    limit: int | None
    offset: int = 0
    page_size: int = check.MAX_PAGE_SIZE
    page: Callable[[int, int], Call[Any]] | None = None
    max_pages: int | None = None
    returned: int = 0
    pages: int = 0
    done: bool = False
    seen: set[str] = field(default_factory=set)

    def next_size(self) -> int | None:
        """The ``limit`` of the next page, or None when paging is over."""
        if self.done or (self.max_pages is not None and self.pages >= self.max_pages):
            return None
        if self.limit is None:
            return self.page_size
        remaining = self.limit - self.returned
        return min(self.page_size, remaining) if remaining > 0 else None

    def next_call(self) -> Call[list[Any]] | None:
        size = self.next_size()
        if size is None or self.page is None:
            return None
        return self.page(size, self.offset).then(lambda page: self.accept(page, size))

    def accept(self, page: models.IBMJobPage | ListedPage, asked: int) -> list[Any]:
        """The new jobs of ``page`` (fetched with limit ``asked``); advances the offset."""
        self.pages += 1
        self.offset += len(page.jobs)
        fresh = [job for job in page.jobs if job.id not in self.seen]
        if self.limit is not None:
            fresh = fresh[: self.limit - self.returned]
        self.seen.update(job.id for job in fresh)
        self.returned += len(fresh)
        if len(page.jobs) < asked or (page.count is not None and self.offset >= page.count):
            self.done = True
        return fresh


def listed_jobs(payload: Any) -> ListedPage:
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
    return ListedPage(
        listed, count if isinstance(count, int) and not isinstance(count, bool) else None
    )
