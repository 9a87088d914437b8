"""Timezone-aware timestamps from either vendor's strings (7-digit fractions included)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import pendulum

_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_timestamp(value: Any) -> pendulum.DateTime | None:
    """Parse ``2021-05-01T01:41:59.9498516+00:00`` / ``...Z`` / epoch seconds into pendulum.

    Naive times are taken as UTC. Returns None for None or an empty string.
    """
    if value is None or value == "":
        return None
    if isinstance(value, pendulum.DateTime):
        return value
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return pendulum.instance(moment)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return pendulum.from_timestamp(float(value), tz="UTC")
        except (OverflowError, OSError, ValueError):
            # Out of the platform's range (or NaN/inf): a ValueError, so that pydantic reports
            # it as a validation error instead of letting an OverflowError escape.
            raise ValueError(f"not a timestamp: {value!r:.40}") from None
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {value!r:.40}")
    text = _FRACTION.sub(r"\1", value.strip())
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = pendulum.parse(value.strip(), tz="UTC")
        except (ValueError, TypeError, OverflowError):
            parsed = None
        if not isinstance(parsed, pendulum.DateTime):
            raise ValueError(f"not a timestamp: {value!r:.40}") from None
        return parsed
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return pendulum.instance(moment)
