"""Execution windows: when a device runs tasks (UTC). A task created outside them stays CREATED.

A window is ``{"executionDay", "windowStartHour", "windowEndHour"}`` as in the device schema:
the day is ``Everyday``, ``Weekdays``, ``Weekend`` or a weekday's name; the hours are ``HH:MM``
(or ``HH:MM:SS``), the end minute included; an end before the start runs past midnight.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_NAMES = ("Everyday", "Weekdays", "Weekend", *_DAYS)


def _seconds(hour: str) -> int:
    parts = [int(part) for part in hour.split(":")]
    hours, minutes, seconds = ([*parts, 0, 0])[:3]
    if not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 60):
        raise ValueError(f"{hour!r} is not an hour of the day (HH:MM)")
    return hours * 3600 + minutes * 60 + seconds


def validate_window(window: dict[str, str]) -> None:
    """Raise ``ValueError`` for a window the schema would refuse."""
    if window.get("executionDay") not in DAY_NAMES:
        raise ValueError(f"executionDay must be one of {', '.join(DAY_NAMES)}")
    _seconds(str(window.get("windowStartHour", "")))
    _seconds(str(window.get("windowEndHour", "")))


def _day_matches(day: str, weekday: int) -> bool:
    if day == "Everyday":
        return True
    if day == "Weekdays":
        return weekday < 5
    if day == "Weekend":
        return weekday >= 5
    return _DAYS[weekday] == day


def _spans(window: dict[str, str], midnight: datetime) -> list[tuple[float, float]]:
    """The window's open spans (epoch seconds) that start on the day of ``midnight``."""
    if not _day_matches(window["executionDay"], midnight.weekday()):
        return []
    start = _seconds(window["windowStartHour"])
    end = _seconds(window["windowEndHour"]) + 60  # the end minute is part of the window
    if end <= start:
        end += 86400
    base = midnight.timestamp()
    return [(base + start, base + end)]


def next_open(
    windows: tuple[dict[str, str], ...] | list[dict[str, str]], now: float
) -> float | None:
    """``now`` if a window is open at ``now``, else when the next one opens (None: never)."""
    if not windows:
        return None
    today = datetime.fromtimestamp(now, tz=timezone.utc).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    best: float | None = None
    for offset in range(-1, 8):
        midnight = today + timedelta(days=offset)
        for window in windows:
            for start, end in _spans(window, midnight):
                if start <= now < end:
                    return now
                if start > now and (best is None or start < best):
                    best = start
    return best
