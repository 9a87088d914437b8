"""AzureQuantumJobSensor and IBMQuantumJobSensor against the emulator: poke, reschedule and
deferrable modes, target states, cancellation, soft_fail and timeouts."""

from __future__ import annotations

import asyncio
import time

import pytest
from airflow.sdk.exceptions import (
    AirflowFailException,
    AirflowRescheduleException,
    AirflowSensorTimeout,
    AirflowSkipException,
    TaskDeferred,
)
from airflow_face_support import (
    FakeTI,
    configure,
    control,
    finish,
    finished_once_polled,
    hold,
    job_fault,
    make_context,
    make_vendor,
    phase,
    run_trigger,
    stats,
)

from airflow_quantum.clients.portal import emulator_job_url
from airflow_quantum.links.azure_quantum import AzureQuantumJobLink
from airflow_quantum.links.base import XCom
from airflow_quantum.links.ibm_quantum import IBMQuantumJobLink
from airflow_quantum.sensors.azure_quantum import AzureQuantumJobSensor
from airflow_quantum.sensors.ibm_quantum import IBMQuantumJobSensor
from airflow_quantum.triggers.azure_quantum import AzureQuantumJobTrigger
from airflow_quantum.triggers.ibm_quantum import IBMQuantumJobTrigger

SENSORS = {"azure": AzureQuantumJobSensor, "ibm": IBMQuantumJobSensor}
LINKS = {"azure": AzureQuantumJobLink, "ibm": IBMQuantumJobLink}
TRIGGERS = {"azure": AzureQuantumJobTrigger, "ibm": IBMQuantumJobTrigger}
MALFORMED = {"azure": "not a guid!", "ibm": "../etc/passwd"}
MISSING = {"azure": "00000000-0000-0000-0000-00000000dead", "ibm": "nosuchjob1"}


@pytest.fixture(params=["azure", "ibm"])
def vendor(request):
    return make_vendor(request.param, request)


def sensor_for(vendor, job_id: str, **kwargs):
    options = {
        "task_id": "wait",
        "job_id": job_id,
        "poke_interval": 0.05,
        "timeout": 20,
        "deferrable": False,
        **kwargs,
    }
    conn = {"azure": "azure_quantum_conn_id", "ibm": "ibm_quantum_conn_id"}[vendor.name]
    return SENSORS[vendor.name](**{conn: vendor.conn_id}, **options)


def defer(sensor, context) -> TaskDeferred:
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(context)
    return deferred.value


def resume(sensor, context, deferred: TaskDeferred):
    """Run the trigger as the triggerer would, then resume the task with its event."""
    (event,) = asyncio.run(run_trigger(deferred.trigger))
    return getattr(sensor, deferred.method_name)(context, event=event)


# --------------------------------------------------------------------------- three modes


def test_poke_mode_waits_on_the_worker_until_the_job_succeeds(vendor, emulator):
    hold(emulator)  # still queued until the sensor has waited on it a while
    job_id = vendor.submit()
    sensor = sensor_for(vendor, job_id, mode="poke")
    context = make_context(sensor)
    assert sensor.poke(context) is False  # still queued
    with finished_once_polled(emulator, vendor.name, [job_id]):
        assert sensor.execute(context) is None
    assert phase(emulator, job_id) == "succeeded"


def test_reschedule_mode_frees_the_slot_until_the_job_is_final(vendor, emulator):
    configure(emulator, queue_seconds=30.0)
    job_id = vendor.submit()
    sensor = sensor_for(vendor, job_id, mode="reschedule", poke_interval=5)
    context = make_context(sensor)
    with pytest.raises(AirflowRescheduleException) as rescheduled:
        sensor.execute(context)
    assert 0 < (rescheduled.value.reschedule_date.timestamp() - time.time()) <= 6
    control(emulator, "POST", f"/jobs/{job_id}/finish")
    assert sensor.execute(context) is None  # the next try: done


def test_deferrable_checks_once_then_defers_to_the_vendor_trigger(vendor, emulator):
    hold(emulator)  # still queued at the first look, however slow
    job_id = vendor.submit()
    sensor = sensor_for(vendor, job_id, deferrable=True, poke_interval=0.05, timeout=600)
    context = make_context(sensor)
    began = time.time()
    deferred = defer(sensor, context)

    assert type(deferred.trigger) is TRIGGERS[vendor.name]
    assert deferred.method_name == "execute_complete" and deferred.timeout is None
    _, kwargs = deferred.trigger.serialize()
    assert kwargs["conn_id"] == vendor.conn_id and kwargs["job_id"] == job_id
    assert kwargs["poll_interval"] == 0.05 and kwargs["cancel_on_kill"] is False
    assert time.time() + 590 < kwargs["deadline"] <= time.time() + 600
    # The timeout counts from the sensor's first look (as an operator's), not from the deferral.
    assert began + 600 - 0.01 <= kwargs["deadline"] <= kwargs["deferred_at"] + 600
    finish(emulator, job_id)
    assert resume(sensor, context, deferred) is None


def test_deferrable_sensor_on_a_finished_job_does_not_defer(vendor, emulator):
    job_id = vendor.submit()
    control(emulator, "POST", f"/jobs/{job_id}/finish")
    sensor = sensor_for(vendor, job_id, deferrable=True)
    assert sensor.execute(make_context(sensor)) is None


def test_deferrable_defaults_to_the_operators_config(monkeypatch):
    monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "True")
    assert AzureQuantumJobSensor(task_id="a", job_id="x").waits.deferrable is True
    assert IBMQuantumJobSensor(task_id="b", job_id="x", deferrable=False).waits.deferrable is False
    monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "False")
    assert IBMQuantumJobSensor(task_id="c", job_id="x").waits.deferrable is False


def test_job_id_and_connection_are_templated():
    for cls, conn in (
        (AzureQuantumJobSensor, "azure_quantum_conn_id"),
        (IBMQuantumJobSensor, "ibm_quantum_conn_id"),
    ):
        assert {"job_id", conn} <= set(cls.template_fields)


# --------------------------------------------------------------------------- final states


@pytest.mark.parametrize("deferrable", [False, True], ids=["poke", "deferrable"])
def test_failed_job_fails_the_task_with_the_vendor_message(vendor, emulator, deferrable):
    hold(emulator)  # still queued at the first look, however slow
    job_fault(emulator, vendor.name, outcome="fail", code="1517", message="Calibration drifted")
    job_id = vendor.submit()
    sensor = sensor_for(vendor, job_id, deferrable=deferrable)
    context = make_context(sensor)
    with pytest.raises(AirflowFailException, match="Calibration drifted") as failed:
        if deferrable:
            deferred = defer(sensor, context)
            finish(emulator, job_id)  # ends failed: the job fault
            resume(sensor, context, deferred)
        else:
            with finished_once_polled(emulator, vendor.name, [job_id]):
                sensor.execute(context)
    assert job_id in str(failed.value) and "ended failed" in str(failed.value)


def test_target_states_can_make_a_failure_the_awaited_outcome(vendor, emulator):
    hold(emulator)  # still queued at the first look, however slow
    job_fault(emulator, vendor.name, outcome="fail")
    job_id = vendor.submit()
    sensor = sensor_for(vendor, job_id, target_states=["failed", "succeeded"], deferrable=True)
    context = make_context(sensor)
    deferred = defer(sensor, context)
    finish(emulator, job_id)  # ends failed: the job fault
    assert resume(sensor, context, deferred) is None


def test_target_states_must_be_final_states():
    with pytest.raises(ValueError, match="final states"):
        IBMQuantumJobSensor(task_id="s", job_id="x", target_states=["running"])
    with pytest.raises(ValueError):
        AzureQuantumJobSensor(task_id="s", job_id="x", target_states=["Completed"])


@pytest.mark.parametrize("deferrable", [False, True], ids=["poke", "deferrable"])
def test_cancelled_job_fails_unless_fail_on_cancel_is_off(vendor, emulator, deferrable):
    configure(emulator, queue_seconds=30.0)
    job_id = vendor.submit()
    control(emulator, "POST", f"/jobs/{job_id}/cancel")

    strict = sensor_for(vendor, job_id, deferrable=deferrable)
    with pytest.raises(AirflowFailException, match="ended cancelled"):
        strict.execute(make_context(strict))
    lenient = sensor_for(vendor, job_id, deferrable=deferrable, fail_on_cancel=False)
    assert lenient.execute(make_context(lenient)) is None


def test_cancel_event_from_the_trigger_is_judged_by_fail_on_cancel(vendor, emulator):
    configure(emulator, queue_seconds=30.0)
    job_id = vendor.submit()
    strict = sensor_for(vendor, job_id, deferrable=True)
    lenient = sensor_for(vendor, job_id, deferrable=True, fail_on_cancel=False)
    strict_deferral = defer(strict, make_context(strict))
    lenient_deferral = defer(lenient, make_context(lenient))
    control(emulator, "POST", f"/jobs/{job_id}/cancel")  # by an administrator, mid-wait
    with pytest.raises(AirflowFailException, match="cancelled"):
        resume(strict, make_context(strict), strict_deferral)
    assert resume(lenient, make_context(lenient), lenient_deferral) is None


@pytest.mark.parametrize("deferrable", [False, True], ids=["poke", "deferrable"])
def test_soft_fail_skips_instead_of_failing(vendor, emulator, deferrable):
    hold(emulator)  # still queued at the first look, however slow
    job_fault(emulator, vendor.name, outcome="fail", message="Out of qubits")
    job_id = vendor.submit()
    sensor = sensor_for(vendor, job_id, deferrable=deferrable, soft_fail=True)
    context = make_context(sensor)
    with pytest.raises(AirflowSkipException, match="Out of qubits"):
        if deferrable:
            deferred = defer(sensor, context)
            finish(emulator, job_id)  # ends failed: the job fault
            resume(sensor, context, deferred)
        else:
            with finished_once_polled(emulator, vendor.name, [job_id]):
                sensor.execute(context)


# --------------------------------------------------------------------------- timeouts


def test_deferred_timeout_raises_sensor_timeout_and_leaves_the_job(vendor, emulator):
    configure(emulator, queue_seconds=30.0)
    job_id = vendor.submit()
    sensor = sensor_for(vendor, job_id, deferrable=True, timeout=0.3)
    context = make_context(sensor)
    deferred = defer(sensor, context)
    with pytest.raises(AirflowSensorTimeout, match="deadline"):
        resume(sensor, context, deferred)
    # A sensor watches a job it did not submit: cancel_on_kill is off by default.
    assert phase(emulator, job_id) == "queued"

    soft = sensor_for(vendor, job_id, deferrable=True, timeout=0.3, soft_fail=True)
    with pytest.raises(AirflowSkipException):
        resume(soft, context, defer(soft, context))


def test_deferred_timeout_with_cancel_on_kill_cancels_the_job(vendor, emulator):
    configure(emulator, queue_seconds=30.0)
    job_id = vendor.submit()
    sensor = sensor_for(vendor, job_id, deferrable=True, timeout=0.3, cancel_on_kill=True)
    context = make_context(sensor)
    with pytest.raises(AirflowSensorTimeout, match="the job was cancelled"):
        resume(sensor, context, defer(sensor, context))
    assert phase(emulator, job_id) == "cancelled"


def test_poke_mode_timeout_raises_sensor_timeout(vendor, emulator):
    configure(emulator, queue_seconds=30.0)
    job_id = vendor.submit()
    sensor = sensor_for(vendor, job_id, timeout=0.3)
    began = time.monotonic()
    with pytest.raises(AirflowSensorTimeout):
        sensor.execute(make_context(sensor))
    assert time.monotonic() - began < 15  # at its timeout, not after the 30 s queue
    assert phase(emulator, job_id) == "queued"


# --------------------------------------------------------------------------- the job link


@pytest.mark.parametrize("deferrable", [False, True], ids=["poke", "deferrable"])
def test_the_sensor_links_to_its_job_as_the_operators_do(vendor, emulator, monkeypatch, deferrable):
    configure(emulator, queue_seconds=0.6)  # still queued at the first look
    job_id = vendor.submit()
    sensor = sensor_for(vendor, job_id, deferrable=deferrable)
    context = make_context(sensor)
    if deferrable:
        defer(sensor, context)
    else:
        assert sensor.execute(context) is None
    url = emulator_job_url(emulator.url, job_id)  # an emulator connection: the emulator's page
    assert context["ti"].pushes == [("job_url", url)]  # pushed once, before the deferral
    (link,) = sensor.operator_extra_links
    assert type(link) is LINKS[vendor.name]
    assert link.get_link(sensor, ti_key=context["ti"]) == url  # known in memory
    # A resumed deferral is a new instance of the sensor: the link reads the pushed URL.
    monkeypatch.setattr(XCom, "get_value", lambda *, ti_key, key: dict(ti_key.pushes)[key])
    assert link.get_link(sensor_for(vendor, job_id), ti_key=context["ti"]) == url


def test_no_link_for_a_job_id_that_is_refused(vendor, emulator):
    for job_id in (MALFORMED[vendor.name], MISSING[vendor.name]):
        sensor = sensor_for(vendor, job_id)
        context = make_context(sensor)
        with pytest.raises(AirflowFailException):
            sensor.execute(context)
        assert context["ti"].pushes == [] and sensor.job_link is None


# --------------------------------------------------------------------------- bad ids, kill


@pytest.mark.parametrize("deferrable", [False, True], ids=["poke", "deferrable"])
def test_malformed_job_id_fails_at_once_without_a_request(vendor, emulator, deferrable):
    sensor = sensor_for(vendor, MALFORMED[vendor.name], deferrable=deferrable)
    with pytest.raises(AirflowFailException, match="job_id"):
        sensor.execute(make_context(sensor))
    assert stats(emulator, vendor.name)["requests"] == 0


def test_missing_job_fails_without_retries_or_skips_with_soft_fail(vendor, emulator):
    for deferrable in (False, True):
        sensor = sensor_for(vendor, MISSING[vendor.name], deferrable=deferrable)
        with pytest.raises(AirflowFailException, match=r"not found|No job|404"):
            sensor.execute(make_context(sensor))
        soft = sensor_for(vendor, MISSING[vendor.name], deferrable=deferrable, soft_fail=True)
        with pytest.raises(AirflowSkipException):
            soft.execute(make_context(soft))


def test_on_kill_cancels_only_when_asked(vendor, emulator):
    configure(emulator, queue_seconds=30.0)
    job_id = vendor.submit()
    sensor_for(vendor, job_id).on_kill()
    assert phase(emulator, job_id) == "queued"
    sensor_for(vendor, job_id, cancel_on_kill=True).on_kill()
    assert phase(emulator, job_id) == "cancelled"


def test_sensor_context_needs_nothing_but_a_task_instance(vendor, emulator):
    """The sensors read only ``ti`` (reschedule bookkeeping) from the context."""
    job_id = vendor.submit()
    control(emulator, "POST", f"/jobs/{job_id}/finish")
    sensor = sensor_for(vendor, job_id, mode="reschedule")
    assert sensor.execute({"ti": FakeTI()}) is None
