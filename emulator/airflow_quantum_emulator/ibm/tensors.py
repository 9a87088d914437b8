"""Tensors of the executor program's schema: ``{"data", "shape", "dtype"}``.

As ibm-quantum-schemas' ``CompressedTensorModel`` (the ``executor`` params and results of
schema v2.0): ``data`` is base64 of zlib-compressed little-endian C-order bytes; boolean
tensors are bit-packed, least significant bit first; ``dtype`` names the element type.
"""

from __future__ import annotations

import base64
import binascii
import math
import zlib
from typing import Any

import numpy as np

#: Wire names of the element types and their numpy types (little-endian).
DTYPES = {
    "bool": "|b1",
    "f16": "<f2",
    "f32": "<f4",
    "f64": "<f8",
    "i8": "|i1",
    "i16": "<i2",
    "i32": "<i4",
    "i64": "<i8",
    "u8": "|u1",
    "u16": "<u2",
    "u32": "<u4",
    "u64": "<u8",
    "c64": "<c8",
    "c128": "<c16",
}
_NAMES = {np.dtype(code).newbyteorder("="): name for name, code in DTYPES.items()}
#: Largest decompressed tensor accepted, in bytes.
MAX_BYTES = 256 * 1024 * 1024


class TensorError(ValueError):
    """A tensor document that cannot be read (the message says why)."""


def is_tensor(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"data", "shape", "dtype"}


def decode(value: Any, what: str) -> np.ndarray:
    """The array of a compressed tensor document."""
    if not is_tensor(value):
        raise TensorError(f"{what} must be a tensor {{data, shape, dtype}}")
    dtype, shape = value["dtype"], value["shape"]
    if dtype not in DTYPES:
        raise TensorError(f"{what}: dtype {dtype!r:.20} is not one of {', '.join(DTYPES)}")
    if not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise TensorError(f"{what}: shape must be a list of sizes")
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(base64.b64decode(value["data"], validate=True), MAX_BYTES)
    except (binascii.Error, ValueError, TypeError, zlib.error) as exc:
        raise TensorError(f"{what}: data is not base64 of zlib data: {exc}") from None
    count = math.prod(shape)
    if dtype == "bool":
        bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little")
        if bits.size < count or len(raw) != math.ceil(count / 8):
            raise TensorError(f"{what}: {len(raw)} bytes do not hold {count} booleans")
        return bits[:count].astype(bool).reshape(shape)
    item = np.dtype(DTYPES[dtype])
    if len(raw) != count * item.itemsize:
        raise TensorError(f"{what}: {len(raw)} bytes do not hold {count} {dtype} values")
    return np.frombuffer(raw, dtype=item).reshape(shape)


def encode(array: np.ndarray) -> dict[str, Any]:
    """The compressed tensor document of ``array``."""
    array = np.asarray(array)
    name = _NAMES.get(array.dtype.newbyteorder("="))
    if name is None:
        raise TensorError(f"arrays of {array.dtype} have no tensor type")
    if name == "bool":
        raw = np.packbits(array.astype(np.uint8).reshape(-1), bitorder="little").tobytes()
    else:
        raw = np.ascontiguousarray(array, dtype=DTYPES[name]).tobytes()
    data = base64.b64encode(zlib.compress(raw)).decode()
    return {"data": data, "shape": [int(n) for n in array.shape], "dtype": name}
