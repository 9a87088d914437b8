"""A new user's first runs, through real ``airflow dags test`` subprocesses against the emulator.

The task logs are quiet and consistent: no "Skipping masking for a secret as it's too short"
warning (the emulator connection's short workspace names are not secrets), exactly one
"Submitted" line per job, and the JobState words (queued, running, succeeded) for every state
line. A DAG with ``retries=2`` whose circuit the service refuses sends it once, fails without a
retry, and logs no "XCom not found" for the job link it never had.
"""

from __future__ import annotations

import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from airflow_db_support import copy_sqlite_db
from e2e_support import E2E_CONFIG

from airflow_quantum_emulator import EmulatorServer, demo, demo_render

pytestmark = pytest.mark.slow

DAGS = Path(__file__).resolve().parent / "first_hour_dags"
#: Status words of the vendors' wire formats that must not leak into a task's log.
VENDOR_WORDS = re.compile(r"\b(Succeeded|Completed|Waiting|Executing|Queued|Running|Finishing)\b")


@pytest.fixture(scope="module")
def first_hour(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> dict:
    """Both DAGs' runs, side by side: each in an Airflow home and with an emulator of its own,
    so that each run's records are its own."""
    root = tmp_path_factory.mktemp("first-hour")
    dag_ids = ("first_hour_jobs", "first_hour_malformed")
    with ThreadPoolExecutor(len(dag_ids), thread_name_prefix="first-hour") as pool:
        runs = pool.map(lambda dag_id: run_alone(dag_id, root / dag_id, migrated_sqlite), dag_ids)
        return {"runs": dict(zip(dag_ids, runs, strict=True))}


def run_alone(dag_id: str, home: Path, migrated_sqlite: Path) -> tuple:
    """``airflow dags test DAG_ID`` in ``home``: (run, its output, the emulator's records, home)."""
    copy_sqlite_db(migrated_sqlite, home)  # demo.migrate below finds it migrated
    with EmulatorServer(E2E_CONFIG.model_copy()) as emulator:
        env = demo.airflow_env(home, DAGS, demo.emulator_connections(emulator.url))
        demo.migrate(env, home, home / "db-migrate.log")
        run = demo.run_dag_test(dag_id, env, home / "logs" / f"{dag_id}.log")
        records = requests.get(f"{emulator.url}/_emulator/requests", timeout=10).json()
    return run, run.log_path.read_text(errors="replace"), records["requests"], home


def job_posts(records: list[dict]) -> list[dict]:
    """Submissions the emulator answered: IBM ``POST /jobs``, Azure ``PUT .../jobs/{id}``."""
    return [
        r
        for r in records
        if (r["method"] == "POST" and r["path"] == "/api/v1/jobs")
        or (r["method"] == "PUT" and re.search(r"/workspaces/[^/]+/jobs/[^/]+$", r["path"]))
    ]


def task_rows(home: Path, dag_id: str) -> list[tuple[str, str, int]]:
    with sqlite3.connect(f"file:{home / 'airflow.db'}?mode=ro", uri=True) as db:
        return db.execute(
            "SELECT task_id, state, try_number FROM task_instance WHERE dag_id = ?", (dag_id,)
        ).fetchall()


def test_the_jobs_log_is_quiet_and_uses_one_vocabulary(first_hour):
    run, output, records, _ = first_hour["runs"]["first_hour_jobs"]
    assert run.returncode == 0, f"see {run.log_path}"
    assert "too short" not in output, f"masking warning; see {run.log_path}"
    job_ids = {}
    for vendor in ("Azure Quantum", "IBM Quantum"):
        submitted = [line for line in output.splitlines() if f"Submitted {vendor}" in line]
        assert len(submitted) == 1, submitted
        job_ids[vendor] = re.search(r"job (\S+)", submitted[0]).group(1)
    assert len(job_posts(records)) == 2
    for vendor, job_id in job_ids.items():
        states = [
            line.split(f"{vendor} job {job_id}: ", 1)[1].split()[0]
            for line in output.splitlines()
            if f"{vendor} job {job_id}: " in line and "/_emulator/" not in line
        ]
        assert states and states[-1] == "succeeded", (vendor, states)
        assert states.count("succeeded") == 1, (vendor, states)  # said once
        assert set(states) <= {"queued", "running", "finishing", "succeeded"}, states
        state_lines = [line for line in output.splitlines() if job_id in line]
        assert not [line for line in state_lines if VENDOR_WORDS.search(line)], state_lines
        assert not [line for line in state_lines if re.search(r" is (queued|succeeded)", line)]
    # The demo's summary reads the trigger's lines of the same log. With a new user's defaults
    # a quick job ends on the worker ([quantum] defer_after_seconds) and has no trigger lines;
    # one that outlasts that wait (a slow machine) deferred, and its trigger said each state.
    seen = demo_render.trigger_states(run.log_path)
    for task_id, vendor in (("ionq_bell", "Azure Quantum"), ("ibm_bell", "IBM Quantum")):
        states = [state for job, state in seen.get((task_id, -1), []) if job == job_ids[vendor]]
        deferred = any(
            "Pausing task as DEFERRED" in line and f"task_id={task_id}" in line
            for line in output.splitlines()
        )
        if deferred:
            assert states[0] == "queued" and states[-1] == "succeeded", seen
        else:
            assert states == [], seen
    # The extra link of an emulator connection: the emulator's own page of the job.
    assert re.search(r"IBM Quantum job \S+: http://127\.0\.0\.1:\d+/_emulator/jobs/", output)


def test_a_refused_circuit_is_sent_once_and_not_retried(first_hour):
    run, output, records, home = first_hour["runs"]["first_hour_malformed"]
    posts = job_posts(records)
    assert [r["status"] for r in posts] == [400], posts  # the emulator's own record
    assert task_rows(home, "first_hour_malformed") == [("malformed", "failed", 1)]
    assert "the service refused the input" in output and "code 1211" in output
    assert "AirflowFailException" in output
    assert "XCom not found" not in output, f"see {run.log_path}"
