"""Where a spending limit comes from: operator, then connection extra, then ``[quantum]`` config."""

from __future__ import annotations

import pytest

from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.spending.budget import (
    MAX_COST,
    MAX_QUANTUM_SECONDS,
    Limit,
    OverBudgetError,
    resolve_limit,
)


def test_operator_beats_connection_and_config(monkeypatch):
    monkeypatch.setenv("AIRFLOW__QUANTUM__MAX_COST", "9")
    assert resolve_limit(MAX_COST, 2, {"max_cost": "5"}) == Limit(MAX_COST, 2.0, "operator")


def test_connection_beats_config(monkeypatch):
    monkeypatch.setenv("AIRFLOW__QUANTUM__MAX_QUANTUM_SECONDS", "9")
    limit = resolve_limit(MAX_QUANTUM_SECONDS, None, {"max_quantum_seconds": "5"})
    assert limit == Limit(MAX_QUANTUM_SECONDS, 5.0, "connection")


def test_config_is_the_last_word(monkeypatch):
    monkeypatch.setenv("AIRFLOW__QUANTUM__MAX_COST", "7.5")
    limit = resolve_limit(MAX_COST, None, {})
    assert limit == Limit(MAX_COST, 7.5, "config")
    assert limit.describe() == "max_cost=7.5 (from the config)"


def test_no_limit_anywhere(monkeypatch):
    monkeypatch.delenv("AIRFLOW__QUANTUM__MAX_COST", raising=False)
    assert resolve_limit(MAX_COST, None, {"max_cost": ""}) is None


@pytest.mark.parametrize("bad", ["lots", -1, True, float("inf")])
def test_bad_limits_name_the_key_and_source(bad):
    with pytest.raises(InvalidInputError, match=r"max_cost from the connection"):
        resolve_limit(MAX_COST, None, {"max_cost": bad})


def test_over_budget_is_bad_input_so_the_task_fails_without_retry():
    assert issubclass(OverBudgetError, InvalidInputError)
    with pytest.raises(ValueError, match="unknown limit"):
        resolve_limit("max_dollars", 1, {})
