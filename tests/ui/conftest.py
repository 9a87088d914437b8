"""A real api-server, scheduler, dag-processor and triggerer with the example DAGs, and a
browser, for the UI tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from ui_support import CHROMIUM, UI_EMULATOR, UI_TASKS, AirflowDeployment, chromium


@pytest.fixture
def airflow_ui(example_dags_deployment: AirflowDeployment) -> AirflowDeployment:
    """The example DAGs' deployment (tests/conftest.py), its emulator holding every job."""
    if not CHROMIUM.exists():  # make test installs it (tests/system_packages.sh)
        pytest.fail(f"{CHROMIUM} is missing: run `make test-setup` (or apt-get install chromium)")
    timings = UI_EMULATOR.model_dump(include={"queue_seconds", "run_seconds", "seed"})
    example_dags_deployment.emulator_api("PATCH", "/config", json=timings)
    example_dags_deployment.wait_for_dags([dag_id for dag_id, _ in UI_TASKS])
    return example_dags_deployment


@pytest.fixture
def browser_page(tmp_path: Path):
    """A page of a fresh Chromium profile (its own user-data-dir)."""
    with chromium(tmp_path / "chromium-profile") as context:
        yield context.pages[0] if context.pages else context.new_page()
