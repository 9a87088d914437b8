"""One real Airflow deployment (scheduler, triggerer, dag-processor, api-server) per session."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from reliability_support import AirflowDeployment, deployment_env, free_port

from airflow_quantum import demo
from airflow_quantum.emulator import EmulatorConfig, EmulatorServer

#: DAGs the scenarios trigger (tests/reliability/dags).
RELIABILITY_DAG_IDS = ["reliability_wait", "reliability_timeout", "reliability_retry"]
#: Jobs stay queued until a test ends them (``/_emulator/jobs/{id}/finish``), so every wait
#: lasts exactly as long as the scenario needs.
RELIABILITY_CONFIG = EmulatorConfig(queue_seconds=3600.0, run_seconds=0.2, seed=11)


@pytest.fixture(scope="session")
def airflow_deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowDeployment]:
    home = tmp_path_factory.mktemp("airflow-reliability")
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
