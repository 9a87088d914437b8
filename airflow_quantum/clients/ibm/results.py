"""Turn Qiskit Runtime results (tagged JSON) into plain JSON, without qiskit or numpy.

The service encodes typed values as ``{"__type__": T, "__value__": V}``. ``decode_result`` turns
a ``PrimitiveResult`` into ``{"kind", "pub_results", "metadata"}`` (its shapes are in the hooks
guide): a sampler pub gives ``counts`` of all registers joined and each register's own, an
estimator pub ``evs``, ``stds`` and ``ensemble_standard_error``; for a parameter sweep they are
nested lists of the pub shape. Bitstrings print the highest classical bit first, as qiskit does;
joined ``counts`` put the last register leftmost (qiskit's ``join_data().get_counts()``). Other
data fields go under ``data``, other tagged values become ``{"type": T, "value": ...}``,
datetimes ISO strings and complex numbers ``[re, im]``. Any malformed payload raises
``BadResponseError``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from math import prod
from operator import itemgetter
from typing import Any

from airflow_quantum.clients.errors import BadResponseError, InvalidStateError, JobFailedError
from airflow_quantum.clients.ibm.models import IBMJob
from airflow_quantum.clients.npy import NpyArray, decode_ndarray, nest

VENDOR = "IBM Quantum"
_TYPE, _VALUE = "__type__", "__value__"
_ESTIMATOR_FIELDS = ("evs", "stds", "ensemble_standard_error")


def decode_result(
    payload: str | bytes | Mapping[str, Any], *, bitstrings: bool = False
) -> dict[str, Any]:
    """Decode a ``GET /jobs/{id}/results`` body into plain JSON (see the module docstring).

    ``bitstrings=True`` also returns every shot's bitstring per register (large!).
    """
    try:
        if isinstance(payload, bytes | str):
            try:
                payload = json.loads(payload)
            except ValueError as exc:
                raise BadResponseError(f"the job result is not JSON: {exc}", vendor=VENDOR) from exc
        decoder = _Decoder(bitstrings)
        decoded = decoder.value(payload)
        if decoder.loose_registers:  # walking the whole tree is costly with 100k-entry counts
            decoded = _plain(decoded)
    except RecursionError as exc:
        raise BadResponseError("the job result is nested too deeply", vendor=VENDOR) from exc
    if not isinstance(decoded, dict) or "pub_results" not in decoded:
        return {"kind": "unknown", "value": decoded}
    pubs = decoded["pub_results"]
    if not isinstance(pubs, list):
        raise BadResponseError("the result's pub_results is not a list", vendor=VENDOR)
    kinds = {pub.get("kind") for pub in pubs if isinstance(pub, dict)}
    kind = kinds.pop() if len(kinds) == 1 else ("mixed" if kinds else "empty")
    metadata = decoded.get("metadata")
    return {"kind": kind, "pub_results": pubs, "metadata": metadata if metadata is not None else {}}


def result_or_raise(
    job: IBMJob, results_text: str | None, *, bitstrings: bool = False
) -> dict[str, Any]:
    """The decoded result of a finished ``job``, or the error that explains why there is none.

    ``results_text`` is the body of ``GET /jobs/{id}/results`` (None for a 204). A failed job's
    results body is the service's error text: it becomes the ``JobFailedError`` message.
    """
    if job.done():
        if results_text is None:
            raise InvalidStateError(
                f"job {job.id} is DONE but the service has no result for it yet (HTTP 204)",
                vendor=VENDOR,
            )
        return decode_result(results_text, bitstrings=bitstrings)
    code = str(job.reason_code) if job.reason_code is not None else None
    if job.errored():
        text = (results_text or "").strip()
        message = f"IBM Quantum job {job.id} failed: {text}" if text else job.error_message()
        raise JobFailedError(
            message or f"job {job.id} failed", job_id=job.id, state="failed", code=code
        )
    if job.cancelled():
        why = f" ({job.reason})" if job.reason else ""
        raise JobFailedError(
            f"IBM Quantum job {job.id} was cancelled{why}; it has no result",
            job_id=job.id,
            state="cancelled",
            code=code,
        )
    raise InvalidStateError(
        f"job {job.id} is {job.status.value} ({job.status_word!r}); its result is not ready",
        vendor=VENDOR,
    )


# ------------------------------------------------------------------------------ bit arrays


def _bitarray_bytes(value: Any) -> tuple[NpyArray, bytes, int]:
    """(array, row-major bytes, num_bits) of a BitArray value, checked."""
    if not isinstance(value, Mapping):
        raise BadResponseError("a BitArray value must be an object", vendor=VENDOR)
    encoded = value.get("array")
    if isinstance(encoded, Mapping):
        encoded = encoded.get(_VALUE)
    array = decode_ndarray(encoded)
    if not isinstance(array, NpyArray):
        raise BadResponseError("a BitArray's array must be an encoded ndarray", vendor=VENDOR)
    num_bits = value.get("num_bits")
    if isinstance(num_bits, bool) or not isinstance(num_bits, int) or num_bits < 0:
        raise BadResponseError(f"a BitArray's num_bits is {num_bits!r:.20}", vendor=VENDOR)
    if len(array.shape) < 2:
        raise BadResponseError(
            f"a BitArray has shape {list(array.shape)}; expected [..., shots, bytes]", vendor=VENDOR
        )
    if array.shape[-1] != (num_bits + 7) // 8:
        raise BadResponseError(
            f"a BitArray of {num_bits} bits has {array.shape[-1]} bytes per shot", vendor=VENDOR
        )
    return array, array.row_major_bytes(), num_bits


def _counts(data: bytes, width: int, num_bits: int) -> dict[str, int]:
    """Bitstring counts of the shots in ``data``, most frequent first.

    Shots are counted as raw byte strings and only the distinct ones are turned into
    bitstrings: with 100,000 shots this is several times faster than converting every shot.
    """
    by_bytes = Counter([data[i : i + width] for i in range(0, len(data), width)])
    mask, top = (1 << num_bits) - 1, 1 << num_bits
    counts: dict[str, int] = {}
    for raw, count in sorted(by_bytes.items(), key=itemgetter(1), reverse=True):
        # bin() of the value with one bit above the top: exactly num_bits digits after "0b1".
        key = bin((int.from_bytes(raw, "big") & mask) | top)[3:]
        # Shots differing only in padding bits (a sloppy encoder) land on the same key.
        counts[key] = counts.get(key, 0) + count
    if len(counts) < len(by_bytes):  # re-sort after merging
        counts = dict(sorted(counts.items(), key=itemgetter(1), reverse=True))
    return counts


class _Register:
    """One classical register's shots, per element of the pub shape."""

    def __init__(self, value: Any) -> None:
        array, data, self.num_bits = _bitarray_bytes(value)
        self.shape = list(array.shape[:-2])
        self.shots, self.width = array.shape[-2], array.shape[-1]
        block = self.shots * self.width
        self.blocks = [data[e * block : (e + 1) * block] for e in range(prod(self.shape))]
        self._counts: Any = None

    @property
    def values(self) -> list[list[int]]:
        """Every shot as an integer, per element (only built for bitstrings or joined counts)."""
        if not self.width:
            return [[0] * self.shots for _ in self.blocks]
        mask, width = (1 << self.num_bits) - 1, self.width  # padding bits of the top byte cleared
        return [
            [
                int.from_bytes(block[i : i + width], "big") & mask
                for i in range(0, len(block), width)
            ]
            for block in self.blocks
        ]

    def counts(self) -> Any:
        if self._counts is None:
            if self.width:
                elements = [_counts(b, self.width, self.num_bits) for b in self.blocks]
            else:
                elements = [{"": self.shots} if self.shots else {} for _ in self.blocks]
            self._counts = nest(elements, self.shape)
        return self._counts

    def bitstrings(self) -> Any:
        return nest([[_bits(v, self) for v in element] for element in self.values], self.shape)

    def plain(self, bitstrings: bool) -> dict[str, Any]:
        decoded: dict[str, Any] = {
            "num_bits": self.num_bits,
            "shots": self.shots,
            "counts": self.counts(),
        }
        if bitstrings:
            decoded["bitstrings"] = self.bitstrings()
        return decoded


def _joined_counts(registers: list[_Register]) -> Any:
    """Counts over all registers at once, the last register leftmost (None if shapes differ)."""
    if len(registers) == 1:
        return registers[0].counts()
    first = registers[0]
    if any(r.shape != first.shape or r.shots != first.shots for r in registers):
        return None
    leftmost_first = list(reversed(registers))
    values = [register.values for register in leftmost_first]
    elements = []
    for index in range(len(first.blocks)):
        shots = zip(*(element[index] for element in values), strict=True)
        joined = Counter("".join(map(_bits, shot, leftmost_first)) for shot in shots)
        elements.append(dict(joined.most_common()))
    return nest(elements, first.shape)


def _bits(value: int, register: _Register) -> str:
    """A shot's value as the register's bitstring, highest bit first."""
    return format(value, f"0{register.num_bits}b") if register.num_bits else ""


# ---------------------------------------------------------------------------------- decoder


class _Decoder:
    """Decodes tagged values recursively; pub results become the plain shapes above."""

    def __init__(self, bitstrings: bool) -> None:
        self.bitstrings = bitstrings
        #: BitArrays decoded but not (yet) turned into a pub result's registers.
        self.loose_registers = 0
        self.handlers = {
            "ndarray": self._ndarray,
            "complex": self._complex,
            "datetime": self._datetime,
            "set": self._set,
            "BitArray": self._bitarray,
            "DataBin": self._databin,
            "SamplerPubResult": self._sampler_pub,
            "PubResult": self._pub,
            "PrimitiveResult": self._primitive_result,
        }

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.value(item) for item in node]
        if not isinstance(node, Mapping):
            return node
        if _TYPE not in node:
            return {str(key): self.value(item) for key, item in node.items()}
        kind, value = node.get(_TYPE), node.get(_VALUE)
        handler = self.handlers.get(kind) if isinstance(kind, str) else None
        if handler is None:
            return {"type": kind, "value": self.value(value)}
        try:
            return handler(value)
        except BadResponseError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise BadResponseError(
                f"malformed {kind} in the job result: {type(exc).__name__}", vendor=VENDOR
            ) from exc

    def _ndarray(self, value: Any) -> Any:
        array = decode_ndarray(value)
        return array.tolist() if isinstance(array, NpyArray) else self.value(array)

    def _complex(self, value: Any) -> list[float]:
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in value)
        ):
            raise BadResponseError(f"a complex value is {value!r:.40}", vendor=VENDOR)
        return [float(value[0]), float(value[1])]

    def _datetime(self, value: Any) -> str:
        if not isinstance(value, str):
            raise BadResponseError(f"a datetime value is {value!r:.40}", vendor=VENDOR)
        return value

    def _set(self, value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise BadResponseError("a set value must be a list", vendor=VENDOR)
        return self.value(value)

    def _bitarray(self, value: Any) -> _Register:
        self.loose_registers += 1
        return _Register(value)

    def _databin(self, value: Any) -> dict[str, Any]:
        """``{"shape": [...], "fields": {name: decoded}}`` (BitArrays stay ``_Register``)."""
        if not isinstance(value, Mapping):
            raise BadResponseError("a DataBin value must be an object", vendor=VENDOR)
        fields = value.get("fields", {})
        shape = value.get("shape", [])
        if not isinstance(fields, Mapping) or not isinstance(shape, list):
            raise BadResponseError(
                "a DataBin needs fields (an object) and shape (a list)", vendor=VENDOR
            )
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
            raise BadResponseError(f"a DataBin has shape {shape!r:.40}", vendor=VENDOR)
        return {"shape": shape, "fields": {str(k): self.value(v) for k, v in fields.items()}}

    def _pub_parts(self, value: Any) -> tuple[list[int], dict[str, Any], Any]:
        if not isinstance(value, Mapping) or "data" not in value:
            raise BadResponseError("a pub result needs data", vendor=VENDOR)
        data = self.value(value["data"])
        if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
            raise BadResponseError("a pub result's data must be a DataBin", vendor=VENDOR)
        metadata = self.value(value.get("metadata") or {})
        return data["shape"], data["fields"], metadata

    def _pub(self, value: Any) -> dict[str, Any]:
        shape, fields, metadata = self._pub_parts(value)
        if any(isinstance(item, _Register) for item in fields.values()):
            return self._sampler(shape, fields, metadata)
        pub = {"kind": "estimator", "shape": shape}
        pub |= {name: fields.pop(name) for name in _ESTIMATOR_FIELDS if name in fields}
        return pub | {"data": fields, "metadata": metadata}

    def _sampler_pub(self, value: Any) -> dict[str, Any]:
        return self._sampler(*self._pub_parts(value))

    def _sampler(self, shape: list[int], fields: dict[str, Any], metadata: Any) -> dict[str, Any]:
        registers = {name: item for name, item in fields.items() if isinstance(item, _Register)}
        self.loose_registers -= len(registers)
        others = {name: item for name, item in fields.items() if name not in registers}
        shots = {register.shots for register in registers.values()}
        return {
            "kind": "sampler",
            "shape": shape,
            "shots": shots.pop() if len(shots) == 1 else None,
            "counts": _joined_counts(list(registers.values())) if registers else None,
            "registers": {name: r.plain(self.bitstrings) for name, r in registers.items()},
            "data": others,
            "metadata": metadata,
        }

    def _primitive_result(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping) or not isinstance(value.get("pub_results"), list):
            raise BadResponseError("a PrimitiveResult needs a pub_results list", vendor=VENDOR)
        return {
            "pub_results": [self.value(pub) for pub in value["pub_results"]],
            "metadata": self.value(value.get("metadata") or {}),
        }


def _plain(value: Any) -> Any:
    """BitArrays found outside a pub result (unusual) in their plain form."""
    if isinstance(value, _Register):
        return value.plain(False)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
