"""The tagged JSON of Qiskit Runtime results: round trips through plain numpy and json."""

from __future__ import annotations

import base64
import io
import json
import zlib
from datetime import datetime, timezone

import numpy as np
import pytest

from airflow_quantum_emulator.ibm import encoding


def _load(tagged: dict) -> np.ndarray:
    assert tagged["__type__"] == "ndarray"
    raw = zlib.decompress(base64.b64decode(tagged["__value__"]))
    return np.load(io.BytesIO(raw), allow_pickle=False)


@pytest.mark.parametrize(
    "array",
    [
        np.arange(12, dtype=np.uint8).reshape(2, 3, 2),
        np.linspace(-1, 1, 7),
        np.array(3.5),
        np.zeros((0, 4)),
        np.array([[1 + 2j, 3 - 1j]]),
        np.array([True, False]),
    ],
)
def test_ndarray_is_base64_zlib_numpy_save_and_loads_back(array):
    tagged = encoding.encode_ndarray(array)
    json.dumps(tagged)
    loaded = _load(tagged)
    assert loaded.dtype == array.dtype and loaded.shape == array.shape
    np.testing.assert_array_equal(loaded, array)


def test_object_ndarray_is_a_plain_list():
    array = np.array([{"ZZ": 1.0}, "XX"], dtype=object)
    assert encoding.encode_ndarray(array) == {
        "__type__": "ndarray",
        "__value__": [{"ZZ": 1.0}, "XX"],
    }


def test_decoder_reads_tagged_ndarrays_and_plain_lists_as_floats():
    values = np.array([[0.1, 0.2], [0.3, 0.4]])
    np.testing.assert_array_equal(encoding.decode_array(encoding.encode_ndarray(values)), values)
    np.testing.assert_array_equal(encoding.decode_array([[1, 2]]), np.array([[1.0, 2.0]]))
    assert encoding.decode_array(encoding.encode_ndarray(np.arange(3))).dtype == float


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ({"__type__": "ndarray", "__value__": "%%%"}, "base64"),
        ({"__type__": "ndarray", "__value__": base64.b64encode(b"plain").decode()}, "zlib"),
        (
            {"__type__": "ndarray", "__value__": base64.b64encode(zlib.compress(b"x")).decode()},
            "npy",
        ),
        ({"__type__": "set", "__value__": []}, "ndarray"),
        ([[1, 2], [3]], "rectangular"),
        ("1,2", "numbers"),
        ({"a": 1}, "object"),
    ],
)
def test_decoder_refuses_bad_values_with_a_reason(value, words):
    with pytest.raises(encoding.EncodingError, match=words):
        encoding.decode_array(value)


def test_decoder_never_unpickles_object_arrays():
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    value = {"__type__": "ndarray", "__value__": base64.b64encode(zlib.compress(buffer.getvalue()))}
    value["__value__"] = value["__value__"].decode()
    with pytest.raises(encoding.EncodingError):
        encoding.decode_array(value)


def test_decoder_refuses_a_zlib_bomb(monkeypatch):
    monkeypatch.setattr(encoding, "MAX_DECODED_BYTES", 1000)
    text = encoding.encode_ndarray(np.zeros(10_000))["__value__"]
    with pytest.raises(encoding.EncodingError, match="larger than"):
        encoding.decode_array({"__type__": "ndarray", "__value__": text})


def test_sampler_pub_result_nests_databin_and_bitarray_per_register():
    packed = np.array([[[0b11], [0b00]]], dtype=np.uint8)  # shape (1, 2 shots, 1 byte)
    result = encoding.sampler_pub_result({"c": (packed, 2)}, (1,), {"circuit_metadata": {}})
    assert result["__type__"] == "SamplerPubResult"
    data = result["__value__"]["data"]
    assert data["__type__"] == "DataBin"
    assert data["__value__"]["field_names"] == ["c"] and data["__value__"]["shape"] == [1]
    bits = data["__value__"]["fields"]["c"]
    assert bits["__type__"] == "BitArray" and bits["__value__"]["num_bits"] == 2
    np.testing.assert_array_equal(_load(bits["__value__"]["array"]), packed)
    assert result["__value__"]["metadata"] == {"circuit_metadata": {}}


def test_estimator_pub_result_has_evs_stds_and_ensemble_standard_error():
    evs = np.array([1.0, 0.5])
    result = encoding.estimator_pub_result(evs, np.zeros(2), np.zeros(2))
    data = result["__value__"]["data"]["__value__"]
    assert result["__type__"] == "PubResult"
    assert data["field_names"] == ["evs", "stds", "ensemble_standard_error"]
    assert data["shape"] == [2]
    np.testing.assert_array_equal(_load(data["fields"]["evs"]), evs)


def test_primitive_result_with_execution_spans_and_datetimes_is_plain_json():
    start = datetime(2025, 5, 1, 12, 0, tzinfo=timezone.utc)
    stop = datetime(2025, 5, 1, 12, 0, 3, tzinfo=timezone.utc)
    span = encoding.execution_span(start, stop, {0: ((2, 3), 100)})
    result = encoding.primitive_result(
        [], {"execution": {"execution_spans": encoding.execution_spans([span])}, "version": 2}
    )
    text = json.dumps(result)
    back = json.loads(text)["__value__"]["metadata"]
    spans = back["execution"]["execution_spans"]
    assert spans["__type__"] == "ExecutionSpans"
    (only,) = spans["__value__"]["spans"]
    assert only["__value__"]["start"] == {"__type__": "datetime", "__value__": start.isoformat()}
    assert only["__value__"]["data_slices"] == {"0": [[2, 3, 100], 0, 6, 0, 100]}
    assert back["version"] == 2


def test_complex_and_numpy_scalars_become_json():
    assert encoding.to_wire(1 + 2j) == {"__type__": "complex", "__value__": [1.0, 2.0]}
    assert encoding.to_wire({"n": np.int64(3), "x": np.float32(0.5), "b": np.bool_(True)}) == {
        "n": 3,
        "x": 0.5,
        "b": True,
    }
