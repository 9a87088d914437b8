"""Read the ``numpy.save`` format without numpy.

IBM's result encoding carries arrays as base64 of zlib-compressed ``.npy`` bytes. Decoding them
needs no numpy: the format is a short header (dtype, order, shape) followed by raw values.
"""

from __future__ import annotations

import ast
import base64
import binascii
import contextlib
import struct
import zlib
from dataclasses import dataclass
from math import prod
from typing import Any

from airflow_quantum.clients.errors import BadResponseError

_MAGIC = b"\x93NUMPY"
_STRUCT_CODES = {
    "b1": "?",
    "i1": "b",
    "u1": "B",
    "i2": "h",
    "u2": "H",
    "i4": "i",
    "u4": "I",
    "i8": "q",
    "u8": "Q",
    "f2": "e",
    "f4": "f",
    "f8": "d",
}


@dataclass(frozen=True)
class NpyArray:
    """An array read from ``.npy`` bytes: its dtype string, shape and raw data."""

    dtype: str
    shape: tuple[int, ...]
    data: bytes
    fortran_order: bool = False

    @property
    def kind(self) -> str:
        return self.dtype.lstrip("<>|=")

    def tolist(self) -> Any:
        """Nested Python lists (complex numbers as ``[re, im]``), like ``ndarray.tolist``."""
        flat = self.flat()
        if not self.shape:
            return flat[0]
        return _nest(flat, self.shape, self.fortran_order)

    def flat(self) -> list[Any]:
        kind = self.kind
        order = ">" if self.dtype.startswith(">") else "<"
        count = prod(self.shape) if self.shape else 1
        if kind in ("c8", "c16"):
            code = "f" if kind == "c8" else "d"
            values = struct.unpack(
                f"{order}{2 * count}{code}", self.data[: 2 * count * _size(code)]
            )
            return [[values[2 * i], values[2 * i + 1]] for i in range(count)]
        code = _STRUCT_CODES.get(kind)
        if code is None:
            raise BadResponseError(f"unsupported array dtype {self.dtype!r} in the result")
        needed = count * _size(code)
        if len(self.data) < needed:
            raise BadResponseError("array data is shorter than its shape says")
        return list(struct.unpack(f"{order}{count}{code}", self.data[:needed]))


def _size(code: str) -> int:
    return struct.calcsize(code)


def _nest(flat: list[Any], shape: tuple[int, ...], fortran: bool) -> Any:
    if fortran:
        # Re-order column-major data into row-major before nesting.
        strides = [prod(shape[:i]) for i in range(len(shape))]
        row_major = []
        for index in range(len(flat)):
            remainder, position = index, 0
            for axis in range(len(shape) - 1, -1, -1):
                remainder, coordinate = divmod(remainder, shape[axis])
                position += coordinate * strides[axis]
            row_major.append(flat[position])
        flat = row_major
    for size in reversed(shape[1:]):
        flat = [flat[i : i + size] for i in range(0, len(flat), size)]
    return flat


def read_npy(raw: bytes) -> NpyArray:
    """Parse ``.npy`` bytes (format versions 1-3)."""
    if not raw.startswith(_MAGIC) or len(raw) < 10:
        raise BadResponseError("array payload is not in .npy format")
    major = raw[6]
    if major == 1:
        header_len = struct.unpack("<H", raw[8:10])[0]
        start = 10
    elif major in (2, 3):
        header_len = struct.unpack("<I", raw[8:12])[0]
        start = 12
    else:
        raise BadResponseError(f"unsupported .npy format version {major}")
    try:
        header = ast.literal_eval(raw[start : start + header_len].decode("latin1"))
        dtype = header["descr"]
        shape = tuple(int(n) for n in header["shape"])
        fortran = bool(header.get("fortran_order", False))
    except (ValueError, SyntaxError, KeyError, TypeError) as exc:
        raise BadResponseError(f"unreadable .npy header: {exc}") from exc
    if not isinstance(dtype, str):
        raise BadResponseError(f"unsupported structured dtype {dtype!r} in the result")
    return NpyArray(dtype, shape, raw[start + header_len :], fortran)


def decode_ndarray(value: Any) -> NpyArray | list[Any]:
    """Decode an IBM ``ndarray`` value: base64(zlib(npy)), or a plain list for object arrays."""
    if isinstance(value, list):
        return value
    if not isinstance(value, str):
        raise BadResponseError(
            f"ndarray value must be a string or a list, not {type(value).__name__}"
        )
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadResponseError(f"ndarray value is not base64: {exc}") from exc
    with contextlib.suppress(zlib.error):  # some encoders skip compression
        raw = zlib.decompress(raw)
    return read_npy(raw)
