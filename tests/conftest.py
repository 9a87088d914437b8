"""Fixtures shared by the whole suite: one in-process emulator, reset before each test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Airflow reads its home at import time: give the suite its own, away from ~/airflow.
os.environ.setdefault("AIRFLOW_HOME", str(Path(__file__).resolve().parents[1] / ".airflow-test"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

from airflow_quantum.clients.auth import TOKEN_CACHE
from airflow_quantum.emulator import EmulatorConfig, EmulatorServer

#: Timings of the test emulator: short, so lifecycles finish in about half a second.
TEST_CONFIG = EmulatorConfig(queue_seconds=0.2, run_seconds=0.3, seed=1234)


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(TEST_CONFIG.model_copy()) as server:
        yield server


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
