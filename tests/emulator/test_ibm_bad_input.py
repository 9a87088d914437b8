"""Bad input to the runtime API is a 4xx in IBM's shape that says what is wrong, never a 500."""

from __future__ import annotations

import json

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ibm_support import BELL, RY_SWEEP, IBMWire, ibm_error


@pytest.fixture
def ibm(emulator) -> IBMWire:
    return IBMWire(emulator.url)


def _sampler(pubs, **extra):
    return {
        "program_id": "sampler",
        "backend": "ibm_fez",
        "params": {"pubs": pubs, "version": 2},
        **extra,
    }


def _post(ibm: IBMWire, body) -> requests.Response:
    return ibm.post("/jobs", json=body)


def _refused(answer: requests.Response, status: int, *words: str) -> None:
    assert answer.status_code == status, answer.text
    message = ibm_error(answer)["message"]
    for word in words:
        assert word in message, message


def test_malformed_json_is_400(ibm):
    answer = ibm.post("/jobs", data=b"{not json", headers={"Content-Type": "application/json"})
    _refused(answer, 400, "not valid JSON")


def test_empty_body_is_400(ibm):
    _refused(ibm.post("/jobs"), 400, "empty")


def test_a_body_that_is_not_an_object_is_400(ibm):
    _refused(_post(ibm, ["sampler"]), 400, "object")


def test_invalid_qasm_is_400_naming_the_pub_and_the_line(ibm):
    bad = "OPENQASM 3.0;\nqubit[2] q;\nfrobnicate q[0];\n"
    answer = _post(ibm, _sampler([[BELL], [bad]]))
    _refused(answer, 400, "pub 1", "line 3")


def test_unknown_program_is_404(ibm):
    _refused(_post(ibm, {**_sampler([[BELL]]), "program_id": "qaoa-runner"}), 404, "qaoa-runner")


def test_unknown_backend_is_404(ibm):
    _refused(_post(ibm, _sampler([[BELL]], backend="ibm_atlantis")), 404, "ibm_atlantis")


def test_missing_backend_without_session_is_400(ibm):
    body = _sampler([[BELL]])
    del body["backend"]
    _refused(_post(ibm, body), 400, "backend")


#: 30 qubits one chain of gates connects: beyond what the emulator simulates together (24).
ENTANGLED_30 = (
    'OPENQASM 3.0; include "stdgates.inc"; qubit[30] q; bit[30] c; '
    + " ".join(f"cz q[{i}], q[{i + 1}];" for i in range(29))
    + " c = measure q;"
)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"program_id": 5}, "program_id"),
        ({"params": [1, 2]}, "params"),
        ({"tags": "one"}, "tags"),
        ({"tags": ["t"] * 9}, "tags"),
        ({"tags": ["x" * 87]}, "tags"),
        ({"tags": [""]}, "tags"),
        ({"cost": -1}, "cost"),
        ({"cost": 10801}, "cost"),
        ({"cost": "600"}, "cost"),
        ({"log_level": "LOUD"}, "log_level"),
        ({"private": "yes"}, "private"),
        ({"runtime": "no image tag"}, "runtime"),
        ({"backend": 3}, "backend"),
        ({"session_id": ["s"]}, "session_id"),
    ],
)
def test_wrong_field_types_and_ranges_are_400_naming_the_field(ibm, extra, words):
    _refused(_post(ibm, {**_sampler([[BELL]]), **extra}), 400, words)


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"pubs": [], "version": 2}, "pubs"),
        ({"pubs": "circuit", "version": 2}, "pubs"),
        ({"version": 2}, "pubs"),
        ({"pubs": [[BELL]], "version": 1}, "version"),
        ({"pubs": [[BELL]], "options": []}, "options"),
        ({"pubs": [[BELL]], "options": {"default_shots": 0}}, "default_shots"),
        ({"pubs": [[BELL]], "options": {"simulator": {"seed_simulator": "x"}}}, "seed"),
        ({"pubs": [[BELL, None, 0]]}, "shots"),
        ({"pubs": [[BELL, None, 10**9]]}, "shots"),
        ({"pubs": [[BELL, None, 10, "extra"]]}, "pub 0"),
        ({"pubs": [[42]]}, "OpenQASM"),
        ({"pubs": [[RY_SWEEP]]}, "theta"),
        ({"pubs": [[RY_SWEEP, [[1.0, 2.0]]]]}, "last dimension must be 1"),
        ({"pubs": [[RY_SWEEP, [[1.0], [2.0, 3.0]]]]}, "rectangular"),
        ({"pubs": [[RY_SWEEP, {"phi": [1.0]}]]}, "phi"),
        ({"pubs": [[BELL.replace("c = measure q;", "").replace("bit[2] c;", "")]]}, "classical"),
        (
            {"pubs": [[ENTANGLED_30]]},
            "at most",
        ),
        ({"pubs": [[{"__type__": "QuantumCircuit", "__value__": 12}]]}, "QuantumCircuit"),
    ],
)
def test_bad_sampler_params_are_400_saying_what_is_wrong(ibm, params, words):
    body = {"program_id": "sampler", "backend": "ibm_fez", "params": params}
    _refused(_post(ibm, body), 400, words)


@pytest.mark.parametrize(
    ("pub", "words"),
    [
        ([BELL], "observables"),
        ([BELL, "ZZZ"], "2"),
        ([BELL, "AB"], "Pauli"),
        ([BELL, {"ZZ": [0.0, 1.0]}], "Hermitian"),
        ([BELL, {"ZZ": "one"}], "coefficient"),
        ([BELL, []], "empty"),
        ([BELL, [["ZZ"], ["XX", "YY"]]], "rectangular"),
        ([BELL, 7], "Pauli string"),
        ([BELL, "ZZ", None, -0.1], "precision"),
        ([RY_SWEEP, ["Z", "X", "Y"], [[0.1], [0.2]]], "broadcast"),
    ],
)
def test_bad_estimator_pubs_are_400_saying_what_is_wrong(ibm, pub, words):
    body = {"program_id": "estimator", "backend": "ibm_fez", "params": {"pubs": [pub]}}
    _refused(_post(ibm, body), 400, words)


def test_a_tagged_ndarray_that_does_not_decode_is_400(ibm):
    values = {"__type__": "ndarray", "__value__": "not base64!"}
    _refused(_post(ibm, _sampler([[RY_SWEEP, values]])), 400, "base64")


def test_oversized_body_is_413_in_ibm_shape(ibm, emulator):
    requests.patch(f"{emulator.url}/_emulator/config", json={"max_body_bytes": 10_000})
    answer = _post(ibm, _sampler([[BELL + "\n// " + "x" * 20_000]]))
    _refused(answer, 413)


def test_unknown_routes_and_methods_answer_in_ibm_shape(ibm):
    _refused(ibm.get("/nothing-here"), 404)
    _refused(ibm.put("/jobs"), 405)


def test_bad_tags_body_is_400(ibm):
    job_id = ibm.submit("sampler", [[BELL, None, 5]])
    _refused(ibm.put(f"/jobs/{job_id}/tags", data=b"[", headers={"Content-Type": "x"}), 400)
    _refused(ibm.put(f"/jobs/{job_id}/tags", json={"labels": ["a"]}), 400, "tags")


# --- property: nothing posted to POST /jobs makes the emulator fail -----------------------------

_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from([BELL, RY_SWEEP, "ZZ", "sampler", "estimator", "ibm_fez", "ndarray"]),
)
_json = st.recursive(
    _leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(["__type__", "__value__", "pubs", "options", "version", "x"]),
            children,
            max_size=4,
        ),
    ),
    max_leaves=12,
)
_bodies = st.one_of(
    _json,
    st.fixed_dictionaries(
        {
            "program_id": st.sampled_from(["sampler", "estimator"]) | _leaf,
            "backend": st.sampled_from(["ibm_fez", "ibm_kingston"]) | _leaf,
            "params": st.fixed_dictionaries(
                {"pubs": st.lists(st.lists(_json, max_size=4), max_size=3) | _json},
                optional={"options": _json, "version": st.sampled_from([2, 1]) | _leaf},
            )
            | _json,
        },
        optional={"tags": _json, "cost": _json, "session_id": _json, "log_level": _json},
    ),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=_bodies)
def test_random_json_posted_to_jobs_never_gets_a_5xx(ibm, body):
    answer = ibm.post("/jobs", data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert answer.status_code < 500, (body, answer.text)
    if answer.status_code >= 400:
        ibm_error(answer)


@pytest.mark.parametrize(
    ("program", "pub"),
    [
        ("sampler", [RY_SWEEP, [[0.1]] * 101, 100_000]),  # 101 circuits x 100,000 shots
        ("estimator", [RY_SWEEP.split("meas[0] =")[0], ["Z"] * 11, [0.1], 0.001]),  # x 10**6
    ],
)
def test_more_than_10_million_executions_per_job_are_refused(ibm, program, pub):
    """The service's limit: executions are circuits after broadcasting x shots (wire page)."""
    answer = ibm.run(program, [pub])
    assert answer.status_code == 400
    assert "a job runs at most 10000000" in ibm_error(answer)["message"]
