"""One triggerer-like process: N vendor triggers as bare coroutines in one event loop.

    python -m benchmarks.trigger_worker JOBS.json --poll-interval 5 --max-poll-interval 60

Reads ``{"ibm": [...], "azure": [...]}``, runs one ``IBMQuantumJobTrigger`` or
``AzureQuantumJobTrigger`` per job until each yields its event, with a ticker measuring the
event loop's lag, and prints one JSON line: RSS before and at peak, CPU seconds, lag, and each
event's status and wall-clock time.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import time
from typing import Any

from benchmarks.support import (
    AZURE_CONN_ID,
    IBM_CONN_ID,
    GcPauses,
    LagTicker,
    cpu_seconds,
    peak_rss_mb,
    rss_mb,
    summary,
)


async def _first_event(trigger: Any) -> tuple[dict[str, Any], float]:
    async for event in trigger.run():
        return event.payload, time.time()
    raise RuntimeError(f"trigger for {trigger.job_id} ended without an event")


async def _start_all(triggers: list[tuple[str, Any]]) -> list[asyncio.Task[Any]]:
    """One task per trigger, yielding to the loop after each, as Airflow's triggerer does."""
    tasks = []
    for _, trigger in triggers:
        tasks.append(asyncio.create_task(_first_event(trigger)))
        await asyncio.sleep(0)
    return tasks


async def wait_all(triggers: list[tuple[str, Any]]) -> dict[str, Any]:
    ticker = LagTicker()
    ticking = asyncio.create_task(ticker.run())
    started = time.time()
    with GcPauses() as gc_pauses:
        outcomes = await asyncio.gather(*await _start_all(triggers))
    ticking.cancel()
    events: dict[str, list[tuple[str, float]]] = {"ibm": [], "azure": []}
    for (vendor, _), (payload, at) in zip(triggers, outcomes, strict=True):
        events[vendor].append((payload["status"], at))
    return {
        "started_at": started,
        "finished_at": time.time(),
        "lag_ms": {
            k: v * 1e3 if v is not None else None for k, v in summary(ticker.overshoots).items()
        },
        "lag_spikes": sorted(ticker.spikes, key=lambda spike: -spike[1])[:10],
        "gc_pauses": gc_pauses.summary(),
        "events": events,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("jobs")
    parser.add_argument("--poll-interval", type=float, default=5.0)
    parser.add_argument("--max-poll-interval", type=float, default=60.0)
    parser.add_argument(
        "--per-job", action="store_true", help="per-job polling (shared_polling=False)"
    )
    args = parser.parse_args(argv)
    # Import everything a triggerer has loaded before its first trigger: the baseline RSS.
    from airflow_quantum.triggers.azure_quantum import AzureQuantumJobTrigger
    from airflow_quantum.triggers.ibm_quantum import IBMQuantumJobTrigger

    with open(args.jobs) as source:
        jobs = json.load(source)
    if os.environ.get("BENCH_GC_FREEZE"):
        # Diagnosis only (docs/performance.md): move the start-up heap out of the collector's
        # reach, as Airflow's DAG processor does for itself, to see what full passes cost.
        gc.freeze()
    rss_before = rss_mb()
    cpu_before = cpu_seconds()
    options = {
        "poll_interval": args.poll_interval,
        "max_poll_interval": args.max_poll_interval,
        "shared_polling": not args.per_job,
    }
    triggers = [
        ("ibm", IBMQuantumJobTrigger(IBM_CONN_ID, job_id, **options)) for job_id in jobs["ibm"]
    ]
    triggers += [
        ("azure", AzureQuantumJobTrigger(AZURE_CONN_ID, job_id, **options))
        for job_id in jobs["azure"]
    ]
    report = asyncio.run(wait_all(triggers))
    report.update(
        rss_before_mb=rss_before,
        peak_rss_mb=peak_rss_mb(),
        cpu_seconds=cpu_seconds() - cpu_before,
    )
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
