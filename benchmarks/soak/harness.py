"""One soak run: load, faults, drain, invariants; returns the JSON report as a dict.

The load is a steady stream of ``soak_mixed`` DAG runs (four jobs each) triggered through the
REST API for ``minutes``; the fault driver runs alongside. Then the faults stop, every killed
process is restarted and the harness waits for every run to end before checking the
invariants (benchmarks/soak/invariants.py).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow_quantum_emulator import EmulatorConfig
from benchmarks.soak import invariants
from benchmarks.soak.dags.soak_dags import DAG_ID, RESULT_TASKS
from benchmarks.soak.deployment import CONNECTION_SECRETS, soak_deployment
from benchmarks.soak.faults import FaultDriver

#: Jobs queue 4 s and run 2 s in the emulator: long enough that deferrable tasks defer and
#: worker-side waits are mid-task when a worker is killed, short enough for many runs.
EMULATOR_TIMING = {"queue_seconds": 4.0, "run_seconds": 2.0}
FINAL = frozenset({"success", "failed"})
#: What the scheduler logs when an executor's event and the DB disagree (Airflow's race of
#: docs/reliability.md "Quick jobs and the executor event race"), and when it fails a task
#: whose worker stopped heartbeating (a SIGKILLed Celery worker's tasks).
LOG_SIGNS = {
    "executor_state_mismatch": "but the task instance's state attribute is",
    "heartbeat_timeout": "TIs without heartbeat",
    "stuck_in_queued": "stuck in queued",
}


@dataclass(frozen=True)
class Profile:
    """How long to load, how fast, how often a fault, how long to wait for the last runs."""

    minutes: float
    runs_per_minute: float = 6.5
    fault_interval: float = 12.0
    drain_timeout: float = 420.0
    seed: int = 14

    @property
    def planned_runs(self) -> int:
        return max(1, round(self.minutes * self.runs_per_minute))


def run_soak(home: Path, profile: Profile, log=print) -> dict[str, Any]:
    """Start the deployment under ``home``, soak it, check it; the report as a dict."""
    config = EmulatorConfig(seed=profile.seed, **EMULATOR_TIMING)
    home.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with soak_deployment(home, config) as (deployment, server):
        startup = time.monotonic() - started
        deployment.wait_for_dags([DAG_ID])
        log(f"[soak] deployment up in {startup:.0f} s; {profile.planned_runs} runs planned")
        runs: list[str] = []
        trigger_errors: list[str] = []
        load_started = time.monotonic()
        with FaultDriver(deployment, profile.seed, profile.fault_interval) as driver:
            gap = 60.0 / profile.runs_per_minute
            for n in range(profile.planned_runs):
                _sleep_until(load_started + n * gap)
                try:
                    runs.append(deployment.trigger(DAG_ID))
                except Exception as exc:
                    trigger_errors.append(f"{type(exc).__name__}: {exc}"[:300])
                if n % 10 == 0:
                    log(f"[soak] {n}/{profile.planned_runs} runs triggered; {driver.counts()}")
            load_seconds = time.monotonic() - load_started
        log("[soak] load over; faults lifted; waiting for the last runs")
        drain_started = time.monotonic()
        states = _drain(deployment, runs, profile.drain_timeout)
        drain_seconds = time.monotonic() - drain_started
        airflow = invariants.AirflowView.read(server)
        jobs = invariants.emulator_jobs(deployment.emulator)
        results = _job_results(deployment.env, airflow)
        checks = {
            "one_submit_per_try": invariants.check_one_submit_per_try(airflow, jobs),
            "no_job_left_running": invariants.check_no_orphan_jobs(jobs),
            "no_result_lost": invariants.check_results(airflow, results),
            "task_state_matches_job": invariants.check_task_states(airflow, jobs),
            "every_run_ended": [f"run {r} {s}" for r, s in states.items() if s not in FINAL],
            "no_secret_in_logs": invariants.check_no_secret_in_logs(
                _written_text(deployment),
                CONNECTION_SECRETS,
                [t.token for t in deployment.emulator.state.tokens.issued()],
            ),
        }
        stats = deployment.emulator_api("GET", "/stats")
        return {
            "profile": {**profile.__dict__, "planned_runs": profile.planned_runs},
            "seconds": {
                "startup": round(startup, 1),
                "load": round(load_seconds, 1),
                "drain": round(drain_seconds, 1),
                "total": round(time.monotonic() - started, 1),
            },
            "runs": {
                "triggered": len(runs),
                "trigger_errors": trigger_errors,
                "states": _count(states.values()),
            },
            "tasks": _count(ti["state"] for ti in airflow.tis.values()),
            "tries": sum(ti["try_number"] for ti in airflow.tis.values()),
            "jobs": {
                "submitted": sum(s["jobs_submitted"] for s in stats.values()),
                "by_vendor": {v: s["jobs_submitted"] for v, s in stats.items()},
                "phases": _count(j.phase for j in jobs),
            },
            "requests": {v: s["requests"] for v, s in stats.items()},
            "statuses": {v: s["statuses"] for v, s in stats.items()},
            "faults": {"counts": driver.counts(), "events": driver.events, "errors": driver.errors},
            "process_starts": {n: p.starts for n, p in deployment.processes.items()},
            "scheduler_log": _log_signs(deployment.home / "process-logs"),
            "invariants": {
                name: {"ok": not found, "violations": found[:50], "count": len(found)}
                for name, found in checks.items()
            },
        }


def _sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[str(value)] = counts.get(str(value), 0) + 1
    return dict(sorted(counts.items()))


def _drain(deployment: Any, runs: list[str], timeout: float) -> dict[str, str]:
    """Wait until every run ended (or ``timeout``); the last state seen of each run."""
    states = {run: "unknown" for run in runs}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            seen = _run_states(deployment)
        except Exception:
            time.sleep(2)
            continue
        states.update({run: state for run, state in seen.items() if run in states})
        if all(state in FINAL for state in states.values()):
            break
        time.sleep(2)
    return states


def _run_states(deployment: Any, page: int = 100) -> dict[str, str]:
    """The state of every run of the soak DAG (the REST API's pages of ``page`` runs)."""
    states: dict[str, str] = {}
    while True:
        body = deployment.api(
            "GET", f"/dags/{DAG_ID}/dagRuns", params={"limit": page, "offset": len(states)}
        )
        states.update({run["dag_run_id"]: run["state"] for run in body["dag_runs"]})
        if len(body["dag_runs"]) < page:
            return states


def _log_signs(log_dir: Path, samples: int = 20) -> dict[str, dict[str, Any]]:
    """How many scheduler log lines carry each of ``LOG_SIGNS``, and the first ``samples``."""
    found: dict[str, dict[str, Any]] = {name: {"count": 0, "lines": []} for name in LOG_SIGNS}
    for path in sorted(log_dir.glob("scheduler.*.log")):
        for line in path.read_text(errors="replace").splitlines():
            for name, sign in LOG_SIGNS.items():
                if sign in line:
                    found[name]["count"] += 1
                    if len(found[name]["lines"]) < samples:
                        found[name]["lines"].append(line[:400])
    return found


def _job_results(env: dict[str, str], airflow: invariants.AirflowView) -> dict[str, Any]:
    """The result of each succeeded result task's job, fetched from the emulator by our hooks."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("AIRFLOW_CONN_")})
    from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
    from airflow_quantum.hooks.braket import BraketHook
    from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook

    hooks = {
        "ibm_sampler": IBMQuantumHook(),
        "azure_ionq": AzureQuantumHook(),
        "braket_sv1": BraketHook(),
    }
    results = {}
    for (run, task), ti in airflow.tis.items():
        if task in RESULT_TASKS and ti["state"] == "success":
            job_id = airflow.job_of(run, task)
            if job_id is not None:
                results[job_id] = hooks[task].get_job_result(job_id, 60)
    return results


def _written_text(deployment: Any) -> dict[str, str]:
    """What the deployment wrote: every process's output, and each task log file."""
    texts = {"process output": deployment.all_process_output()}
    logs = deployment.home / "logs"
    for path in sorted(logs.rglob("*")):
        if path.is_file():
            texts[f"log {path.relative_to(logs)}"] = path.read_text(errors="replace")
    return texts
