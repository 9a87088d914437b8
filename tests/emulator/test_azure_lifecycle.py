"""A job's life on the wire: status transitions, cancellation both ways, delete, updates."""

from __future__ import annotations

import time

import pytest
from azure_support import (
    BELL,
    CLASSIC,
    IONQ,
    LATEST,
    AzureWire,
    advance_clock,
    azure_error,
    patch_config,
)


@pytest.fixture
def wire(emulator) -> AzureWire:
    patch_config(emulator.url, queue_seconds=10, run_seconds=10)
    return AzureWire(emulator.url)


def statuses_over_time(wire: AzureWire, url: str, job_id: str) -> list[str]:
    seen = [wire.get_job(job_id)["status"]]
    for step in (11, 7.5, 3):
        advance_clock(url, step)
        time.sleep(0.05)  # let the worker thread finish the (tiny) computation
        seen.append(wire.get_job(job_id)["status"])
    return seen


def test_legacy_vocabulary_goes_waiting_executing_finishing_succeeded(wire, emulator):
    # The words of real traffic (recorded at 2025-12-01-preview), Finishing included.
    wire = wire.with_version(CLASSIC)
    job_id = wire.submit(IONQ, BELL)["id"]
    assert statuses_over_time(wire, emulator.url, job_id) == [
        "Waiting",
        "Executing",
        "Finishing",
        "Succeeded",
    ]
    details = wire.get_job(job_id)
    assert details["isCancelling"] is False
    assert "lastUpdatedTime" not in details


def test_current_vocabulary_goes_queued_executing_finishing_completed(wire, emulator):
    patch_config(emulator.url, azure_status_words="current")
    job_id = wire.submit(IONQ, BELL)["id"]
    assert statuses_over_time(wire, emulator.url, job_id) == [
        "Queued",
        "Executing",
        "Finishing",
        "Completed",
    ]


def test_execution_times_appear_as_the_job_moves(wire, emulator):
    job_id = wire.submit(IONQ, BELL)["id"]
    queued = wire.get_job(job_id)
    assert queued["beginExecutionTime"] is None and queued["endExecutionTime"] is None
    advance_clock(emulator.url, 11)
    running = wire.get_job(job_id)
    assert running["beginExecutionTime"] and running["endExecutionTime"] is None
    assert running["lastUpdatedTime"] == running["beginExecutionTime"]
    advance_clock(emulator.url, 10)
    done = wire.get_job(job_id)
    assert done["endExecutionTime"] > done["beginExecutionTime"] > done["creationTime"]
    assert done["lastUpdatedTime"] == done["endExecutionTime"]


def test_cancel_by_post_answers_200_with_the_cancelled_job(wire):
    job_id = wire.submit(IONQ, BELL)["id"]
    response = wire.call("POST", f"/jobs/{job_id}:cancel")
    assert response.status_code == 200
    details = response.json()
    assert details["status"] == "Cancelled" and details["cancellationTime"]
    assert details["beginExecutionTime"] is None
    assert wire.get_job(job_id)["status"] == "Cancelled"


def test_cancel_by_delete_in_classic_versions_answers_204(wire, emulator):
    wire = wire.with_version(CLASSIC)
    job_id = wire.submit(IONQ, BELL)["id"]
    advance_clock(emulator.url, 11)
    response = wire.call("DELETE", f"/jobs/{job_id}")
    assert response.status_code == 204 and response.content == b""
    details = wire.get_job(job_id)
    assert details["status"] == "Cancelled"
    assert details["beginExecutionTime"] and details["cancellationTime"]


@pytest.mark.parametrize(("method", "suffix"), [("POST", ":cancel"), ("DELETE", "")])
def test_cancelling_a_final_job_is_409(wire, method, suffix):
    wire = wire.with_version(CLASSIC)
    job_id = wire.submit(IONQ, BELL)["id"]
    wire.wait(job_id)
    status, code, message = azure_error(wire.call(method, f"/jobs/{job_id}{suffix}"))
    assert (status, code) == (409, "JobInFinalState") and "Succeeded" in message
    assert azure_error(wire.call("POST", f"/jobs/{job_id}:cancel"))[0] == 409


def test_delete_removes_the_job_from_2025_12_on(wire):
    job_id = wire.submit(IONQ, BELL)["id"]
    assert wire.call("DELETE", f"/jobs/{job_id}").status_code == 204
    assert azure_error(wire.call("GET", f"/jobs/{job_id}"))[:2] == (404, "JobNotFound")
    assert wire.list()["value"] == []


def test_cancelling_an_unknown_job_is_404(wire):
    missing = "00000000-0000-0000-0000-00000000dead"
    assert azure_error(wire.call("POST", f"/jobs/{missing}:cancel"))[:2] == (404, "JobNotFound")


def priority_of(wire, job_id: str) -> str:
    """The job's priority: JobDetails no longer show it, JobUpdateOptions does (empty patch)."""
    response = wire.with_version(LATEST).call("PATCH", f"/jobUpdateOptions/{job_id}", json={})
    assert response.status_code == 200, response.text
    return response.json()["priority"]


def test_merge_patch_updates_name_priority_and_tags(wire):
    job_id = wire.submit(IONQ, BELL, tags=["old"])["id"]
    response = wire.call(
        "PATCH",
        f"/jobs/{job_id}",
        data='{"name": "renamed", "priority": "High", "tags": ["a", "b"]}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 200
    details = response.json()
    assert (details["name"], details["tags"]) == ("renamed", ["a", "b"])
    assert wire.get_job(job_id)["tags"] == ["a", "b"]
    assert priority_of(wire, job_id) == "High"


def test_merge_patch_merges_metadata_and_null_removes(wire):
    job_id = wire.submit(IONQ, BELL, metadata={"keep": "1", "drop": "2"})["id"]
    patch = {"metadata": {"drop": None, "new": "3"}, "tags": None}
    details = wire.call("PATCH", f"/jobs/{job_id}", json=patch).json()
    assert details["metadata"] == {"keep": "1", "new": "3"} and details["tags"] == []


def test_json_patch_adds_replaces_and_removes_tags_and_name(wire):
    wire = wire.with_version(CLASSIC)
    job_id = wire.submit(IONQ, BELL, tags=["a", "b"])["id"]
    operations = [
        {"op": "add", "path": "/tags/-", "value": "c"},
        {"op": "add", "path": "/tags/0", "value": "first"},
        {"op": "replace", "path": "/tags/2", "value": "B"},
        {"op": "remove", "path": "/tags/1"},
        {"op": "replace", "path": "/name", "value": "patched"},
        {"op": "test", "path": "/name", "value": "patched"},
        {"op": "replace", "path": "/priority", "value": "High"},
    ]
    response = wire.call(
        "PATCH",
        f"/jobs/{job_id}",
        json=operations,
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert response.status_code == 200, response.text
    details = response.json()
    assert details["tags"] == ["first", "B", "c"]
    assert details["name"] == "patched" and priority_of(wire, job_id) == "High"
    replaced = wire.call(
        "PATCH", f"/jobs/{job_id}", json=[{"op": "replace", "path": "/tags", "value": ["x"]}]
    )
    assert replaced.json()["tags"] == ["x"]


@pytest.mark.parametrize(
    "body",
    [
        [{"op": "replace", "path": "/status", "value": "Succeeded"}],
        [{"op": "move", "from": "/tags/0", "path": "/tags/1"}],
        [{"op": "remove", "path": "/tags/9"}],
        [{"op": "add", "path": "/tags/-", "value": 5}],
        [{"op": "add", "path": "/tags/-"}],
        [],
        {"status": "Cancelled"},
        {"priority": "Urgent"},
        {"name": ""},
        {"tags": "not-a-list"},
        "just a string",
    ],
)
def test_invalid_patches_are_400_and_change_nothing(wire, body):
    job_id = wire.submit(IONQ, BELL, tags=["a"])["id"]
    status, code, _ = azure_error(wire.call("PATCH", f"/jobs/{job_id}", json=body))
    assert status == 400 and code == "InvalidPatch"
    details = wire.get_job(job_id)
    assert details["tags"] == ["a"] and priority_of(wire, job_id) == "Standard"


def test_failed_json_patch_test_operation_is_409(wire):
    job_id = wire.submit(IONQ, BELL)["id"]
    body = [
        {"op": "test", "path": "/name", "value": "nope"},
        {"op": "replace", "path": "/name", "value": "x"},
    ]
    assert azure_error(wire.call("PATCH", f"/jobs/{job_id}", json=body))[:2] == (
        409,
        "JsonPatchTestFailed",
    )
    assert wire.get_job(job_id)["name"] == "job"


def test_patch_moves_last_updated_time(wire, emulator):
    job_id = wire.submit(IONQ, BELL)["id"]
    before = wire.get_job(job_id)["lastUpdatedTime"]
    advance_clock(emulator.url, 1)
    after = wire.call("PATCH", f"/jobs/{job_id}", json={"tags": ["x"]}).json()["lastUpdatedTime"]
    assert after > before


def test_job_update_options_is_served_beside_patch_jobs(wire):
    """``PATCH .../jobUpdateOptions/{id}`` (specs 2025-09 to 2026-01-15, the client at HEAD):
    a merge patch of name, priority and tags, answered with ``JobUpdateOptions``."""
    job_id = wire.submit(IONQ, BELL, tags=["old"])["id"]
    response = wire.call(
        "PATCH",
        f"/jobUpdateOptions/{job_id}",
        data='{"name": "my-job-new-name", "priority": "High", "tags": ["tag1", "new_tag"]}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "id": job_id,
        "name": "my-job-new-name",
        "priority": "High",
        "tags": ["tag1", "new_tag"],
    }
    details = wire.get_job(job_id)
    assert (details["name"], details["tags"]) == ("my-job-new-name", ["tag1", "new_tag"])


@pytest.mark.parametrize(
    "body", [{"metadata": {"a": "b"}}, {"priority": "Urgent"}, [{"op": "add", "path": "/tags/-"}]]
)
def test_job_update_options_takes_only_its_own_fields(wire, body):
    job_id = wire.submit(IONQ, BELL)["id"]
    status, code, _ = azure_error(wire.call("PATCH", f"/jobUpdateOptions/{job_id}", json=body))
    assert (status, code) == (400, "InvalidPatch")


@pytest.mark.parametrize(
    ("version", "served"),
    [
        ("2024-10-01-preview", False),
        ("2025-09-01-preview", True),
        ("2025-12-01-preview", True),
        ("2026-01-15-preview", True),
    ],
)
def test_job_update_options_belongs_to_the_api_versions_of_the_specs(wire, version, served):
    job_id = wire.submit(IONQ, BELL)["id"]
    versioned = wire.with_version(version)
    update = versioned.call("PATCH", f"/jobUpdateOptions/{job_id}", json={"tags": ["x"]})
    assert update.status_code == (200 if served else 404), update.text
    # PATCH /jobs/{id} stays at every version (the published 3.13.0 client uses it).
    assert versioned.call("PATCH", f"/jobs/{job_id}", json={"tags": ["y"]}).status_code == 200
