"""Baseline: a non-deferrable sensor in poke mode, one Airflow task process per waiting job.

One real ``airflow tasks test bench_poke wait`` process waits for one IBM job (poking every
5 s, the triggers' first interval); its process tree's peak RSS and CPU are measured, and its
polls read from the emulator's request log. N waiting jobs need N such processes: the report
multiplies the one measured process by N and says so (running 10,000 Airflow processes is the
very thing deferral avoids).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from airflow_quantum_emulator import demo
from benchmarks import airflow_home
from benchmarks.jobs import clone_jobs
from benchmarks.process_tree import TreeSampler
from benchmarks.support import EmulatorProcess, stats_delta, status_requests

STARTUP_TIMEOUT = 180.0


def measure(
    emulator: EmulatorProcess, templates: dict[str, str], *, settle_seconds: float, workdir: Path
) -> dict[str, Any]:
    env = airflow_home.prepare(workdir / "airflow-home-dags", emulator.url)
    job_id = clone_jobs(emulator, templates, 1, queue_seconds=24 * 3600, run_seconds=1).ids["ibm"][
        0
    ]
    before = emulator.stats()
    log_path = workdir / "poke.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            demo.airflow_command(
                "tasks", "test", "bench_poke", "wait", "-t", json.dumps({"job_id": job_id})
            ),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    sampler = TreeSampler(process.pid).start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while status_requests(emulator.stats()) <= status_requests(before):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the poke sensor never polled; see {log_path}")
            time.sleep(0.2)
        first_poll = time.time()
        time.sleep(settle_seconds)
        finished = emulator.control("POST", "/jobs/finish", json={"ids": [job_id]})
        process.wait(timeout=120)
    finally:
        sampler.stop()
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"the poke sensor failed; see {log_path}")
    traffic = stats_delta(before, emulator.stats())
    polls = [
        record["time"]
        for record in emulator.control(
            "GET", "/requests", params={"vendor": "ibm", "route": "/jobs/{job_id}"}
        )["requests"]
        if record["path"].endswith(job_id) and record["method"] == "GET"
    ]
    ended = finished["finished_at"]
    seen = min((t for t in polls if t >= ended), default=None)
    waited_hours = ((seen or ended) - first_poll) / 3600
    requests = sum(v["requests"] for v in traffic.values())
    return {
        "mode": "poke",
        "n": 1,
        "events": {"success": 1},
        "errors": 0,
        "wall_seconds": (seen or ended) - first_poll,
        "rss_before_mb": 0.0,
        "peak_rss_mb": sampler.peak_rss_mb,
        "rss_per_job_kb": sampler.peak_rss_mb * 1e3,
        "cpu_seconds": sampler.cpu_seconds,
        "lag_ms": None,
        "requests": requests,
        "token_requests": sum(v["token_requests"] for v in traffic.values()),
        "requests_per_job": requests,
        "requests_per_minute": None,
        "requests_per_job_hour": len(polls) / waited_hours if waited_hours else None,
        "latency_s": {"p50": seen - ended if seen else None, "p95": None, "p99": None, "max": None},
        "traffic": traffic,
    }
