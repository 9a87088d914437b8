"""The start race on SQLite, under load: how often a task whose work succeeded ends failed.

The task SDK sends a task's start request (``PATCH /execution/task-instances/{id}/run``) with
a timeout of ``[workers] execution_api_timeout`` (Airflow's default 5 s) and sends it again
when that passes. On SQLite the first request can still be waiting for the write lock then;
the retry starts the task, the task ends, and the first request lands last and sets the task
RUNNING again (SQLite ignores the endpoint's ``SELECT ... FOR UPDATE``; a duplicate start from
the same host and pid is accepted). The scheduler then meets a RUNNING task whose process
ended with success and fails it (docs/reliability.md, "The start race").

One deployment (scheduler with the LocalExecutor, triggerer, dag-processor, api-server) on
SQLite per setting, ``benchmarks/start_race/load.py`` keeping the write lock and the CPUs
busy, and ``--runs`` DAG runs of 40 short tasks one after the other::

    python -m benchmarks.start_race.run --runs 10                 # Airflow's default
    python -m benchmarks.start_race.run --runs 10 --timeout 60    # the setting we recommend
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from benchmarks.sqlite_deployment import (
    FINAL_RUN_STATES,
    MISMATCH,
    ROOT,
    AirflowDeployment,
    sqlite_deployment,
    wait_for,
)

DAGS = Path(__file__).resolve().parent / "dags"
DAG_ID = "start_race"
#: What the api-server logs when it accepts a start request a second time.
DUPLICATE_START = "Duplicate start request received"
#: The api-server's access log line of a start request, with how long it took.
START_DURATION = re.compile(
    r"duration_us=(\d+) .*method=PATCH path=/execution/task-instances/[0-9a-f-]+/run "
)
#: ``[workers] execution_api_timeout`` when unset (Airflow 3.1-3.3).
AIRFLOW_DEFAULT_TIMEOUT = 5.0
#: What the task SDK logs before it sends a request again (tenacity's ``before_log``).
RETRY = "time calling it"


@contextlib.contextmanager
def load(db: Path, hold: float, gap: float, cpus: int) -> Iterator[None]:
    """The load process (a SQLite writer and ``cpus`` busy loops) while the block runs."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmarks.start_race.load",
            str(db),
            str(hold),
            str(gap),
            str(cpus),
        ],
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        yield
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def race_deployment(home: Path, timeout: str | None) -> AbstractContextManager[AirflowDeployment]:
    """A deployment of the start-race DAG on a SQLite DB of its own.

    ``timeout``: ``[workers] execution_api_timeout`` of the processes (None: Airflow's default).
    """
    settings = {
        "AIRFLOW__CORE__PARALLELISM": "16",
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "64",
        "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": timeout,
    }
    return sqlite_deployment(home, DAGS, DAG_ID, settings, seed=5)


def one_run(deployment: AirflowDeployment, before: dict[str, int]) -> dict[str, Any]:
    """Trigger the DAG once and count what the race left: failed tasks and the log lines."""
    started = time.monotonic()
    run_id = deployment.trigger(DAG_ID)
    restarted: list[str] = []
    state = wait_for(
        lambda: ended(deployment, run_id, restarted), 900, f"DAG run {run_id} to end", 2
    )
    listing = wait_for(
        lambda: answered(
            deployment.api,
            "GET",
            f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances",
            params={"limit": 100},
        ),
        120,
        "the task instances",
    )
    failed = sorted(ti["task_id"] for ti in listing["task_instances"] if ti["state"] != "success")
    counts = line_counts(deployment)
    return {
        "restarted": restarted,
        "run_state": state,
        "tasks": len(listing["task_instances"]),
        "failed": failed,
        "seconds": round(time.monotonic() - started, 1),
        **{name: counts[name] - before.get(name, 0) for name in counts},
    }


def ended(deployment: AirflowDeployment, run_id: str, restarted: list[str]) -> str | None:
    """The run's final state, or None while it runs (or the API cannot say: a locked DB).

    An Airflow process that exited (the scheduler gives up when SQLite's write lock stays
    taken for its 5 s busy timeout) is started again, and named in ``restarted``.
    """
    for name, process in deployment.processes.items():
        if not process.alive():
            restarted.append(name)
            process.start()
    state = answered(deployment.run_state, DAG_ID, run_id)
    return state if state in FINAL_RUN_STATES else None


def answered(call: Any, *args: Any, **kwargs: Any) -> Any:
    """``call``'s answer, or None when the API answered with an error (a locked DB: 500)."""
    try:
        return call(*args, **kwargs)
    except AssertionError:
        return None


def every_start(deployment: AirflowDeployment, name: str) -> str:
    """The output of every start of process ``name`` (it may have been started again)."""
    logs = sorted((deployment.home / "process-logs").glob(f"{name}.*.log"))
    return "\n".join(path.read_text(errors="replace") for path in logs)


def line_counts(deployment: AirflowDeployment) -> dict[str, int]:
    """What the logs say so far: state mismatches, SDK retries, start requests answered and
    accepted twice, and start requests that took the api-server longer than Airflow's default
    timeout (the race's precondition)."""
    scheduler, api_server = (
        every_start(deployment, "scheduler"),
        every_start(deployment, "api-server"),
    )
    durations = [int(us) / 1e6 for us in START_DURATION.findall(api_server)]
    return {
        "mismatches": scheduler.count(MISMATCH),
        "retries": scheduler.count(RETRY),
        "duplicate_starts": api_server.count(DUPLICATE_START),
        "slow_starts": sum(seconds > AIRFLOW_DEFAULT_TIMEOUT for seconds in durations),
    }


def measure(
    workdir: Path, runs: int, timeout: str | None, hold: float, gap: float, cpus: int
) -> list[dict[str, Any]]:
    """``runs`` DAG runs under load on one deployment; one row per run."""
    home = workdir / f"home-{timeout or 'default'}-{int(time.time())}"
    home.mkdir(parents=True)
    rows = []
    with (
        race_deployment(home, timeout) as deployment,
        load(home / "airflow.db", hold, gap, cpus),
    ):
        for number in range(1, runs + 1):
            row = one_run(deployment, line_counts(deployment))
            rows.append({"run": number, "timeout": timeout or "default (5)", **row})
            print(json.dumps(rows[-1]), flush=True)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| `execution_api_timeout` | run | tasks failed | scheduler: state mismatch | "
        "api-server: duplicate starts | start requests over 5 s | SDK retries | run seconds | "
        "restarted |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['timeout']} | {row['run']} | {len(row['failed'])} of {row['tasks']} | "
            f"{row['mismatches']} | {row['duplicate_starts']} | {row['slow_starts']} | "
            f"{row['retries']} | {row['seconds']} | {', '.join(row['restarted']) or '-'} |"
        )
    return "\n".join(lines)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--timeout", help="[workers] execution_api_timeout (default: Airflow's)")
    parser.add_argument("--hold", type=float, default=1.0, help="seconds the writer holds the lock")
    parser.add_argument("--gap", type=float, default=0.3, help="seconds it lets go between holds")
    parser.add_argument("--cpus", type=int, default=3, help="busy loops beside the writer")
    parser.add_argument(
        "--workdir", type=Path, default=ROOT / "benchmarks" / "results" / "start-race"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    rows = measure(args.workdir, args.runs, args.timeout, args.hold, args.gap, args.cpus)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
