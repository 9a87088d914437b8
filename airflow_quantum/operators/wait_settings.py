"""How a task waits for its job: the wait arguments every waiting task takes, checked once.

An operator, a sweep and a sensor each take ``deferrable``, a first polling interval, its cap
and a ``timeout``; :class:`WaitSettings` parses them the same way for all three, and answers
what they then ask: how long to look on the worker before deferring (``[quantum]
defer_after_seconds``, :meth:`WaitSettings.first_look`), how much of the timeout is left, the
backoff of a wait on the worker.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, TypeVar

from airflow.sdk import conf
from airflow.sdk.exceptions import AirflowConfigException

from airflow_quantum import waiting
from airflow_quantum.clients.errors import InvalidInputError

T = TypeVar("T")

#: Default of ``[quantum] defer_after_seconds``: as long as the minimum deferral
#: (``[quantum] min_deferral_seconds``), so that no job waits longer than it did before: one
#: that ends within it is seen on the worker, one that ends later pays at most that hold.
DEFAULT_DEFER_AFTER_SECONDS = 20.0


def default_deferrable() -> bool:
    """``[operators] default_deferrable`` from the Airflow config (False when unset)."""
    return conf.getboolean("operators", "default_deferrable", fallback=False)


def defer_after_seconds() -> float:
    """``[quantum] defer_after_seconds``: how long a deferrable task waits for its job on the
    worker before it defers (0: defer after one look; negative or unreadable: default)."""
    try:
        value = conf.getfloat(
            "quantum", "defer_after_seconds", fallback=DEFAULT_DEFER_AFTER_SECONDS
        )
    except (AirflowConfigException, TypeError, ValueError):
        return DEFAULT_DEFER_AFTER_SECONDS
    return value if 0 <= value < math.inf else DEFAULT_DEFER_AFTER_SECONDS


def seconds(value: float | timedelta | None, name: str, *, required: bool = False) -> float | None:
    """A duration given as seconds or a timedelta, checked (``InvalidInputError`` naming it).

    ``None`` passes through (no limit) unless ``required``.
    """
    if value is None and not required:
        return None
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise InvalidInputError(
            f"{name} must be a positive number of seconds or a timedelta, not {value!r:.40}"
        )
    return float(value)


@dataclass(frozen=True)
class WaitSettings:
    """A task's wait, checked: where it waits, how often it looks, for how long.

    :param deferrable: wait in the triggerer (after the first look) or on the worker.
    :param poll_interval: first pause between looks, in seconds; it grows to
        ``max_poll_interval`` (never below ``poll_interval``).
    :param timeout: seconds the whole wait may take (None: no limit).
    """

    deferrable: bool
    poll_interval: float
    max_poll_interval: float
    timeout: float | None

    @classmethod
    def of(
        cls,
        *,
        deferrable: bool | None,
        poll_interval: float | timedelta,
        max_poll_interval: float | timedelta,
        timeout: float | timedelta | None,
        poll_name: str = "poll_interval",
    ) -> WaitSettings:
        """The settings from a task's arguments (``deferrable`` None: ``[operators]
        default_deferrable``); ``InvalidInputError`` names a bad one (``poll_interval`` by
        ``poll_name``: a sensor's is ``poke_interval``)."""
        first = seconds(poll_interval, poll_name, required=True)
        cap = seconds(max_poll_interval, "max_poll_interval", required=True)
        return cls(
            deferrable=default_deferrable() if deferrable is None else bool(deferrable),
            poll_interval=first,
            # The cap is never below the first wait (as in the trigger), or waits would shrink.
            max_poll_interval=max(cap, first),
            timeout=seconds(timeout, "timeout"),
        )

    def polling_at_least(self, interval: float) -> WaitSettings:
        """The same settings, looking no more often than every ``interval`` seconds (e.g. what
        a device asks for)."""
        if interval <= self.poll_interval:
            return self
        return replace(
            self, poll_interval=interval, max_poll_interval=max(self.max_poll_interval, interval)
        )

    def defer_after(self) -> float:
        """Seconds to look on the worker before deferring: ``[quantum] defer_after_seconds``
        for a deferrable task, at most half its ``timeout`` (the deadline stays the trigger's
        to enforce); 0 (one look) for a task that waits on the worker anyway."""
        bound = defer_after_seconds() if self.deferrable else 0.0
        if self.timeout is not None:
            bound = min(bound, self.timeout / 2)
        return bound

    def first_look(
        self,
        fetch: Callable[[], T],
        done: Callable[[T], bool],
        *,
        watch: waiting.Watch,
        seen: Callable[[T], None] | None = None,
    ) -> T | None:
        """The look before waiting (``waiting.first_look`` for :meth:`defer_after` seconds):
        a quick job ends the task without a deferral, so without the minimum deferral's hold
        (``airflow_quantum.triggers.hold``). None: only transient faults were met."""
        return waiting.first_look(
            fetch,
            done,
            within=self.defer_after(),
            poll_interval=self.poll_interval,
            max_poll_interval=self.max_poll_interval,
            watch=watch,
            seen=seen,
        )

    def time_left(self, started: float) -> float | None:
        """Seconds of ``timeout`` left since ``started`` (``time.monotonic``; None: no limit)."""
        if self.timeout is None:
            return None
        return max(0.0, self.timeout - (time.monotonic() - started))

    def backoff(self) -> waiting.Backoff:
        """The growing pause of a wait on the worker."""
        return waiting.Backoff(self.poll_interval, self.max_poll_interval)

    def trigger_kwargs(self, timeout: float | None) -> dict[str, Any]:
        """The wait's part of the arguments of ``triggers.base.wait_trigger``: the
        intervals, and ``timeout`` (what is left of the task's)."""
        return {
            "poll_interval": self.poll_interval,
            "max_poll_interval": self.max_poll_interval,
            "timeout": timeout,
        }


class DeferrableAttribute:
    """``task.deferrable``, as Airflow's own deferrable operators have it, read from and set
    into the task's :class:`WaitSettings` (``waits``), so that there is one place it lives."""

    def __get__(self, task: Any, owner: type | None = None) -> Any:
        if task is None:
            return self
        return task.waits.deferrable

    def __set__(self, task: Any, value: bool) -> None:
        task.waits = replace(task.waits, deferrable=bool(value))
