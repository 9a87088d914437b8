"""``calls.Steps``: the one driver of flows that both executors share (they only do the I/O)."""

from __future__ import annotations

import pytest

from airflow_quantum.clients.calls import Call, Flow, Steps
from airflow_quantum.clients.errors import NotFoundError, QuantumAPIError
from airflow_quantum.clients.transport import Request


def _call(path: str) -> Call[str]:
    return Call(Request("GET", f"https://example.invalid/{path}"), lambda answer: answer.text)


def _two_calls(log: list[str]) -> Flow[str]:
    try:
        first = yield _call("a")
        try:
            second = yield _call("b")
        except NotFoundError:
            second = "none"
        return f"{first}+{second}"
    finally:
        log.append("closed")


def test_a_flow_is_sent_each_value_and_returns_its_own():
    log: list[str] = []
    with Steps(_two_calls(log)) as steps:
        assert steps.call is not None and steps.call.request.url.endswith("/a")
        steps.give("1")
        assert steps.call is not None and steps.call.request.url.endswith("/b")
        steps.give("2")
        assert steps.call is None
    assert steps.value == "1+2"
    assert log == ["closed"]


def test_an_error_thrown_into_the_flow_may_be_recovered_from():
    log: list[str] = []
    with Steps(_two_calls(log)) as steps:
        steps.give("1")
        steps.fail(NotFoundError("gone", status=404))
        assert steps.call is None
    assert steps.value == "1+none"


def test_an_error_the_flow_does_not_catch_leaves_it_closed():
    log: list[str] = []
    with pytest.raises(QuantumAPIError, match="busy"), Steps(_two_calls(log)) as steps:
        steps.fail(QuantumAPIError("busy", status=503))
    assert log == ["closed"]


def test_a_flow_left_halfway_is_closed():
    log: list[str] = []
    with pytest.raises(KeyboardInterrupt), Steps(_two_calls(log)):
        raise KeyboardInterrupt  # e.g. the task was killed while a call was in flight
    assert log == ["closed"]


def test_a_single_call_runs_without_a_flow_driver(monkeypatch):
    """One request is sent and parsed directly; ``Steps`` drives only flows of several calls."""
    from types import SimpleNamespace

    from airflow_quantum.clients import calls

    monkeypatch.setattr(calls, "Steps", None)  # any use of the driver would fail
    answers = iter([SimpleNamespace(text="value")])
    errors = iter([NotFoundError("gone", status=404)])

    class Transport:
        def send(self, request):
            return next(answers)

    runner = calls.SyncRunner()
    runner.transport = Transport()  # type: ignore[assignment]
    call = Call(Request("GET", "https://x/one"), lambda answer: answer.text)
    assert runner.run(call) == "value"

    class Failing:
        def send(self, request):
            raise next(errors)

    runner.transport = Failing()  # type: ignore[assignment]
    recovering = Call(call.request, call.parse, lambda error: f"recovered {error.status}")
    assert runner.run(recovering) == "recovered 404"
