"""N waits through a real ``airflow triggerer``, with deferred task instances in its DB.

The task instances are put in the metadata DB as a sensor's ``defer()`` leaves them (see
``deferred_tis``); then ``airflow triggerer`` is started and measured as a whole process tree
(its supervisor and its trigger-runner child). Detection latency comes from the emulator's
request log (the first status read after the jobs ended), and the task instances' states are
checked in the DB at the end.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from airflow_quantum_emulator import demo
from benchmarks import airflow_home, deferred_tis
from benchmarks.jobs import clone_jobs
from benchmarks.process_tree import TreeSampler
from benchmarks.support import EmulatorProcess, stats_delta, summary, waits_started
from benchmarks.wait_capacity import MAX_POLL_INTERVAL, POLL_INTERVAL

TIMEOUT = 600.0


def _first_reads_after(emulator: EmulatorProcess, ended: float, job_ids: set[str]) -> list[float]:
    records = emulator.control("GET", "/requests", params={"since": ended})["requests"]
    seen: dict[str, float] = {}
    for record in records:
        job_id = record["path"].rsplit("/", 1)[-1].split("?")[0]
        if record["method"] == "GET" and job_id in job_ids and job_id not in seen:
            seen[job_id] = record["time"] - ended
    return list(seen.values())


def measure(
    emulator: EmulatorProcess,
    templates: dict[str, str],
    n: int,
    *,
    settle_seconds: float,
    workdir: Path,
) -> dict[str, Any]:
    home = workdir / "airflow-home-dags"
    env = airflow_home.prepare(home, emulator.url)
    env["AIRFLOW__TRIGGERER__DEFAULT_CAPACITY"] = str(max(1000, n))
    subprocess.run(
        demo.airflow_command("dags", "reserialize"), env=env, check=True, capture_output=True
    )
    jobs = clone_jobs(emulator, templates, n, queue_seconds=24 * 3600, run_seconds=1)
    jobs_file = workdir / f"jobs-triggerer-{n}.json"
    jobs_file.write_text(json.dumps(jobs.as_dict()))
    deferred_tis.invoke(
        env, "create", str(jobs_file), str(POLL_INTERVAL), str(MAX_POLL_INTERVAL), timeout=TIMEOUT
    )
    before = emulator.stats()
    log_path = workdir / f"triggerer-{n}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            demo.airflow_command("triggerer"),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    sampler = TreeSampler(process.pid).start()
    started = time.time()
    try:
        deadline = time.monotonic() + TIMEOUT
        idle_rss = None
        counts = jobs.counts()
        while not waits_started(before, now := emulator.stats(), counts):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the triggerer did not poll every job; see {log_path}")
            if idle_rss is None and now != before:
                # Started, triggers loaded, first poll just made: clients are built per poll.
                idle_rss = sampler.rss_mb()
            time.sleep(0.5)
        time.sleep(settle_seconds)
        ended = emulator.control("POST", "/jobs/finish", json={"ids": jobs.all_ids()})[
            "finished_at"
        ]
        job_ids = set(jobs.all_ids())
        while len(latencies := _first_reads_after(emulator, ended, job_ids)) < n:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the triggerer did not see every job end; see {log_path}")
            time.sleep(1.0)
        states = _wait_resumable(env, n, deadline)
        finished = time.time()
    finally:
        sampler.stop()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    traffic = stats_delta(before, emulator.stats())
    requests = sum(v["requests"] for v in traffic.values())
    ok = states.get("scheduled:success", 0)
    wall = finished - started
    job_hours = (n * (ended - started) + sum(latencies)) / 3600
    baseline = idle_rss or 0.0
    return {
        "mode": "triggerer",
        "n": n,
        "events": {"success": ok, **{k: v for k, v in states.items() if k != "scheduled:success"}},
        "errors": n - ok,
        "wall_seconds": wall,
        "rss_before_mb": baseline,
        "peak_rss_mb": sampler.peak_rss_mb,
        "rss_per_job_kb": max(0.0, sampler.peak_rss_mb - baseline) * 1e3 / n,
        "cpu_seconds": sampler.cpu_seconds,
        "lag_ms": None,
        "requests": requests,
        "token_requests": sum(v["token_requests"] for v in traffic.values()),
        "requests_per_job": requests / n,
        "requests_per_minute": requests / wall * 60,
        "requests_per_job_hour": requests / job_hours if job_hours else None,
        "latency_s": summary(latencies),
        "traffic": traffic,
    }


def _wait_resumable(env: dict[str, str], n: int, deadline: float) -> dict[str, int]:
    """TI states once none is deferred any more (each event moved its TI to scheduled)."""
    while True:
        states = deferred_tis.invoke(env, "states", timeout=TIMEOUT)
        if not any(key.startswith("deferred") for key in states) or time.monotonic() > deadline:
            return states
        time.sleep(2.0)
