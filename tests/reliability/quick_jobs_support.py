"""The quick-jobs scenario's parts: its deployment, and the test's hand that ends the jobs.

Jobs that end within a second or two of their task's deferral are where Airflow's executor
event race bites (see ``airflow_quantum.triggers.hold``). The emulator holds every job
(``queue_seconds`` of an hour); ``JobFinisher`` watches the emulator's request log and ends
each job a chosen delay after its task deferred: ``AFTER_LOOK`` seconds after the first ``GET``
of it (the operator's first look after submitting, the sensor's first poke), which covers the
wait of operators and sensors before deferring (``[quantum] defer_after_seconds``,
``DEFER_AFTER`` here).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from reliability_support import AirflowDeployment, deployment_env, free_port

from airflow_quantum_emulator import EmulatorConfig, EmulatorServer, demo

DAG_ID = "reliability_quick_jobs"
#: The GET of one job, either vendor (IBM ``/api/v1/jobs/{id}``, Azure ``.../jobs/{id}``).
JOB_GET = re.compile(r"/jobs/([A-Za-z0-9-]+)$")
#: Delays between a task's last look and the end of its job, 0 to 3 s, weighted towards 0:
#: the sooner a job ends, the sooner its trigger fires and the likelier the race.
END_DELAYS = (0.0, 0.0, 0.0, 0.5, 1.0, 2.0, 3.0)
#: ``[quantum] defer_after_seconds`` of the deployment: operators and sensors wait this long on
#: the worker before deferring (shorter than the default 20 s, to keep the test short; the race
#: is the same).
DEFER_AFTER = 5.0
#: Seconds after a job's first look by which its task has deferred: the wait before deferring,
#: and 2 s for its last look to come back on a loaded machine.
AFTER_LOOK = DEFER_AFTER + 2.0


@dataclass
class JobFinisher:
    """Ends each job ``END_DELAYS[k % 7]`` seconds after its task deferred (the k-th job seen):
    ``AFTER_LOOK`` after its first ``GET``, whether an operator or a sensor waits for it.

    ``looked``: when each job was first read (the task's first look); ``ended``: when the
    finisher ended it; ``errors``: refused finish requests; ``hiccups``: control API requests
    that failed and were tried again next round.
    """

    emulator_url: str
    looked: dict[str, float] = field(default_factory=dict)
    delay: dict[str, float] = field(default_factory=dict)
    ended: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    hiccups: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> JobFinisher:
        self._thread = threading.Thread(target=self._run, name="job-finisher", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=10)

    def _run(self) -> None:
        since = 0.0
        with httpx.Client(base_url=f"{self.emulator_url}/_emulator", timeout=30) as client:
            while not self._stop.wait(0.05):
                try:
                    since = self._round(client, since)
                except httpx.HTTPError as exc:  # a slow answer under load: next round
                    self.hiccups.append(repr(exc))

    def _round(self, client: httpx.Client, since: float) -> float:
        """Note the jobs read for the first time, end those due; the newest request's time."""
        for record in client.get("/requests", params={"since": since}).json()["requests"]:
            since = max(since, record["time"])
            match = JOB_GET.search(record["path"])
            if (
                record["method"] == "GET"
                and record["status"] == 200  # not the Azure operator's check for a job
                and match  # it submitted earlier (404: none, it submits one now)
                and match[1] not in self.looked
            ):
                self.delay[match[1]] = AFTER_LOOK + END_DELAYS[len(self.delay) % len(END_DELAYS)]
                self.looked[match[1]] = record["time"]
        for job_id, looked in list(self.looked.items()):
            if job_id not in self.ended and looked + self.delay[job_id] <= time.time():
                answer = client.post(f"/jobs/{job_id}/finish")
                if answer.status_code != 200:
                    self.errors.append(f"{job_id}: {answer.status_code} {answer.text}")
                self.ended[job_id] = time.time()
        return since


@contextlib.contextmanager
def quick_jobs_deployment(
    home: Path, database_url: str | None, min_deferral: str | None
) -> Iterator[AirflowDeployment]:
    """Scheduler (LocalExecutor), triggerer, dag-processor and api-server on a migrated
    metadata DB (``database_url``, e.g. PostgreSQL; None: ``home``'s own SQLite DB), the
    emulator holding every job.

    ``min_deferral``: ``[quantum] min_deferral_seconds`` of the processes (None: the default).
    """
    config = EmulatorConfig(queue_seconds=3600.0, run_seconds=0.0, seed=13)
    with contextlib.ExitStack() as stack:
        emulator = stack.enter_context(EmulatorServer(config))
        port = free_port()
        env = deployment_env(home, port, emulator.url)
        # As many task processes at once as the machine bears: deferrals and resumes overlap.
        env["AIRFLOW__CORE__PARALLELISM"] = "8"
        env["AIRFLOW__QUANTUM__DEFER_AFTER_SECONDS"] = str(DEFER_AFTER)
        if database_url is not None:
            env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = database_url
        if min_deferral is not None:
            env["AIRFLOW__QUANTUM__MIN_DEFERRAL_SECONDS"] = min_deferral
        (home / "passwords.json").write_text(json.dumps({"admin": "admin"}))
        if database_url is None:
            demo.migrate(env, home, home / "db-migrate.log")  # a no-op on a migrated copy
        deployment = AirflowDeployment(home, env, f"http://127.0.0.1:{port}", emulator)
        stack.callback(deployment.stop)
        deployment.start()
        deployment.wait_for_dags([DAG_ID])
        yield deployment


#: The scheduler's line for an executor event it processed (Airflow 3.3), with its time.
FINISHED_LINE = re.compile(
    r"^(?P<at>\d{4}-\d\d-\d\dT[\d:.]+Z).*TaskInstance Finished: dag_id=(?P<dag>[^,]+), "
    r"task_id=(?P<task>[^,]+),.*?, state=(?P<state>[^,]+), executor=[^,]*, "
    r"executor_state=(?P<executor_state>[^,]+),"
)
#: What Airflow logs when the race makes it fail a task whose job succeeded.
MISMATCH = "finished with state success, but the task instance's state attribute is"


def executor_events(scheduler_log: str, dag_id: str = DAG_ID) -> list[dict[str, str]]:
    """The executor events the scheduler processed for ``dag_id``: time, task, TI state."""
    return [
        match.groupdict()
        for line in scheduler_log.splitlines()
        if (match := FINISHED_LINE.search(line)) and match["dag"] == dag_id
    ]
