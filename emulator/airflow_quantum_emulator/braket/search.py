"""Search filters and page tokens shared by SearchQuantumTasks, SearchDevices and
SearchSpendingLimits: AWS's ``{name, values, operator}`` filters and an opaque ``nextToken``."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from pydantic import Field, StrictStr

from airflow_quantum_emulator.clock import parse_iso
from airflow_quantum_emulator.errors import VendorError

T = TypeVar("T")
OPERATORS = ("LT", "LTE", "EQUAL", "GT", "GTE", "BETWEEN")
#: A filter's name (``String64``) and values (1 to 10 ``String256``), the same in every search.
FilterName = Annotated[StrictStr, Field(min_length=1, max_length=64)]
FilterValues = Annotated[
    list[Annotated[StrictStr, Field(max_length=256)]], Field(min_length=1, max_length=10)
]


def matches(value: Any, operator: str, values: list[Any]) -> bool:
    """Whether ``value`` passes one filter (times compare as epoch seconds)."""
    if operator == "EQUAL":
        return value in values
    bound = values[0]
    if operator == "BETWEEN":
        if len(values) != 2:
            raise VendorError(400, "The BETWEEN operator takes exactly two values.")
        return values[0] <= value <= values[1]
    return {
        "LT": value < bound,
        "LTE": value <= bound,
        "GT": value > bound,
        "GTE": value >= bound,
    }[operator]


def as_time(text: Any) -> float:
    try:
        return parse_iso(str(text))
    except ValueError:
        raise VendorError(400, f"{text!r} is not an ISO 8601 timestamp.") from None


def page(
    items: Sequence[T], next_token: str | None, max_results: int | None, kind: str
) -> tuple[list[T], str | None]:
    """One page of ``items`` from ``next_token`` (an opaque offset) and the next page's token."""
    offset = 0
    if next_token:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(next_token.encode()))
            assert decoded["kind"] == kind
            offset = int(decoded["offset"])
        except Exception:
            raise VendorError(400, "The nextToken is not valid.") from None
    size = max_results or 100
    chunk = list(items[offset : offset + size])
    if offset + size >= len(items):
        return chunk, None
    token = base64.urlsafe_b64encode(
        json.dumps({"kind": kind, "offset": offset + size}).encode()
    ).decode()
    return chunk, token


def apply_filters(
    items: Sequence[T],
    filters: list[dict[str, Any]],
    fields: dict[str, Callable[[T], Any]],
    times: frozenset[str] = frozenset(),
) -> list[T]:
    """The ``items`` that pass every filter; ``fields`` reads a filter's name from an item."""
    selected = list(items)
    for spec in filters:
        name = spec["name"]
        if name not in fields:
            raise VendorError(
                400,
                f"Filter name {name!r} is not supported; use one of {', '.join(sorted(fields))}.",
            )
        operator = spec.get("operator") or "EQUAL"
        values = list(spec["values"])
        if name in times:
            values = [as_time(value) for value in values]
        elif operator != "EQUAL":
            raise VendorError(400, f"Filter {name!r} supports only the EQUAL operator.")
        read = fields[name]
        selected = [item for item in selected if matches(read(item), operator, values)]
    return selected
