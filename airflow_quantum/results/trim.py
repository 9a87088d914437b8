"""Cutting a result down to a size XCom can hold, keeping what matters most."""

from __future__ import annotations

import json
from typing import Any


def shrink_for_xcom(result: Any, max_bytes: int) -> tuple[Any, bool]:
    """The result, or a trimmed copy (longest lists and dicts cut) when its JSON is too big.

    A trimmed dict says ``"truncated": true``. When even a one-item-per-collection copy is too
    big (one huge string, say), a small stub ``{"truncated": true, "message": ...}`` replaces
    it: what goes to XCom is always at most ``max_bytes`` of JSON.
    """
    if _size(result) <= max_bytes:
        return result, False
    keep = 4096
    while keep >= 1:
        trimmed = _trim(result, keep)
        if isinstance(trimmed, dict):
            trimmed = {**trimmed, "truncated": True}
        if _size(trimmed) <= max_bytes:
            return trimmed, True
        keep //= 4
    return {
        "truncated": True,
        "message": f"the result is larger than {max_bytes} bytes of JSON even when trimmed",
    }, True


def _size(value: Any) -> int:
    return len(json.dumps(value, default=str))


def _trim(value: Any, keep: int) -> Any:
    if isinstance(value, dict):
        if len(value) > keep:
            items = list(value.items())
            if all(isinstance(v, int | float) for _, v in items):
                items.sort(key=lambda item: item[1], reverse=True)  # keep the largest counts
            value = dict(items[:keep])
        return {key: _trim(item, keep) for key, item in value.items()}
    if isinstance(value, list):
        return [_trim(item, keep) for item in value[:keep]]
    return value
