"""Real Airflow deployments (scheduler, triggerer, dag-processor, api-server) for the scenarios.

The SQLite deployment of the scenarios is shared by the modules that use it and stopped after
the last test that does (tests/shared_deployments.py); the PostgreSQL one lives as long as its
module. A deployment left running after its tests (until the xdist worker's session ends)
would keep its four processes polling the metadata DB on the cores the other slow tests need.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from airflow_db_support import POSTGRES_TEMPLATE, migrate_postgres_template
from postgres_support import PostgresServer
from reliability_support import (
    SECRET_CONFIG,
    AirflowDeployment,
    deployment_env,
    free_port,
    secret_connections,
    start_deployment,
)
from shared_deployments import shared

from airflow_quantum_emulator import EmulatorConfig, EmulatorServer

#: DAGs the scenarios trigger (tests/reliability/dags).
RELIABILITY_DAG_IDS = [
    "reliability_wait",
    "reliability_timeout",
    "reliability_retry",
    "reliability_sweep",
    "reliability_braket_wait",
    "reliability_braket_timeout",
    "reliability_braket_retry",
    "reliability_braket_temporary",
]
#: Jobs stay queued until a test ends them (``/_emulator/jobs/{id}/finish``), so every wait
#: lasts exactly as long as the scenario needs.
RELIABILITY_CONFIG = EmulatorConfig(queue_seconds=3600.0, run_seconds=0.2, seed=11)


@pytest.fixture
def airflow_deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path
) -> AirflowDeployment:
    """The scenarios' deployment (tests/reliability/dags), started by the first test to ask."""

    def start(stack) -> AirflowDeployment:
        home = tmp_path_factory.mktemp("airflow-reliability")
        deployment = start_deployment(stack, home, migrated_sqlite, RELIABILITY_CONFIG)
        deployment.wait_for_dags(RELIABILITY_DAG_IDS)
        return deployment

    return shared(request, "airflow_deployment", start)


@pytest.fixture
def deployment(airflow_deployment: AirflowDeployment) -> Iterator[AirflowDeployment]:
    """The shared deployment, its emulator reset (no jobs, faults or counts) for this test."""
    emulator = airflow_deployment.emulator
    emulator.start() if not emulator.running else None
    airflow_deployment.emulator_api("POST", "/reset")
    airflow_deployment.emulator_api("PATCH", "/config", json={"ibm_token_lifetime": 3600})
    if not airflow_deployment.processes["triggerer"].alive():
        airflow_deployment.start_triggerer()
    yield airflow_deployment


# --------------------------------------------------------------- PostgreSQL, two triggerers

HA_DAG_IDS = ["reliability_wait", "reliability_secrets"]


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session, with a migrated template database.

    Each deployment gets a database of its own, ``CREATE DATABASE ... TEMPLATE`` of it.
    """
    server = PostgresServer(free_port())
    server.start()
    try:
        scratch = tmp_path_factory.mktemp("postgres-migrate")
        migrate_postgres_template(server, scratch)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def postgres_deployment(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer
) -> Iterator[tuple[AirflowDeployment, PostgresServer]]:
    """Scheduler, two triggerers, dag-processor and api-server sharing a PostgreSQL DB."""
    home = tmp_path_factory.mktemp("airflow-postgres")
    config = RELIABILITY_CONFIG.model_copy(update=SECRET_CONFIG)
    server = postgres_server
    server.create_database("airflow", template=POSTGRES_TEMPLATE)  # migrated
    with EmulatorServer(config) as emulator:
        port = free_port()
        env = deployment_env(home, port, emulator.url)
        env.update(secret_connections(emulator.url))
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = server.url("airflow")
        (home / "passwords.json").write_text(json.dumps({"admin": "admin"}))
        deployment = AirflowDeployment(
            home, env, f"http://127.0.0.1:{port}", emulator, triggerers=2
        )
        try:
            deployment.start()
            deployment.wait_for_dags(HA_DAG_IDS)
            yield deployment, server
        finally:
            deployment.stop()


@pytest.fixture
def ha(
    postgres_deployment: tuple[AirflowDeployment, PostgresServer],
) -> tuple[AirflowDeployment, PostgresServer]:
    """The PostgreSQL deployment, emulator reset, every process (both triggerers) running."""
    deployment, server = postgres_deployment
    deployment.emulator_api("POST", "/reset")
    for process in deployment.processes.values():
        if not process.alive():
            process.start()
    return deployment, server
