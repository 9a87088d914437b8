"""When a request is tried again, and how long after: the vendors' retry policies as data.

``decide`` is the one rule both transports follow after each attempt: a 401 refreshes the
token once; a connection that never opened, or a request safe to repeat that got no answer, is
retried; an answer is retried when its status is in the policy, ``Retry-After`` permitting, and
a non-idempotent request (POST, PATCH) only on the statuses the vendor documents as safe.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow_quantum.clients.transport import Request


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before trying a request again."""

    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_factor: float = 2.0
    backoff_max: float = 60.0
    jitter: float = 0.5
    max_retry_after: float = 300.0
    retry_statuses: frozenset[int] = frozenset({408, 429, 500, 502, 503, 504})
    #: Statuses on which a non-idempotent request (POST/PATCH) may be sent again.
    unsafe_retry_statuses: frozenset[int] = frozenset({500, 503, 504})
    #: Whether a non-idempotent request may be retried on any status that carries Retry-After.
    unsafe_retry_with_retry_after: bool = True
    #: Statuses retried only when the answer says when (``Retry-After``), e.g. IBM's 429/413.
    retry_after_required: frozenset[int] = frozenset()
    connect_timeout: float = 10.0
    read_timeout: float = 60.0

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Exponential backoff for retry number ``attempt`` (1-based), with +/- jitter."""
        delay = min(self.backoff_max, self.backoff_base * self.backoff_factor ** (attempt - 1))
        spread = (rng or random).uniform(-self.jitter, self.jitter)
        return max(0.0, delay * (1 + spread))


@dataclass(frozen=True)
class Decision:
    """What to do after one attempt."""

    retry: bool
    delay: float = 0.0
    refresh_auth: bool = False


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or HTTP date) or ``retry-after-ms``."""
    lowered = {key.lower(): value for key, value in headers.items()}
    if "retry-after-ms" in lowered:
        try:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


def decide(
    policy: RetryPolicy,
    request: Request,
    attempt: int,
    *,
    status: int | None,
    headers: Mapping[str, str] | None = None,
    connect_error: bool = False,
    auth_refreshed: bool = False,
    auth_refreshable: bool = False,
    rng: random.Random | None = None,
) -> Decision:
    """Whether attempt number ``attempt`` (1-based) should be followed by another."""
    if status == 401 and auth_refreshable and not auth_refreshed:
        return Decision(retry=True, refresh_auth=True)
    if attempt > policy.max_retries:
        return Decision(retry=False)
    if status is None:
        # No answer: a connection that never opened is always safe to retry.
        if connect_error or request.safe_to_repeat:
            return Decision(retry=True, delay=policy.backoff(attempt, rng))
        return Decision(retry=False)
    if status not in policy.retry_statuses:
        return Decision(retry=False)
    retry_after = parse_retry_after(headers or {})
    if retry_after is None and status in policy.retry_after_required:
        return Decision(retry=False)
    if not request.safe_to_repeat:
        allowed = status in policy.unsafe_retry_statuses or (
            retry_after is not None and policy.unsafe_retry_with_retry_after
        )
        if not allowed:
            return Decision(retry=False)
    if retry_after is not None:
        if retry_after > policy.max_retry_after:
            return Decision(retry=False)
        return Decision(retry=True, delay=retry_after)
    return Decision(retry=True, delay=policy.backoff(attempt, rng))
