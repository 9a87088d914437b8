"""The ``executor`` program: quantum programs of circuit items, as qiskit-ibm-runtime 0.50+ sends.

Params and results follow ibm-quantum-schemas ``executor/version_2_0`` (ParamsModel,
QuantumProgramResultModel); the official client's own Executor, Sampler and Estimator run against
the emulator in ``tests/official_clients``.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
import requests
from ibm_circuits import ISA_BELL, ISA_RY_SWEEP, TEXTBOOK_BELL
from ibm_support import IBMWire, ibm_error

from airflow_quantum_emulator.ibm import tensors
from airflow_quantum_emulator.pages import JOB_PAGE_PATH


@pytest.fixture
def ibm(emulator) -> IBMWire:
    return IBMWire(emulator.url)


def circuit_item(arguments: np.ndarray, shape: list[int] | None = None) -> dict:
    return {
        "item_type": "circuit",
        "circuit_arguments": tensors.encode(np.asarray(arguments, dtype=float)),
        "shape": shape or [],
        "chunk_size": "auto",
    }


def params(circuits: list[str], items: list[dict], shots: int = 200, **extra) -> dict:
    program = {
        "shots": shots,
        "circuits": {"data": circuits},
        "items": items,
        "semantic_role": extra.pop("semantic_role", None),
        "meas_level": extra.pop("meas_level", "classified"),
        "passthrough_data": extra.pop("passthrough_data", None),
    }
    options = {"init_qubits": True, "rep_delay": None, "experimental": {}}
    return {"schema_version": "v2.0", "quantum_program": program, "options": options, **extra}


def run(ibm: IBMWire, body: dict, backend: str = "ibm_fez") -> requests.Response:
    return ibm.post("/jobs", json={"program_id": "executor", "backend": backend, "params": body})


def result_of(ibm: IBMWire, body: dict) -> dict:
    answer = run(ibm, body)
    assert answer.status_code == 200, answer.text
    job = ibm.finished(answer.json()["id"])
    assert job["state"]["status"] == "Completed", job["state"]
    assert job["program"] == {"id": "executor"}
    return ibm.results(job["id"])


def test_a_bell_circuit_item_runs_and_answers_a_quantum_program_result(ibm):
    passthrough = {"post_processor": {"version": "v0.1", "shots": 200}}
    body = params(
        [ISA_BELL],
        [circuit_item(np.zeros((0,)))],
        200,
        passthrough_data=passthrough,
        semantic_role="sampler_v2",
    )
    result = result_of(ibm, body)
    assert result["schema_version"] == "v2.0"
    assert result["passthrough_data"] == passthrough and result["semantic_role"] == "sampler_v2"
    (item,) = result["data"]
    assert item["metadata"] == {"scheduler_timing": None, "stretch_values": None}
    bits = tensors.decode(item["results"]["c"], "c")
    assert bits.dtype == bool and bits.shape == (200, 2)
    assert np.array_equal(bits[:, 0], bits[:, 1]) and 50 < bits[:, 0].sum() < 150  # a Bell pair
    (chunk,) = result["metadata"]["chunk_timing"]
    assert chunk["start"] <= chunk["stop"]
    assert chunk["parts"] == [
        {"idx_item": 0, "size": 1, "permutation": [], "element_range": [0, 1, 1]}
    ]


def test_circuit_arguments_sweep_and_the_item_shape_replicates_them(ibm):
    angles = np.array([[0.0], [np.pi], [np.pi / 2]])
    body = params(
        [ISA_RY_SWEEP, ISA_RY_SWEEP], [circuit_item(angles), circuit_item(angles, [2, 3])]
    )
    first, second = result_of(ibm, body)["data"]
    swept = tensors.decode(first["results"]["meas"], "meas")
    assert swept.shape == (3, 200, 1)
    ones = swept[..., 0].mean(axis=1)
    assert ones[0] == 0 and ones[1] == 1 and 0.3 < ones[2] < 0.7  # ry(0), ry(pi), ry(pi/2)
    assert tensors.decode(second["results"]["meas"], "meas").shape == (2, 3, 200, 1)


def test_a_non_isa_item_fails_the_job_with_1517_naming_the_item(ibm):
    body = params([ISA_BELL, TEXTBOOK_BELL], [circuit_item(np.zeros((0,)))] * 2)
    job = ibm.wait(run(ibm, body).json()["id"])
    assert job["state"]["status"] == "Failed" and job["state"]["reason_code"] == 1517
    assert "item 1: The instruction h on qubits (0,)" in job["state"]["reason"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"schema_version": "v1.1"}, "reads v2.0"),
        ({"schema_version": None}, "schema_version"),
        ({"quantum_program": None}, "quantum_program must be an object"),
    ],
)
def test_params_the_emulator_cannot_read_are_400(ibm, change, words):
    body = {**params([ISA_BELL], [circuit_item(np.zeros((0,)))]), **change}
    answer = run(ibm, body)
    assert answer.status_code == 400 and words in ibm_error(answer)["message"]


@pytest.mark.parametrize(
    ("program", "words"),
    [
        ({"shots": 0}, "shots must be a positive integer"),
        ({"meas_level": "kerneled"}, "classified"),
        ({"items": []}, "non-empty list"),
        ({"circuits": {"data": [ISA_BELL, ISA_BELL]}}, "one circuit for every program item"),
        ({"items": [circuit_item(np.zeros((2, 1)))]}, "last axis of circuit_arguments"),
        ({"items": [{"item_type": "mystery"}]}, "item_type"),
        ({"shots": 100_000, "items": [circuit_item(np.zeros((101, 0)))]}, "at most 10000000"),
    ],
)
def test_quantum_programs_the_service_refuses_are_400(ibm, program, words):
    body = params([ISA_BELL], [circuit_item(np.zeros((0,)))])
    body["quantum_program"].update(program)
    answer = run(ibm, body)
    assert answer.status_code == 400, answer.text
    assert words in ibm_error(answer)["message"]


def test_samplex_items_need_samplomatic_beside_the_emulator(ibm, monkeypatch):
    monkeypatch.setitem(sys.modules, "samplomatic", None)
    monkeypatch.setitem(sys.modules, "samplomatic.serialization", None)
    item = {"item_type": "samplex", "samplex": {"ssv": 4, "samplex_json": "{}"},
            "samplex_arguments": {}, "shape": [2]}  # fmt: skip
    answer = run(ibm, params([ISA_BELL], [item]))
    assert answer.status_code == 400
    assert "airflow-quantum-emulator[executor]" in ibm_error(answer)["message"]


def test_the_job_page_of_an_executor_job_shows_each_item_s_counts(ibm, emulator):
    answer = run(ibm, params([ISA_BELL], [circuit_item(np.zeros((0,)))], 100))
    job_id = answer.json()["id"]
    ibm.finished(job_id)
    page = requests.get(emulator.url + JOB_PAGE_PATH.format(job_id=job_id), timeout=10).text
    assert "1 quantum program item(s)" in page
    assert "<h3>item 0, register c: 100 shots</h3>" in page
