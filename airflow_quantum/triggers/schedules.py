"""When a trigger's wait looks at its job next: on its own, or when the shared poller has news.

Both schedules answer ``next()`` with the news of the next turn: ``LOOK`` (``GET`` the job
now), a job model the shared listing delivered, or None when the wait's deadline came first.
The waiting loop (``waiting.await_until``) is the same for both.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from airflow_quantum.triggers.poller import SharedPoller, Waiter
from airflow_quantum.waiting import LOOK, Pacing

#: Per-job polling: one ``GET`` of the job per interval, the interval growing ×1.5.
OwnPolls = Pacing


class SharedPolls:
    """Shared polling: the connection's poller says when there is news for this job."""

    __slots__ = ("deadline", "waiter")

    def __init__(
        self,
        poller: SharedPoller,
        job_id: str,
        poll_interval: float,
        max_poll_interval: float,
        deadline: float | None,
    ) -> None:
        self.deadline = deadline
        self.waiter: Waiter = poller.register(job_id, poll_interval, max_poll_interval)

    async def next(self) -> Any:
        news = await self.waiter.next(self._left())
        pause = self.waiter.poller.pause_left()
        if news is LOOK and pause > 0:
            # The service asked for a pause (Retry-After) after this news was posted.
            left = self._left()
            await asyncio.sleep(pause if left is None else min(pause, left))
        return news

    def _left(self) -> float | None:
        return None if self.deadline is None else max(0.0, self.deadline - time.time())

    def back_off(self, seconds: float) -> None:
        """The service asked for a pause: the whole connection's poller holds back."""
        self.waiter.poller.hold(seconds)

    def saw_error(self) -> None:
        """A request failed: let the next listing wake this wait even if nothing changed."""
        self.waiter.status = None

    def close(self) -> None:
        self.waiter.poller.unregister(self.waiter)
