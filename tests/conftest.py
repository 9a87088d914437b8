"""Fixtures shared by the whole suite: one in-process emulator, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
