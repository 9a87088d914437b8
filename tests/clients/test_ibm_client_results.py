"""Decoding tagged primitive results and ``.npy`` arrays, checked against numpy's own answers."""

from __future__ import annotations

import base64
import io
import json
import zlib
from datetime import datetime, timezone

import numpy as np
import pytest

from airflow_quantum.clients import npy
from airflow_quantum.clients.errors import BadResponseError, InvalidStateError, JobFailedError
from airflow_quantum.clients.ibm import IBMJob, decode_result
from airflow_quantum.clients.ibm.results import result_or_raise
from airflow_quantum_emulator.ibm import encoding


def npy_text(array: np.ndarray, *, compress: bool = True, version=None) -> str:
    buffer = io.BytesIO()
    if version is None:
        np.save(buffer, array, allow_pickle=False)
    else:
        np.lib.format.write_array(buffer, array, version=version, allow_pickle=False)
    raw = buffer.getvalue()
    return base64.b64encode(zlib.compress(raw) if compress else raw).decode()


def plain(value):
    """numpy's tolist with complex numbers as [re, im], as the decoder gives them."""
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, complex):
        return [value.real, value.imag]
    return value


# --------------------------------------------------------------------------------- npy

DTYPES = [
    "?", "i1", "u1", "<i2", ">i2", "<u2", "<i4", ">u4", "<i8", "<u8",
    "<f2", "<f4", ">f8", "<f8", "<c8", ">c16",
]  # fmt: skip
SHAPES = [(), (0,), (3,), (2, 3), (2, 0, 3), (2, 3, 4)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("order", ["C", "F"])
def test_npy_reader_matches_numpy(dtype, shape, order):
    rng = np.random.default_rng(3)
    array = np.asarray(rng.integers(0, 100, size=shape), order=order).astype(dtype, order=order)
    if np.dtype(dtype).kind == "c":
        array = array + 1j * np.asarray(rng.integers(0, 9, size=shape), dtype=dtype)
        array = np.asarray(array, order=order)
    decoded = npy.decode_ndarray(npy_text(array))
    assert decoded.shape == shape
    assert decoded.tolist() == plain(array.tolist())


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_npy_format_versions_and_uncompressed_payloads(version):
    array = np.arange(6, dtype="<f8").reshape(2, 3)
    assert npy.decode_ndarray(npy_text(array, version=version)).tolist() == array.tolist()
    assert npy.decode_ndarray(npy_text(array, compress=False)).tolist() == array.tolist()


def test_object_arrays_arrive_as_lists():
    assert npy.decode_ndarray([[1, "a"], [2, "b"]]) == [[1, "a"], [2, "b"]]


def header(descr, shape, fortran=False, data=b"") -> str:
    text = repr({"descr": descr, "fortran_order": fortran, "shape": shape}).encode()
    raw = b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + data
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    "value",
    [
        5,
        None,
        {"a": 1},
        "not base64 !!",
        "ünïcode",
        base64.b64encode(b"plain bytes").decode(),
        base64.b64encode(b"\x93NUMPY\x09\x00").decode(),
        base64.b64encode(b"\x93NUMPY\x01\x00\xff\xff{").decode(),
        header("<f8", (10,), data=b"\x00" * 8),  # data shorter than the shape
        header("<f8", (-1,)),
        header("<f8", (True,)),
        header("<f8", (10**12, 10**12)),
        header("<U3", (1,), data=b"\x00" * 12),
        header("|O", (1,), data=b"\x00" * 8),
        header([("a", "<f8")], (1,), data=b"\x00" * 8),
        header("<c16", (3,), data=b"\x00" * 8),
        base64.b64encode(b"\x93NUMPY\x01\x00\x05\x00[1,2]").decode(),
        base64.b64encode(b"\x93NUMPY\x01\x00\x0a\x00" + b"(" * 10).decode(),
    ],
)
def test_bad_arrays_are_bad_responses(value):
    with pytest.raises(BadResponseError):
        decoded = npy.decode_ndarray(value)
        decoded.tolist()


def test_huge_empty_shapes_are_refused_without_building_them():
    with pytest.raises(BadResponseError, match="too large"):
        npy.decode_ndarray(header("<f8", (10**12, 0))).tolist()


def test_zlib_bombs_are_refused(monkeypatch):
    monkeypatch.setattr(npy, "MAX_DECODED_BYTES", 1000)
    with pytest.raises(BadResponseError, match="larger than"):
        npy.decode_ndarray(npy_text(np.zeros(1000)))


# ---------------------------------------------------------------------- decode_result


def packed(bits: list[list[int]]) -> np.ndarray:
    """uint8 (shots, bytes) from per-shot bit lists, highest classical bit first."""
    rows = np.array(bits, dtype=np.uint8)
    return np.packbits(np.pad(rows, ((0, 0), ((-rows.shape[1]) % 8, 0))), axis=1)


def wire(document) -> str:
    return json.dumps(document)


def test_sampler_counts_per_register_and_joined():
    c = packed([[0, 1], [1, 1], [0, 1], [0, 0]])  # "01", "11", "01", "00"
    d = packed([[1], [0], [1], [1]])
    pub = encoding.sampler_pub_result({"c": (c, 2), "d": (d, 1)}, (), {"circuit_metadata": {}})
    result = decode_result(wire(encoding.primitive_result([pub], {"version": 2})))
    assert result["kind"] == "sampler" and result["metadata"] == {"version": 2}
    (decoded,) = result["pub_results"]
    assert decoded["shots"] == 4 and decoded["shape"] == []
    assert decoded["registers"]["c"]["counts"] == {"01": 2, "11": 1, "00": 1}
    assert decoded["registers"]["d"]["counts"] == {"1": 3, "0": 1}
    # The last register is leftmost, as qiskit's join_data().get_counts() prints it.
    assert decoded["counts"] == {"101": 2, "011": 1, "100": 1}


def test_padding_bits_above_num_bits_are_ignored():
    raw = np.array([[0b11111101], [0b00000101], [0b10000011]], dtype=np.uint8)
    document = encoding.primitive_result([encoding.sampler_pub_result({"c": (raw, 3)}, ())], {})
    register = decode_result(wire(document), bitstrings=True)["pub_results"][0]["registers"]["c"]
    assert register["counts"] == {"101": 2, "011": 1}
    assert register["bitstrings"] == ["101", "101", "011"]


def test_more_than_eight_bits_span_bytes_big_endian():
    bits = [[1] + [0] * 9, [0] * 9 + [1]]  # "1000000000", "0000000001"
    document = encoding.primitive_result(
        [encoding.sampler_pub_result({"c": (packed(bits), 10)}, ())]
    )
    counts = decode_result(wire(document))["pub_results"][0]["counts"]
    assert counts == {"1000000000": 1, "0000000001": 1}


def test_parameter_sweep_counts_keep_the_pub_shape():
    shots = [[[0], [0]], [[1], [1]], [[1], [0]]]
    array = np.stack([packed(element) for element in shots]).reshape(3, 1, 2, 1)
    pub = encoding.sampler_pub_result({"m": (array, 1)}, (3, 1))
    (decoded,) = decode_result(wire(encoding.primitive_result([pub])))["pub_results"]
    assert decoded["shape"] == [3, 1] and decoded["shots"] == 2
    assert decoded["counts"] == [[{"0": 2}], [{"1": 2}], [{"1": 1, "0": 1}]]


def test_fortran_ordered_bit_arrays_are_read_in_row_major_order():
    array = np.asfortranarray(np.stack([packed([[0], [0]]), packed([[1], [1]])]))
    pub = encoding.sampler_pub_result({"m": (array, 1)}, (2,))
    counts = decode_result(wire(encoding.primitive_result([pub])))["pub_results"][0]["counts"]
    assert counts == [{"0": 2}, {"1": 2}]


def test_estimator_values_and_extra_fields():
    evs = np.array([1.0, -0.5])
    pub = encoding.estimator_pub_result(evs, np.array([0.1, 0.2]), np.array([0.1, 0.2]))
    pub["__value__"]["data"]["__value__"]["fields"]["resolution"] = encoding.encode_ndarray(
        np.array([1, 2])
    )
    scalar = encoding.estimator_pub_result(np.array(0.25), np.array(0.01), np.array(0.01))
    result = decode_result(wire(encoding.primitive_result([pub, scalar])))
    first, second = result["pub_results"]
    assert result["kind"] == "estimator"
    assert first["shape"] == [2] and first["evs"] == [1.0, -0.5] and first["stds"] == [0.1, 0.2]
    assert first["ensemble_standard_error"] == [0.1, 0.2] and first["data"] == {
        "resolution": [1, 2]
    }
    assert second["shape"] == [] and second["evs"] == 0.25 and second["stds"] == 0.01


def test_a_pub_result_holding_bit_arrays_is_a_sampler_and_mixed_kinds_are_reported():
    bits = encoding.bit_array(packed([[1]]), 1)
    old_style = {"__type__": "PubResult", "__value__": {"data": encoding.data_bin({"c": bits}, ())}}
    estimator = encoding.estimator_pub_result(np.array(1.0), np.array(0.0), np.array(0.0))
    result = decode_result(wire(encoding.primitive_result([old_style, estimator])))
    assert result["kind"] == "mixed"
    assert [pub["kind"] for pub in result["pub_results"]] == ["sampler", "estimator"]


def test_metadata_values_become_plain_json():
    moment = datetime(2025, 1, 1, tzinfo=timezone.utc)
    span = encoding.execution_span(moment, moment, {0: ((2,), 100)})
    metadata = {
        "execution": {"execution_spans": encoding.execution_spans([span])},
        "phase": encoding.to_wire(1 + 2j),
        "when": encoding.to_wire(moment),
        "labels": {"__type__": "set", "__value__": ["a"]},
        "future": {"__type__": "Hologram", "__value__": {"x": 1}},
    }
    result = decode_result(wire(encoding.primitive_result([], metadata)))
    assert result["kind"] == "empty" and result["pub_results"] == []
    decoded = result["metadata"]
    assert decoded["phase"] == [1.0, 2.0] and decoded["when"].startswith("2025-01-01T00:00:00")
    assert decoded["labels"] == ["a"] and decoded["future"] == {
        "type": "Hologram",
        "value": {"x": 1},
    }
    (spans,) = decoded["execution"]["execution_spans"]["value"]["spans"]
    assert spans["type"] == "DoubleSliceSpan"
    json.dumps(result)  # plain JSON throughout


def test_anything_but_a_primitive_result_is_kept_as_unknown():
    assert decode_result('{"counts": {"0": 5}}') == {
        "kind": "unknown",
        "value": {"counts": {"0": 5}},
    }
    assert decode_result(b"[1, 2]") == {"kind": "unknown", "value": [1, 2]}


BIT = encoding.bit_array(packed([[1]]), 1)["__value__"]["array"]


def tagged(kind, value):
    return {"__type__": kind, "__value__": value}


def bits(array, num_bits):
    return tagged("BitArray", {"array": array, "num_bits": num_bits})


@pytest.mark.parametrize(
    "document",
    [
        "Error code 1517; the job failed",
        '{"__type__": "PrimitiveResult", "__value__": {"pub_results": "nope"}}',
        tagged("PrimitiveResult", [1]),
        tagged("PrimitiveResult", {"pub_results": [tagged("PubResult", {})]}),
        tagged("PrimitiveResult", {"pub_results": [tagged("PubResult", {"data": [1]})]}),
        bits(BIT, 9),
        bits(BIT, -1),
        bits(BIT, True),
        bits([[1]], 1),
        bits(encoding.encode_ndarray(np.zeros(3, np.uint8)), 8),
        bits(encoding.encode_ndarray(np.zeros((1, 1), np.float64)), 8),
        tagged("DataBin", {"fields": [], "shape": []}),
        tagged("DataBin", {"fields": {}, "shape": [-1]}),
        tagged("complex", [1]),
        tagged("datetime", 5),
        tagged("ndarray", 7),
        "[" * 100_000,
    ],
)
def test_malformed_results_are_bad_responses(document):
    with pytest.raises(BadResponseError):
        decode_result(document if isinstance(document, str) else json.dumps(document))


# ---------------------------------------------------------------------- result_or_raise


def job(status: str, **state) -> IBMJob:
    return IBMJob.from_wire({"id": "j1", "state": {"status": status, **state}})


def test_result_or_raise():
    document = wire(encoding.primitive_result([]))
    assert result_or_raise(job("Completed"), document)["kind"] == "empty"
    with pytest.raises(InvalidStateError, match="204"):
        result_or_raise(job("Completed"), None)
    with pytest.raises(InvalidStateError, match="not ready"):
        result_or_raise(job("Running"), None)
    with pytest.raises(InvalidStateError, match="not ready"):
        result_or_raise(job("Mysterious"), None)
    with pytest.raises(JobFailedError, match="Error code 1517; boom") as failed:
        result_or_raise(job("Failed", reason="boom", reason_code=1517), "Error code 1517; boom")
    assert failed.value.code == "1517" and failed.value.job_id == "j1"
    with pytest.raises(JobFailedError, match="boom"):
        result_or_raise(job("Failed", reason="boom"), None)
    with pytest.raises(JobFailedError, match="cancelled") as cancelled:
        result_or_raise(job("Cancelled", reason="Cancelled by the user"), None)
    assert cancelled.value.state == "cancelled"
