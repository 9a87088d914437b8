"""A deferrable sensor looks at its job on the worker for a while before deferring, as the
operators do (``[quantum] defer_after_seconds``, one definition: ``WaitSettings.first_look``).

A job that ends within it ends the sensor without a deferral (so without the minimum
deferral's hold); one that does not defers, and the trigger gets what is left of the sensor's
``timeout``. A sensor in poke or reschedule mode still looks once per poke. Against the
emulator over loopback HTTP, jobs held until the test ends them.
"""

from __future__ import annotations

import time

import pytest
from airflow.sdk.exceptions import AirflowFailException, TaskDeferred
from airflow_face_support import (
    finished_once_polled,
    hold,
    job_fault,
    make_context,
    make_vendor,
    stats,
)

from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.clients.portal import emulator_job_url
from airflow_quantum.sensors.azure_quantum import AzureQuantumJobSensor
from airflow_quantum.sensors.ibm_quantum import IBMQuantumJobSensor

SENSORS = {"azure": AzureQuantumJobSensor, "ibm": IBMQuantumJobSensor}
CONN = {"azure": "azure_quantum_conn_id", "ibm": "ibm_quantum_conn_id"}


@pytest.fixture(params=["azure", "ibm"])
def vendor(request):
    return make_vendor(request.param, request)


@pytest.fixture
def defer_after(monkeypatch):
    """Set ``[quantum] defer_after_seconds`` (the suite's default is 0: defer at once)."""
    return lambda value: monkeypatch.setenv("AIRFLOW__QUANTUM__DEFER_AFTER_SECONDS", str(value))


def sensor_for(vendor, job_id: str, **kwargs):
    options = {"task_id": "wait", "job_id": job_id, "poke_interval": 0.05, **kwargs}
    return SENSORS[vendor.name](**{CONN[vendor.name]: vendor.conn_id}, **options)


def requests(emulator, vendor) -> int:
    return stats(emulator, vendor.name)["requests"]


def test_a_job_that_ends_during_the_look_ends_the_sensor_without_a_deferral(
    vendor, emulator, defer_after
):
    defer_after(120)
    hold(emulator)
    job_id = vendor.submit()
    sensor = sensor_for(vendor, job_id, deferrable=True, timeout=600)
    context = make_context(sensor)
    before = requests(emulator, vendor)
    with finished_once_polled(emulator, vendor.name, [job_id], polls=3):
        assert sensor.execute(context) is None  # no TaskDeferred
    assert requests(emulator, vendor) >= before + 3  # it looked until the job ended
    # The job's page was pushed at the first look, once.
    assert context["ti"].pushes == [("job_url", emulator_job_url(emulator.url, job_id))]


def test_a_job_that_fails_during_the_look_fails_the_sensor_without_a_deferral(
    vendor, emulator, defer_after
):
    defer_after(120)
    hold(emulator)
    job_fault(emulator, vendor.name, outcome="fail", code="1517", message="Calibration drifted")
    job_id = vendor.submit()
    sensor = sensor_for(vendor, job_id, deferrable=True, timeout=600)
    with (
        pytest.raises(AirflowFailException, match="Calibration drifted"),
        finished_once_polled(emulator, vendor.name, [job_id], polls=3),
    ):
        sensor.execute(make_context(sensor))


def test_a_job_still_queued_after_the_look_defers_with_the_rest_of_the_timeout(
    vendor, emulator, defer_after
):
    defer_after(120)
    hold(emulator)
    job_id = vendor.submit()
    sensor = sensor_for(vendor, job_id, deferrable=True, timeout=2, max_poll_interval=0.1)
    before_requests = requests(emulator, vendor)
    before = time.time()
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(make_context(sensor))  # looks half the timeout (1 s), not 120 s
    trigger = deferred.value.trigger
    # The deadline is the sensor's: 2 s after it began looking, not 2 s after the deferral.
    assert before + 2 <= trigger.deadline <= before + 2.5 < trigger.deferred_at + 2
    assert trigger.deferred_at >= before + 1
    assert trigger.poll_interval == 0.05 and trigger.max_poll_interval == 0.1
    assert requests(emulator, vendor) >= before_requests + 3  # several looks before deferring


def test_no_look_before_deferring_when_set_to_zero(vendor, emulator, defer_after):
    defer_after(0)
    hold(emulator)
    job_id = vendor.submit()
    sensor = sensor_for(vendor, job_id, deferrable=True, timeout=600)
    before = requests(emulator, vendor)
    with pytest.raises(TaskDeferred):
        sensor.execute(make_context(sensor))
    assert requests(emulator, vendor) == before + 1  # one look, then the deferral


@pytest.mark.parametrize("mode", ["poke", "reschedule"])
def test_a_sensor_on_the_worker_looks_once_per_poke(vendor, emulator, defer_after, mode):
    defer_after(120)  # for deferrable sensors only
    hold(emulator)
    job_id = vendor.submit()
    sensor = sensor_for(vendor, job_id, deferrable=False, mode=mode, timeout=600)
    before = requests(emulator, vendor)
    assert sensor.poke(make_context(sensor)) is False  # at once, not after 120 s
    assert requests(emulator, vendor) == before + 1


def test_a_poke_interval_of_zero_is_refused_naming_it():
    # Airflow's sensors allow it; a deferred wait polling every 0 s would never pause.
    with pytest.raises(InvalidInputError, match="poke_interval"):
        IBMQuantumJobSensor(task_id="wait", job_id="j", poke_interval=0)
