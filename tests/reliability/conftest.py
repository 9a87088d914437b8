"""Real Airflow deployments (scheduler, triggerer, dag-processor, api-server) for the scenarios.

Each lives as long as the test module that uses it: a deployment left running after its tests
(until the xdist worker's session ends) keeps its four processes polling the metadata DB on the
cores the other slow tests need.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from airflow_db_support import POSTGRES_TEMPLATE, copy_sqlite_db, migrate_postgres_template
from postgres_support import PostgresServer
from reliability_support import (
    SECRETS,
    AirflowDeployment,
    deployment_env,
    free_port,
    secret_connections,
)

from airflow_quantum_emulator import EmulatorConfig, EmulatorServer, demo

#: DAGs the scenarios trigger (tests/reliability/dags).
RELIABILITY_DAG_IDS = ["reliability_wait", "reliability_timeout", "reliability_retry"]
#: Jobs stay queued until a test ends them (``/_emulator/jobs/{id}/finish``), so every wait
#: lasts exactly as long as the scenario needs.
RELIABILITY_CONFIG = EmulatorConfig(queue_seconds=3600.0, run_seconds=0.2, seed=11)


@pytest.fixture(scope="module")
def airflow_deployment(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path
) -> Iterator[AirflowDeployment]:
    home = tmp_path_factory.mktemp("airflow-reliability")
    copy_sqlite_db(migrated_sqlite, home)  # demo.migrate below finds it migrated
    with EmulatorServer(RELIABILITY_CONFIG.model_copy()) as emulator:
        port = free_port()
        env = deployment_env(home, port, emulator.url)
        (home / "passwords.json").write_text(json.dumps({"admin": "admin"}))
        demo.migrate(env, home, home / "db-migrate.log")
        deployment = AirflowDeployment(home, env, f"http://127.0.0.1:{port}", emulator)
        try:
            deployment.start()
            deployment.wait_for_dags(RELIABILITY_DAG_IDS)
            yield deployment
        finally:
            deployment.stop()


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
    config = RELIABILITY_CONFIG.model_copy(
        update={
            "ibm_api_key": SECRETS["ibm_api_key"],
            "azure_api_key": SECRETS["azure_api_key"],
            "azure_client_secret": SECRETS["entra_client_secret"],
        }
    )
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
