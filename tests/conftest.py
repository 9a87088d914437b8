"""Fixtures shared by the whole suite: one in-process emulator, reset before each test."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Airflow reads its home at import time: give the suite its own, away from ~/airflow.
os.environ.setdefault("AIRFLOW_HOME", str(Path(__file__).resolve().parents[1] / ".airflow-test"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

from airflow_quantum.clients.auth import TOKEN_CACHE
from airflow_quantum_emulator import EmulatorConfig, EmulatorServer

#: Timings of the test emulator: short, so lifecycles finish in about half a second.
TEST_CONFIG = EmulatorConfig(queue_seconds=0.2, run_seconds=0.3, seed=1234)


# ------------------------------------------------- the slow tests, side by side (xdist)

#: The slow tests of one module share long-lived fixtures (an Airflow home, a deployment, a
#: PostgreSQL server), so ``make test`` gives each module to one pytest-xdist worker
#: (``--dist loadfile --no-loadscope-reorder``). Modules are handed out in this order, the
#: longest first (as measured), so that the workers end about together; others go last.
SLOW_MODULES = (
    "test_soak",
    "test_example_dags",
    "test_reliability_scenarios",
    "test_reliability_quick_jobs",
    "test_reliability_service_faults",
    "test_first_hour",
    "test_airflow_ui",
    "test_spend_approval",
    "test_reliability_ha_secrets",
    "test_scale_smoke",
    "test_demo_cli",
    "test_xcom_object_storage_backend",
    "test_budget_dag",
    "test_providers_list",
)
#: Slow modules that ``make test`` runs in a pytest of their own, beside the others: modules
#: paced by a clock, not by the CPU (the soak's CI profile runs two minutes of DAG runs at a
#: fixed rate, then drains). In the xdist run, a worker given the soak's one test would at once
#: be handed a second module too (pytest-xdist hands out more work to a worker with two tests
#: or fewer pending), which would wait behind the soak while other workers idle.
EARLY_MODULES = ("test_soak",)
#: ``make test`` sets it for its two runs of slow tests: "early" selects EARLY_MODULES only,
#: "rest" all the others; unset (any other pytest run), nothing is left out.
GROUP_VARIABLE = "AIRFLOW_QUANTUM_TEST_GROUP"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(SLOW_MODULES)}

    def order(item: pytest.Item) -> int:
        if item.get_closest_marker("slow") is None:
            return -1  # the other tests keep their place, before the slow ones
        return rank.get(item.path.stem, len(rank))

    items.sort(key=order)  # stable: a module's tests keep their order
    group = os.environ.get(GROUP_VARIABLE)
    if group in ("early", "rest"):
        wanted = group == "early"
        left_out = [item for item in items if (item.path.stem in EARLY_MODULES) != wanted]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = [item for item in items if (item.path.stem in EARLY_MODULES) == wanted]


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(TEST_CONFIG.model_copy()) as server:
        yield server


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite metadata DB migrated once for the whole run; ``copy_sqlite_db`` it per home."""
    from airflow_db_support import migrated_sqlite_template, session_root

    return migrated_sqlite_template(session_root(tmp_path_factory))


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[EmulatorServer]:
    """The running emulator with no jobs, faults or counters, and the test config."""
    state = emulator_server.state
    for name in type(TEST_CONFIG).model_fields:
        setattr(state.config, name, getattr(TEST_CONFIG, name))
    state.reset()
    if not emulator_server.running:
        emulator_server.start()
    yield emulator_server
    state.faults.clear()


@pytest.fixture(autouse=True)
def _fresh_token_cache() -> Iterator[None]:
    """Each test starts without cached bearer tokens (the emulator forgets them on reset)."""
    TOKEN_CACHE.clear()
    yield
    TOKEN_CACHE.clear()


@pytest.fixture(autouse=True)
def _no_minimum_deferral(request: pytest.FixtureRequest, monkeypatch) -> None:
    """Triggers run in this process resume their task at once.

    ``[quantum] min_deferral_seconds`` guards against a race between a real scheduler's
    executor events and a quick trigger; no scheduler runs here. The hold itself is tested in
    tests/triggers/test_trigger_hold.py, and under real processes, at the provider's default,
    by the slow tests (tests/reliability/test_reliability_quick_jobs.py above all), which this
    leaves alone.
    """
    if request.node.get_closest_marker("slow") is None:
        monkeypatch.setenv("AIRFLOW__QUANTUM__MIN_DEFERRAL_SECONDS", "0")


# ----------------------------------------------- Airflow connections to the emulator
# Given as AIRFLOW_CONN_* variables, for the hook, trigger, sensor and operator tests.

#: A well-formed instance CRN (region us-east); the emulator accepts any.
IBM_CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/emulator:emulator::"


@pytest.fixture
def ibm_connection(emulator, monkeypatch) -> str:
    """``ibm_quantum_default`` with the emulator's API key, IAM URL and runtime URL."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_IBM_QUANTUM_DEFAULT",
        json.dumps(
            {
                "conn_type": "ibm_quantum",
                "password": "emulator",
                "extra": {
                    "instance": IBM_CRN,
                    "runtime_url": f"{emulator.url}/api/v1",
                    "iam_url": emulator.url,
                },
            }
        ),
    )
    return "ibm_quantum_default"


@pytest.fixture
def azure_connection(emulator, monkeypatch) -> str:
    """``azure_quantum_default`` with the emulator's workspace API key."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_AZURE_QUANTUM_DEFAULT",
        json.dumps(
            {
                "conn_type": "azure_quantum",
                "extra": {
                    "subscription_id": "sub",
                    "resource_group": "rg",
                    "workspace": "ws",
                    "location": "eastus",
                    "endpoint": emulator.url,
                    "api_key": "emulator",
                },
            }
        ),
    )
    return "azure_quantum_default"


@pytest.fixture
def azure_entra_connection(emulator, monkeypatch) -> str:
    """``azure_quantum_entra``: a service principal (client credentials) at the emulator."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_AZURE_QUANTUM_ENTRA",
        json.dumps(
            {
                "conn_type": "azure_quantum",
                "login": "my-client-id",
                "password": "emulator",
                "extra": {
                    "tenant_id": "my-tenant",
                    "subscription_id": "sub",
                    "resource_group": "rg",
                    "workspace": "ws",
                    "location": "eastus",
                    "endpoint": emulator.url,
                    "authority_host": emulator.url,
                },
            }
        ),
    )
    return "azure_quantum_entra"
