"""A real api-server, scheduler, dag-processor and triggerer with the example DAGs, and a
browser, for the UI tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from airflow_db_support import copy_sqlite_db
from ui_support import (
    ADMIN,
    CHROMIUM,
    EXAMPLE_DAGS,
    UI_EMULATOR,
    UI_TASKS,
    AirflowDeployment,
    chromium,
    deployment_env,
    free_port,
)

from airflow_quantum_emulator import EmulatorServer, demo


@pytest.fixture(scope="module")  # stopped with its tests: no idle deployment after them
def airflow_ui(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path
) -> Iterator[AirflowDeployment]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    home = tmp_path_factory.mktemp("airflow-ui")
    copy_sqlite_db(migrated_sqlite, home)  # demo.migrate below finds it migrated
    with EmulatorServer(UI_EMULATOR.model_copy()) as emulator:
        port = free_port()
        env = deployment_env(home, port, emulator.url)
        env["AIRFLOW__CORE__DAGS_FOLDER"] = str(EXAMPLE_DAGS)
        (home / "passwords.json").write_text(json.dumps(dict([ADMIN])))
        demo.migrate(env, home, home / "db-migrate.log")
        deployment = AirflowDeployment(home, env, f"http://127.0.0.1:{port}", emulator)
        try:
            deployment.start()
            deployment.wait_for_dags([dag_id for dag_id, _ in UI_TASKS])
            yield deployment
        finally:
            deployment.stop()  # the four processes side by side, one shared grace period


@pytest.fixture
def browser_page(tmp_path: Path):
    """A page of a fresh Chromium profile (its own user-data-dir)."""
    with chromium(tmp_path / "chromium-profile") as context:
        yield context.pages[0] if context.pages else context.new_page()
