"""A trigger that measures its own event loop: deferred beside the others in a real triggerer.

``LoopLagTrigger`` never fires. It sleeps ``period`` seconds again and again and records how
late each wake-up was (the loop's lag, as every coroutine in that loop feels it); every
``flush_every`` seconds it appends the lags since the last flush to ``path`` (one JSON line:
wall time and lags in ms), in a worker thread so that the file write never blocks the loop it
measures. The benchmark reads the file after stopping the triggerer.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent


def _append(path: str, line: str) -> None:
    with open(path, "a") as out:
        out.write(line + "\n")


class LoopLagTrigger(BaseTrigger):
    """Samples the lateness of ``asyncio.sleep(period)`` in the loop it runs in."""

    def __init__(self, path: str, period: float = 0.05, flush_every: float = 0.5) -> None:
        super().__init__()
        self.path = path
        self.period = period
        self.flush_every = flush_every

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {"path": self.path, "period": self.period, "flush_every": self.flush_every},
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        loop = asyncio.get_running_loop()
        lags: list[float] = []
        flushed = loop.time()
        while True:
            before = loop.time()
            await asyncio.sleep(self.period)
            after = loop.time()
            lags.append(round((after - before - self.period) * 1e3, 2))
            if after - flushed >= self.flush_every:
                line = json.dumps({"time": time.time(), "lags_ms": lags})
                lags, flushed = [], after
                await asyncio.to_thread(_append, self.path, line)
        yield TriggerEvent(None)  # never reached: the benchmark stops the triggerer


def read_lags(path: str, since: float, until: float) -> list[float]:
    """The lags (ms) flushed between wall times ``since`` and ``until``."""
    lags: list[float] = []
    try:
        with open(path) as source:
            for line in source:
                record = json.loads(line)
                if since <= record["time"] <= until:
                    lags.extend(record["lags_ms"])
    except FileNotFoundError:
        pass
    return lags
