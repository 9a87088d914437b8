"""A real Airflow deployment, started and stopped by the reliability tests themselves.

The processes are those of a small production install: ``airflow scheduler`` (LocalExecutor),
``airflow triggerer``, ``airflow dag-processor`` and ``airflow api-server``, each a subprocess
in its own process group with its output in a log file, sharing one SQLite metadata DB. The
emulator runs in the test process; the ``AIRFLOW_CONN_*`` variables of the processes point at
it. Tests drive Airflow as an operator of the platform would: through the public REST API
(``/api/v2``, a JWT from ``/auth/token`` of the simple auth manager).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from airflow_db_support import copy_sqlite_db

from airflow_quantum_emulator import EmulatorConfig, EmulatorServer, demo

HERE = Path(__file__).resolve().parent
RELIABILITY_DAGS = HERE / "dags"
PROCESSES = ("api-server", "scheduler", "dag-processor", "triggerer")
FINAL_RUN_STATES = frozenset({"success", "failed"})
ADMIN = ("admin", "admin")
#: Seconds a stopped process gets to exit after SIGTERM before its group is SIGKILLed. A
#: deployment is stopped when its tests are done with it: nothing waits for a clean exit (with
#: 10 s, the teardowns measured 10-18 s: some process always used the whole grace).
STOP_GRACE = 3.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def deployment_env(home: Path, api_port: int, emulator_url: str) -> dict[str, str]:
    """The environment of every Airflow process of the deployment."""
    env = demo.airflow_env(home, RELIABILITY_DAGS, demo.emulator_connections(emulator_url))
    api = f"http://127.0.0.1:{api_port}"
    env.update(
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__CORE__PARALLELISM="4",
        AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="False",
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"{api}/execution/",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(home / "passwords.json"),
        AIRFLOW__API__BASE_URL=api,
        AIRFLOW__API__HOST="127.0.0.1",
        AIRFLOW__API__PORT=str(api_port),
        AIRFLOW__API__WORKERS="1",
        # One secret for every process: the api-server checks the tokens the others sign.
        AIRFLOW__API_AUTH__JWT_SECRET="airflow-quantum-reliability-tests",
        AIRFLOW__API__SECRET_KEY="airflow-quantum-reliability-tests",
        # A killed triggerer's triggers move to a live one after a few seconds, not 30.
        AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC="1",
        AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD="6",
        AIRFLOW__TRIGGERER__ON_KILL_TIMEOUT="30",
        AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="1",
        AIRFLOW__SCHEDULER__TRIGGER_TIMEOUT_CHECK_INTERVAL="2",
        AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="10",
        AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL="600",
        AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES="1",
        AIRFLOW__LOGGING__LOGGING_LEVEL="INFO",
        # The scenarios are about the wait in the triggerer: defer after the first look (the
        # wait on the worker before deferring is the quick-jobs test's, with a value of its own).
        AIRFLOW__QUANTUM__DEFER_AFTER_SECONDS="0",
    )
    env.update(braket_temporary_connection(home, emulator_url))
    return env


#: Seconds the temporary credentials of the ``braket_temporary`` connection live (on the
#: emulator's clock): a wait of a few lifetimes sees several of them expire.
TEMPORARY_CREDENTIALS_LIFETIME = 6.0


def braket_temporary_connection(home: Path, emulator_url: str) -> dict[str, str]:
    """``AIRFLOW_CONN_BRAKET_TEMPORARY``: the emulator's Braket with no keys of its own, but an
    AWS profile whose ``credential_process`` (braket_temporary_credentials.py) fetches temporary
    credentials, renewed by botocore through the connection as an assumed role's are; and the
    ``AWS_CONFIG_FILE`` that names the profile."""
    config = home / "aws-config"
    script = HERE / "braket_temporary_credentials.py"
    config.write_text(
        "[profile reliability-temporary]\n"
        f"credential_process = {sys.executable} {script} {emulator_url} "
        f"{TEMPORARY_CREDENTIALS_LIFETIME}\n"
    )
    braket = json.loads(demo.emulator_connections(emulator_url)["AIRFLOW_CONN_BRAKET_DEFAULT"])
    del braket["login"], braket["password"]
    braket["extra"]["profile_name"] = "reliability-temporary"
    return {"AWS_CONFIG_FILE": str(config), "AIRFLOW_CONN_BRAKET_TEMPORARY": json.dumps(braket)}


#: Credentials of the PostgreSQL deployment: distinctive values, so that finding one anywhere
#: Airflow keeps text is a leak (tests/reliability/test_reliability_ha_secrets.py).
SECRETS = {
    "ibm_api_key": "IBMKEY-3f9a1c7e-known-secret",
    "azure_api_key": "AZKEY-8b2d4f60-known-secret",
    "entra_client_secret": "ENTRA-5e7c9a1b-known-secret",
    "wrong_ibm_api_key": "BADIBM-0c4e8a2f-known-secret",
    "wrong_entra_secret": "BADENTRA-6a9d3b7e-known-secret",
    "braket_secret_access_key": "BRAKETKEY-2d7f9b4c-known-secret",
}
#: The emulator's settings that make it accept exactly the right ones of ``SECRETS``.
SECRET_CONFIG = {
    "ibm_api_key": SECRETS["ibm_api_key"],
    "azure_api_key": SECRETS["azure_api_key"],
    "azure_client_secret": SECRETS["entra_client_secret"],
    "braket_secret_access_key": SECRETS["braket_secret_access_key"],
}


def secret_connections(url: str) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` of the PostgreSQL deployment, each credential kind with its secret."""
    workspace = {
        "endpoint": url,
        "subscription_id": "00000000-0000-0000-0000-000000000001",
        "resource_group": "reliability",
        "workspace": "reliability",
    }

    def ibm(api_key: str) -> str:
        extra = {"instance": demo.EMULATOR_CRN, "runtime_url": f"{url}/api/v1", "iam_url": url}
        return json.dumps({"conn_type": "ibm_quantum", "password": api_key, "extra": extra})

    def entra(secret: str) -> str:
        extra = {**workspace, "tenant_id": "reliability-tenant", "authority_host": url}
        return json.dumps(
            {
                "conn_type": "azure_quantum",
                "login": "reliability-app",
                "password": secret,
                "extra": extra,
            }
        )

    api_key = {**workspace, "api_key": SECRETS["azure_api_key"]}
    braket = json.loads(demo.emulator_connections(url)["AIRFLOW_CONN_BRAKET_DEFAULT"])
    braket["password"] = SECRETS["braket_secret_access_key"]
    return {
        "AIRFLOW_CONN_IBM_QUANTUM_DEFAULT": ibm(SECRETS["ibm_api_key"]),
        "AIRFLOW_CONN_IBM_QUANTUM_WRONG": ibm(SECRETS["wrong_ibm_api_key"]),
        "AIRFLOW_CONN_AZURE_QUANTUM_DEFAULT": json.dumps(
            {"conn_type": "azure_quantum", "extra": api_key}
        ),
        "AIRFLOW_CONN_AZURE_QUANTUM_ENTRA": entra(SECRETS["entra_client_secret"]),
        "AIRFLOW_CONN_AZURE_QUANTUM_WRONG": entra(SECRETS["wrong_entra_secret"]),
        "AIRFLOW_CONN_BRAKET_DEFAULT": json.dumps(braket),
    }


def wait_for(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.5) -> Any:
    """Call ``check`` until it returns something truthy; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
        except (httpx.HTTPError, OSError) as exc:
            last_error, value = exc, None
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(
        f"timed out after {timeout:g} s waiting for {what} (last error {last_error})"
    )


@dataclass
class AirflowProcess:
    """One long-running ``airflow <command>`` subprocess, in a process group of its own.

    ``name`` tells apart two processes of one command (``triggerer``, ``triggerer-2``); the
    output of the n-th start goes to ``<log_dir>/<name>.<n>.log``. A command of several words
    (``celery worker --concurrency 4``) is split on whitespace.
    """

    command: str
    env: Mapping[str, str]
    log_dir: Path
    name: str = ""
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def __post_init__(self) -> None:
        self.name = self.name or self.command

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}.{self.starts}.log"

    def start(self) -> None:
        self.starts += 1
        with self.log_path.open("wb") as log:
            self.popen = subprocess.Popen(
                demo.airflow_command(*self.command.split()),
                env=dict(self.env),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group: no goodbye, as when a machine dies."""
        self._signal_group(signal.SIGKILL)
        assert self.popen is not None
        self.popen.wait(timeout=30)

    def stop(self, grace: float = STOP_GRACE) -> None:
        """SIGTERM the process group, then SIGKILL what is left after ``grace`` seconds."""
        self.terminate()
        self.finish(grace)

    def terminate(self) -> None:
        """Ask the process group to exit (SIGTERM) without waiting."""
        if self.popen is not None:
            self._signal_group(signal.SIGTERM)

    def finish(self, grace: float) -> None:
        """Wait up to ``grace`` seconds for a terminated process, then SIGKILL its group."""
        if self.popen is None:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=grace)
        self._signal_group(signal.SIGKILL)
        self.popen.wait(timeout=30)

    def _signal_group(self, sig: signal.Signals) -> None:
        assert self.popen is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)


@dataclass
class AirflowDeployment:
    """The processes of a deployment, its REST API and the emulator they talk to.

    ``triggerers`` > 1 starts that many ``airflow triggerer`` processes (named ``triggerer``,
    ``triggerer-2``, ...): high availability needs a database they can share (PostgreSQL).
    ``extra`` names more processes to start beside them (name: ``airflow`` arguments), e.g.
    Celery workers; they must stay alive like the others.
    """

    home: Path
    env: dict[str, str]
    api_url: str
    emulator: EmulatorServer
    triggerers: int = 1
    extra: dict[str, str] = field(default_factory=dict)
    processes: dict[str, AirflowProcess] = field(default_factory=dict)
    _client: httpx.Client | None = None

    # ------------------------------------------------------------------- processes

    def start(self, timeout: float = 180.0) -> None:
        log_dir = self.home / "process-logs"
        log_dir.mkdir(exist_ok=True)
        for command in PROCESSES:
            copies = self.triggerers if command == "triggerer" else 1
            for n in range(1, copies + 1):
                name = command if n == 1 else f"{command}-{n}"
                self.processes[name] = AirflowProcess(command, self.env, log_dir, name)
                self.processes[name].start()
        for name, command in self.extra.items():
            self.processes[name] = AirflowProcess(command, self.env, log_dir, name)
            self.processes[name].start()
        wait_for(self._healthy, timeout, "the Airflow processes to report healthy")

    def stop(self, grace: float = STOP_GRACE) -> None:
        """Stop every process at once: one shared grace period, not one per process."""
        processes = list(self.processes.values())
        for process in processes:
            process.terminate()
        deadline = time.monotonic() + grace
        for process in processes:
            process.finish(max(0.0, deadline - time.monotonic()))
        if self._client is not None:
            self._client.close()

    def _healthy(self) -> bool:
        for command, process in self.processes.items():
            if not process.alive():
                raise RuntimeError(f"airflow {command} exited; see {self.home / 'process-logs'}")
        health = httpx.get(f"{self.api_url}/api/v2/monitor/health", timeout=5).json()
        return all(
            health.get(part, {}).get("status") == "healthy"
            for part in ("metadatabase", "scheduler", "triggerer", "dag_processor")
        )

    def kill_triggerer(self) -> None:
        self.processes["triggerer"].kill()

    def start_triggerer(self) -> None:
        self.processes["triggerer"].start()

    def process_log(self, name: str) -> str:
        """Output of the latest start of process ``name``."""
        return self.processes[name].log_path.read_text(errors="replace")

    def all_process_output(self) -> str:
        """Output of every start of every process of the deployment."""
        log_dir = self.home / "process-logs"
        return "\n".join(p.read_text(errors="replace") for p in sorted(log_dir.glob("*.log")))

    # ------------------------------------------------------------------- REST API

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            token = httpx.post(
                f"{self.api_url}/auth/token",
                json={"username": ADMIN[0], "password": ADMIN[1]},
                timeout=30,
            )
            token.raise_for_status()
            self._client = httpx.Client(
                base_url=f"{self.api_url}/api/v2",
                headers={"Authorization": f"Bearer {token.json()['access_token']}"},
                timeout=30,
            )
        return self._client

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise AssertionError(f"{method} {path}: HTTP {response.status_code} {response.text}")
        return response.json() if response.content else None

    def wait_for_dags(self, dag_ids: list[str], timeout: float = 120.0) -> None:
        def parsed() -> bool:
            return all(self.client.get(f"/dags/{d}").status_code == 200 for d in dag_ids)

        wait_for(parsed, timeout, f"the DAGs {dag_ids} to be parsed")

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        run = self.api(
            "POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}}
        )
        return run["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 120.0) -> str:
        return wait_for(
            lambda: (state := self.run_state(dag_id, run_id)) in FINAL_RUN_STATES and state,
            timeout,
            f"DAG run {dag_id}/{run_id} to end",
        )

    def task(self, dag_id: str, run_id: str, task_id: str) -> dict[str, Any]:
        return self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}")

    def wait_for_task_state(
        self, dag_id: str, run_id: str, task_id: str, states: set[str], timeout: float = 90.0
    ) -> dict[str, Any]:
        return wait_for(
            lambda: (ti := self.task(dag_id, run_id, task_id))["state"] in states and ti,
            timeout,
            f"task {task_id} of {dag_id}/{run_id} to be one of {sorted(states)}",
        )

    def set_task_state(self, dag_id: str, run_id: str, task_id: str, state: str) -> Any:
        return self.api(
            "PATCH",
            f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}",
            json={"new_state": state},
        )

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> Any:
        entry = self.api(
            "GET",
            f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}",
            params={"deserialize": "true"},
        )
        value = entry["value"]
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int) -> str:
        body = self.api(
            "GET",
            f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
            params={"full_content": "true"},
            headers={"Accept": "application/json"},
        )
        content = body.get("content", body) if isinstance(body, dict) else body
        return json.dumps(content) if not isinstance(content, str) else content

    # ------------------------------------------------------------------- workers

    def task_runner_pids(self, ti_uuid: str) -> list[int]:
        """Pids of the process running a task instance (titled ``airflow worker -- <uuid>``)."""
        pids = []
        for proc in psutil.process_iter(["pid", "cmdline"]):
            cmdline = " ".join(proc.info.get("cmdline") or [])
            if f"airflow worker -- {ti_uuid}" in cmdline:
                pids.append(proc.info["pid"])
        return pids

    # ------------------------------------------------------------------- emulator

    def emulator_api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(
            method, f"{self.emulator.url}/_emulator{path}", timeout=30, **kwargs
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def stats(self, vendor: str = "ibm") -> dict[str, Any]:
        return self.emulator_api("GET", "/stats")[vendor]

    def requests(self, vendor: str = "ibm") -> list[dict[str, Any]]:
        body = self.emulator_api("GET", "/requests", params={"vendor": vendor})
        return body["requests"] if isinstance(body, dict) else body


def start_deployment(
    stack: contextlib.ExitStack,
    home: Path,
    migrated_db: Path,
    emulator_config: EmulatorConfig,
    dags_folder: Path = RELIABILITY_DAGS,
) -> AirflowDeployment:
    """Scheduler (LocalExecutor), triggerer, dag-processor and api-server on a copy of a
    migrated SQLite DB, with an emulator of their own, all healthy.

    The processes and the emulator stop when ``stack`` closes (also if they fail to start).
    """
    copy_sqlite_db(migrated_db, home)  # demo.migrate below finds it migrated
    emulator = stack.enter_context(EmulatorServer(emulator_config.model_copy()))
    port = free_port()
    env = deployment_env(home, port, emulator.url)
    env["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags_folder)
    (home / "passwords.json").write_text(json.dumps(dict([ADMIN])))
    demo.migrate(env, home, home / "db-migrate.log")
    deployment = AirflowDeployment(home, env, f"http://127.0.0.1:{port}", emulator)
    stack.callback(deployment.stop)  # the processes side by side, one shared grace period
    deployment.start()
    return deployment


# ---------------------------------------------------------------------- scenario helpers


@dataclass(frozen=True)
class ScenarioVendor:
    """What a vendor-neutral scenario needs to know of one vendor's service and DAGs.

    :param name: the emulator's name of the vendor (its statistics and request log).
    :param dag_prefix: the scenario DAGs of the vendor are ``{dag_prefix}_{scenario}``.
    :param cancel_route: the emulator's route of a cancel request, as its statistics name it.
    :param polls: the status requests (method, path pattern): the job's own record, or the
        listing the triggerer's shared poller reads (a faulted answer is logged with its path
        as route: match the path).
    :param submit: the submit request (method, path pattern), e.g. for a held-back answer.
    :param poll_fault: what an emulator fault rule matches to hit the status requests.
    """

    name: str
    dag_prefix: str
    cancel_route: str
    polls: tuple[tuple[str, re.Pattern[str]], ...]
    submit: tuple[str, str]
    poll_fault: dict[str, str]

    def dag(self, scenario: str) -> str:
        return f"{self.dag_prefix}_{scenario}"

    def is_poll(self, record: dict[str, Any]) -> bool:
        return any(record["method"] == m and p.match(record["path"]) for m, p in self.polls)

    def __str__(self) -> str:  # the test ids of a parametrized scenario
        return self.name


#: A status request of IBM: the job's GET, or the listing of pending jobs.
POLL_PATH = re.compile(r"^/api/v1/jobs(/[^/]+)?$")
IBM = ScenarioVendor(
    name="ibm",
    dag_prefix="reliability",
    cancel_route="POST /api/v1/jobs/{job_id}/cancel",
    polls=(("GET", POLL_PATH),),
    submit=("POST", "/api/v1/jobs$"),
    poll_fault={"vendor": "ibm", "method": "GET", "path": POLL_PATH.pattern},
)
#: Braket's status requests: GetQuantumTask, and SearchQuantumTasks (the shared poller's
#: listing, and a retry's search for the task an earlier try created).
BRAKET = ScenarioVendor(
    name="braket",
    dag_prefix="reliability_braket",
    cancel_route="PUT /quantum-task/{arn:path}/cancel",
    polls=(
        ("GET", re.compile(r"^/quantum-task/[^/]+(/[^/]+)*$")),
        ("POST", re.compile(r"^/quantum-tasks$")),
    ),
    submit=("POST", "/quantum-task$"),
    # The task was created before a fault is set: what is left are status requests (and a
    # cancel, which no scenario of faults makes).
    poll_fault={"vendor": "braket", "path": "^/quantum-tasks?(/|$)"},
)
#: The vendors of the scenarios that every vendor goes through.
VENDORS = (IBM, BRAKET)
CANCEL_ROUTE = IBM.cancel_route


def deferred_job(
    deployment: AirflowDeployment, dag_id: str, vendor: ScenarioVendor = IBM
) -> tuple[str, str]:
    """Trigger ``dag_id``; return (run id, job id) once ``sample`` waits in the triggerer."""
    run_id = deployment.trigger(dag_id)
    deployment.wait_for_task_state(dag_id, run_id, "sample", {"deferred"})
    job_id = deployment.xcom(dag_id, run_id, "sample", "job_id")
    wait_for_polls(deployment, 2, vendor=vendor)  # beyond the operator's own requests
    return run_id, job_id


def job_polls(deployment: AirflowDeployment, vendor: ScenarioVendor = IBM) -> list[dict[str, Any]]:
    return [r for r in deployment.requests(vendor.name) if vendor.is_poll(r)]


def wait_for_polls(
    deployment: AirflowDeployment,
    more_than: int,
    timeout: float = 60,
    vendor: ScenarioVendor = IBM,
) -> None:
    """Wait until the job's status routes have seen more than ``more_than`` requests."""
    wait_for(
        lambda: len(job_polls(deployment, vendor)) > more_than,
        timeout,
        f"more than {more_than} polls of the {vendor} job",
        interval=0.2,
    )


def emulator_id(job_id: str) -> str:
    """The emulator's id of a job: the job id, or the last part of a Braket task's ARN."""
    return job_id.rsplit("/", 1)[-1]


def emulator_job(deployment: AirflowDeployment, job_id: str) -> dict[str, Any]:
    return deployment.emulator_api("GET", f"/jobs/{emulator_id(job_id)}")


def assert_bell_counts(deployment: AirflowDeployment, dag_id: str, run_id: str) -> None:
    summary = deployment.xcom(dag_id, run_id, "summarize")
    assert summary["shots"] == 200
    assert set(summary["counts"]) <= {"00", "11"}, summary  # a Bell state, noiseless emulator
