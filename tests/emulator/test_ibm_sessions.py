"""Sessions and batches: open, run jobs in them, close (let jobs finish) or cancel (drop queued)."""

from __future__ import annotations

import pytest
import requests
from ibm_support import BELL, IBMWire, advance_clock, ibm_error

SESSION_FIELDS = {
    "id",
    "backend_name",
    "mode",
    "state",
    "accepting_jobs",
    "interactive_ttl",
    "max_ttl",
    "active_ttl",
    "started_at",
    "closed_at",
    "elapsed_time",
}


@pytest.fixture
def ibm(emulator) -> IBMWire:
    return IBMWire(emulator.url)


@pytest.fixture
def slow(emulator):
    requests.patch(
        f"{emulator.url}/_emulator/config", json={"queue_seconds": 30, "run_seconds": 30}
    )


def _open(ibm: IBMWire, mode: str = "dedicated", **extra) -> dict:
    answer = ibm.post("/sessions", json={"mode": mode, "backend": "ibm_marrakesh", **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_open_session_answers_the_session_object(ibm):
    session = _open(ibm, max_ttl=3600)
    assert set(session) >= SESSION_FIELDS
    assert session["backend_name"] == "ibm_marrakesh" and session["mode"] == "dedicated"
    assert session["state"] == "open" and session["accepting_jobs"] is True
    assert session["max_ttl"] == 3600 and session["started_at"] is None
    assert session["closed_at"] is None and session["elapsed_time"] == 0
    assert ibm.get(f"/sessions/{session['id']}").json()["id"] == session["id"]


def test_batch_mode_is_kept(ibm):
    assert _open(ibm, "batch")["mode"] == "batch"


def test_job_in_a_session_runs_on_the_session_backend_and_reports_its_session(ibm, emulator):
    # The job keeps the session active until it is finished below, however slow.
    requests.patch(f"{emulator.url}/_emulator/config", json={"queue_seconds": 600})
    session = _open(ibm)
    answer = ibm.run("sampler", [[BELL, None, 10]], backend=None, session_id=session["id"])
    assert answer.status_code == 200
    body = answer.json()
    assert body["backend"] == "ibm_marrakesh" and body["session_id"] == session["id"]
    assert ibm.get(f"/sessions/{session['id']}").json()["state"] == "active"
    job = ibm.finished(body["id"])
    assert job["session_id"] == session["id"] and job["backend"] == "ibm_marrakesh"
    after = ibm.get(f"/sessions/{session['id']}").json()
    assert after["state"] == "open" and after["started_at"] is not None
    assert after["last_job_completed"] is not None
    advance_clock(emulator.url, 61)
    assert ibm.get(f"/sessions/{session['id']}").json()["state"] == "inactive"


def test_a_job_naming_another_backend_than_its_session_is_400(ibm):
    session = _open(ibm)
    answer = ibm.run("sampler", [[BELL]], backend="ibm_fez", session_id=session["id"])
    assert answer.status_code == 400
    assert "ibm_marrakesh" in ibm_error(answer)["message"]


def test_close_with_patch_is_204_lets_queued_jobs_finish_and_refuses_new_jobs(ibm, emulator, slow):
    session = _open(ibm)
    job_id = ibm.submit("sampler", [[BELL, None, 10]], backend=None, session_id=session["id"])
    answer = ibm.patch(f"/sessions/{session['id']}", json={"accepting_jobs": False})
    assert answer.status_code == 204 and answer.content == b""
    closing = ibm.get(f"/sessions/{session['id']}").json()
    assert closing["accepting_jobs"] is False and closing["state"] == "active"
    refused = ibm.run("sampler", [[BELL]], backend=None, session_id=session["id"])
    assert refused.status_code == 400
    assert "closed" in ibm_error(refused)["message"]
    # A job cannot end before its computation: let it finish before moving the clock past the
    # job's end (a loaded machine computed it after the advance, and the session ran 31 s).
    emulator.state.jobs.get(job_id).result_future.result(timeout=30)
    advance_clock(emulator.url, 61)
    assert ibm.wait(job_id)["status"] == "Completed"
    closed = ibm.get(f"/sessions/{session['id']}").json()
    assert closed["state"] == "closed" and closed["closed_at"] is not None
    assert closed["elapsed_time"] == 30


def test_cancel_with_delete_close_is_204_and_cancels_queued_jobs(ibm, emulator, slow):
    session = _open(ibm)
    running = ibm.submit("sampler", [[BELL, None, 10]], backend=None, session_id=session["id"])
    advance_clock(emulator.url, 31)
    queued = ibm.submit("sampler", [[BELL, None, 10]], backend=None, session_id=session["id"])
    assert ibm.job(running)["status"] == "Running" and ibm.job(queued)["status"] == "Queued"
    answer = ibm.delete(f"/sessions/{session['id']}/close")
    assert answer.status_code == 204 and answer.content == b""
    assert ibm.job(queued)["status"] == "Cancelled"
    assert ibm.job(running)["status"] == "Running"
    refused = ibm.run("sampler", [[BELL]], backend=None, session_id=session["id"])
    assert refused.status_code == 400
    advance_clock(emulator.url, 31)
    assert ibm.wait(running)["status"] == "Completed"
    assert ibm.get(f"/sessions/{session['id']}").json()["state"] == "closed"


def test_session_closes_after_max_ttl_from_its_first_job(ibm, emulator):
    session = _open(ibm, max_ttl=100)
    ibm.wait(ibm.submit("sampler", [[BELL, None, 5]], backend=None, session_id=session["id"]))
    assert ibm.get(f"/sessions/{session['id']}").json()["active_ttl"] <= 100
    advance_clock(emulator.url, 101)
    assert ibm.get(f"/sessions/{session['id']}").json()["state"] == "closed"
    refused = ibm.run("sampler", [[BELL]], backend=None, session_id=session["id"])
    assert refused.status_code == 400


def test_unknown_session_is_404_for_get_patch_close_and_jobs(ibm):
    assert ibm.get("/sessions/nosuchsession").status_code == 404
    assert ibm.patch("/sessions/nosuch", json={"accepting_jobs": False}).status_code == 404
    assert ibm.delete("/sessions/nosuch/close").status_code == 404
    answer = ibm.run("sampler", [[BELL]], backend=None, session_id="nosuch")
    assert answer.status_code == 404
    assert "nosuch" in ibm_error(answer)["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "exclusive", "backend": "ibm_fez"},
        {"mode": "batch"},
        {"mode": "batch", "backend": "ibm_fez", "max_ttl": 0},
        {"mode": "batch", "backend": "ibm_fez", "max_ttl": "long"},
        ["batch"],
    ],
)
def test_bad_session_requests_are_400(ibm, body):
    answer = ibm.post("/sessions", json=body)
    assert answer.status_code == 400
    ibm_error(answer)


def test_session_on_an_unknown_backend_is_404(ibm):
    assert ibm.post("/sessions", json={"mode": "batch", "backend": "ibm_x"}).status_code == 404


def test_patch_session_needs_a_boolean_accepting_jobs(ibm):
    session = _open(ibm)
    answer = ibm.patch(f"/sessions/{session['id']}", json={"accepting_jobs": "no"})
    assert answer.status_code == 400
    assert "accepting_jobs" in ibm_error(answer)["message"]


def test_batch_usage_is_the_quantum_time_of_its_jobs(ibm):
    batch = _open(ibm, "batch")
    for _ in range(2):
        ibm.wait(ibm.submit("sampler", [[BELL, None, 5]], backend=None, session_id=batch["id"]))
    assert ibm.get(f"/sessions/{batch['id']}").json()["elapsed_time"] == 2


def test_session_timestamps_list_its_state_transitions(ibm):
    session = _open(ibm)
    assert [t["status"] for t in session["timestamps"]] == ["open"]
    ibm.wait(ibm.submit("sampler", [[BELL, None, 5]], backend=None, session_id=session["id"]))
    assert ibm.delete(f"/sessions/{session['id']}/close").status_code == 204
    details = ibm.get(f"/sessions/{session['id']}").json()
    assert [t["status"] for t in details["timestamps"]] == ["open", "active", "closed"]


def test_an_open_plan_instance_refuses_dedicated_sessions_and_runs_batches(emulator):
    """IBM's docs: on the Open plan the session execution mode is not available, batch is.
    The quickstart's and demo's instance (config.OPEN_PLAN_CRN) is on the Open plan."""
    from airflow_quantum_emulator.config import OPEN_PLAN_CRN

    open_plan = IBMWire(emulator.url, crn=OPEN_PLAN_CRN)
    refused = open_plan.post("/sessions", json={"mode": "dedicated", "backend": "ibm_fez"})
    assert refused.status_code == 403
    error = ibm_error(refused)
    assert error["message"] == "You are not authorized to run a session when using the open plan."
    assert "batch" in error["solution"]
    batch = _open(open_plan, "batch")
    answer = open_plan.run("sampler", [[BELL, None, 10]], backend=None, session_id=batch["id"])
    assert answer.status_code == 200, answer.text
    assert open_plan.get("/instances/usage").json()["plan_id"] == "emulator-open"
    # Any other instance is on a pay-as-you-go plan: dedicated sessions open.
    assert _open(IBMWire(emulator.url))["mode"] == "dedicated"
    assert IBMWire(emulator.url).get("/instances/usage").json()["plan_id"] == (
        "emulator-pay-as-you-go"
    )


def test_which_instances_are_on_the_open_plan_is_configurable(ibm, emulator):
    from ibm_support import CRN

    requests.patch(
        f"{emulator.url}/_emulator/config", json={"ibm_open_plan_instances": [CRN]}, timeout=5
    )
    answer = ibm.post("/sessions", json={"mode": "dedicated", "backend": "ibm_fez"})
    assert answer.status_code == 403


@pytest.mark.parametrize("mode", ["dedicated", "batch"])
def test_a_session_with_no_job_for_30_minutes_closes(ibm, emulator, mode):
    session = _open(ibm, mode)
    job = ibm.finished(ibm.submit("sampler", [[BELL, None, 10]], backend=None,
                                  session_id=session["id"]))  # fmt: skip
    assert job["state"]["status"] == "Completed"
    advance_clock(emulator.url, 29 * 60)
    assert ibm.get(f"/sessions/{session['id']}").json()["state"] == "inactive"
    advance_clock(emulator.url, 61)
    closed = ibm.get(f"/sessions/{session['id']}").json()
    assert closed["state"] == "closed" and closed["accepting_jobs"] is False
    assert closed["closed_at"] is not None
    late = ibm.run("sampler", [[BELL, None, 10]], backend=None, session_id=session["id"])
    assert late.status_code == 400 and ibm_error(late)["code"] == 1229


def test_the_idle_close_is_timed_by_the_emulator_config(ibm, emulator):
    requests.patch(
        f"{emulator.url}/_emulator/config", json={"ibm_session_idle_seconds": 5}, timeout=5
    )
    session = _open(ibm, "batch")
    advance_clock(emulator.url, 6)
    assert ibm.get(f"/sessions/{session['id']}").json()["state"] == "closed"
