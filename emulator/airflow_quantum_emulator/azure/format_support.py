"""What the format handlers share: reading the input blob, shots, gate counts, the result blob."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Mapping
from numbers import Integral
from typing import Any

from airflow_quantum_emulator.azure.formats import INVALID_INPUT, InputError
from airflow_quantum_emulator.jobs import JobFailureError
from airflow_quantum_emulator.sim.circuit import Circuit, GateOp, Measure, Reset
from airflow_quantum_emulator.sim.errors import SimulationError

DEFAULT_SHOTS = 500
MAX_SHOTS = 1_000_000


def decode_input(data: bytes, content_encoding: str | None, limit: int) -> bytes:
    """The input blob's bytes after undoing its gzip/deflate encoding (at most ``limit`` bytes)."""
    encoding = (content_encoding or "").strip().lower()
    if encoding in ("gzip", "x-gzip") or (not encoding and data[:2] == b"\x1f\x8b"):
        return _inflate(data, zlib.MAX_WBITS | 16, limit, "gzip")
    if encoding == "deflate":
        return _inflate(data, zlib.MAX_WBITS, limit, "deflate")
    if encoding not in ("", "identity", "utf-8", "utf8"):
        raise InputError(f"the input blob's content encoding {content_encoding!r} is not supported")
    return data


def _inflate(data: bytes, wbits: int, limit: int, name: str) -> bytes:
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise InputError(f"the input blob is not valid {name} data: {exc}") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise InputError(f"the decompressed input is larger than the limit of {limit} bytes")
    return out


def json_input(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"the input blob is not valid {what} JSON: {exc}") from None


def text_input(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"the {what} is not valid UTF-8: {exc}") from None


def guarded(
    compute: Callable[[], Any], prefix: str = "", code: str = INVALID_INPUT
) -> Callable[[], bytes]:
    """Run ``compute`` and encode its result as the output blob's JSON bytes.

    A simulation error found while running fails the job with ``code`` (``InvalidInputData``).
    """

    def run() -> bytes:
        try:
            result = compute()
        except SimulationError as exc:
            raise JobFailureError(code, f"{prefix}{exc}") from exc
        try:
            text = json.dumps(result, separators=(",", ":"), allow_nan=False, default=_plain)
        except ValueError as exc:
            raise JobFailureError(
                INVALID_INPUT, f"the result is not representable as JSON: {exc}"
            ) from exc
        return text.encode()

    return run


def _plain(value: Any) -> Any:
    """json.dumps fallback for numpy scalars and arrays in computed results."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def shots_param(
    params: Mapping[str, Any], names: tuple[str, ...] = ("shots",), maximum: int | None = None
) -> int:
    """The job's shot count (the first of ``names`` given), 500 when none is; at most
    ``maximum`` (the target's own, else ``MAX_SHOTS``)."""
    maximum = maximum or MAX_SHOTS
    for name in names:
        if name in params and params[name] is not None:
            value = params[name]
            if isinstance(value, bool) or not isinstance(value, Integral):
                raise InputError(
                    f"Invalid job params: inputParams.{name} must be an integer, got {value!r:.40}"
                )
            if not 1 <= value <= maximum:
                raise InputError(
                    f"Invalid job params: inputParams.{name} must be between 1 and {maximum}, "
                    f"got {value}"
                )
            return int(value)
    return DEFAULT_SHOTS


def check_width(num_qubits: int, limit: int, target_id: str, what: str = "circuit") -> None:
    if num_qubits > limit:
        raise InputError(
            f"the {what} uses {num_qubits} qubits; {target_id} runs at most {limit} here"
        )


def gate_counts(circuit: Circuit) -> dict[str, int]:
    """Gates and measurements of a circuit, as the providers bill them."""
    counts = {"oneQubitGates": 0, "multiQubitGates": 0, "measurements": 0}
    billed = 0  # IonQ bills a gate on N > 2 qubits as 6 * (N - 2) two-qubit gates
    for op in circuit.operations:
        if isinstance(op, GateOp):
            size = len(op.qubits)
            counts["oneQubitGates" if size == 1 else "multiQubitGates"] += 1
            billed += 0 if size == 1 else 1 if size == 2 else 6 * (size - 2)
        elif isinstance(op, Measure | Reset):  # state preparation and measurement
            counts["measurements"] += 1
    return {**counts, "billedTwoQubitGates": billed}
