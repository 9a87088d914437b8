"""Read the ``numpy.save`` format without numpy.

IBM's result encoding carries arrays as base64 of zlib-compressed ``.npy`` bytes. Decoding them
needs no numpy: the format is a short header (dtype, order, shape) followed by raw values.

Everything a server could get wrong (bad base64, a zlib bomb, a header that lies about the
shape, an unsupported dtype) raises ``BadResponseError``, never a ``struct.error`` or the like.
"""

from __future__ import annotations

import ast
import base64
import binascii
import struct
import zlib
from dataclasses import dataclass
from math import prod
from typing import Any

from airflow_quantum.clients.errors import BadResponseError

#: Largest decompressed array accepted from a server (guards against zlib bombs).
MAX_DECODED_BYTES = 256 * 1024 * 1024
#: numpy's own limit on the number of dimensions.
MAX_DIMENSIONS = 64

_MAGIC = b"\x93NUMPY"
#: numpy dtypes (without byte order) and their ``struct`` codes.
_STRUCT_CODES = {
    "b1": "?", "i1": "b", "u1": "B", "i2": "h", "u2": "H", "i4": "i",
    "u4": "I", "i8": "q", "u8": "Q", "f2": "e", "f4": "f", "f8": "d",
}  # fmt: skip
#: Complex dtypes: (struct code of each part).
_COMPLEX_CODES = {"c8": "f", "c16": "d"}


@dataclass(frozen=True)
class NpyArray:
    """An array read from ``.npy`` bytes: its dtype string, shape and raw data."""

    dtype: str
    shape: tuple[int, ...]
    data: bytes
    fortran_order: bool = False

    @property
    def kind(self) -> str:
        """The dtype without its byte-order mark, e.g. ``u1`` or ``f8``."""
        return self.dtype.lstrip("<>|=")

    @property
    def size(self) -> int:
        """Number of elements."""
        return prod(self.shape)

    def tolist(self) -> Any:
        """Nested Python lists (complex numbers as ``[re, im]``), like ``ndarray.tolist``."""
        if prod(self.shape[:-1]) > MAX_DECODED_BYTES:  # e.g. shape (10**12, 0): no data, huge
            raise BadResponseError(f"array shape {list(self.shape)} is too large")
        return nest(self.flat(), self.shape)

    def flat(self) -> list[Any]:
        """The elements in row-major (C) order, whatever the storage order."""
        kind = self.kind
        order = self.dtype[:1] if self.dtype[:1] in ("<", ">", "=") else "<"
        count = self.size
        if kind in _COMPLEX_CODES:
            code = _COMPLEX_CODES[kind]
            parts = struct.unpack(f"{order}{2 * count}{code}", self._data(2 * count, code))
            values: list[Any] = [[parts[2 * i], parts[2 * i + 1]] for i in range(count)]
        else:
            code = _STRUCT_CODES.get(kind)
            if code is None:
                raise BadResponseError(f"unsupported array dtype {self.dtype!r:.40} in the result")
            values = list(struct.unpack(f"{order}{count}{code}", self._data(count, code)))
        return _row_major(values, self.shape) if self.fortran_order else values

    def row_major_bytes(self) -> bytes:
        """The raw bytes of a one-byte dtype (``u1``, ``i1``, ``b1``) in row-major order."""
        if self.kind not in ("u1", "i1", "b1"):
            raise BadResponseError(f"expected an array of bytes, got dtype {self.dtype!r:.40}")
        data = self._data(self.size, "B")
        if not self.fortran_order:
            return data
        return bytes(_row_major(list(data), self.shape))

    def _data(self, count: int, code: str) -> bytes:
        needed = count * struct.calcsize(code)
        if len(self.data) < needed:
            raise BadResponseError(
                f"array data has {len(self.data)} bytes; its shape {list(self.shape)} and dtype "
                f"{self.dtype!r} need {needed}"
            )
        return self.data[:needed]


def nest(flat: list[Any], shape: tuple[int, ...] | list[int]) -> Any:
    """Row-major ``flat`` as nested lists of ``shape`` (a scalar for shape ``()``)."""
    if not shape:
        return flat[0]

    def build(offset: int, dims: tuple[int, ...] | list[int]) -> list[Any]:
        if len(dims) == 1:
            return flat[offset : offset + dims[0]]
        step = prod(dims[1:])
        return [build(offset + i * step, dims[1:]) for i in range(dims[0])]

    return build(0, shape)


def _row_major(values: list[Any], shape: tuple[int, ...]) -> list[Any]:
    """Column-major (Fortran) ``values`` re-ordered into row-major order."""
    strides = [prod(shape[:axis]) for axis in range(len(shape))]
    ordered = []
    for index in range(len(values)):
        remainder, position = index, 0
        for axis in range(len(shape) - 1, -1, -1):
            remainder, coordinate = divmod(remainder, shape[axis])
            position += coordinate * strides[axis]
        ordered.append(values[position])
    return ordered


def read_npy(raw: bytes) -> NpyArray:
    """Parse ``.npy`` bytes (format versions 1-3)."""
    if not raw.startswith(_MAGIC) or len(raw) < 10:
        raise BadResponseError("array payload is not in .npy format")
    major = raw[6]
    if major == 1:
        header_len = struct.unpack("<H", raw[8:10])[0]
        start = 10
    elif major in (2, 3) and len(raw) >= 12:
        header_len = struct.unpack("<I", raw[8:12])[0]
        start = 12
    else:
        raise BadResponseError(f"unsupported .npy format version {major}")
    if start + header_len > len(raw):
        raise BadResponseError(".npy header is longer than the payload")
    encoding = "utf-8" if major == 3 else "latin1"
    try:
        header = ast.literal_eval(raw[start : start + header_len].decode(encoding))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        raise BadResponseError(f"unreadable .npy header: {type(exc).__name__}") from exc
    if not isinstance(header, dict):
        raise BadResponseError(".npy header is not a dictionary")
    dtype, shape, fortran = header.get("descr"), header.get("shape"), header.get("fortran_order")
    if not isinstance(dtype, str):
        raise BadResponseError(f"unsupported .npy dtype {dtype!r:.60} in the result")
    if not isinstance(shape, tuple | list) or len(shape) > MAX_DIMENSIONS:
        raise BadResponseError(f".npy shape {shape!r:.60} is not a tuple of sizes")
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise BadResponseError(f".npy shape {shape!r:.60} is not a tuple of sizes")
    return NpyArray(dtype, tuple(shape), raw[start + header_len :], fortran is True)


def _inflate(data: bytes) -> bytes:
    """zlib-decompressed ``data`` (at most ``MAX_DECODED_BYTES``), or ``data`` if not zlib."""
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(data, MAX_DECODED_BYTES)
    except zlib.error:
        return data  # some encoders skip compression
    if inflater.unconsumed_tail:
        raise BadResponseError(f"an array in the result is larger than {MAX_DECODED_BYTES} bytes")
    return raw


def decode_ndarray(value: Any) -> NpyArray | list[Any]:
    """Decode an IBM ``ndarray`` value: base64(zlib(npy)), or a plain list for object arrays."""
    if isinstance(value, list):
        return value
    if not isinstance(value, str):
        raise BadResponseError(
            f"ndarray value must be a string or a list, not {type(value).__name__}"
        )
    try:
        compressed = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadResponseError(f"ndarray value is not base64: {exc}") from exc
    return read_npy(_inflate(compressed))
