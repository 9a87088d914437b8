"""The session's Airflow home, metadata DB, emulator and S3 (moto) for the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from airflow_db_support import copy_sqlite_db
from e2e_support import E2E_CONFIG, EXAMPLE_DAGS, AirflowE2E
from moto_support import moto_s3

from airflow_quantum_emulator import EmulatorServer, demo


@pytest.fixture(scope="session")
def airflow_e2e(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path
) -> Iterator[AirflowE2E]:
    home = tmp_path_factory.mktemp("airflow-home")
    copy_sqlite_db(migrated_sqlite, home)  # demo.migrate below finds it migrated
    with EmulatorServer(E2E_CONFIG.model_copy()) as emulator, moto_s3() as s3:
        connections = {
            **demo.emulator_connections(emulator.url),
            "AIRFLOW_CONN_AWS_DEFAULT": s3.connection(),
        }
        env = demo.airflow_env(home, EXAMPLE_DAGS, connections)
        env.update(demo.DAGS_TEST_SETTINGS)  # `airflow dags test`: no executor, no race
        # The results example writes to S3 here (the demo: a folder of its Airflow home).
        env.update(demo.results_variables(f"s3://aws_default@{s3.bucket}/results"))
        demo.migrate(env, home, home / "db-migrate.log")
        e2e = AirflowE2E(home, env, emulator, demo.MetadataDB(home / "airflow.db"), s3)
        e2e.migrated = migrated_sqlite
        try:
            yield e2e
        finally:
            e2e.close()
