"""Qiskit Runtime jobs on the wire: run, statuses, results, cancel, delete, list, tags, logs."""

from __future__ import annotations

import base64
import io
import math
import re
import sys
import time
import zlib

import numpy as np
import pytest
import requests
from ibm_support import (
    BELL,
    RY_SWEEP,
    IBMWire,
    advance_clock,
    bitarray_counts,
    ibm_error,
    ndarray,
    pub_data,
    untag,
)

from airflow_quantum_emulator.ibm.encoding import encode_ndarray

JOB_FIELDS = {
    "id",
    "backend",
    "state",
    "status",
    "params",
    "program",
    "created",
    "runtime",
    "cost",
    "tags",
    "session_id",
    "user_id",
    "usage",
    "estimated_running_time_seconds",
    "private",
}


@pytest.fixture
def ibm(emulator) -> IBMWire:
    return IBMWire(emulator.url)


@pytest.fixture
def slow(emulator):
    """Jobs queue for 30 s and run for 30 s: tests move the clock to change their status."""
    requests.patch(
        f"{emulator.url}/_emulator/config", json={"queue_seconds": 30, "run_seconds": 30}
    )


# --- run and results ----------------------------------------------------------------------------


def test_run_answers_a_20_character_id_and_the_backend(ibm):
    answer = ibm.run("sampler", [[BELL]], tags=["t1"])
    assert answer.status_code == 200
    body = answer.json()
    assert re.fullmatch(r"[a-z0-9]{20}", body["id"])
    assert body["backend"] == "ibm_fez"
    assert "session_id" not in body


def test_bell_sampler_job_goes_queued_running_completed(ibm, emulator, slow):
    job_id = ibm.submit("sampler", [[BELL, None, 100]])
    job = ibm.job(job_id)
    assert job["state"] == {"status": "Queued"} and job["status"] == "Queued"
    assert ibm.get(f"/jobs/{job_id}/results").status_code == 204
    assert ibm.get(f"/jobs/{job_id}/logs").status_code == 404
    advance_clock(emulator.url, 31)
    assert ibm.job(job_id)["state"]["status"] == "Running"
    assert ibm.get(f"/jobs/{job_id}/results").status_code == 204
    assert "started" in ibm.get(f"/jobs/{job_id}/logs").text
    advance_clock(emulator.url, 31)
    job = ibm.wait(job_id)
    assert job["state"]["status"] == "Completed" and job["status"] == "Completed"
    assert job["usage"]["status"] == "complete"
    logs = ibm.get(f"/jobs/{job_id}/logs")
    assert logs.headers["content-type"].startswith("text/plain")
    assert [line.split(" ", 2)[1] for line in logs.text.splitlines()] == ["INFO"] * 3


def test_bell_sampler_result_decodes_to_only_00_and_11_in_equal_parts(ibm):
    job_id = ibm.submit("sampler", [[BELL, None, 4000]])
    ibm.wait(job_id)
    answer = ibm.get(f"/jobs/{job_id}/results")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    result = answer.json()
    assert result["__type__"] == "PrimitiveResult"
    pub = untag(result, "PrimitiveResult")["pub_results"][0]
    assert pub["__type__"] == "SamplerPubResult"
    data = pub_data(result)
    assert data["field_names"] == ["c"] and data["shape"] == []
    array, counts = bitarray_counts(data["fields"]["c"])
    assert array.dtype == np.uint8 and array.shape == (4000, 1)
    assert set(counts) == {"00", "11"}
    assert 1700 < counts["00"] < 2300 and counts["00"] + counts["11"] == 4000


def test_result_metadata_has_execution_spans_and_version_2(ibm):
    job_id = ibm.submit("sampler", [[BELL, None, 50]])
    job = ibm.wait(job_id)
    metadata = untag(ibm.results(job_id), "PrimitiveResult")["metadata"]
    assert metadata["version"] == 2
    spans = untag(metadata["execution"]["execution_spans"], "ExecutionSpans")["spans"]
    (span,) = spans
    value = span["__value__"]
    assert value["data_slices"] == {"0": [[50], 0, 1, 0, 50]}
    assert value["start"]["__type__"] == "datetime"
    assert job["created"] < value["start"]["__value__"].replace("+00:00", "Z")


def test_shots_come_from_the_pub_then_default_shots_then_4096(ibm):
    pubs = [[BELL], [BELL, None, 7]]
    job_id = ibm.submit("sampler", pubs, options={"default_shots": 33})
    ibm.wait(job_id)
    result = ibm.results(job_id)
    assert bitarray_counts(pub_data(result, 0)["fields"]["c"])[0].shape == (33, 1)
    assert bitarray_counts(pub_data(result, 1)["fields"]["c"])[0].shape == (7, 1)
    job_id = ibm.submit("sampler", [[BELL]])
    ibm.wait(job_id)
    assert bitarray_counts(pub_data(ibm.results(job_id))["fields"]["c"])[0].shape == (4096, 1)


def test_seed_simulator_makes_results_reproducible(ibm):
    options = {"simulator": {"seed_simulator": 42}}
    first = ibm.submit("sampler", [[BELL, None, 64]], options=options)
    second = ibm.submit("sampler", [[BELL, None, 64]], options=options)
    ibm.wait(first)
    ibm.wait(second)
    a = ndarray(untag(pub_data(ibm.results(first))["fields"]["c"], "BitArray")["array"])
    b = ndarray(untag(pub_data(ibm.results(second))["fields"]["c"], "BitArray")["array"])
    np.testing.assert_array_equal(a, b)


def test_parameter_sweep_gives_one_bitarray_row_per_parameter_set(ibm):
    values = [[[0.0], [math.pi]], [[math.pi], [0.0]]]  # shape (2, 2, 1): pub shape (2, 2)
    job_id = ibm.submit("sampler", [[RY_SWEEP, values, 20]])
    ibm.wait(job_id)
    data = pub_data(ibm.results(job_id))
    assert data["shape"] == [2, 2] and data["field_names"] == ["meas"]
    array = ndarray(untag(data["fields"]["meas"], "BitArray")["array"])
    assert array.shape == (2, 2, 20, 1)
    assert (array[0, 0] == 0).all() and (array[0, 1] == 1).all()
    assert (array[1, 0] == 1).all() and (array[1, 1] == 0).all()


def test_parameter_values_may_be_a_tagged_ndarray_as_the_official_client_sends(ibm):
    values = encode_ndarray(np.array([[0.0], [math.pi], [0.0]]))
    job_id = ibm.submit("sampler", [[RY_SWEEP, values, 10]])
    ibm.wait(job_id)
    array = ndarray(untag(pub_data(ibm.results(job_id))["fields"]["meas"], "BitArray")["array"])
    assert array.shape == (3, 10, 1)
    assert array[:, :, 0].tolist() == [[0] * 10, [1] * 10, [0] * 10]


def test_estimator_zz_on_a_bell_state_is_one(ibm):
    pubs = [[BELL, ["ZZ", "XX", {"ZI": 1.0}, {"ZZ": 0.5, "XX": 0.5}]]]
    job_id = ibm.submit("estimator", pubs, options={"default_precision": 0.001})
    job = ibm.wait(job_id)
    assert job["state"]["status"] == "Completed", job["state"]
    result = ibm.results(job_id)
    pub = untag(result, "PrimitiveResult")["pub_results"][0]
    assert pub["__type__"] == "PubResult"
    data = untag(pub["__value__"]["data"], "DataBin")
    assert data["field_names"] == ["evs", "stds", "ensemble_standard_error"]
    assert data["shape"] == [4]
    evs = ndarray(data["fields"]["evs"])
    np.testing.assert_allclose(evs, [1.0, 1.0, 0.0, 1.0], atol=0.01)
    assert ndarray(data["fields"]["stds"]).shape == (4,)


def test_estimator_broadcasts_observables_against_parameter_values(ibm):
    pubs = [[RY_SWEEP, [["Z"], ["X"]], [[0.0], [math.pi / 2], [math.pi]], 0.001]]
    job_id = ibm.submit("estimator", pubs)
    ibm.wait(job_id)
    data = pub_data(ibm.results(job_id))
    assert data["shape"] == [2, 3]
    evs = ndarray(data["fields"]["evs"])
    np.testing.assert_allclose(evs, [[1, 0, -1], [0, 1, 0]], atol=0.01)


def test_multi_pub_job_returns_one_pub_result_per_pub_in_order(ibm):
    pubs = [[BELL, None, 10], [RY_SWEEP, [[math.pi]], 5], [RY_SWEEP, [0.0], 3]]
    job_id = ibm.submit("sampler", pubs)
    ibm.wait(job_id)
    result = ibm.results(job_id)
    assert len(untag(result, "PrimitiveResult")["pub_results"]) == 3
    assert pub_data(result, 1)["shape"] == [1] and pub_data(result, 2)["shape"] == []
    assert bitarray_counts(pub_data(result, 1)["fields"]["meas"])[1] == {"1": 5}
    assert bitarray_counts(pub_data(result, 2)["fields"]["meas"])[1] == {"0": 3}


def test_openqasm_2_circuits_are_accepted(ibm):
    qasm2 = (
        'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\nx q[0];\nmeasure q -> c;\n'
    )
    job_id = ibm.submit("sampler", [[qasm2, None, 10]])
    ibm.wait(job_id)
    assert bitarray_counts(pub_data(ibm.results(job_id))["fields"]["c"])[1] == {"01": 10}


def test_qpy_circuits_from_the_official_client_run_when_qiskit_is_installed(ibm):
    pytest.importorskip("qiskit")
    from qiskit import QuantumCircuit, qpy

    # An ISA Bell circuit of ibm_fez on its coupled pair (0, 1): H = rz(pi/2) sx rz(pi/2).
    circuit = QuantumCircuit(2)
    for qubit in (0, 1):
        circuit.rz(math.pi / 2, qubit)
        circuit.sx(qubit)
        circuit.rz(math.pi / 2, qubit)
    circuit.cz(0, 1)
    circuit.rz(math.pi / 2, 1)
    circuit.sx(1)
    circuit.rz(math.pi / 2, 1)
    circuit.measure_all()
    buffer = io.BytesIO()
    qpy.dump(circuit, buffer)
    value = base64.b64encode(zlib.compress(buffer.getvalue())).decode()
    pub = [{"__type__": "QuantumCircuit", "__value__": value}, None, 200]
    job_id = ibm.submit("sampler", [pub])
    ibm.wait(job_id)
    data = pub_data(ibm.results(job_id))
    assert data["field_names"] == ["meas"]
    assert set(bitarray_counts(data["fields"]["meas"])[1]) == {"00", "11"}


def test_qpy_circuits_without_qiskit_on_the_emulator_are_400_saying_so(ibm, monkeypatch):
    # The emulator runs in this process: hide qiskit from it, as on a machine without it.
    for name in [name for name in sys.modules if name.split(".")[0] == "qiskit"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "qiskit", None)
    pub = [{"__type__": "QuantumCircuit", "__value__": "eJwDAAAAAAE="}]
    answer = ibm.run("sampler", [pub])
    assert answer.status_code == 400
    assert "qiskit" in ibm_error(answer)["message"]


# --- the job document ---------------------------------------------------------------------------


def test_job_document_has_every_field_of_the_wire_page(ibm, emulator):
    # Pending (usage "pending") when read back, however slow.
    requests.patch(f"{emulator.url}/_emulator/config", json={"queue_seconds": 600})
    job_id = ibm.submit(
        "sampler",
        [[BELL, None, 10]],
        tags=["a", "b"],
        log_level="WARNING",
        runtime="runtime:latest",
        private=True,
        cost=600,
    )
    job = ibm.job(job_id)
    assert set(job) >= JOB_FIELDS
    assert job["id"] == job_id and job["backend"] == "ibm_fez"
    assert job["program"] == {"id": "sampler"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", job["created"])
    assert job["tags"] == ["a", "b"] and job["runtime"] == "runtime:latest"
    assert job["private"] is True and job["cost"] == 600 and job["session_id"] is None
    assert job["params"]["pubs"][0][0] == BELL and job["params"]["version"] == 2
    assert set(job["usage"]) >= {"qpu_charge_time_seconds", "status"}
    assert job["usage"]["status"] == "pending"
    assert job["user_id"]
    assert "params" not in ibm.get(f"/jobs/{job_id}", params={"exclude_params": "true"}).json()


def test_unknown_job_is_404_and_a_malformed_id_is_400(ibm):
    answer = ibm.get("/jobs/c5dge2d3rn7breq27i9g")
    assert answer.status_code == 404
    assert "c5dge2d3rn7breq27i9g" in ibm_error(answer)["message"]
    for path in ("/jobs/bad%20id", "/jobs/bad%20id/results", "/jobs/x.y/cancel"):
        method = ibm.post if path.endswith("cancel") else ibm.get
        answer = method(path)
        assert answer.status_code == 400, path
        assert "job id" in ibm_error(answer)["message"]


# --- failures and cancellations -----------------------------------------------------------------


def test_injected_failure_gives_failed_with_reason_code_and_results_200_with_the_text(
    ibm, emulator
):
    requests.post(
        f"{emulator.url}/_emulator/faults/jobs", json={"vendor": "ibm", "outcome": "fail"}
    )
    job_id = ibm.submit("sampler", [[BELL, None, 10]])
    job = ibm.wait(job_id)
    assert job["status"] == "Failed" and job["state"]["status"] == "Failed"
    assert job["state"]["reason_code"] == 1517
    assert job["state"]["reason"]
    results = ibm.get(f"/jobs/{job_id}/results")
    assert results.status_code == 200
    assert "1517" in results.text and job["state"]["reason"] in results.text


def test_injected_failure_keeps_the_given_code_and_message(ibm, emulator):
    requests.post(
        f"{emulator.url}/_emulator/faults/jobs",
        json={"vendor": "ibm", "outcome": "fail", "code": "1520", "message": "calibration"},
    )
    job = ibm.wait(ibm.submit("sampler", [[BELL, None, 10]]))
    assert job["state"]["reason_code"] == 1520 and job["state"]["reason"] == "calibration"


def test_a_circuit_the_simulator_cannot_run_fails_the_job_with_1517(ibm):
    mid_reset = BELL.replace("c = measure q;", "reset q[0];\nh q[0];")
    job = ibm.wait(ibm.submit("estimator", [[mid_reset, "ZZ"]]))
    assert job["state"]["status"] == "Failed"
    assert job["state"]["reason_code"] == 1517
    assert "pub 0" in ibm.get(f"/jobs/{job['id']}/results").text


def test_external_cancel_gives_cancelled_and_results_204(ibm, emulator):
    requests.post(
        f"{emulator.url}/_emulator/faults/jobs", json={"vendor": "ibm", "outcome": "cancel"}
    )
    job = ibm.wait(ibm.submit("sampler", [[BELL, None, 10]]))
    assert job["status"] == "Cancelled"
    assert ibm.get(f"/jobs/{job['id']}/results").status_code == 204


def test_a_job_longer_than_its_cost_is_cancelled_ran_too_long_with_1305(ibm, emulator, slow):
    job_id = ibm.submit("sampler", [[BELL, None, 10]], cost=5)
    advance_clock(emulator.url, 31)
    assert ibm.job(job_id)["status"] == "Running"
    advance_clock(emulator.url, 5)
    job = ibm.job(job_id)
    assert job["status"] == "Cancelled - Ran too long"
    assert job["state"]["status"] == "Cancelled"
    assert job["state"]["reason_code"] == 1305
    results = ibm.get(f"/jobs/{job_id}/results")
    assert results.status_code == 200 and "1305" in results.text


def test_a_too_long_job_ended_early_by_the_control_api_completes(ibm, slow):
    job_id = ibm.submit("sampler", [[BELL, None, 10]], cost=5)
    job = ibm.finished(job_id)
    assert job["status"] == "Completed"
    assert ibm.get("/jobs", params={"pending": "true"}).json()["count"] == 0


def test_failed_job_logs_carry_the_error(ibm, emulator):
    requests.post(
        f"{emulator.url}/_emulator/faults/jobs", json={"vendor": "ibm", "outcome": "fail"}
    )
    job = ibm.wait(ibm.submit("sampler", [[BELL, None, 10]]))
    logs = ibm.get(f"/jobs/{job['id']}/logs").text
    assert " ERROR " in logs and "1517" in logs


def test_a_job_within_its_cost_completes(ibm):
    job = ibm.wait(ibm.submit("sampler", [[BELL, None, 10]], cost=60))
    assert job["status"] == "Completed"


def test_cancel_is_204_then_409_non_cancellable(ibm, slow):
    job_id = ibm.submit("sampler", [[BELL, None, 10]])
    answer = ibm.post(f"/jobs/{job_id}/cancel")
    assert answer.status_code == 204 and answer.content == b""
    job = ibm.job(job_id)
    assert job["status"] == "Cancelled"
    assert ibm.get(f"/jobs/{job_id}/results").status_code == 204
    again = ibm.post(f"/jobs/{job_id}/cancel")
    assert again.status_code == 409
    assert ibm_error(again)["message"] == "Job is in non cancellable status"


def test_a_running_job_can_be_cancelled_and_a_completed_one_cannot(ibm, emulator, slow):
    running = ibm.submit("sampler", [[BELL, None, 10]])
    advance_clock(emulator.url, 31)
    assert ibm.job(running)["status"] == "Running"
    assert ibm.post(f"/jobs/{running}/cancel").status_code == 204
    requests.patch(f"{emulator.url}/_emulator/config", json={"queue_seconds": 0.0})
    done = ibm.finished(ibm.submit("sampler", [[BELL, None, 10]]))
    assert done["status"] == "Completed"
    assert ibm.post(f"/jobs/{done['id']}/cancel").status_code == 409


def test_delete_needs_a_final_job_and_then_the_job_is_gone(ibm, slow):
    job_id = ibm.submit("sampler", [[BELL, None, 10]])
    refused = ibm.delete(f"/jobs/{job_id}")
    assert refused.status_code == 409
    assert "final" in ibm_error(refused)["message"]
    ibm.finished(job_id)
    usage = ibm.get("/instances/usage").json()["usage_consumed_seconds"]
    deleted = ibm.delete(f"/jobs/{job_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert ibm.get(f"/jobs/{job_id}").status_code == 404
    assert ibm.delete(f"/jobs/{job_id}").status_code == 404
    assert ibm.get("/instances/usage").json()["usage_consumed_seconds"] == usage


# --- tags, logs, metrics ------------------------------------------------------------------------


def test_put_tags_answers_exactly_204_and_replaces_the_tags(ibm):
    job_id = ibm.submit("sampler", [[BELL, None, 10]], tags=["old"])
    answer = ibm.put(f"/jobs/{job_id}/tags", json={"tags": ["x", "y"]})
    assert answer.status_code == 204 and answer.content == b""
    assert ibm.job(job_id)["tags"] == ["x", "y"]
    assert ibm.put(f"/jobs/{job_id}/tags", json={"tags": []}).status_code == 204
    assert ibm.job(job_id)["tags"] == []


@pytest.mark.parametrize(
    "tags", [["t"] * 9, ["x" * 87], "solo", [1], None], ids=["9", "87ch", "str", "int", "null"]
)
def test_put_tags_refuses_too_many_too_long_or_wrong_types(ibm, tags):
    job_id = ibm.submit("sampler", [[BELL, None, 10]])
    answer = ibm.put(f"/jobs/{job_id}/tags", json={"tags": tags})
    assert answer.status_code == 400
    assert "tags" in ibm_error(answer)["message"]


def test_metrics_have_timestamps_usage_and_queue_position(ibm, emulator, slow):
    first = ibm.submit("sampler", [[BELL, None, 10]], backend="ibm_marrakesh")
    second = ibm.submit("sampler", [[BELL, None, 10]], backend="ibm_marrakesh")
    other = ibm.submit("sampler", [[BELL, None, 10]], backend="ibm_fez")
    metrics = ibm.get(f"/jobs/{second}/metrics").json()
    assert metrics["position_in_queue"] == 2
    assert ibm.get(f"/jobs/{first}/metrics").json()["position_in_queue"] == 1
    assert ibm.get(f"/jobs/{other}/metrics").json()["position_in_queue"] == 1
    assert metrics["timestamps"]["created"] and metrics["timestamps"]["running"] is None
    assert metrics["usage"]["status"] == "pending"
    assert metrics["estimated_start_time"] and metrics["estimated_completion_time"]
    advance_clock(emulator.url, 61)
    ibm.wait(second)
    done = ibm.get(f"/jobs/{second}/metrics").json()
    assert done["position_in_queue"] is None
    assert done["timestamps"]["running"] and done["timestamps"]["finished"]
    assert done["usage"]["status"] == "complete"
    assert done["usage"]["quantum_seconds"] == done["usage"]["qpu_charge_time_seconds"] == 30


# --- listing ------------------------------------------------------------------------------------


def _ids(answer: requests.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [job["id"] for job in answer.json()["jobs"]]


def test_list_pages_with_limit_offset_and_count(ibm):
    ids = [ibm.submit("sampler", [[BELL, None, 5]]) for _ in range(5)]
    answer = ibm.get("/jobs", params={"limit": 2, "offset": 1})
    body = answer.json()
    assert body["count"] == 5 and body["limit"] == 2 and body["offset"] == 1
    assert _ids(answer) == [ids[3], ids[2]]  # newest first by default


def test_list_sorts_by_creation_asc_or_desc(ibm):
    ids = [ibm.submit("sampler", [[BELL, None, 5]]) for _ in range(3)]
    assert _ids(ibm.get("/jobs", params={"sort": "ASC"})) == ids
    assert _ids(ibm.get("/jobs", params={"sort": "DESC"})) == ids[::-1]


def test_list_filters_pending_jobs(ibm, slow):
    done = ibm.finished(ibm.submit("sampler", [[BELL, None, 5]]))["id"]
    waiting = ibm.submit("sampler", [[BELL, None, 5]])
    assert _ids(ibm.get("/jobs", params={"pending": "true"})) == [waiting]
    assert _ids(ibm.get("/jobs", params={"pending": "false"})) == [done]


def test_list_filters_by_program_backend_and_session(ibm):
    sampler = ibm.submit("sampler", [[BELL, None, 5]], backend="ibm_marrakesh")
    estimator = ibm.submit("estimator", [[BELL, "ZZ"]])
    session = ibm.post("/sessions", json={"mode": "batch", "backend": "ibm_fez"}).json()["id"]
    in_session = ibm.submit("sampler", [[BELL, None, 5]], session_id=session, backend=None)
    assert _ids(ibm.get("/jobs", params={"program": "estimator"})) == [estimator]
    assert _ids(ibm.get("/jobs", params={"backend": "ibm_marrakesh"})) == [sampler]
    assert _ids(ibm.get("/jobs", params={"session_id": session})) == [in_session]


def test_list_filters_by_creation_time(ibm, emulator):
    old = ibm.submit("sampler", [[BELL, None, 5]])
    created = ibm.job(old)["created"]
    advance_clock(emulator.url, 60)
    new = ibm.submit("sampler", [[BELL, None, 5]])
    middle = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(emulator.state.now() - 30))
    assert _ids(ibm.get("/jobs", params={"created_after": middle})) == [new]
    assert _ids(ibm.get("/jobs", params={"created_before": middle})) == [old]
    assert old in _ids(ibm.get("/jobs", params={"created_after": created}))


def test_list_tags_are_and_ed(ibm):
    both = ibm.submit("sampler", [[BELL, None, 5]], tags=["a", "b"])
    only_a = ibm.submit("sampler", [[BELL, None, 5]], tags=["a"])
    assert _ids(ibm.get("/jobs", params=[("tags", "a"), ("tags", "b")])) == [both]
    assert set(_ids(ibm.get("/jobs", params={"tags": "a"}))) == {both, only_a}
    assert _ids(ibm.get("/jobs", params={"tags": "c"})) == []


def test_list_can_exclude_params_as_the_official_client_asks(ibm):
    ibm.submit("sampler", [[BELL, None, 5]])
    body = ibm.get("/jobs", params={"exclude_params": "true", "limit": 5}).json()
    assert body["count"] == 1 and "params" not in body["jobs"][0]
    assert "params" in ibm.get("/jobs").json()["jobs"][0]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 201},
        {"limit": "ten"},
        {"offset": -1},
        {"pending": "maybe"},
        {"sort": "UP"},
        {"created_after": "yesterday"},
    ],
)
def test_list_refuses_bad_query_parameters_with_400(ibm, params):
    answer = ibm.get("/jobs", params=params)
    assert answer.status_code == 400
    assert next(iter(params)) in ibm_error(answer)["message"]


def test_submitted_jobs_are_counted_in_stats(ibm, emulator):
    for _ in range(2):
        ibm.submit("sampler", [[BELL, None, 5]])
    ibm.run("sampler", [["not qasm"]])
    stats = requests.get(f"{emulator.url}/_emulator/stats").json()["ibm"]
    assert stats["jobs_submitted"] == 2
    assert stats["routes"]["POST /api/v1/jobs"] >= 3
