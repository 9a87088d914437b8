"""N deferred waits in a real ``airflow triggerer`` on PostgreSQL, beside ``DateTimeTrigger``.

Two runs on the same machine, one after the other, each with a fresh copy of a migrated
PostgreSQL metadata DB (the reliability suite's test-started server) and a fresh triggerer:

- **quantum**: N task instances deferred on our triggers (a third each on IBM jobs, Azure jobs
  and Amazon Braket tasks that stay queued in the emulator; shared polling, the operators'
  default intervals 5 s growing to a 60 s cap). Once every trigger is claimed, the waits are
  left to reach the cap and to make their one-off first reads (IBM's queue position), then a
  steady window is counted (status requests per job-hour), then every job ends at one instant;
- **datetime**: N task instances deferred on Airflow's own ``DateTimeTrigger``, all firing at
  the same offset from the triggerer's start as the quantum jobs ended.

Each run also defers one ``LoopLagTrigger`` (created first, so claimed first): the event-loop
lag as the triggers themselves feel it. Both triggerers get ``[triggerer] capacity`` N + 1 and
Airflow's defaults otherwise (INFO logging, 50 triggers claimed per loop). Measured for each:
peak RSS and CPU seconds of the triggerer's process tree (supervisor and trigger runner) from
its start until the last task instance left DEFERRED, loop lag p50 / p99 / max, events
delivered (task instances moved to SCHEDULED) and lost, and the time from the jobs' end (the
moment) to the last task instance leaving DEFERRED.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# The listing page sizes the shared pollers ask for (steady_formula counts their pages).
from airflow_quantum.clients.azure.protocol import PENDING_PAGE_SIZE as AZURE_PAGE
from airflow_quantum.clients.braket.listing import MAX_RESULTS as BRAKET_PAGE
from airflow_quantum.clients.ibm.protocol import PENDING_PAGE_SIZE as IBM_PAGE
from airflow_quantum_emulator import demo
from benchmarks.airflow_home import DAGS
from benchmarks.deferred_tis import DAG_ID, TICKER_RUN_ID, invoke
from benchmarks.jobs import VENDORS, clone_jobs
from benchmarks.lag_ticker import read_lags
from benchmarks.process_tree import TreeSampler
from benchmarks.sqlite_deployment import POSTGRES_TEMPLATE, PostgresServer, migrated_postgres
from benchmarks.support import ROOT, EmulatorProcess, connections, stats_delta, summary
from benchmarks.wait_capacity import MAX_POLL_INTERVAL, POLL_INTERVAL

#: Seconds after the last trigger was claimed until every wait polls at the cap: a wait's
#: interval at age t is 5 + t/2 s (``waiting.interval_at_age``), 60 s from t = 110 s.
TO_CAP_SECONDS = 120.0
CLAIM_TIMEOUT = 1800.0
#: The phases of a run (name, from mark, to mark) whose loop lag is reported apart.
PHASES = (
    ("claiming", "start", "claimed"),
    ("settling", "claimed", "steady_from"),
    ("waiting", "steady_from", "event"),
    ("ending", "event", "drained"),
)
#: The one-off read of each vendor's wait when it first sees its job queued (the queue position
#: it logs): IBM's ``/metrics``, Braket's ``GetQuantumTask`` with ``QueueInfo``; Azure's listing
#: carries the position. Not part of the steady state: the window opens once they are done.
FIRST_READ_ROUTES = {
    "ibm": "GET /api/v1/jobs/{job_id}/metrics",
    "braket": "GET /quantum-task/{arn:path}",
}
DRAIN_TIMEOUT = 900.0
#: Jobs a page of each vendor's listing of pending jobs holds (one connection, one region).
PAGES = {"ibm": IBM_PAGE, "azure": AZURE_PAGE, "braket": BRAKET_PAGE}


def steady_formula(counts: Mapping[str, int], cap: float = MAX_POLL_INTERVAL) -> float:
    """Status requests per job-hour once every wait polls at ``cap``: one listing per round.

    ``counts``: waits per vendor. Per connection and round, ``ceil(jobs / page)`` pages;
    ``3600 / cap`` rounds an hour.
    """
    pages = sum(math.ceil(n / PAGES[vendor]) for vendor, n in counts.items())
    return pages * 3600 / cap / max(1, sum(counts.values()))


class TriggererRun:
    """One fresh metadata DB, its deferred task instances and one ``airflow triggerer``."""

    def __init__(self, server: PostgresServer, kind: str, workdir: Path, emulator_url: str):
        self.server = server
        self.kind = kind
        self.database = f"bench_{kind}"
        self.home = workdir / f"scale-{kind}"
        self.home.mkdir(parents=True, exist_ok=True)
        server.create_database(self.database, template=POSTGRES_TEMPLATE)
        env = demo.airflow_env(self.home, DAGS, connections(emulator_url))
        env.update(
            PYTHONPATH=str(ROOT),
            AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=server.url(self.database),
            AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="False",
        )
        self.env = env
        self.ticker_path = self.home / "loop-lag.jsonl"
        self.process: subprocess.Popen[bytes] | None = None
        self.sampler: TreeSampler | None = None
        self.started = 0.0
        self.rss_at_first_claim: float | None = None
        #: Phase marks: name -> seconds since start, CPU seconds and RSS MB of the tree then.
        self.marks: dict[str, dict[str, float]] = {}

    def airflow(self, *args: str) -> str:
        done = subprocess.run(
            demo.airflow_command(*args), env=self.env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(args)} failed:\n{done.stderr[-2000:]}")
        return done.stdout

    def defer(self, *args: str) -> dict[str, Any]:
        """``benchmarks.deferred_tis ARGS`` in this run's Airflow environment."""
        return invoke(self.env, *args)

    def prepare(self) -> None:
        self.airflow("dags", "reserialize")
        self.defer("create-ticker", str(self.ticker_path))

    def start(self, capacity: int) -> None:
        env = {**self.env, "AIRFLOW__TRIGGERER__CAPACITY": str(capacity)}
        with (self.home / "triggerer.log").open("wb") as log:
            self.process = subprocess.Popen(
                demo.airflow_command("triggerer"),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started = time.time()
        self.sampler = TreeSampler(self.process.pid).start()

    def stop(self) -> None:
        if self.sampler is not None:
            self.sampler.stop()
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def mark(self, name: str) -> None:
        assert self.sampler is not None
        rss = self.sampler.rss_mb()  # also takes the tree's CPU times now
        self.marks[name] = {
            "at_s": round(time.time() - self.started, 1),
            "cpu_seconds": round(self.sampler.cpu_seconds, 1),
            "rss_mb": round(rss, 1),
        }

    def alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"the triggerer exited; see {self.home / 'triggerer.log'}")

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with contextlib.closing(self.server.connect(self.database)) as conn, conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()

    def unclaimed(self) -> int:
        return self.query("SELECT count(*) FROM trigger WHERE triggerer_id IS NULL")[0][0]

    def states(self) -> dict[str, int]:
        rows = self.query(
            "SELECT state, count(*) FROM task_instance "
            f"WHERE dag_id = '{DAG_ID}' AND run_id <> '{TICKER_RUN_ID}' GROUP BY state"
        )
        return {str(state): count for state, count in rows}

    def wait_claimed(self) -> float:
        """Block until the triggerer claimed every trigger; the time it took."""
        deadline = time.monotonic() + CLAIM_TIMEOUT
        total = self.unclaimed()
        while unclaimed := self.unclaimed():
            if self.rss_at_first_claim is None and unclaimed < total and self.sampler:
                # Airflow (and, for ours, the provider) imported, the first triggers running.
                self.rss_at_first_claim = self.sampler.rss_mb()
            self.alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.kind}: triggers still unclaimed after {CLAIM_TIMEOUT} s")
            time.sleep(1.0)
        return time.time() - self.started

    def wait_drained(self) -> float:
        """Block until no task instance is DEFERRED (or the timeout); the wall time then."""
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while self.states().get("deferred", 0) and time.monotonic() < deadline:
            self.alive()
            time.sleep(0.5)
        return time.time()

    def row(self, n: int, event_at: float, drained: float, claim_s: float) -> dict[str, Any]:
        assert self.sampler is not None
        self.mark("drained")
        self.sampler.stop()
        states = self.states()
        lags = read_lags(str(self.ticker_path), self.started, drained)
        # The loop lag of each phase between the run's marks (a phase whose marks are missing
        # is left out): claiming the triggers, settling (the first rounds and first reads, until
        # the cap), waiting (steady), and the end's burst.
        at = {"start": self.started, "drained": drained}
        at.update({name: self.started + mark["at_s"] for name, mark in self.marks.items()})
        phases = {}
        for name, since, until in PHASES:
            if since in at and until in at:
                phase = read_lags(str(self.ticker_path), at[since], at[until])
                phases[name] = {**summary(phase), "samples": len(phase)}
        delivered = states.get("scheduled", 0)
        return {
            "kind": self.kind,
            "n": n,
            "claim_s": round(claim_s, 1),
            "event_after_s": round(event_at - self.started, 1),
            "drain_s": round(drained - event_at, 1),
            "wall_s": round(drained - self.started, 1),
            "peak_rss_mb": round(self.sampler.peak_rss_mb, 1),
            "rss_at_first_claim_mb": self.rss_at_first_claim and round(self.rss_at_first_claim, 1),
            "cpu_seconds": round(self.sampler.cpu_seconds, 1),
            "lag_ms": {**summary(lags), "samples": len(lags)},
            "lag_ms_by_phase": phases,
            "delivered": delivered,
            "lost": n - delivered,
            "states": states,
            "marks": self.marks,
        }


def _quantum(
    server: PostgresServer,
    emulator: EmulatorProcess,
    templates: dict[str, str],
    n: int,
    steady_seconds: float,
    to_cap_seconds: float,
    workdir: Path,
) -> dict[str, Any]:
    run = TriggererRun(server, "quantum", workdir, emulator.url)
    run.prepare()
    jobs = clone_jobs(
        emulator, templates, n, queue_seconds=7 * 24 * 3600, run_seconds=1, vendors=VENDORS
    )
    jobs_file = workdir / "scale-jobs.json"
    jobs_file.write_text(json.dumps(jobs.as_dict()))
    run.defer("create", str(jobs_file), str(POLL_INTERVAL), str(MAX_POLL_INTERVAL))
    before = emulator.stats()
    run.start(capacity=n + 1)
    try:
        claim_s = run.wait_claimed()
        run.mark("claimed")
        time.sleep(to_cap_seconds)
        run.alive()
        _wait_first_reads(emulator, before, jobs.counts(), run)
        run.mark("steady_from")
        steady_before = emulator.stats()
        time.sleep(steady_seconds)
        run.alive()
        steady = stats_delta(steady_before, emulator.stats())
        run.mark("event")
        ended = emulator.control("POST", "/jobs/finish", json={"ids": jobs.all_ids()})
        drained = run.wait_drained()
        row = run.row(n, ended["finished_at"], drained, claim_s)
        row["outcomes"] = run.defer("states")
    finally:
        run.stop()
    traffic = stats_delta(before, emulator.stats())
    steady_requests = sum(v["requests"] for v in steady.values())
    row["vendors"] = jobs.counts()
    row["requests"] = sum(v["requests"] for v in traffic.values())
    row["token_requests"] = sum(v["token_requests"] for v in traffic.values())
    row["traffic"] = traffic
    row["steady"] = {
        "window_s": steady_seconds,
        "requests": steady_requests,
        "routes": {vendor: v["routes"] for vendor, v in steady.items()},
        "per_job_hour": steady_requests / (n * steady_seconds / 3600),
        "formula_per_job_hour": steady_formula(jobs.counts()),
        "official_ibm_per_job_hour": 3600 / 0.5,
    }
    return row


def _wait_first_reads(
    emulator: EmulatorProcess, before: dict[str, Any], counts: Mapping[str, int], run: TriggererRun
) -> None:
    """Block until every wait made its one first read (``FIRST_READ_ROUTES``: the queue
    position, logged when the job is first seen queued): a one-off per job, not part of the
    steady state. Braket's, signed one by one, took past the settling time at 10,000 waits
    (2,990 of its 3,333 fell into the steady window of 2026-12-08)."""
    deadline = time.monotonic() + CLAIM_TIMEOUT
    while True:
        traffic = stats_delta(before, emulator.stats())
        behind = {
            vendor
            for vendor, route in FIRST_READ_ROUTES.items()
            if traffic.get(vendor, {}).get("routes", {}).get(route, 0) < counts.get(vendor, 0)
        }
        if not behind or time.monotonic() > deadline:
            return
        run.alive()
        time.sleep(2.0)


def _datetime(
    server: PostgresServer, n: int, event_after: float, steady_after: float, workdir: Path
) -> dict[str, Any]:
    run = TriggererRun(server, "datetime", workdir, "http://127.0.0.1:9")
    run.prepare()
    # The moment is taken once the task instances exist; the triggerer starts right after.
    moment = run.defer("create-datetime", str(n), str(event_after))["moment"]
    run.start(capacity=n + 1)
    try:
        claim_s = run.wait_claimed()
        run.mark("claimed")
        while time.time() < moment:
            if "steady_from" not in run.marks and time.time() >= run.started + steady_after:
                run.mark("steady_from")  # the same phases as ours, for the loop lag
            run.alive()
            time.sleep(1.0)
        run.mark("event")
        drained = run.wait_drained()
        row = run.row(n, moment, drained, claim_s)
    finally:
        run.stop()
    return row


def measure(
    emulator: EmulatorProcess,
    templates: dict[str, str],
    n: int,
    *,
    steady_seconds: float,
    workdir: Path,
    to_cap_seconds: float = TO_CAP_SECONDS,
) -> dict[str, Any]:
    """Both runs at size ``n`` and ours as multiples of ``DateTimeTrigger``.

    ``to_cap_seconds`` shorter than ``TO_CAP_SECONDS`` (a smoke run) leaves the waits below
    the cap: the steady figure then means nothing.
    """
    with migrated_postgres(workdir) as server:
        print(f"[bench] triggerer at scale: {n} quantum waits ...", file=sys.stderr, flush=True)
        quantum = _quantum(server, emulator, templates, n, steady_seconds, to_cap_seconds, workdir)
        print(f"[bench] triggerer at scale: {n} DateTimeTriggers ...", file=sys.stderr, flush=True)
        steady_after = quantum["marks"]["steady_from"]["at_s"]
        baseline = _datetime(server, n, quantum["event_after_s"], steady_after, workdir)
    return {
        "mode": "triggerer-scale",
        "n": n,
        "quantum": quantum,
        "datetime": baseline,
        "ratios": ratios(quantum, baseline),
    }


def ratios(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, float | None]:
    def ratio(a: float | None, b: float | None) -> float | None:
        return round(a / b, 2) if a is not None and b else None

    return {
        "peak_rss": ratio(ours["peak_rss_mb"], theirs["peak_rss_mb"]),
        "cpu": ratio(ours["cpu_seconds"], theirs["cpu_seconds"]),
        "lag_max": ratio(ours["lag_ms"]["max"], theirs["lag_ms"]["max"]),
        "lag_p99": ratio(ours["lag_ms"]["p99"], theirs["lag_ms"]["p99"]),
        "drain": ratio(ours["drain_s"], theirs["drain_s"]),
    }
