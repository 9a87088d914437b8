"""The soak's invariants, checked at the end from the emulator's records and Airflow's DB.

1. **One submit per try that submitted**: the jobs carrying one task instance's idempotency tag
   are at most its tries, and every one but the last ended failed or cancelled (a retry submits
   again only when the earlier job cannot deliver); every tagged job belongs to a task instance.
2. **No job left running without a live task**: once every DAG run has ended, no job of the
   emulator is queued or running.
3. **No result lost**: every succeeded task that returns a job's result holds, in XCom, the
   result the emulator gives for that job.
4. **Every task in the state its job implies**: the job succeeded -> the task (operator or
   sensor) succeeded; the job failed or was cancelled -> it failed. No task left unfinished.
5. **No secret in the logs**: none of the connections' secrets (IBM API key, Azure workspace
   key, Braket secret access key), nor any bearer token the emulator issued, is in the output
   of a process or in a task log.

Each check returns the list of its violations (empty: the invariant holds).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from airflow_quantum_emulator import EmulatorServer
from benchmarks.soak.dags.soak_dags import DAG_ID, RESULT_TASKS, SENSED

FINAL_TI_STATES = frozenset({"success", "failed", "upstream_failed", "skipped"})
GOOD_JOB_PHASES = frozenset({"succeeded", "completed"})


def idempotency_tag(dag_id: str, task_id: str, run_id: str, map_index: int) -> str:
    """The tag ``airflow_quantum.operators.base.idempotency_key`` computes for a task instance."""
    identity = "|".join(str(part) for part in (dag_id, task_id, run_id, map_index))
    return "airflow-" + hashlib.sha256(identity.encode()).hexdigest()[:32]


@dataclass
class EmulatedJobView:
    """What the soak needs of one emulator job."""

    vendor: str
    job_id: str
    tags: list[str]
    phase: str
    created_at: float


#: The vendors the soak's DAG submits to.
SOAK_VENDORS = ("azure", "ibm", "braket")


def emulator_jobs(emulator: EmulatorServer) -> list[EmulatedJobView]:
    """Every job of the soak's vendors, read from the emulator's own stores (it runs in-process).

    A Braket task is named by its ARN (what its operator puts in XCom), and its idempotency tag
    is the value of the provider's tag key (Braket tags are key-value pairs).
    """
    from airflow_quantum.hooks.braket import IDEMPOTENCY_TAG

    state = emulator.state
    now = state.now()
    views = []
    for vendor in SOAK_VENDORS:
        store = state.stores[vendor]
        if vendor == "braket":
            records = [
                (task.arn, task.job, [v for k, v in task.tags.items() if k == IDEMPOTENCY_TAG])
                for task in list(store.tasks.values())
            ]
        else:
            records = [(r.job.job_id, r.job, list(r.tags)) for r in list(store.jobs.values())]
        for job_id, job, tags in records:
            views.append(
                EmulatedJobView(vendor, job_id, tags, job.phase(now).value, job.created_at)
            )
    return views


@dataclass
class AirflowView:
    """The soak DAG's task instances and XComs, read with SQL from the metadata DB."""

    tis: dict[tuple[str, str], dict[str, Any]]
    xcoms: dict[tuple[str, str, str], Any]

    @classmethod
    def read(cls, server: Any) -> AirflowView:
        with contextlib.closing(server.connect("airflow")) as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT run_id, task_id, map_index, state, try_number FROM task_instance"
                " WHERE dag_id = %s",
                (DAG_ID,),
            )
            tis = {
                (run, task): {"map_index": index, "state": state, "try_number": tries}
                for run, task, index, state, tries in cur.fetchall()
            }
            cur.execute(
                "SELECT run_id, task_id, key, value FROM xcom WHERE dag_id = %s"
                " AND key IN ('return_value', 'job_id')",
                (DAG_ID,),
            )
            xcoms = {(run, task, key): _json(value) for run, task, key, value in cur.fetchall()}
        return cls(tis, xcoms)

    def job_of(self, run_id: str, task_id: str) -> str | None:
        submitter = SENSED.get(task_id, task_id)
        job = self.xcoms.get((run_id, submitter, "job_id"))
        return job if isinstance(job, str) else None


def _json(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        value = bytes(value).decode()
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


def check_one_submit_per_try(airflow: AirflowView, jobs: list[EmulatedJobView]) -> list[str]:
    by_tag: dict[str, list[EmulatedJobView]] = defaultdict(list)
    for job in jobs:
        tags = [t for t in job.tags if t.startswith("airflow-")]
        if len(tags) != 1:
            by_tag["untagged"].append(job)
            continue
        by_tag[tags[0]].append(job)
    owners = {
        idempotency_tag(DAG_ID, task, run, ti["map_index"]): (run, task, ti)
        for (run, task), ti in airflow.tis.items()
    }
    problems = [f"{j.vendor} job {j.job_id} has no single idempotency tag" for j in by_tag.pop(
        "untagged", [])]  # fmt: skip
    for tag, tagged in by_tag.items():
        owner = owners.get(tag)
        if owner is None:
            problems.append(f"{len(tagged)} job(s) tagged {tag} belong to no task instance")
            continue
        run, task, ti = owner
        tagged.sort(key=lambda j: j.created_at)
        if len(tagged) > max(1, ti["try_number"]):
            problems.append(
                f"{task} of {run}: {len(tagged)} jobs for {ti['try_number']} tries "
                f"({[j.job_id for j in tagged]})"
            )
        for earlier in tagged[:-1]:
            if earlier.phase not in ("failed", "cancelled"):
                problems.append(
                    f"{task} of {run}: job {earlier.job_id} ({earlier.phase}) was submitted "
                    "again by a later try"
                )
    return problems


def check_no_orphan_jobs(jobs: list[EmulatedJobView]) -> list[str]:
    return [
        f"{job.vendor} job {job.job_id} still {job.phase} after every run ended"
        for job in jobs
        if job.phase in ("queued", "running", "finishing")
    ]


def check_results(airflow: AirflowView, results: dict[str, Any]) -> list[str]:
    """``results``: the emulator's result of each succeeded result task's job (by job id)."""
    problems = []
    for (run, task), ti in airflow.tis.items():
        if task not in RESULT_TASKS or ti["state"] != "success":
            continue
        job_id = airflow.job_of(run, task)
        stored = airflow.xcoms.get((run, task, "return_value"))
        if job_id is None or stored is None:
            problems.append(f"{task} of {run} succeeded without job id or result in XCom")
        elif job_id not in results:
            problems.append(f"{task} of {run}: the emulator has no result for job {job_id}")
        elif stored != results[job_id]:
            problems.append(f"{task} of {run}: XCom result differs from job {job_id}'s")
    return problems


def check_task_states(airflow: AirflowView, jobs: list[EmulatedJobView]) -> list[str]:
    phases = {job.job_id: job.phase for job in jobs}
    problems = []
    for (run, task), ti in airflow.tis.items():
        state = ti["state"]
        if state not in FINAL_TI_STATES:
            problems.append(f"{task} of {run} left {state}")
            continue
        job_id = airflow.job_of(run, task)
        if job_id is None or (task in SENSED.values() and task not in RESULT_TASKS):
            continue  # a submit-only task: its job's fate is its sensor's business
        phase = phases.get(job_id)
        if phase is None:
            problems.append(f"{task} of {run}: job {job_id} unknown to the emulator")
        elif phase in GOOD_JOB_PHASES and state != "success":
            problems.append(f"{task} of {run} is {state} but job {job_id} {phase}")
        elif phase in ("failed", "cancelled") and state == "success":
            problems.append(f"{task} of {run} succeeded but job {job_id} {phase}")
    return problems


#: A run of characters that can be (or hold) a bearer token's signature part.
_TOKEN_PART = re.compile(r"[A-Za-z0-9_-]{20,}")


def check_no_secret_in_logs(
    texts: dict[str, str], secrets: dict[str, str], tokens: list[str]
) -> list[str]:
    """``texts``: where Airflow wrote (name: text); ``secrets``: what must not be there (name:
    value); ``tokens``: the issued bearer tokens (JWTs), found by their signature part, each
    text scanned once whatever their number (a soak issues thousands)."""
    signatures = {token.rsplit(".", 1)[-1]: i for i, token in enumerate(tokens)}
    problems = []
    for place, text in texts.items():
        problems += [f"{name} in {place}" for name, secret in secrets.items() if secret in text]
        found = {signatures[w] for w in _TOKEN_PART.findall(text) if w in signatures}
        problems += [f"bearer token {i} in {place}" for i in sorted(found)]
    return problems
