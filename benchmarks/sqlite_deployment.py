"""A real Airflow deployment for the benchmarks that need a scheduler.

Built from the reliability suite's parts (tests/reliability), which this module puts on
``sys.path`` and passes on (``__all__``): ``deployment_env`` and ``AirflowDeployment``:
scheduler (LocalExecutor), triggerer, dag-processor and api-server on a SQLite DB of the home's
own or a PostgreSQL database (``migrated_postgres``: a throwaway server holding the migrated
template, ``POSTGRES_TEMPLATE``), the emulator in this process.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from airflow_quantum_emulator import EmulatorConfig, EmulatorServer, demo

ROOT = Path(__file__).resolve().parents[1]
for _support in (ROOT / "tests", ROOT / "tests" / "reliability"):
    if str(_support) not in sys.path:
        sys.path.insert(0, str(_support))

from airflow_db_support import POSTGRES_TEMPLATE, migrate_postgres_template  # noqa: E402
from postgres_support import PostgresServer  # noqa: E402
from quick_jobs_support import MISMATCH  # noqa: E402
from reliability_support import (  # noqa: E402
    FINAL_RUN_STATES,
    AirflowDeployment,
    deployment_env,
    free_port,
    wait_for,
)

#: What the benchmarks use of the reliability suite, importable from here (this module puts
#: the suite on ``sys.path``).
__all__ = [
    "FINAL_RUN_STATES",
    "MISMATCH",
    "POSTGRES_TEMPLATE",
    "ROOT",
    "AirflowDeployment",
    "PostgresServer",
    "free_port",
    "migrated_postgres",
    "sqlite_deployment",
    "wait_for",
]


@contextlib.contextmanager
def sqlite_deployment(
    home: Path,
    dags: Path,
    dag_id: str,
    settings: Mapping[str, str | None],
    seed: int,
    emulator_config: EmulatorConfig | None = None,
) -> Iterator[AirflowDeployment]:
    """The deployment, its DAG ``dag_id`` (in ``dags``) parsed.

    ``settings``: environment variables of the processes beside the reliability suite's; None
    removes one (Airflow's or the provider's default then holds). An
    ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` among them names a migrated DB to use instead of
    the home's own SQLite file. ``emulator_config``: the emulator's (default: its ``fast``
    profile with ``seed``).
    """
    with contextlib.ExitStack() as stack:
        config = emulator_config or EmulatorConfig(seed=seed)
        emulator = stack.enter_context(EmulatorServer(config))
        port = free_port()
        env = deployment_env(home, port, emulator.url)
        env["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags)
        env["PYTHONPATH"] = str(ROOT)  # DAGs may import from benchmarks
        for name, value in settings.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        (home / "passwords.json").write_text(json.dumps({"admin": "admin"}))
        if "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" not in settings:
            demo.migrate(env, home, home / "db-migrate.log")
        deployment = AirflowDeployment(home, env, f"http://127.0.0.1:{port}", emulator)
        stack.callback(deployment.stop)
        deployment.start()
        deployment.wait_for_dags([dag_id])
        yield deployment


@contextlib.contextmanager
def migrated_postgres(workdir: Path) -> Iterator[PostgresServer]:
    """A PostgreSQL server holding ``POSTGRES_TEMPLATE``, migrated; removed on the way out.

    Each run gets its own database: ``server.create_database(name, template=POSTGRES_TEMPLATE)``.
    """
    server = PostgresServer(free_port())
    try:
        server.start()
        scratch = workdir / "pg-migrate"
        scratch.mkdir(parents=True, exist_ok=True)
        migrate_postgres_template(server, scratch)
        yield server
    finally:
        server.stop()
