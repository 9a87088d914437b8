"""The shape comparison of the contract fixtures finds what it must (and no more)."""

from __future__ import annotations

import json
import re

import pytest
from contract_support import fixture_names, load_fixture, shape_differences, shape_of

RECORDED = {
    "id": "5c1e0f6a-1b2c-4d3e-8f40-0000000000a1",
    "status": "Waiting",
    "creationTime": "2030-01-01T10:00:00.7955396+00:00",
    "beginExecutionTime": None,
    "containerUri": "https://examplestore.blob.core.windows.net/c?sig=x",
    "tags": ["a"],
    "costEstimate": {"events": [{"amountBilled": 0.0, "dimensionId": "gs1q"}]},
}


def test_shape_of_names_the_kinds_of_strings():
    assert shape_of(RECORDED) == {
        "id": "guid",
        "status": "str",
        "creationTime": "timestamp",
        "beginExecutionTime": "null",
        "containerUri": "url",
        "tags": ["str"],
        "costEstimate": {"events": [{"amountBilled": "number", "dimensionId": "str"}]},
    }
    assert shape_of("2024-02-26T22:23:37.824Z") == "timestamp"
    assert shape_of([{"a": 1}, {"b": None}, {"b": True}]) == [{"a": "number", "b": "bool"}]


def test_same_shape_with_other_values_and_extra_keys_is_no_difference():
    other = dict(RECORDED, id="00000000-0000-0000-0000-000000000002", status="Succeeded")
    other.update(beginExecutionTime="2030-01-01T10:00:02Z", extra=1, tags=[])
    assert shape_differences(RECORDED, other) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"id": "job-1"}, "$.id: expected guid, got str"),
        ({"creationTime": "2030-01-01 10:00"}, "$.creationTime: expected timestamp, got str"),
        ({"tags": "a"}, "$.tags: expected a list, got str"),
        (
            {"costEstimate": {"events": [{"amountBilled": "0", "dimensionId": "x"}]}},
            "$.costEstimate.events[].amountBilled",
        ),
        (
            {"costEstimate": {"events": [{"amountBilled": 0}]}},
            "$.costEstimate.events[].dimensionId: missing",
        ),
    ],
)
def test_differences_are_found_and_located(change, problem):
    found = shape_differences(RECORDED, dict(RECORDED, **change))
    assert len(found) == 1 and found[0].startswith(problem), found


def test_missing_keys_and_key_selection():
    answer = {k: v for k, v in RECORDED.items() if k != "status"}
    assert shape_differences(RECORDED, answer) == ["$.status: missing"]
    assert shape_differences(RECORDED, answer, keys={"id", "tags"}) == []


def test_maps_compare_values_not_keys():
    recorded = {"histogram": {"0": 0.5, "7": 0.5}}
    assert shape_differences(recorded, {"histogram": {"3": 0.25}}, maps=("$.histogram",)) == []
    assert shape_differences(recorded, {"histogram": {"3": 0.25}}) == [
        "$.histogram.0: missing",
        "$.histogram.7: missing",
    ]
    wrong = {"histogram": {"3": "0.25"}}
    assert shape_differences(recorded, wrong, maps=("$.histogram",)) != []


def test_every_azure_fixture_names_its_recorded_source():
    names = fixture_names("azure")
    assert len(names) >= 19
    for name in names:
        fixture = load_fixture("azure", name)
        assert "recordings/" in fixture["source"] and isinstance(fixture["status"], int), name
        # No secret: every SAS signature in a fixture is the placeholder.
        assert set(re.findall(r"sig=([^&\"]*)", json.dumps(fixture))) <= {"REDACTED"}, name
