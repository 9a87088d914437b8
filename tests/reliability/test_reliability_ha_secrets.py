"""A deployment on PostgreSQL with two triggerers: trigger takeover, and secrets kept secret.

The processes (scheduler, two triggerers, dag-processor, api-server), the PostgreSQL server and
the emulator are started for this module by ``postgres_deployment`` (conftest.py); its
connections carry distinctive secrets (``SECRETS``). See docs/reliability.md.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from postgres_support import PostgresServer
from reliability_support import (
    CANCEL_ROUTE,
    SECRETS,
    AirflowDeployment,
    assert_bell_counts,
    deferred_job,
    job_polls,
    wait_for,
    wait_for_polls,
)

pytestmark = pytest.mark.slow

TRIGGERERS = ("triggerer", "triggerer-2")


def query(server: PostgresServer, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with contextlib.closing(server.connect("airflow")) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def live_triggerer_jobs(server: PostgresServer) -> int:
    """How many triggerer jobs heartbeat (within the last 3 s)."""
    rows = query(
        server,
        "SELECT count(*) FROM job WHERE job_type = 'TriggererJob' AND state = 'running'"
        " AND latest_heartbeat > now() - interval '3 seconds'",
    )
    return rows[0][0]


def trigger_holder(server: PostgresServer, run_id: str, task_id: str) -> int | None:
    """The id of the triggerer job holding the trigger of a deferred task, if assigned."""
    rows = query(
        server,
        "SELECT t.triggerer_id FROM task_instance ti JOIN trigger t ON t.id = ti.trigger_id"
        " WHERE ti.run_id = %s AND ti.task_id = %s",
        run_id,
        task_id,
    )
    return rows[0][0] if rows else None


def process_running_trigger(deployment: AirflowDeployment, triggerer_job: int) -> str | None:
    """Which triggerer process runs a trigger for job ``triggerer_job``.

    The job table does not record pids; the trigger's log file does name the triggerer job
    (``attempt=1.log.trigger.<job id>.log``) and stays open in that triggerer's processes.
    """
    suffix = f".log.trigger.{triggerer_job}.log"
    for name in TRIGGERERS:
        process = deployment.processes[name]
        if not process.alive():
            continue
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(process.pid)
            for proc in [root, *root.children(recursive=True)]:
                if any(f.path.endswith(suffix) for f in proc.open_files()):
                    return name
    return None


def test_two_triggerers_one_dies_the_other_takes_over(ha) -> None:
    """(2) Two triggerers share the DB; the one holding the trigger is SIGKILLed."""
    deployment, server = ha
    wait_for(lambda: live_triggerer_jobs(server) >= 2, 90, "both triggerers to heartbeat")
    dag_id = "reliability_wait"
    run_id, job_id = deferred_job(deployment, dag_id)
    holder_job = wait_for(
        lambda: trigger_holder(server, run_id, "sample"), 30, "the trigger to be assigned"
    )
    holder = wait_for(
        lambda: process_running_trigger(deployment, holder_job), 30, "the holder's process"
    )
    survivor = next(name for name in TRIGGERERS if name != holder)

    deployment.processes[holder].kill()
    killed_at = time.monotonic()
    polls_at_kill = len(job_polls(deployment))
    new_job = wait_for(
        lambda: (job := trigger_holder(server, run_id, "sample")) not in (None, holder_job) and job,
        60,
        "the surviving triggerer's job to take the trigger over",
        interval=0.2,
    )
    takeover = time.monotonic() - killed_at
    assert (
        wait_for(lambda: process_running_trigger(deployment, new_job), 30, "the survivor to run it")
        == survivor
    )
    wait_for_polls(deployment, polls_at_kill, timeout=30)  # the survivor polls the job
    polls_resumed = time.monotonic() - killed_at
    deployment.emulator_api("POST", f"/jobs/{job_id}/finish")

    assert deployment.wait_for_run(dag_id, run_id) == "success"
    assert_bell_counts(deployment, dag_id, run_id)
    stats = deployment.stats()
    print(
        f"\n[takeover] {holder} killed; {survivor} took the trigger after {takeover:.1f} s, "
        f"polled after {polls_resumed:.1f} s; jobs submitted {stats['jobs_submitted']}, "
        f"polls {len(job_polls(deployment))}"
    )
    assert stats["jobs_submitted"] == 1
    assert stats["routes"].get(CANCEL_ROUTE, 0) == 0  # a dead triggerer is not a kill
    assert deployment.task(dag_id, run_id, "sample")["try_number"] == 1


# ------------------------------------------------------------------------------- secrets

WAITING = ("ibm_api_key", "azure_api_key", "azure_entra")
REFUSED = ("ibm_wrong_key", "azure_wrong_secret")
#: What the log of each refused task says: IAM does not know the IBM key (a failure without
#: retry, naming the connection's key), Entra refuses the Azure secret (AuthenticationError).
REFUSALS = {
    "ibm_wrong_key": "code BXNIM0415E: the connection's API key (its password) was not found",
    "azure_wrong_secret": "AuthenticationError",
}


def secret_forms(secret: str) -> set[str]:
    """A secret as it could be written: whole, and (for a JWT) its signature alone."""
    forms = {secret}
    if secret.count(".") == 2:
        forms.add(secret.rsplit(".", 1)[1])
    return forms


def leaks(where: str, text: str, secrets: dict[str, str]) -> list[str]:
    return [
        f"{name} in {where}"
        for name, secret in secrets.items()
        if any(form in text for form in secret_forms(secret))
    ]


def scheduler_saw_worker_exit(deployment: AirflowDeployment, run_id: str, task_id: str) -> bool:
    """Whether the scheduler processed the executor event of the worker that deferred.

    Under heavy load the scheduler can lag; if a job ends before it processes that event,
    it finds the resumed task running and marks it failed (an Airflow race, not the
    provider's), so the test lets it catch up before ending the jobs.
    """
    key = f"task_id='{task_id}', run_id='{run_id}'"
    return any(
        "Received executor event" in line and key in line
        for line in deployment.process_log("scheduler").splitlines()
    )


def test_no_secret_in_logs_xcom_trigger_rows_rendered_fields_or_errors(ha) -> None:
    """Known secrets, and the tokens the service issued, appear nowhere Airflow keeps text."""
    deployment, server = ha
    dag_id = "reliability_secrets"
    run_id = deployment.trigger(dag_id)
    for task_id in WAITING:
        deployment.wait_for_task_state(dag_id, run_id, task_id, {"deferred"})
    for task_id in REFUSED:
        deployment.wait_for_task_state(dag_id, run_id, task_id, {"failed"})

    # The serialized triggers, read while the tasks are deferred (no Fernet key is set, so the
    # kwargs column holds the serialized kwargs as they are).
    trigger_rows = query(
        server,
        "SELECT row_to_json(t)::text FROM trigger t JOIN task_instance ti ON ti.trigger_id = t.id"
        " WHERE ti.run_id = %s",
        run_id,
    )
    assert len(trigger_rows) == len(WAITING)
    job_ids = {t: deployment.xcom(dag_id, run_id, t, "job_id") for t in WAITING}
    trigger_text = "\n".join(row for (row,) in trigger_rows)
    assert all(job_id in trigger_text for job_id in job_ids.values())  # readable, not opaque
    for task_id in WAITING:
        wait_for(
            lambda task_id=task_id: scheduler_saw_worker_exit(deployment, run_id, task_id),
            60,
            f"the scheduler to see the deferring worker of {task_id} exit",
        )
    for job_id in job_ids.values():
        deployment.emulator_api("POST", f"/jobs/{job_id}/finish")
    assert deployment.wait_for_run(dag_id, run_id, timeout=120) == "failed"

    tokens = deployment.emulator.state.tokens.issued()
    assert {t.vendor for t in tokens} == {"ibm", "azure"}  # IAM and Entra tokens were issued
    secrets = dict(SECRETS) | {
        f"{t.vendor} bearer token {i}": t.token for i, t in enumerate(tokens)
    }

    found: list[str] = leaks("trigger rows", trigger_text, secrets)
    for task_id in (*WAITING, *REFUSED):
        ti = deployment.task(dag_id, run_id, task_id)
        expected = "success" if task_id in WAITING else "failed"
        assert ti["state"] == expected, (task_id, ti["state"])
        assert ti["rendered_fields"] or task_id in REFUSED, ti  # rendered fields were stored
        found += leaks(f"{task_id} task instance / rendered fields", json.dumps(ti), secrets)
        log = deployment.task_log(dag_id, run_id, task_id, ti["try_number"])
        found += leaks(f"{task_id} task log (REST)", log, secrets)
        entries = deployment.api(
            "GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries"
        )["xcom_entries"]
        for entry in entries:
            value = deployment.xcom(dag_id, run_id, task_id, entry["key"])
            found += leaks(f"{task_id} XCom {entry['key']}", json.dumps(value), secrets)
        if task_id in REFUSED:  # the authentication error itself, as the log shows it
            assert REFUSALS[task_id] in log, log[-2000:]
    for path in sorted((deployment.home / "logs").rglob("*")):
        if path.is_file():
            found += leaks(f"log file {path.name}", path.read_text(errors="replace"), secrets)
    found += leaks("process output", deployment.all_process_output(), secrets)
    assert not found, found
    assert_logs_exist(deployment.home)


def assert_logs_exist(home: Path) -> None:
    """The hunt was not in empty places: task logs of this DAG were written."""
    assert any((home / "logs").rglob("*reliability_secrets*")), "no task log files found"
