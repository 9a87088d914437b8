"""Fixtures shared by the whole suite: one in-process emulator, reset before each test."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import shared_deployments
import slow_lanes

# Airflow reads its home at import time: give the suite its own, away from ~/airflow.
os.environ.setdefault("AIRFLOW_HOME", str(Path(__file__).resolve().parents[1] / ".airflow-test"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

from airflow_quantum.clients.auth import TOKEN_CACHE
from airflow_quantum_emulator import EmulatorConfig, EmulatorServer

TESTS = Path(__file__).resolve().parent
EXAMPLE_DAGS = TESTS.parent / "example_dags"
#: Timings of the test emulator: short, so lifecycles finish in about half a second.
TEST_CONFIG = EmulatorConfig(queue_seconds=0.2, run_seconds=0.3, seed=1234)


# ------------------------------------------------- the slow tests, side by side (xdist)
# Which run collects which module, in what order, in which worker: tests/slow_lanes.py.


#: The official vendor clients' tests: ``make test-official`` runs them in .venv-official, which
#: has those clients (and no Airflow). Any other run leaves the folder out instead of
#: collecting modules that cannot import there.
OFFICIAL_CLIENTS = TESTS / "official_clients"


def names_official_clients(config: pytest.Config) -> bool:
    """Whether the run's arguments name tests/official_clients or something in it."""
    for arg in config.args:
        path = (config.invocation_params.dir / arg.split("::", 1)[0]).resolve()
        if path == OFFICIAL_CLIENTS or OFFICIAL_CLIENTS in path.parents:
            return True
    return False


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if collection_path == OFFICIAL_CLIENTS and not names_official_clients(config):
        return True
    return slow_lanes.ignore_collect(collection_path)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    slow_lanes.order_and_select(config, items)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    if config.getvalue("dist") == "loadfile":
        return slow_lanes.xdist_scheduler(config, log)
    return None


@pytest.hookimpl(trylast=True)  # after the test's own fixtures are torn down
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    shared_deployments.stop_unused(item.session, nextitem)


def pytest_sessionfinish(session: pytest.Session) -> None:
    shared_deployments.stop_unused(session, None)


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
def example_dags_deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path
):
    """A real scheduler, triggerer, dag-processor and api-server with the example DAGs.

    Shared by the UI tests and the spend-approval tests (tests/shared_deployments.py); each
    sets the emulator timings it needs and waits for the DAGs it runs.
    """
    if str(TESTS / "reliability") not in sys.path:  # the deployment harness's folder
        sys.path.insert(0, str(TESTS / "reliability"))
    from reliability_support import start_deployment

    def start(stack):
        home = tmp_path_factory.mktemp("airflow-example-dags")
        return start_deployment(stack, home, migrated_sqlite, TEST_CONFIG, dags_folder=EXAMPLE_DAGS)

    return shared_deployments.shared(request, "example_dags_deployment", start)


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
    """Triggers run in this process resume their task at once, and deferrable operators defer
    after one look.

    ``[quantum] min_deferral_seconds`` guards against a race between a real scheduler's
    executor events and a quick trigger, and ``[quantum] defer_after_seconds`` spares quick
    jobs that guard; no scheduler runs here. The hold is tested in
    tests/triggers/test_trigger_hold.py, the look before deferring in
    tests/operators/test_defer_after.py, and both under real processes by the slow tests
    (tests/reliability/test_reliability_quick_jobs.py above all), which this leaves alone.
    """
    if request.node.get_closest_marker("slow") is None:
        monkeypatch.setenv("AIRFLOW__QUANTUM__MIN_DEFERRAL_SECONDS", "0")
        monkeypatch.setenv("AIRFLOW__QUANTUM__DEFER_AFTER_SECONDS", "0")


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
                "password": "local-emulator-key",
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
                    "api_key": "local-emulator-key",
                },
            }
        ),
    )
    return "azure_quantum_default"


@pytest.fixture
def connections(azure_connection, ibm_connection) -> None:
    """Both vendors' default connections point at the emulator."""


@pytest.fixture
def azure_entra_connection(emulator, monkeypatch) -> str:
    """``azure_quantum_entra``: a service principal (client credentials) at the emulator."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_AZURE_QUANTUM_ENTRA",
        json.dumps(
            {
                "conn_type": "azure_quantum",
                "login": "my-client-id",
                "password": "local-emulator-key",
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


@pytest.fixture
def braket_connection(emulator, monkeypatch) -> str:
    """``braket_default``: Airflow's ``aws`` connection with the emulator's keys, Braket and
    its S3 subset at the emulator (``service_config``), and a default output bucket."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_BRAKET_DEFAULT",
        json.dumps(
            {
                "conn_type": "aws",
                "login": "AKIALOCALEMULATOR000",
                "password": "local-emulator-key",
                "extra": {
                    "region_name": "us-east-1",
                    "service_config": {
                        "braket": {"endpoint_url": emulator.url},
                        "s3": {"endpoint_url": f"{emulator.url}/s3"},
                    },
                    "s3_bucket": "amazon-braket-results",
                    "s3_prefix": "tasks",
                },
            }
        ),
    )
    return "braket_default"
