"""The layout of the slow tests (tests/slow_lanes.py) and their shared deployments
(tests/shared_deployments.py): who collects what, which modules one worker runs together, and
when a shared deployment starts and stops."""

from __future__ import annotations

import contextlib
from pathlib import Path
from types import SimpleNamespace

import pytest
import shared_deployments
import slow_lanes

TESTS = Path(__file__).resolve().parent


def test_every_listed_module_exists_and_each_run_collects_its_own(monkeypatch):
    modules = {path.stem: path for path in TESTS.rglob("test_*.py")}
    assert set(slow_lanes.SLOW_MODULES) <= set(modules)
    assert set(slow_lanes.EARLY_MODULES) | set(slow_lanes.SHARED_DEPLOYMENT_MODULES) <= set(
        slow_lanes.SLOW_MODULES
    )
    soak, ui, unit = modules["test_soak"], modules["test_airflow_ui"], Path(__file__)
    monkeypatch.delenv(slow_lanes.GROUP_VARIABLE, raising=False)
    assert [slow_lanes.ignore_collect(p) for p in (soak, ui, unit)] == [None, None, None]
    monkeypatch.setenv(slow_lanes.GROUP_VARIABLE, "early")
    assert [slow_lanes.ignore_collect(p) for p in (soak, ui, unit)] == [None, True, True]
    monkeypatch.setenv(slow_lanes.GROUP_VARIABLE, "rest")
    assert [slow_lanes.ignore_collect(p) for p in (soak, ui, unit)] == [True, None, True]
    # Not a test module: support code and conftests are always collected.
    assert slow_lanes.ignore_collect(TESTS / "conftest.py") is None


def fake_item(path: Path, slow: bool) -> SimpleNamespace:
    return SimpleNamespace(path=path, get_closest_marker=lambda name: slow or None)


def test_slow_tests_go_last_in_the_listed_order_and_unlisted_ones_are_refused(monkeypatch):
    monkeypatch.delenv(slow_lanes.GROUP_VARIABLE, raising=False)
    config = SimpleNamespace(hook=SimpleNamespace(pytest_deselected=lambda items: None))
    faults = fake_item(TESTS / "reliability/test_reliability_service_faults.py", True)
    soak = fake_item(TESTS / "soak/test_soak.py", True)
    unit = fake_item(Path(__file__), False)
    items = [faults, soak, unit]
    slow_lanes.order_and_select(config, items)
    assert items == [unit, soak, faults]

    stray = fake_item(TESTS / "e2e/test_somewhere_new.py", True)
    with pytest.raises(pytest.UsageError, match=r"test_somewhere_new\.py"):
        slow_lanes.order_and_select(config, [unit, stray])


def test_the_modules_of_a_shared_deployment_are_one_unit_of_work():
    scope = slow_lanes.xdist_scope
    reliability = {
        scope("tests/reliability/test_reliability_scenarios.py::test_a"),
        scope("tests/reliability/test_reliability_service_faults.py::test_b"),
    }
    example_dags = {
        scope("tests/ui/test_airflow_ui.py::test_c[IBM Quantum]"),
        scope("tests/e2e/test_spend_approval.py::test_d"),
    }
    assert len(reliability) == len(example_dags) == 1 and reliability != example_dags
    assert scope("tests/e2e/test_first_hour.py::test_e") == "tests/e2e/test_first_hour.py"


@pytest.fixture
def session() -> SimpleNamespace:
    return SimpleNamespace(stash=pytest.Stash())


def test_a_shared_deployment_starts_once_and_stops_when_the_next_test_does_not_use_it(
    session,
):
    request = SimpleNamespace(session=session)
    started, stopped = [], []

    def start(stack: contextlib.ExitStack) -> str:
        started.append(len(started))
        stack.callback(stopped.append, len(stopped))
        return f"deployment {len(started)}"

    user = SimpleNamespace(fixturenames=["deployment", "tmp_path"])
    other = SimpleNamespace(fixturenames=["tmp_path"])
    assert shared_deployments.shared(request, "deployment", start) == "deployment 1"
    assert shared_deployments.shared(request, "deployment", start) == "deployment 1"
    shared_deployments.stop_unused(session, user)
    assert (started, stopped) == ([0], [])
    shared_deployments.stop_unused(session, other)
    assert (started, stopped) == ([0], [0])
    # Asked again after it stopped (another order of the tests): a new one.
    assert shared_deployments.shared(request, "deployment", start) == "deployment 2"
    shared_deployments.stop_unused(session, None)  # the last test
    assert (started, stopped) == ([0, 1], [0, 1])
    shared_deployments.stop_unused(session, None)  # the session's end: nothing left
    assert stopped == [0, 1]


def test_a_deployment_that_fails_to_start_stops_what_it_started(session):
    request = SimpleNamespace(session=session)
    stopped = []

    def start(stack: contextlib.ExitStack) -> str:
        stack.callback(stopped.append, "emulator")
        raise RuntimeError("airflow scheduler exited")

    with pytest.raises(RuntimeError, match="scheduler exited"):
        shared_deployments.shared(request, "deployment", start)
    assert stopped == ["emulator"]
    shared_deployments.stop_unused(session, None)
    assert stopped == ["emulator"]  # not stopped twice: it was never running
