"""Every Braket answer of the emulator, as it is on the wire, holds the shape botocore's service
model (``botocore/data/braket/2019-09-01/service-2.json``) gives its operation: required members
present, no member the model does not know, enums, lengths, patterns and types; errors carry
the model's error code for their status."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import botocore.session
import pytest
from braket_wire import FORTE, SV1, BraketWire, control, task_id

from airflow_quantum_emulator.clock import parse_iso

MODEL = botocore.session.get_session().get_service_model("braket")


def check(shape: Any, value: Any, where: str = "answer") -> None:
    """Assert that ``value`` (decoded JSON off the wire) holds ``shape``."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), where
        missing = set(shape.required_members) - set(value)
        assert not missing, f"{where}: missing {missing}"
        unknown = set(value) - set(shape.members)
        assert not unknown, f"{where}: not in the model: {unknown}"
        for name, member in value.items():
            check(shape.members[name], member, f"{where}.{name}")
    elif kind == "list":
        assert isinstance(value, list), where
        for index, item in enumerate(value):
            check(shape.member, item, f"{where}[{index}]")
    elif kind == "map":
        assert isinstance(value, dict), where
        for key, item in value.items():
            check(shape.key, key, f"{where} key")
            check(shape.value, item, f"{where}[{key}]")
    elif kind == "string":
        assert isinstance(value, str), f"{where}: {value!r}"
        if shape.enum:
            assert value in shape.enum, f"{where}: {value!r} not in {shape.enum}"
        limits = shape.metadata
        assert len(value) >= limits.get("min", 0), where
        assert len(value) <= limits.get("max", len(value)), where
        if "pattern" in limits:
            assert re.fullmatch(limits["pattern"], value), f"{where}: {value!r}"
    elif kind in ("long", "integer"):
        assert isinstance(value, int) and not isinstance(value, bool), where
    elif kind == "timestamp":
        if shape.serialization.get("timestampFormat") == "unixTimestamp":
            assert isinstance(value, int | float), where
        else:
            assert isinstance(value, str), where
            parse_iso(value)
    elif kind == "boolean":
        assert isinstance(value, bool), where
    else:  # pragma: no cover - the Braket model has no other kinds
        raise AssertionError(f"{where}: unexpected shape kind {kind}")


def output(operation: str) -> Any:
    return MODEL.operation_model(operation).output_shape


@pytest.fixture
def braket(emulator) -> BraketWire:
    return BraketWire(emulator.url)


def test_task_operations_answer_the_model_s_shapes(braket, emulator):
    control(emulator.url, "PATCH", "config", {"queue_seconds": 600})  # held, however slow
    created = braket.create(tags={"k": "v"})
    assert created.status_code == MODEL.operation_model("CreateQuantumTask").http["responseCode"]
    check(output("CreateQuantumTask"), created.json())
    arn = created.json()["quantumTaskArn"]
    held = braket.submit(FORTE)
    control(emulator.url, "POST", f"braket/tasks/{task_id(held)}/hold")
    check(output("GetQuantumTask"), braket.task(held, queue_info=True))
    braket.finished(arn)
    check(output("GetQuantumTask"), braket.task(arn, queue_info=True))
    failed = braket.submit()
    control(emulator.url, "POST", f"jobs/{task_id(failed)}/fail", {})
    check(output("GetQuantumTask"), braket.task(failed))
    check(output("SearchQuantumTasks"), braket.search([], maxResults=1).json())
    cancelled = braket.cancel(held)
    check(output("CancelQuantumTask"), cancelled.json())


def test_device_operations_answer_the_model_s_shapes(braket):
    check(output("GetDevice"), braket.request("GET", f"/device/{quote(SV1, safe='')}").json())
    check(output("GetDevice"), braket.request("GET", f"/device/{quote(FORTE, safe='')}").json())
    check(output("SearchDevices"), braket.request("POST", "/devices", {"filters": []}).json())


def test_spending_limit_and_tag_operations_answer_the_model_s_shapes(braket):
    body = {"clientToken": braket.token(), "deviceArn": FORTE, "spendingLimit": "10"}
    created = braket.request("POST", "/spending-limit", body)
    assert created.status_code == 201
    check(output("CreateSpendingLimit"), created.json())
    limit = created.json()["spendingLimitArn"]
    check(output("SearchSpendingLimits"), braket.request("POST", "/spending-limits", {}).json())
    path = f"/spending-limit/{quote(limit, safe='')}"
    update = braket.request("PATCH", f"{path}/update", {"clientToken": braket.token()})
    check(output("UpdateSpendingLimit"), update.json())
    check(
        output("ListTagsForResource"),
        braket.request("GET", f"/tags/{quote(limit, safe='')}").json(),
    )
    check(output("DeleteSpendingLimit"), braket.request("DELETE", f"{path}/delete").json())


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "ValidationException"),
        (402, "ServiceQuotaExceededException"),
        (403, "AccessDeniedException"),
        (404, "ResourceNotFoundException"),
        (409, "ConflictException"),
        (410, "DeviceRetiredException"),
        (424, "DeviceOfflineException"),
        (429, "ThrottlingException"),
        (500, "InternalServiceException"),
    ],
)
def test_each_status_carries_the_model_s_error_code_and_shape(braket, emulator, status, code):
    error = MODEL.shape_for(code)
    assert error.metadata["error"]["httpStatusCode"] == status  # the model's own pairing
    control(
        emulator.url,
        "POST",
        "faults",
        {"kind": "status", "vendor": "braket", "status": status, "count": 1},
    )
    answer = braket.search([])
    assert answer.status_code == status
    assert answer.headers["x-amzn-ErrorType"] == code
    check(error, answer.json())


def test_a_program_set_refusal_holds_the_validation_exception_shape(emulator):
    iqm = BraketWire(emulator.url, region="eu-north-1")
    action = {
        "braketSchemaHeader": {"name": "braket.ir.openqasm.program_set", "version": "1"},
        "programs": [{"source": "OPENQASM 3.0; qubit q; h q"}],
    }
    answer = iqm.create("arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet", action=action, shots=10)
    assert answer.status_code == 400
    check(MODEL.shape_for("ValidationException"), answer.json())
    assert answer.json()["reason"] == "ProgramSetValidationFailed"
