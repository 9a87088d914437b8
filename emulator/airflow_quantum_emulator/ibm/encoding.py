"""Qiskit Runtime's tagged JSON: ``{"__type__": T, "__value__": V}`` values in results and inputs.

Results are built from plain values with the ``*_result`` helpers below, then ``to_wire`` turns
numpy arrays, datetimes and complex numbers into their tagged forms. ``decode_array`` reads the
tagged ``ndarray`` values clients send as parameter values, without ever unpickling.
"""

from __future__ import annotations

import base64
import binascii
import io
import zlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import numpy as np

#: Largest array a client may send us, decompressed (guards against zlib bombs).
MAX_DECODED_BYTES = 64 * 1024 * 1024


class EncodingError(ValueError):
    """A tagged value from a client cannot be decoded; the message says why."""


def tagged(type_name: str, value: Any) -> dict[str, Any]:
    """``{"__type__": type_name, "__value__": value}``."""
    return {"__type__": type_name, "__value__": value}


def is_tagged(value: Any, type_name: str | None = None) -> bool:
    """Whether ``value`` is a tagged dict (of ``type_name``, when given)."""
    if not isinstance(value, dict) or "__type__" not in value or "__value__" not in value:
        return False
    return type_name is None or value["__type__"] == type_name


# --- ndarray ------------------------------------------------------------------------------------


def encode_ndarray(array: np.ndarray) -> dict[str, Any]:
    """A tagged ``ndarray``: base64 of zlib-compressed ``numpy.save`` bytes (list if object)."""
    if array.dtype == object:
        return tagged("ndarray", array.tolist())
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return tagged("ndarray", base64.standard_b64encode(zlib.compress(buffer.getvalue())).decode())


def decode_ndarray_text(text: str) -> np.ndarray:
    """The array inside a tagged ndarray's base64 text (no pickles, bounded size)."""
    try:
        compressed = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EncodingError(f"the ndarray value is not valid base64: {exc}") from exc
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(compressed, MAX_DECODED_BYTES)
    except zlib.error as exc:
        raise EncodingError(f"the ndarray value is not zlib-compressed data: {exc}") from exc
    if inflater.unconsumed_tail:
        raise EncodingError(f"the ndarray value is larger than {MAX_DECODED_BYTES} bytes")
    try:
        array = np.load(io.BytesIO(raw), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise EncodingError(f"the ndarray value is not a numpy .npy document: {exc}") from exc
    if not isinstance(array, np.ndarray):
        raise EncodingError("the ndarray value does not hold a single array")
    return array


def decode_array(value: Any, what: str = "value") -> np.ndarray:
    """A float array from a client's value: a tagged ``ndarray``, a nested list, or a number."""
    if is_tagged(value):
        if value["__type__"] != "ndarray":
            raise EncodingError(f"{what} has type {value['__type__']!r}; expected an ndarray")
        inner = value["__value__"]
        array = decode_ndarray_text(inner) if isinstance(inner, str) else _plain_array(inner, what)
    elif isinstance(value, dict):
        raise EncodingError(f"{what} must be a list of numbers or a tagged ndarray, not an object")
    else:
        array = _plain_array(value, what)
    if array.dtype.kind not in "biuf":
        raise EncodingError(f"{what} must hold real numbers (got dtype {array.dtype})")
    return array.astype(float)


def _plain_array(value: Any, what: str) -> np.ndarray:
    if isinstance(value, (bool, str)):
        raise EncodingError(f"{what} must be numbers, not {type(value).__name__}")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise EncodingError(
            f"{what} must be a (nested, rectangular) list of real numbers: {exc}"
        ) from exc
    return array


# --- generic conversion of result values --------------------------------------------------------


def to_wire(value: Any) -> Any:
    """Turn arrays, datetimes, complex and numpy scalars inside ``value`` into wire JSON."""
    if isinstance(value, np.ndarray):
        return encode_ndarray(value)
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return tagged("datetime", moment.isoformat())
    if isinstance(value, (complex, np.complexfloating)):
        return tagged("complex", [float(value.real), float(value.imag)])
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, Mapping):
        return {str(key): to_wire(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(item) for item in value]
    return value


# --- primitive result types ---------------------------------------------------------------------


def bit_array(packed: np.ndarray, num_bits: int) -> dict[str, Any]:
    """A ``BitArray``: uint8 ``packed`` of shape (*shape, shots, ceil(num_bits / 8))."""
    return tagged(
        "BitArray", {"array": encode_ndarray(packed.astype(np.uint8)), "num_bits": num_bits}
    )


def data_bin(fields: Mapping[str, Any], shape: Sequence[int]) -> dict[str, Any]:
    """A ``DataBin`` with ``fields`` in their given order (values already tagged or plain)."""
    return tagged(
        "DataBin",
        {
            "field_names": list(fields),
            "shape": [int(n) for n in shape],
            "fields": {name: to_wire(value) for name, value in fields.items()},
        },
    )


def sampler_pub_result(
    registers: Mapping[str, tuple[np.ndarray, int]],
    shape: Sequence[int],
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``SamplerPubResult``: one ``BitArray`` per classical register (packed, num_bits)."""
    fields = {name: bit_array(packed, bits) for name, (packed, bits) in registers.items()}
    return tagged(
        "SamplerPubResult",
        {"data": data_bin(fields, shape), "metadata": to_wire(dict(metadata or {}))},
    )


def estimator_pub_result(
    evs: np.ndarray,
    stds: np.ndarray,
    ensemble_standard_error: np.ndarray,
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An estimator ``PubResult`` with ``evs``, ``stds`` and ``ensemble_standard_error``."""
    fields = {
        "evs": np.asarray(evs, dtype=float),
        "stds": np.asarray(stds, dtype=float),
        "ensemble_standard_error": np.asarray(ensemble_standard_error, dtype=float),
    }
    return tagged(
        "PubResult",
        {"data": data_bin(fields, fields["evs"].shape), "metadata": to_wire(dict(metadata or {}))},
    )


def execution_span(
    start: datetime, stop: datetime, slices: Mapping[int, tuple[Sequence[int], int]]
) -> dict[str, Any]:
    """A ``DoubleSliceSpan`` covering, per pub index, all (parameter set, shot) pairs.

    ``slices`` maps a pub index to (pub shape, shots). Each entry on the wire is
    ``[[*pub shape, shots], 0, parameter sets, 0, shots]``: the data shape with shots last, the
    slice of flattened parameter sets and the slice of shots the span covers.
    """
    data_slices = {
        str(index): [
            [*(int(n) for n in shape), int(shots)],
            0,
            int(np.prod(shape, dtype=int)),
            0,
            int(shots),
        ]
        for index, (shape, shots) in slices.items()
    }
    return tagged(
        "DoubleSliceSpan",
        {"start": to_wire(start), "stop": to_wire(stop), "data_slices": data_slices},
    )


def primitive_result(
    pub_results: list[dict[str, Any]], metadata: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A ``PrimitiveResult`` around already-tagged pub results."""
    return tagged(
        "PrimitiveResult", {"pub_results": pub_results, "metadata": to_wire(dict(metadata or {}))}
    )


def execution_spans(spans: list[dict[str, Any]]) -> dict[str, Any]:
    """``ExecutionSpans`` around tagged spans."""
    return tagged("ExecutionSpans", {"spans": spans})
