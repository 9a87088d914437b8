"""Wait capacity: N concurrent waits in one process, against the emulator in another.

Each measurement clones N fresh jobs (half IBM, half Azure) that all end ``queue + run``
seconds later, starts a clean worker process (bare triggers, or the thread-per-job baseline),
and reads the emulator's request counters before and after.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from airflow_quantum.waiting import interval_at_age
from benchmarks.jobs import clone_jobs
from benchmarks.support import (
    EmulatorProcess,
    Worker,
    stats_delta,
    summary,
    waits_started,
    worker_env,
)

#: The waits' own polling: the operators' and sensors' defaults.
POLL_INTERVAL, MAX_POLL_INTERVAL = 5.0, 60.0
#: Event statuses of a wait that ended well (the triggers' and the vendors' own words).
OK_STATUSES = frozenset({"success", "Completed", "Succeeded"})
#: Longest a worker may take to set up all its waits, or to finish after the jobs ended.
SETUP_TIMEOUT = 15 * 60.0


def _worker_command(mode: str, jobs_file: Path, url: str) -> list[str]:
    if mode in ("triggers", "triggers-per-job"):
        return [
            sys.executable,
            "-m",
            "benchmarks.trigger_worker",
            str(jobs_file),
            f"--poll-interval={POLL_INTERVAL}",
            f"--max-poll-interval={MAX_POLL_INTERVAL}",
            *(["--per-job"] if mode == "triggers-per-job" else []),
        ]
    if mode == "threads":
        return [sys.executable, "-m", "benchmarks.thread_worker", str(jobs_file), url]
    raise ValueError(f"unknown mode {mode!r}")


def measure(
    emulator: EmulatorProcess,
    templates: dict[str, str],
    n: int,
    mode: str,
    *,
    settle_seconds: float,
    workdir: Path,
) -> dict[str, Any]:
    """One row of the wait-capacity table.

    The jobs sit in the queue until every waiter has polled once (its setup is done; with
    shared polling: until its connection's poller listed the jobs) and then
    ``settle_seconds`` more, so that polling has reached its pace; then the emulator ends them
    all at one instant, from which detection latency is counted.
    """
    jobs = clone_jobs(emulator, templates, n, queue_seconds=24 * 3600, run_seconds=1)
    jobs_file = workdir / f"jobs-{mode}-{n}.json"
    jobs_file.write_text(json.dumps(jobs.as_dict()))
    before = emulator.stats()
    counts = jobs.counts()
    worker = Worker(
        _worker_command(mode, jobs_file, emulator.url),
        worker_env(emulator.url, workdir / "airflow-home"),
        workdir / f"worker-{mode}-{n}.log",
    )
    deadline = time.monotonic() + SETUP_TIMEOUT
    while not waits_started(before, emulator.stats(), counts):
        if not worker.alive() or time.monotonic() > deadline:
            return _failed(mode, n, worker, "the waiters did not all poll once")
        time.sleep(0.5)
    time.sleep(settle_seconds)
    finished = emulator.control("POST", "/jobs/finish", json={"ids": jobs.all_ids()})
    ends_at = dict.fromkeys(jobs.ids, finished["finished_at"])
    report = worker.report(timeout=SETUP_TIMEOUT)
    traffic = stats_delta(before, emulator.stats())
    return summarise(mode, n, ends_at, report, traffic)


def _failed(mode: str, n: int, worker: Worker, why: str) -> dict[str, Any]:
    if worker.alive():
        worker.popen.kill()
        worker.popen.wait()
    tail = worker.log.read_text(errors="replace")[-1500:]
    return {"mode": mode, "n": n, "failed": f"{why}; worker log ends:\n{tail}"}


def summarise(
    mode: str,
    n: int,
    ends_at: dict[str, float],
    report: dict[str, Any],
    traffic: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """Turn a worker's report and the emulator's counters into the table's figures."""
    started = report["started_at"]
    latencies, waits, statuses = [], [], {}
    for vendor, events in report["events"].items():
        for status, at in events:
            statuses[status] = statuses.get(status, 0) + 1
            latencies.append(at - ends_at[vendor])
            waits.append(at - started)
    requests = sum(v["requests"] for v in traffic.values())
    tokens = sum(v["token_requests"] for v in traffic.values())
    wall = report["finished_at"] - started
    job_hours = sum(waits) / 3600
    grown = max(0.0, report["peak_rss_mb"] - report["rss_before_mb"])
    return {
        "mode": mode,
        "n": n,
        "events": statuses,
        # A wait that raised in the thread baseline has no event at all: count what succeeded.
        "errors": n - sum(count for status, count in statuses.items() if status in OK_STATUSES),
        "wall_seconds": wall,
        "rss_before_mb": report["rss_before_mb"],
        "peak_rss_mb": report["peak_rss_mb"],
        "rss_per_job_kb": grown * 1e3 / n if n else None,
        "cpu_seconds": report["cpu_seconds"],
        "lag_ms": report.get("lag_ms"),
        # When the worst stalls happened (seconds after the start) and the collector's passes.
        "lag_spikes": report.get("lag_spikes"),
        "gc_pauses": report.get("gc_pauses"),
        "requests": requests,
        "token_requests": tokens,
        "requests_per_job": requests / n if n else None,
        "requests_per_minute": requests / wall * 60 if wall else None,
        "requests_per_job_hour": requests / job_hours if job_hours else None,
        "latency_s": summary(latencies),
        # The interval the first waits had grown to when the jobs ended: detection latency is
        # judged against it (issue 6: p50 within 1.1x).
        "poll_interval_at_end_s": interval_at_age(
            POLL_INTERVAL, MAX_POLL_INTERVAL, min(ends_at.values()) - started
        ),
        "traffic": traffic,
    }
