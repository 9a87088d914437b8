"""WaitSettings: the wait arguments of operators, sweeps and sensors, parsed once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.operators.azure_quantum import AzureQuantumSubmitJobOperator
from airflow_quantum.operators.azure_quantum_sweep import AzureQuantumSweepOperator
from airflow_quantum.operators.wait_settings import WaitSettings
from airflow_quantum.sensors.ibm_quantum import IBMQuantumJobSensor


def settings(**kwargs) -> WaitSettings:
    options = {"deferrable": True, "poll_interval": 5, "max_poll_interval": 60, "timeout": None}
    return WaitSettings.of(**{**options, **kwargs})


def test_durations_are_seconds_and_the_cap_never_below_the_first_wait():
    waits = settings(poll_interval=timedelta(seconds=10), max_poll_interval=1, timeout=90)
    assert (waits.poll_interval, waits.max_poll_interval, waits.timeout) == (10.0, 10.0, 90.0)


@pytest.mark.parametrize("name", ["poll_interval", "max_poll_interval", "timeout"])
@pytest.mark.parametrize("value", [0, -1, float("inf"), float("nan"), True, "5"])
def test_a_bad_duration_is_refused_naming_it(name, value):
    with pytest.raises(InvalidInputError, match=name):
        settings(**{name: value})


def test_deferrable_none_reads_the_operators_config(monkeypatch):
    monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "True")
    assert settings(deferrable=None).deferrable is True
    monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "False")
    assert settings(deferrable=None).deferrable is False


def test_the_look_before_deferring_is_the_setting_at_most_half_the_timeout(monkeypatch):
    monkeypatch.setenv("AIRFLOW__QUANTUM__DEFER_AFTER_SECONDS", "20")
    assert settings().defer_after() == 20.0
    assert settings(timeout=30).defer_after() == 15.0
    assert settings(deferrable=False).defer_after() == 0.0  # it waits on the worker anyway


def test_polling_at_least_slows_down_only():
    waits = settings(poll_interval=1, max_poll_interval=2)
    assert waits.polling_at_least(0.5) is waits
    slower = waits.polling_at_least(4)
    assert (slower.poll_interval, slower.max_poll_interval) == (4, 4)
    assert (slower.deferrable, slower.timeout) == (waits.deferrable, waits.timeout)


@pytest.mark.parametrize(
    "make",
    [
        lambda: AzureQuantumSubmitJobOperator(
            task_id="t",
            target="ionq.simulator",
            ionq_circuit={"qubits": 1, "circuit": []},
            deferrable=True,
        ),
        lambda: IBMQuantumJobSensor(task_id="t", job_id="j", deferrable=True),
        lambda: AzureQuantumSweepOperator(
            task_id="t", target="ionq.simulator", circuits=["OPENQASM 2.0;"], deferrable=True
        ),
    ],
    ids=["operator", "sensor", "sweep"],
)
def test_task_deferrable_reads_and_sets_its_wait_settings(make):
    """``task.deferrable``, as on Airflow's own operators, is the one in ``task.waits``."""
    task = make()
    assert task.deferrable is True and task.waits.deferrable is True
    task.deferrable = False
    assert task.deferrable is False and task.waits.deferrable is False
    assert task.waits.poll_interval > 0  # the other settings stay
