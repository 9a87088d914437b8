"""Property tests: whatever a server sends, the parsers raise only the provider's own errors.

Random JSON (and random bytes) go into the job model, the other IBM models, the result
decoder, the ``.npy`` reader, the IAM answer reader and the error-body parser. Each either
returns or raises a ``QuantumError`` subclass, never ``KeyError``, pydantic's
``ValidationError``, ``struct.error`` or the like.
"""

from __future__ import annotations

import base64
import json
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from json_fuzz_support import json_paths, provider_errors_only, replaced

from airflow_quantum.clients.ibm import (
    IBMBackendConfiguration,
    IBMBackendStatus,
    IBMInstanceUsage,
    IBMJob,
    IBMJobMetrics,
    IBMJobPage,
    IBMQueueInfo,
    IBMSession,
    decode_result,
)
from airflow_quantum.clients.ibm.auth import token_from_answer
from airflow_quantum.clients.npy import decode_ndarray, read_npy
from airflow_quantum.clients.transport import parse_error_body

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(
        ["Completed", "FAILED", "cancelled - ran too long", "1305", "2025-01-01T00:00:00.1234567Z"]
    )
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=25,
)

job_like = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=10) | json_values,
        "backend": json_values,
        "state": st.fixed_dictionaries(
            {},
            optional={
                "status": json_values,
                "reason": json_values,
                "reason_code": json_values,
                "reasonCode": json_values,
            },
        )
        | json_values,
        "status": json_values,
        "params": st.dictionaries(st.sampled_from(["version", "pubs"]), json_values) | json_values,
        "program": st.fixed_dictionaries({}, optional={"id": json_values}) | json_values,
        "created": json_values,
        "end_time": json_values,
        "tags": st.lists(st.text(max_size=5)) | json_values,
        "usage": json_values,
        "estimated_running_time_seconds": json_values,
        "cost": json_values,
    },
)

TYPES = [
    "PrimitiveResult", "SamplerPubResult", "PubResult", "DataBin", "BitArray", "ndarray",
    "complex", "datetime", "set", "ExecutionSpans", "Unknown",
]  # fmt: skip


def _tagged(children):
    return st.fixed_dictionaries(
        {"__type__": st.sampled_from(TYPES) | scalars, "__value__": children}
    )


def _shaped(children):
    return st.fixed_dictionaries(
        {},
        optional={
            "pub_results": st.lists(children, max_size=3) | children,
            "data": children,
            "metadata": children,
            "fields": st.dictionaries(st.text(max_size=3), children, max_size=3) | children,
            "shape": st.lists(st.integers(-2, 3), max_size=3) | children,
            "array": children,
            "num_bits": st.integers(-2, 20) | children,
        },
    )


tagged_trees = st.recursive(
    scalars | st.just(base64.b64encode(b"\x93NUMPY").decode()),
    lambda children: (
        _tagged(children)
        | _shaped(children)
        | st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=30,
)


def npy_bytes():
    descr = st.sampled_from(["<f8", ">i4", "|u1", "|b1", "<c16", "<U2", "|O", "<f2", "=i8"])
    shape = st.lists(st.integers(min_value=-2, max_value=2**40), max_size=4).map(tuple)
    header = st.builds(
        lambda d, s, f: repr({"descr": d, "fortran_order": f, "shape": s}).encode(),
        descr | scalars,
        shape | scalars,
        st.booleans() | scalars,
    )
    return st.builds(
        lambda h, data, version: (
            b"\x93NUMPY"
            + bytes([version, 0])
            + (len(h).to_bytes(2, "little") if version == 1 else len(h).to_bytes(4, "little"))
            + h
            + data
        ),
        header | st.binary(max_size=40),
        st.binary(max_size=64),
        st.sampled_from([1, 2, 3, 9]),
    )


@PROPERTY
@given(payload=job_like | json_values)
def test_ibm_job_from_wire(payload):
    job = provider_errors_only(IBMJob.from_wire, payload)
    if job is None:
        return
    # Every attribute and predicate works on whatever parsed.
    _ = (job.status, job.state, job.status_word, job.creation_date, job.inputs, job.version)
    _ = (job.usage_estimation, job.image, job.program_id, job.reason, job.reason_code)
    _ = (job.done(), job.running(), job.cancelled(), job.errored(), job.in_final_state())
    json.dumps(job.summary())
    assert isinstance(job.error_message(), str | None)


@PROPERTY
@given(payload=json_values)
def test_other_models_from_wire(payload):
    for model in (
        IBMJobPage,
        IBMJobMetrics,
        IBMSession,
        IBMBackendStatus,
        IBMBackendConfiguration,
        IBMInstanceUsage,
    ):
        parsed = provider_errors_only(model.from_wire, payload)
        if isinstance(parsed, IBMJobMetrics):
            IBMQueueInfo.from_metrics("j", parsed)


@PROPERTY
@given(payload=tagged_trees, bitstrings=st.booleans())
def test_decode_result_on_random_tagged_json(payload, bitstrings):
    decoded = provider_errors_only(decode_result, json.dumps(payload), bitstrings=bitstrings)
    if decoded is not None:
        json.dumps(decoded)


def _valid_documents() -> list[dict]:
    """Real results from the emulator's encoder: a Bell sampler sweep and an estimator."""
    import numpy as np

    from airflow_quantum_emulator.ibm import encoding

    bits = np.array([[[0b11], [0b00]], [[0b01], [0b10]]], dtype=np.uint8)
    sampler = encoding.sampler_pub_result({"c": (bits, 2), "d": (bits, 1)}, (2,), {"x": 1})
    estimator = encoding.estimator_pub_result(np.ones(2), np.zeros(2), np.zeros(2), {"y": 2j})
    return [encoding.primitive_result([sampler, estimator], {"version": 2})]


VALID = _valid_documents()


@PROPERTY
@given(choice=st.integers(min_value=0), replacement=json_values | tagged_trees)
def test_decode_result_on_mutated_real_results(choice, replacement):
    document = VALID[0]
    paths = json_paths(document)
    mutated = replaced(document, paths[choice % len(paths)], replacement)
    decoded = provider_errors_only(decode_result, json.dumps(mutated))
    if decoded is not None:
        json.dumps(decoded)


@PROPERTY
@given(text=st.text(max_size=200) | st.binary(max_size=200))
def test_decode_result_on_random_text(text):
    provider_errors_only(decode_result, text)


@PROPERTY
@given(raw=npy_bytes() | st.binary(max_size=80), compress=st.booleans())
def test_npy_reader(raw, compress):
    def read():
        array = read_npy(raw)
        array.tolist()
        array.row_major_bytes()

    provider_errors_only(read)
    text = base64.b64encode(zlib.compress(raw) if compress else raw).decode()
    array = provider_errors_only(decode_ndarray, text)
    if array is not None:
        provider_errors_only(array.tolist)


@PROPERTY
@given(value=json_values)
def test_decode_ndarray_on_random_values(value):
    provider_errors_only(decode_ndarray, value)


@PROPERTY
@given(payload=json_values)
def test_iam_answers(payload):
    provider_errors_only(token_from_answer, payload)


@PROPERTY
@given(
    content=st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()),
    headers=st.dictionaries(
        st.sampled_from(["x-request-id", "x-ms-error-code", "other"]), st.text(max_size=10)
    ),
)
def test_error_parser_never_fails(content, headers):
    code, message, request_id = parse_error_body(content, headers)
    assert isinstance(message, str) and message
    assert code is None or isinstance(code, str)
    assert request_id is None or isinstance(request_id, str)


@pytest.mark.parametrize(
    "body",
    [
        {"errors": [{"code": {"nested": 1}, "message": ["list"]}], "trace": 5},
        {"errors": ["just text"]},
        {"errors": []},
        {"error": {"code": None}},
        {"error": "invalid_grant", "error_description": 7},
        {"errorCode": 1, "context": "none"},
    ],
)
def test_error_parser_on_odd_but_plausible_shapes(body):
    _, message, _ = parse_error_body(json.dumps(body).encode(), {})
    assert message
