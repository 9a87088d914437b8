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


def test_a_single_call_is_a_flow_of_one_step():
    call = _call("one")
    with Steps(call) as steps:
        assert steps.call is call
        steps.give("value")
    assert steps.call is None and steps.value == "value"
    with pytest.raises(NotFoundError), Steps(call) as steps:
        steps.fail(NotFoundError("gone", status=404))
