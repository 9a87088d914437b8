"""No resume before the scheduler has heard that the deferring attempt ended.

A deferring task process exits right after its deferral is recorded, and the executor reports
that exit ("success") to the scheduler a little later. If the trigger fires before the scheduler
has processed that report, the task can be resumed first: the stale "success" then meets a task
instance that is queued or running again, and the scheduler marks it failed ("Executor reported
that the task instance ... finished with state success, but the task instance's state attribute
is running"), although its job succeeded. This is an Airflow race (apache/airflow#71580 and
#72716, the RUNNING variant, open as of Airflow 3.3.2; #66374 and #67287 fixed the SCHEDULED and
QUEUED ones). Quick jobs hit it: simulators, small circuits, cached results.

So a trigger holds its event until ``[quantum] min_deferral_seconds`` have passed since the task
deferred (the ``deferred_at`` timestamp the task puts in the trigger's kwargs). A job that ends
later than that costs nothing; one that ends sooner resumes its task that much later. See
docs/reliability.md for the measurements behind the default.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from airflow.sdk import conf
from airflow.sdk.exceptions import AirflowConfigException

SECTION = "quantum"
OPTION = "min_deferral_seconds"
#: Default of ``[quantum] min_deferral_seconds`` (see docs/reliability.md for the figures).
DEFAULT_MIN_DEFERRAL_SECONDS = 20.0


def min_deferral_seconds() -> float:
    """``[quantum] min_deferral_seconds``: how long after deferring a task may resume at the
    earliest (0 turns the hold off; a negative or unreadable value counts as the default)."""
    try:
        value = conf.getfloat(SECTION, OPTION, fallback=DEFAULT_MIN_DEFERRAL_SECONDS)
    except (AirflowConfigException, TypeError, ValueError):
        return DEFAULT_MIN_DEFERRAL_SECONDS
    return value if value >= 0 else DEFAULT_MIN_DEFERRAL_SECONDS


def hold_left(deferred_at: float | None, minimum: float, now: float | None = None) -> float:
    """Seconds an event must still wait: ``deferred_at + minimum - now``, within [0, minimum].

    No ``deferred_at`` (a trigger serialized by an older version): no hold. The cap at
    ``minimum`` keeps a worker clock that runs ahead of the triggerer's from stretching it.
    """
    if deferred_at is None or minimum <= 0:
        return 0.0
    now = time.time() if now is None else now
    return min(minimum, max(0.0, deferred_at + minimum - now))


async def hold_until_drained(deferred_at: float | None, log: Any, what: str) -> float:
    """Sleep (on the event loop, without blocking it) until the event may go out.

    Returns the seconds held. Cancelling the trigger (the task was killed or marked failed)
    interrupts the sleep like any other await.
    """
    left = hold_left(deferred_at, min_deferral_seconds())
    if left > 0:
        log.info(
            "%s resumes its task in %.1f s, not sooner after its deferral "
            "([quantum] %s, an Airflow race: see docs/reliability.md)",
            what,
            left,
            OPTION,
        )
        await asyncio.sleep(left)
    return left
