"""Sessions: open, get, list, close, their jobs, status derived from jobs, failure policies."""

from __future__ import annotations

import pytest
import requests
from azure_support import BELL, IONQ, AzureWire, advance_clock, azure_error, new_id


@pytest.fixture
def wire(emulator) -> AzureWire:
    return AzureWire(emulator.url)


def open_session(wire: AzureWire, policy: str = "Abort", target: str = "ionq.simulator") -> str:
    session_id = new_id()
    body = {
        "id": session_id,
        "name": "my session",
        "providerId": "ionq",
        "target": target,
        "jobFailurePolicy": policy,
        "itemType": "Session",
    }
    response = wire.call("PUT", f"/sessions/{session_id}", json=body)
    assert response.status_code == 200, response.text
    return session_id


def fail_next_job(url: str) -> None:
    requests.post(
        f"{url}/_emulator/faults/jobs", json={"vendor": "azure", "outcome": "fail"}, timeout=5
    )


def test_open_session_answers_session_details_waiting(wire):
    session_id = open_session(wire)
    details = wire.call("GET", f"/sessions/{session_id}").json()
    assert details["id"] == session_id and details["itemType"] == "Session"
    assert details["status"] == "Waiting" and details["jobFailurePolicy"] == "Abort"
    assert details["providerId"] == "ionq" and details["creationTime"]
    assert details["beginExecutionTime"] is None


def test_session_runs_jobs_and_closing_makes_it_succeeded(wire):
    session_id = open_session(wire)
    jobs = [wire.submit(IONQ, BELL, sessionId=session_id)["id"] for _ in range(2)]
    assert wire.call("GET", f"/sessions/{session_id}").json()["status"] in ("Waiting", "Executing")
    for job_id in jobs:
        details = wire.wait(job_id)
        assert details["sessionId"] == session_id
    assert wire.call("GET", f"/sessions/{session_id}").json()["status"] == "Executing"
    closed = wire.call("POST", f"/sessions/{session_id}:close")
    assert closed.status_code == 200
    details = closed.json()
    assert details["status"] == "Succeeded" and details["endExecutionTime"]
    listed = wire.list(f"/sessions/{session_id}/jobs")
    assert sorted(job["id"] for job in listed["value"]) == sorted(jobs)
    assert listed["nextLink"] is None


def test_closed_session_refuses_new_jobs(wire):
    session_id = open_session(wire)
    wire.call("POST", f"/sessions/{session_id}:close")
    # As recorded at 2025-12-01-preview: 400 InvalidJobDefinition, not 409.
    response = wire.submit(IONQ, BELL, sessionId=session_id, expect=400)
    assert response["error"]["code"] == "InvalidJobDefinition"
    assert response["error"]["message"].startswith("Session is already in a terminal state.")


def test_abort_policy_fails_the_session_at_the_first_failed_job(wire, emulator):
    session_id = open_session(wire, "Abort")
    fail_next_job(emulator.url)
    failed = wire.wait(wire.submit(IONQ, BELL, sessionId=session_id)["id"])
    assert failed["status"] == "Failed"
    details = wire.call("GET", f"/sessions/{session_id}").json()
    assert details["status"] == "Failed" and details["errorData"]["code"] == "SessionFailed"
    refused = wire.submit(IONQ, BELL, sessionId=session_id, expect=400)
    assert refused["error"]["code"] == "InvalidJobDefinition"
    assert "terminal state" in refused["error"]["message"]


def test_continue_policy_reads_failures_while_open_and_closes_failed(wire, emulator):
    """The recorded sequence (test_session_job_failure_policies_echo_quantinuum, 2025-11): a
    job succeeds (Executing), one fails (Failure(s), still open), the next is accepted and
    succeeds (still Failure(s)), ``:close`` answers Failed."""
    session_id = open_session(wire, "Continue")

    def status() -> str:
        return wire.call("GET", f"/sessions/{session_id}").json()["status"]

    wire.wait(wire.submit(IONQ, BELL, sessionId=session_id)["id"])
    assert status() == "Executing"
    fail_next_job(emulator.url)
    assert wire.wait(wire.submit(IONQ, BELL, sessionId=session_id)["id"])["status"] == "Failed"
    assert status() == "Failure(s)"
    accepted = wire.submit(IONQ, BELL, sessionId=session_id)
    assert status() == "Failure(s)"
    assert wire.wait(accepted["id"])["status"] == "Succeeded"
    assert status() == "Failure(s)"
    closed = wire.call("POST", f"/sessions/{session_id}:close").json()
    assert closed["status"] == "Failed" and closed["endExecutionTime"]
    assert status() == "Failed"


def test_idle_open_session_times_out(wire, emulator):
    session_id = open_session(wire)
    advance_clock(emulator.url, 601)
    assert wire.call("GET", f"/sessions/{session_id}").json()["status"] == "TimedOut"
    refused = wire.submit(IONQ, BELL, sessionId=session_id, expect=400)
    assert refused["error"]["code"] == "InvalidJobDefinition"
    assert "terminal state" in refused["error"]["message"]
    assert wire.call("POST", f"/sessions/{session_id}:close").json()["status"] == "TimedOut"


def test_job_must_name_an_existing_session_on_the_same_target(wire):
    unknown = wire.submit(IONQ, BELL, sessionId=new_id(), expect=400)
    assert unknown["error"]["code"] == "SessionNotFound"
    session_id = open_session(wire, target="ionq.qpu.aria-1")
    mismatch = wire.submit(IONQ, BELL, sessionId=session_id, expect=400)
    assert mismatch["error"]["code"] == "SessionTargetMismatch"


def test_sessions_are_listed_filtered_and_scoped_per_workspace(wire, emulator):
    first = open_session(wire, "Abort")
    second = open_session(wire, "Continue")
    wire.call("POST", f"/sessions/{second}:close")
    page = wire.list("/sessions", orderby="CreationTime desc")
    assert [s["id"] for s in page["value"]] == [second, first]
    waiting = wire.list("/sessions", filter="State eq 'Waiting'")["value"]
    assert [s["id"] for s in waiting] == [first]
    other = AzureWire(emulator.url, workspace="elsewhere")
    assert other.list("/sessions")["value"] == []
    assert azure_error(other.call("GET", f"/sessions/{first}"))[:2] == (404, "SessionNotFound")


@pytest.mark.parametrize(
    "body",
    [
        {"providerId": "ionq", "target": "ionq.simulator", "jobFailurePolicy": "Sometimes"},
        {"providerId": "ionq", "target": "nope.target"},
        {"providerId": "ionq"},
        {"providerId": "ionq", "target": "ionq.simulator", "itemType": "Job"},
        {"providerId": 7, "target": "ionq.simulator"},
        ["not", "an", "object"],
    ],
)
def test_bad_session_bodies_are_400(wire, body):
    status, _, message = azure_error(wire.call("PUT", f"/sessions/{new_id()}", json=body))
    assert status == 400 and message


def test_reopening_a_session_with_the_same_body_is_idempotent(wire):
    session_id = new_id()
    body = {"providerId": "ionq", "target": "ionq.simulator", "name": "s"}
    assert wire.call("PUT", f"/sessions/{session_id}", json=body).status_code == 200
    assert wire.call("PUT", f"/sessions/{session_id}", json=body).status_code == 200
    different = wire.call("PUT", f"/sessions/{session_id}", json={**body, "name": "t"})
    assert azure_error(different)[:2] == (409, "SessionAlreadyExists")
