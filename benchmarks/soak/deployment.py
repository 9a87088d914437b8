"""The soak's deployment: PostgreSQL, Redis, the emulator and Airflow with two Celery workers.

Built from the reliability suite's parts (tests/reliability): ``PostgresServer`` and the
migrated template database, ``deployment_env`` and ``AirflowDeployment`` (two triggerers, and
the Celery workers as its ``extra`` processes). Only what a Celery deployment adds is set here.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from airflow_quantum_emulator import EmulatorConfig, EmulatorServer

ROOT = Path(__file__).resolve().parents[2]
for _support in (ROOT / "tests", ROOT / "tests" / "reliability"):
    if str(_support) not in sys.path:
        sys.path.insert(0, str(_support))

from airflow_db_support import POSTGRES_TEMPLATE, migrate_postgres_template  # noqa: E402
from postgres_support import PostgresServer  # noqa: E402
from reliability_support import (  # noqa: E402
    SECRET_CONFIG,
    SECRETS,
    AirflowDeployment,
    deployment_env,
    free_port,
    secret_connections,
)

from benchmarks.soak.redis_server import RedisServer  # noqa: E402

SOAK_DAGS = Path(__file__).resolve().parent / "dags"
#: The secrets the deployment's connections carry (the harness hunts them in its logs).
CONNECTION_SECRETS = SECRETS
WORKERS = ("worker-1", "worker-2")
#: Task slots per Celery worker.
WORKER_CONCURRENCY = 4


def celery_env(env: dict[str, str], broker_url: str, result_db_url: str) -> dict[str, str]:
    """``env`` of a LocalExecutor deployment turned into a CeleryExecutor one.

    A SIGKILLed worker loses its tasks: the scheduler notices a running task without heartbeat
    after ``task_instance_heartbeat_timeout`` and a queued one after ``task_queued_timeout``;
    Redis hands an unacknowledged message to another worker after ``visibility_timeout``.
    Airflow's defaults (5 min, 10 min, 6 h) suit production; the soak wants to see the
    recovery within its run, so they are shortened (still well above any task's length).
    """
    return {
        **env,
        "AIRFLOW__CORE__DAGS_FOLDER": str(SOAK_DAGS),
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(2 * WORKER_CONCURRENCY),
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "64",
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + result_db_url,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(WORKER_CONCURRENCY),
        "AIRFLOW__CELERY__OPERATION_TIMEOUT": "10",
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": "120",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "120",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
    }


def worker_command(name: str) -> str:
    return (
        f"celery worker --celery-hostname {name}@soak --concurrency {WORKER_CONCURRENCY} "
        "--skip-serve-logs"
    )


@contextlib.contextmanager
def soak_deployment(
    home: Path, config: EmulatorConfig
) -> Iterator[tuple[AirflowDeployment, PostgresServer]]:
    """Start everything (about a minute); stop everything on the way out.

    The connections carry distinctive secrets (``reliability_support.SECRETS``), which the
    emulator alone accepts: the soak hunts them in what Airflow writes.
    """
    config = config.model_copy(update=SECRET_CONFIG)
    server = PostgresServer(free_port())
    redis = RedisServer(free_port())
    deployment: AirflowDeployment | None = None
    try:
        server.start()
        (home / "migrate").mkdir(parents=True, exist_ok=True)
        migrate_postgres_template(server, home / "migrate")
        server.create_database("airflow", template=POSTGRES_TEMPLATE)
        redis.start()
        with EmulatorServer(config) as emulator:
            port = free_port()
            env = celery_env(
                deployment_env(home, port, emulator.url), redis.url, server.url("airflow")
            )
            env.update(secret_connections(emulator.url))
            env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = server.url("airflow")
            (home / "passwords.json").write_text(json.dumps({"admin": "admin"}))
            deployment = AirflowDeployment(
                home,
                env,
                f"http://127.0.0.1:{port}",
                emulator,
                triggerers=2,
                extra={name: worker_command(name) for name in WORKERS},
            )
            try:
                deployment.start()
                yield deployment, server
            finally:
                deployment.stop()
    finally:
        redis.stop()
        server.stop()
