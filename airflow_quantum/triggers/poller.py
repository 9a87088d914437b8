"""One poller per connection and event loop: a listing of pending jobs serves every wait.

Each round, the poller asks the vendor's list endpoint for all jobs that are not final (IBM
``GET /jobs?pending=true``, Azure ``GET /jobs`` with a ``State`` filter), page by page, and
sorts what it sees against the jobs it waits for:

- a job in the listing with the same status words as last time: nothing to do, its wait is
  not even woken (the steady state of 10,000 waits costs dictionary lookups);
- a job in the listing whose status changed: its wait gets the job (to log the change);
- a job not in the listing (it ended, it is gone, or the listing shifted while paged): its
  wait is told to confirm with one ``GET`` of the job, which gives the final state, the
  vendor's message, or the 404.

Jobs of other users and other triggerers in the listing are ignored. When the listing fails,
every wait that is due confirms its job itself that round, spread over the round's interval.

The round interval is the shortest interval any wait wants now (its own backoff at its age,
see ``waiting.interval_at_age``), with jitter; a service's ``Retry-After`` holds the next round
back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
from typing import Any

from airflow_quantum.clients.errors import QuantumError
from airflow_quantum.waiting import JITTER, LOOK, interval_at_age, spread, transient_pause

log = logging.getLogger(__name__)

#: The news that tells a wait to ``GET`` its job itself (the waiting loop's ``LOOK``).
CONFIRM = LOOK
#: Waits woken per event-loop turn: each wakes a coroutine (and maybe a log line or a
#: request); in batches, the loop keeps serving its other callbacks between them.
WAKE_BATCH = 100
#: Pages of one listing at most (IBM: 200 jobs a page). Jobs beyond are confirmed one by one.
MAX_LIST_PAGES = 200
#: A failing listing is logged on its first failure and then every this many in a row.
LOG_EVERY = 10


class Waiter:
    """One wait registered with a poller: its schedule and its mailbox (one news at most)."""

    __slots__ = (
        "_future",
        "_news",
        "confirm_after",
        "job_id",
        "max_poll_interval",
        "poll_interval",
        "poller",
        "started",
        "status",
    )

    def __init__(
        self, poller: SharedPoller, job_id: str, poll_interval: float, max_poll_interval: float
    ) -> None:
        self.poller = poller
        self.job_id = job_id
        self.poll_interval = poll_interval
        self.max_poll_interval = max_poll_interval
        self.started = asyncio.get_running_loop().time()
        #: The status words the last listing showed for the job (None: unknown).
        self.status: tuple[Any, ...] | None = None
        #: Loop time before which the job is not confirmed again (one GET per interval).
        self.confirm_after = 0.0
        self._future: asyncio.Future[Any] | None = None
        self._news: Any = None

    def interval(self, now: float) -> float:
        return interval_at_age(self.poll_interval, self.max_poll_interval, now - self.started)

    async def next(self, timeout: float | None) -> Any:
        """The next news: a job model, ``CONFIRM``, or None once ``timeout`` seconds passed."""
        if self._news is not None:
            news, self._news = self._news, None
        else:
            loop = asyncio.get_running_loop()
            future = self._future = loop.create_future()
            timer = None if timeout is None else loop.call_later(timeout, _settle, future, None)
            try:
                news = await future
            finally:
                self._future = None
                if timer is not None:
                    timer.cancel()
        if isinstance(news, BaseException):
            raise news  # the poller itself broke: the wait must fail loudly, not hang
        return news

    def deliver(self, news: Any) -> None:
        future = self._future
        if future is not None and not future.done():
            future.set_result(news)
        else:
            self._news = news  # the wait is busy with the previous news: it reads this next


async def _paced(woken: int) -> int:
    """Count one more wait woken; after every ``WAKE_BATCH``, let the loop breathe."""
    woken += 1
    if woken % WAKE_BATCH == 0:
        await asyncio.sleep(0)
    return woken


def _settle(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


class SharedPoller:
    """Serves every wait of one connection in one event loop with one listing per round.

    :param hook: the scope's hook; its async client (``aclient()``) lists the pending jobs
        (``pending_job_pages``) and reads them (``job_from_listing``).
    :param vendor: the vendor's name, for log lines.
    """

    def __init__(self, hook: Any, vendor: str) -> None:
        self.hook = hook
        self.vendor = vendor
        self._client: Any = None
        self._waiters: dict[str, list[Waiter]] = {}
        self._task: asyncio.Task[None] | None = None
        self._next_round = math.inf
        self._not_before = 0.0
        self._alarm: asyncio.Future[None] | None = None
        self._failures = 0
        #: Rounds run, and rounds whose listing failed (for tests and diagnostics).
        self.rounds = 0
        self.failed_rounds = 0

    def __len__(self) -> int:
        return sum(len(waiters) for waiters in self._waiters.values())

    # ------------------------------------------------------------------- waits come and go

    def register(self, job_id: str, poll_interval: float, max_poll_interval: float) -> Waiter:
        """Start serving a wait for ``job_id``; it hears first within ``poll_interval``."""
        loop = asyncio.get_running_loop()
        waiter = Waiter(self, job_id, poll_interval, max_poll_interval)
        self._waiters.setdefault(job_id, []).append(waiter)
        now = loop.time()
        if self._next_round > now + poll_interval:
            # As a wait polling on its own: the first look at a random moment of its first
            # interval, so waits that start together (a triggerer restart) do not pile up.
            self._next_round = now + random.uniform(0, poll_interval)
            self._ring()
        if self._task is None:
            self._task = loop.create_task(self._run())
        return waiter

    def unregister(self, waiter: Waiter) -> None:
        waiters = self._waiters.get(waiter.job_id)
        if waiters is not None and waiter in waiters:
            waiters.remove(waiter)
            if not waiters:
                del self._waiters[waiter.job_id]
        if not self._waiters:
            self._ring()  # nobody left: the poller stops

    def hold(self, seconds: float) -> None:
        """The service asked for a pause (``Retry-After``): no request before it has passed."""
        if seconds > 0:
            until = asyncio.get_running_loop().time() + seconds
            self._not_before = max(self._not_before, until)

    def pause_left(self) -> float:
        """Seconds until the pause the service asked for is over (0: none)."""
        return max(0.0, self._not_before - asyncio.get_running_loop().time())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # ------------------------------------------------------------------------------ rounds

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._waiters:
                await self._sleep_until_round()
                if not self._waiters:
                    break
                started = loop.time()
                self._next_round = math.inf  # waits registering during the round may set it
                await self._round()
                if self._waiters:
                    interval = min(
                        waiter.interval(started)
                        for waiters in self._waiters.values()
                        for waiter in waiters
                    )
                    self._next_round = min(self._next_round, started + spread(interval))
        except Exception as exc:  # a bug: every wait fails with it rather than wait forever
            log.exception("%s: the shared poller stopped", self.vendor)
            for waiters in self._waiters.values():
                for waiter in waiters:
                    waiter.deliver(RuntimeError(f"the shared poller stopped: {exc!r}"))
            raise
        finally:
            if self._task is asyncio.current_task():
                self._task = None

    async def _sleep_until_round(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiters:
            delay = max(self._next_round, self._not_before) - loop.time()
            if delay <= 0:
                return
            alarm = self._alarm = loop.create_future()
            timer = loop.call_later(delay, _settle, alarm, None)
            try:
                await alarm
            finally:
                timer.cancel()
                self._alarm = None

    def _ring(self) -> None:
        if self._alarm is not None:
            _settle(self._alarm, None)

    async def _round(self) -> None:
        self.rounds += 1
        wanted = set(self._waiters)
        try:
            listed = await self._list(wanted)
        except QuantumError as exc:  # also e.g. a role that may read jobs but not list them
            self.hold(transient_pause(exc) or 0.0)
            self._listing_failed(exc)
            self._fall_back(wanted)
            return
        if self._failures:
            log.info("%s: the job listing works again", self.vendor)
            self._failures = 0
        await self._sort(wanted, listed)

    async def _list(self, wanted: set[str]) -> dict[str, Any]:
        """The listed jobs among ``wanted``; stops paging once all of them were seen."""
        missing = set(wanted)
        found: dict[str, Any] = {}
        self._client = client = await self.hook.aclient()
        # What the listing must cover to see the wanted jobs (Braket: the regions they live in).
        scope = client.listing_scope(wanted)
        pages = client.pending_job_pages(max_pages=MAX_LIST_PAGES, **scope)
        async with contextlib.aclosing(pages):
            async for page in pages:
                for listed in page:
                    if listed.id in missing:
                        missing.discard(listed.id)
                        found[listed.id] = listed
                if not missing:
                    break
        return found

    async def _sort(self, wanted: set[str], listed: dict[str, Any]) -> None:
        """Tell each wait what the listing means for it (see the module's docstring)."""
        now = asyncio.get_running_loop().time()
        woken = 0
        for job_id in wanted:
            item = listed.get(job_id)
            job: Any = None
            for waiter in list(self._waiters.get(job_id, ())):
                if item is not None:
                    if waiter.status == item.status:
                        continue
                    if job is None:
                        job = self._job(item)
                    if job is not CONFIRM:
                        waiter.status = item.status
                        waiter.deliver(job)
                        woken = await _paced(woken)
                        continue
                if now < waiter.confirm_after:
                    continue
                waiter.deliver(self._confirm(waiter, now))
                woken = await _paced(woken)

    def _job(self, item: Any) -> Any:
        """The listed job's model; ``CONFIRM`` when it reads as final or cannot be read."""
        try:
            job = self._client.job_from_listing(item)
        except QuantumError:
            return CONFIRM
        # A final state is only believed from the job itself (with its message).
        return CONFIRM if job.state.is_final else job

    @staticmethod
    def _confirm(waiter: Waiter, now: float) -> str:
        waiter.confirm_after = now + waiter.interval(now) * (1 - JITTER)
        waiter.status = None  # after its own GET, the next listing tells it again
        return CONFIRM

    def _fall_back(self, wanted: set[str]) -> None:
        """The listing failed: each due wait confirms its job, spread over the interval."""
        self.failed_rounds += 1
        loop = asyncio.get_running_loop()
        now = loop.time()
        due = [
            waiter
            for job_id in wanted
            for waiter in self._waiters.get(job_id, ())
            if now >= waiter.confirm_after
        ]
        if not due:
            return
        window = min(waiter.interval(now) for waiter in due)
        pause = max(0.0, self._not_before - now)
        for waiter in due:
            self._confirm(waiter, now)
            loop.call_later(pause + random.uniform(0, window), waiter.deliver, CONFIRM)

    def _listing_failed(self, exc: QuantumError) -> None:
        self._failures += 1
        if self._failures == 1 or self._failures % LOG_EVERY == 0:
            log.warning(
                "%s: listing the pending jobs failed (%s); each job is polled on its own "
                "this round",
                self.vendor,
                exc,
            )
