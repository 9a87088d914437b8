"""Braket's searches (``SearchQuantumTasks``, ``SearchDevices``, ``SearchSpendingLimits``): a
``POST`` of filters, paged by ``nextToken``; filters checked before anything is sent."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from airflow_quantum.clients.calls import Call
from airflow_quantum.clients.errors import InvalidInputError

#: Most items one search page gives; most filters, and values of one filter, one search takes.
MAX_RESULTS = 100
MAX_FILTERS = 10
MAX_VALUES = 10
MAX_VALUE_LENGTH = 256
TASK_FILTER_NAMES = ("quantumTaskArn", "deviceArn", "jobArn", "status", "createdAt")
OPERATORS = ("LT", "LTE", "EQUAL", "GT", "GTE", "BETWEEN")


def task_filter(name: str, values: Any, operator: str = "EQUAL") -> dict[str, Any]:
    """One ``SearchQuantumTasks`` filter (``createdAt`` values may be datetimes)."""
    if name not in TASK_FILTER_NAMES:
        raise InvalidInputError(f"a task filter's name is one of {', '.join(TASK_FILTER_NAMES)}")
    if operator not in OPERATORS:
        raise InvalidInputError(f"a task filter's operator is one of {', '.join(OPERATORS)}")
    if isinstance(values, str | datetime):
        items = [values]
    elif isinstance(values, list | tuple):
        items = list(values)
    else:
        raise InvalidInputError(f"a filter's values are a string or a list, got {values!r:.40}")
    if not 1 <= len(items) <= MAX_VALUES:
        raise InvalidInputError(f"a filter takes 1 to {MAX_VALUES} values, got {len(items)}")
    texts = [_text(value) for value in items]
    return {"name": name, "operator": operator, "values": texts}


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidInputError("createdAt filter values must be timezone-aware")
        return value.isoformat()
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_VALUE_LENGTH:
        raise InvalidInputError(
            f"filter values must be strings of 1 to {MAX_VALUE_LENGTH} characters, "
            f"got {value!r:.40}"
        )
    return value


def checked_filters(filters: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    listed = list(filters)
    if len(listed) > MAX_FILTERS:
        raise InvalidInputError(f"a search takes at most {MAX_FILTERS} filters")
    return listed


def page_size(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_RESULTS:
        raise InvalidInputError(f"page_size must be 1 to {MAX_RESULTS}, got {value!r:.20}")
    return value


class TokenPager:
    """The pages of a search, one after the other: each call's answer names the next page's
    token. ``page(token)`` builds the call of a page, whose value is ``(items, next_token)``.
    Stops when there is no next token, or after ``max_pages``."""

    def __init__(
        self,
        page: Callable[[str | None], Call[tuple[list[Any], str | None]]],
        max_pages: int | None = None,
    ) -> None:
        self.page = page
        self.max_pages = max_pages
        self.pages = 0
        self.token: str | None = None
        self.done = False

    def next_call(self) -> Call[list[Any]] | None:
        if self.done or (self.max_pages is not None and self.pages >= self.max_pages):
            return None
        self.pages += 1
        return self.page(self.token).then(self._accept)

    def _accept(self, page: tuple[list[Any], str | None]) -> list[Any]:
        items, self.token = page
        self.done = not self.token
        return items


class ChainedPager:
    """Several pagers read one after the other (the same search in several regions)."""

    def __init__(self, pagers: Sequence[Any]) -> None:
        self.pagers = list(pagers)

    def next_call(self) -> Call[list[Any]] | None:
        while self.pagers:
            call = self.pagers[0].next_call()
            if call is not None:
                return call
            self.pagers.pop(0)
        return None
