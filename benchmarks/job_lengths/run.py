"""Submission to task success for jobs of 2, 7, 15 and 40 s under a real scheduler.

A deferred task resumes no sooner than ``[quantum] min_deferral_seconds`` (20 s) after it
deferred (the guard against Airflow's executor event race, ``airflow_quantum.triggers.hold``),
so a quick job that defers costs its task those 20 s. ``[quantum] defer_after_seconds`` makes a
deferrable operator wait that long on the worker first: a quick job then ends the task without
a deferral. This measures both, on one deployment each (scheduler with the LocalExecutor,
triggerer, dag-processor, api-server, SQLite; the emulator gives every job exactly the length
asked, from its submission to its end)::

    python -m benchmarks.job_lengths.run --runs 3

Per setting and job length, ``--runs`` DAG runs of six deferrable operators (four IBM Sampler,
two Azure IonQ, default polling): the seconds from each job's submission (the emulator's
``created_at``) to its task's ``end_date``, and whether the task deferred.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from airflow_quantum.clients.timestamps import parse_timestamp
from benchmarks.sqlite_deployment import ROOT, AirflowDeployment, sqlite_deployment

DAGS = Path(__file__).resolve().parent / "dags"
DAG_ID = "job_lengths"
LENGTHS = (2.0, 7.0, 15.0, 40.0)
#: ``[quantum] defer_after_seconds`` of each setting: "0" defers after one look (the provider
#: before the setting existed), None leaves the provider's default.
SETTINGS = {"before (defer after one look)": "0", "after (default)": None}


def lengths_deployment(
    home: Path, defer_after: str | None
) -> AbstractContextManager[AirflowDeployment]:
    """The benchmark's deployment on a SQLite DB of its own."""
    settings = {
        "AIRFLOW__CORE__PARALLELISM": "8",
        "AIRFLOW__QUANTUM__DEFER_AFTER_SECONDS": defer_after,
    }
    return sqlite_deployment(home, DAGS, DAG_ID, settings, seed=3)


def one_run(deployment: AirflowDeployment, length: float) -> list[dict[str, Any]]:
    """One DAG run with jobs of ``length`` seconds; a row per task."""
    deployment.emulator_api("PATCH", "/config", json={"queue_seconds": 0.0, "run_seconds": length})
    run_id = deployment.trigger(DAG_ID)
    state = deployment.wait_for_run(DAG_ID, run_id, timeout=300)
    listing = deployment.api(
        "GET", f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances", params={"limit": 100}
    )
    rows = []
    for ti in listing["task_instances"]:
        job_id = deployment.xcom(DAG_ID, run_id, ti["task_id"], "job_id")
        job = deployment.emulator_api("GET", f"/jobs/{job_id}")
        ended = parse_timestamp(ti["end_date"]).timestamp()
        log = deployment.task_log(DAG_ID, run_id, ti["task_id"], ti["try_number"])
        rows.append(
            {
                "task": ti["task_id"],
                "state": ti["state"],
                "run_state": state,
                "seconds": round(ended - job["created_at"], 1),
                "job_seconds": round(job["ended_at"] - job["created_at"], 1),
                "deferred": "Pausing task as DEFERRED" in log,
            }
        )
    return rows


def measure(workdir: Path, runs: int) -> dict[str, dict[float, list[dict[str, Any]]]]:
    results: dict[str, dict[float, list[dict[str, Any]]]] = {}
    for name, defer_after in SETTINGS.items():
        home = workdir / f"home-{defer_after or 'default'}-{int(time.time())}"
        home.mkdir(parents=True)
        results[name] = {}
        with lengths_deployment(home, defer_after) as deployment:
            for length in LENGTHS:
                rows = []
                for _ in range(runs):
                    rows += one_run(deployment, length)
                results[name][length] = rows
                print(json.dumps({"setting": name, "length": length, **summary(rows)}), flush=True)
    return results


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = [row["seconds"] for row in rows]
    return {
        "tasks": len(rows),
        "failed": sum(row["state"] != "success" for row in rows),
        "deferred": sum(row["deferred"] for row in rows),
        "median": round(statistics.median(seconds), 1),
        "min": min(seconds),
        "max": max(seconds),
    }


def table(results: dict[str, dict[float, list[dict[str, Any]]]]) -> str:
    lines = [
        "| setting | job length | tasks | failed | deferred | submission to task success, "
        "median (min-max) |",
        "|---|---|---|---|---|---|",
    ]
    for name, by_length in results.items():
        for length, rows in by_length.items():
            s = summary(rows)
            lines.append(
                f"| {name} | {length:g} s | {s['tasks']} | {s['failed']} | {s['deferred']} | "
                f"{s['median']:.1f} s ({s['min']:.1f}-{s['max']:.1f}) |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="DAG runs per job length and setting")
    parser.add_argument(
        "--workdir", type=Path, default=ROOT / "benchmarks" / "results" / "job-lengths"
    )
    args = parser.parse_args(argv)
    results = measure(args.workdir, args.runs)
    print(table(results))
    (args.workdir / "job-lengths-latest.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
