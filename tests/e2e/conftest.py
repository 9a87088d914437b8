"""The session's Airflow home, metadata DB and emulator for the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_support import E2E_CONFIG, EXAMPLE_DAGS, AirflowE2E

from airflow_quantum import demo
from airflow_quantum.emulator import EmulatorServer


@pytest.fixture(scope="session")
def airflow_e2e(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowE2E]:
    home = tmp_path_factory.mktemp("airflow-home")
    with EmulatorServer(E2E_CONFIG.model_copy()) as emulator:
        env = demo.airflow_env(home, EXAMPLE_DAGS, demo.emulator_connections(emulator.url))
        demo.migrate(env, home, home / "db-migrate.log")
        yield AirflowE2E(home, env, emulator, demo.MetadataDB(home / "airflow.db"))
