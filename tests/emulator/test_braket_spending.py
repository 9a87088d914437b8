"""Spending limits (create, search, update, delete), enforced at CreateQuantumTask, and tags."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from braket_wire import FORTE, GARNET, SV1, BraketWire, aws_error, control, task_id

#: Forte-1: $0.30 a task + $0.08 a shot, so 10 shots estimate $1.10.
TEN_SHOTS = 1.10


@pytest.fixture
def braket(emulator) -> BraketWire:
    return BraketWire(emulator.url)


def create_limit(braket: BraketWire, amount: str = "5.00", device: str = FORTE, **extra) -> str:
    answer = braket.request(
        "POST",
        "/spending-limit",
        {"clientToken": braket.token(), "deviceArn": device, "spendingLimit": amount, **extra},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["spendingLimitArn"]


def limits(braket: BraketWire, **body) -> list[dict]:
    answer = braket.request("POST", "/spending-limits", body)
    assert answer.status_code == 200, answer.text
    return answer.json()["spendingLimits"]


def test_a_limit_reports_queued_and_total_spend(braket, emulator):
    control(emulator.url, "PATCH", "config", {"queue_seconds": 600})  # held, however slow
    arn = create_limit(braket, "5.00")
    assert arn.startswith("arn:aws:braket:us-east-1:123456789012:spending-limit/")
    [fresh] = limits(braket)
    assert fresh["spendingLimit"] == "5.00"
    assert (fresh["queuedSpend"], fresh["totalSpend"]) == ("0.00", "0.00")
    assert fresh["deviceArn"] == FORTE and "timePeriod" in fresh
    done = braket.submit(FORTE, shots=10)
    braket.finished(done)
    waiting = braket.submit(FORTE, shots=10)
    control(emulator.url, "POST", f"braket/tasks/{task_id(waiting)}/hold")
    [spent] = limits(braket)
    assert (spent["queuedSpend"], spent["totalSpend"]) == ("1.10", "1.10")


def test_a_task_over_what_remains_is_refused_as_a_validation_error(braket, emulator):
    control(emulator.url, "PATCH", "config", {"queue_seconds": 600})  # held, however slow
    create_limit(braket, "2.50")
    first = braket.submit(FORTE, shots=10)  # $1.10 queued
    control(emulator.url, "POST", f"braket/tasks/{task_id(first)}/hold")
    assert braket.create(FORTE, shots=10).status_code == 201  # $2.20 of $2.50
    answer = braket.create(FORTE, shots=10)
    assert answer.status_code == 400
    code, message = aws_error(answer)
    assert code == "ValidationException" and "spending limit" in message
    assert braket.create(SV1, shots=10).status_code == 201  # simulators have no limits


def test_failed_and_cancelled_tasks_are_not_billed(braket, emulator):
    control(emulator.url, "PATCH", "config", {"queue_seconds": 600})  # held, however slow
    create_limit(braket, "2.20")
    failed = braket.submit(FORTE, shots=10)
    control(emulator.url, "POST", f"jobs/{task_id(failed)}/fail", {})
    control(emulator.url, "PATCH", "config", {"braket_cancel_seconds": 0})
    cancelled = braket.submit(FORTE, shots=10)
    control(emulator.url, "POST", f"braket/tasks/{task_id(cancelled)}/hold")
    braket.cancel(cancelled)
    [limit] = limits(braket)
    assert (limit["queuedSpend"], limit["totalSpend"]) == ("0.00", "0.00")
    assert braket.create(FORTE, shots=10).status_code == 201


def test_update_and_delete_change_what_is_enforced(braket):
    arn = create_limit(braket, "1.00")
    assert braket.create(FORTE, shots=10).status_code == 400
    path = f"/spending-limit/{quote(arn, safe='')}"
    update = braket.request(
        "PATCH", f"{path}/update", {"clientToken": braket.token(), "spendingLimit": "3"}
    )
    assert update.status_code == 200, update.text
    assert limits(braket)[0]["spendingLimit"] == "3.00"
    assert braket.create(FORTE, shots=10).status_code == 201
    assert braket.request("DELETE", f"{path}/delete").status_code == 200
    assert limits(braket) == []
    missing = braket.request("DELETE", f"{path}/delete")
    assert missing.status_code == 404
    assert aws_error(missing)[0] == "ResourceNotFoundException"


def test_a_limit_outside_its_time_period_does_not_apply(braket, emulator):
    now = control(emulator.url, "GET", "health")["time"]
    create_limit(braket, "0.50", timePeriod={"startAt": int(now) + 3600, "endAt": int(now) + 7200})
    assert braket.create(FORTE, shots=10).status_code == 201
    control(emulator.url, "POST", "clock/advance", {"seconds": 3700})
    assert braket.create(FORTE, shots=10).status_code == 400


def test_limits_are_refused_for_simulators_and_repeated_tokens_are_ignored(braket):
    answer = braket.request(
        "POST",
        "/spending-limit",
        {"clientToken": braket.token(), "deviceArn": SV1, "spendingLimit": "5"},
    )
    assert answer.status_code == 400
    assert "Simulators" in aws_error(answer)[1]
    body = {"clientToken": "same-token", "deviceArn": FORTE, "spendingLimit": "5.00"}
    first = braket.request("POST", "/spending-limit", body).json()
    assert braket.request("POST", "/spending-limit", body).json() == first
    bad = braket.request(
        "POST", "/spending-limit", {**body, "clientToken": "x", "spendingLimit": "5.001"}
    )
    assert bad.status_code == 400
    assert "spendingLimit" in aws_error(bad)[1]


def test_limits_are_searched_per_region_and_device(braket, emulator):
    create_limit(braket, "5.00")
    eu = BraketWire(emulator.url, region="eu-north-1")
    create_limit(eu, "7.00", device=GARNET)
    assert [item["deviceArn"] for item in limits(braket)] == [FORTE]
    found = limits(eu, filters=[{"name": "deviceArn", "operator": "EQUAL", "values": [GARNET]}])
    assert [item["spendingLimit"] for item in found] == ["7.00"]


def test_tags_of_tasks_and_limits(braket):
    arn = braket.submit(tags={"owner": "dag-1"})
    path = f"/tags/{quote(arn, safe='')}"
    assert braket.request("GET", path).json() == {"tags": {"owner": "dag-1"}}
    assert braket.request("POST", path, {"tags": {"run": "7"}}).status_code == 200
    assert braket.request("GET", path).json()["tags"] == {"owner": "dag-1", "run": "7"}
    assert braket.request("DELETE", path, query={"tagKeys": ["owner"]}).status_code == 200
    assert braket.task(arn)["tags"] == {"run": "7"}
    limit = create_limit(braket, tags={"budget": "q4"})
    assert braket.request("GET", f"/tags/{quote(limit, safe='')}").json() == {
        "tags": {"budget": "q4"}
    }
    missing = braket.request(
        "GET", "/tags/" + quote(arn.replace("quantum-task/", "quantum-task/x"), safe="")
    )
    assert missing.status_code == 404
