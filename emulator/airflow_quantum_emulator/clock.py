"""The emulator's clock: wall time plus an offset that tests can advance."""

from __future__ import annotations

import time
from datetime import datetime, timezone


class Clock:
    """Wall-clock time in epoch seconds, which ``advance`` moves forward (never back)."""

    def __init__(self) -> None:
        self._offset = 0.0

    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds

    def reset(self) -> None:
        self._offset = 0.0


def iso_utc(epoch: float | None, digits: int = 7, suffix: str = "Z") -> str | None:
    """Render epoch seconds as ISO 8601 UTC with ``digits`` fractional digits.

    Azure answers with 7 digits (``2021-05-01T01:41:59.9498516+00:00``), IBM with 3 or 6 and ``Z``.
    """
    if epoch is None:
        return None
    scale = 10**digits
    seconds, fraction = divmod(round(epoch * scale), scale)
    base = datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        base = f"{base}.{fraction:0{digits}d}"
    return base + suffix


def parse_iso(value: str) -> float:
    """Parse an ISO 8601 timestamp (any fraction length, ``Z`` or offset) to epoch seconds."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if "." in text:
        head, rest = text.split(".", 1)
        digits = ""
        for ch in rest:
            if not ch.isdigit():
                break
            digits += ch
        tail = rest[len(digits) :]
        text = f"{head}.{(digits + '000000')[:6]}{tail}"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()
