"""Job input and output formats: parse at submission, compute in a worker, render the result.

``prepare`` validates everything a job needs (input blob, parameters, size limits) while the
``PUT /jobs/{id}`` request is being answered, so that a bad job is refused with 400
``InvalidInputData`` naming the problem; the returned ``compute`` only runs the simulation.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any

import numpy as np

from airflow_quantum_emulator.azure.targets import MS_RESULTS_V1, MS_RESULTS_V2, QIR_INPUT, Target
from airflow_quantum_emulator.jobs import JobFailureError

DEFAULT_SHOTS = 500
MAX_SHOTS = 1_000_000


class InputError(Exception):
    """The job's input data or parameters cannot run (the message says why)."""


@dataclass
class PreparedJob:
    """A validated job: how to compute its result, and what it will be billed for."""

    compute: Callable[[], bytes]
    quantum_computing_count: int | None = None
    usage: dict[str, Any] = field(default_factory=dict)


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


def prepare(
    target: Target,
    output_format: str,
    data: bytes,
    input_params: Mapping[str, Any],
    seed: int,
    max_qubits: int,
    input_format: str | None = None,
) -> PreparedJob:
    """Validate the decoded input of a job for ``target``; InputError says what is wrong."""
    if input_format == QIR_INPUT:
        from airflow_quantum_emulator.azure.qir_jobs import prepare_qir

        return prepare_qir(target, output_format, data, input_params, seed, max_qubits)
    if target.family == "qio":
        return _prepare_qio(target, data, input_params, seed)
    if target.family == "rigetti":
        from airflow_quantum_emulator.azure.rigetti_jobs import prepare_rigetti

        return prepare_rigetti(target, output_format, data, input_params, seed, max_qubits)
    if target.family == "pasqal":
        from airflow_quantum_emulator.azure.pasqal_jobs import prepare_pasqal

        return prepare_pasqal(target, output_format, data, input_params, seed, max_qubits)
    if target.family == "ionq":
        return _prepare_ionq(target, output_format, data, input_params, seed, max_qubits)
    return _prepare_quantinuum(target, output_format, data, input_params, seed, max_qubits)


def _json_input(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"the input blob is not valid {what} JSON: {exc}") from None


def _simulation_errors() -> type[Exception]:
    from airflow_quantum_emulator.sim.errors import SimulationError

    return SimulationError


def guarded(compute: Callable[[], Any], prefix: str = "") -> Callable[[], bytes]:
    """Run ``compute`` and encode its result as the output blob's JSON bytes.

    A simulation error found while running becomes the job's InvalidInputData failure.
    """
    simulation_error = _simulation_errors()

    def run() -> bytes:
        try:
            result = compute()
        except simulation_error as exc:
            raise JobFailureError("InvalidInputData", f"{prefix}{exc}") from exc
        try:
            text = json.dumps(result, separators=(",", ":"), allow_nan=False, default=_plain)
        except ValueError as exc:
            raise JobFailureError(
                "InvalidInputData", f"the result is not representable as JSON: {exc}"
            ) from exc
        return text.encode()

    return run


def _plain(value: Any) -> Any:
    """json.dumps fallback for numpy scalars and arrays in computed results."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot serialise {type(value).__name__}")


# ---------------------------------------------------------------- optimization (QIO)


def qio_params(input_params: Mapping[str, Any]) -> dict[str, Any]:
    """Solver parameters: ``{"params": {...}}`` (the official client) or the flat object."""
    if "params" in input_params:
        params = input_params["params"]
        if params is None:
            return {}
        if not isinstance(params, Mapping):
            raise InputError("inputParams.params must be a JSON object of solver parameters")
        return dict(params)
    return dict(input_params)


def _prepare_qio(
    target: Target, data: bytes, input_params: Mapping[str, Any], seed: int
) -> PreparedJob:
    from airflow_quantum_emulator.sim import annealer

    simulation_error = _simulation_errors()
    payload = _json_input(data, "microsoft.qio.v2")
    params = qio_params(input_params)
    try:
        problem = annealer.parse_problem(payload)
    except simulation_error as exc:
        raise InputError(f"Invalid problem: {exc}") from None
    # Solver parameters are checked by the solver: like the service, a bad one fails the job
    # with errorData {"code": "InvalidInputData", "message": "Invalid job params: ..."}.
    return PreparedJob(
        guarded(lambda: annealer.solve(problem, target.id, params, seed), "Invalid job params: "),
        usage={"terms": len(problem.terms), "variables": len(problem.variables)},
    )


# ---------------------------------------------------------------- circuits


def shots_param(input_params: Mapping[str, Any], names: tuple[str, ...] = ("shots",)) -> int:
    for name in names:
        if name in input_params and input_params[name] is not None:
            value = input_params[name]
            if isinstance(value, bool) or not isinstance(value, Integral):
                raise InputError(f"inputParams.{name} must be an integer, got {value!r:.40}")
            if not 1 <= value <= MAX_SHOTS:
                raise InputError(f"inputParams.{name} must be between 1 and {MAX_SHOTS}")
            return int(value)
    return DEFAULT_SHOTS


def _qubit_limit(target: Target, max_qubits: int) -> int:
    return min(max_qubits, target.max_qubits or max_qubits)


def gate_counts(circuit: Any) -> dict[str, int]:
    from airflow_quantum_emulator.sim.circuit import GateOp, Measure, Reset

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


def _prepare_ionq(
    target: Target,
    output_format: str,
    data: bytes,
    input_params: Mapping[str, Any],
    seed: int,
    max_qubits: int,
) -> PreparedJob:
    from airflow_quantum_emulator.sim.ionq import ionq_probabilities, parse_ionq_circuit

    simulation_error = _simulation_errors()
    payload = _json_input(data, "ionq.circuit.v1")
    try:
        circuit = parse_ionq_circuit(payload)
    except simulation_error as exc:
        raise InputError(f"Invalid IonQ circuit: {exc}") from None
    limit = _qubit_limit(target, max_qubits)
    if circuit.num_qubits > limit:
        raise InputError(
            f"the circuit has {circuit.num_qubits} qubits; {target.id} runs at most {limit} here"
        )
    shots = shots_param(input_params)
    width = circuit.num_qubits

    def compute() -> dict[str, Any]:
        probabilities = ionq_probabilities(circuit)
        rng = np.random.default_rng(seed)
        if output_format == MS_RESULTS_V2:
            return _ms_results_v2(_draw(probabilities, shots, rng), width)
        if not target.simulator:
            probabilities = _frequencies(_draw(probabilities, shots, rng))
        if output_format == MS_RESULTS_V1:
            return {
                "Histogram": [
                    item
                    for key in sorted(probabilities)
                    for item in (_display(key, width), probabilities[key])
                ]
            }
        return {"histogram": {str(key): probabilities[key] for key in sorted(probabilities)}}

    counts = gate_counts(circuit)
    return PreparedJob(
        guarded(compute),
        quantum_computing_count=1,
        usage={"shots": shots, "qubits": width, **counts},
    )


def _draw(probabilities: dict[int, float], shots: int, rng: np.random.Generator) -> list[int]:
    keys = sorted(probabilities)
    weights = np.array([probabilities[key] for key in keys], dtype=float)
    picks = rng.choice(len(keys), size=shots, p=weights / weights.sum())
    return [keys[i] for i in picks]


def _frequencies(samples: list[int]) -> dict[int, float]:
    counts: dict[int, int] = {}
    for key in samples:
        counts[key] = counts.get(key, 0) + 1
    return {key: count / len(samples) for key, count in counts.items()}


def _bits(key: int, width: int) -> list[int]:
    """Result bits in qubit order: qubit 0 first (the integer key's least significant bit)."""
    return [(key >> i) & 1 for i in range(width)]


def _display(key: int, width: int) -> str:
    return "[" + ", ".join(str(bit) for bit in _bits(key, width)) + "]"


def _ms_results_v2(samples: list[int], width: int) -> dict[str, Any]:
    counts: dict[int, int] = {}
    for key in samples:
        counts[key] = counts.get(key, 0) + 1
    histogram = [
        {"Outcome": _bits(key, width), "Display": _display(key, width), "Count": counts[key]}
        for key in sorted(counts)
    ]
    return {
        "DataFormat": MS_RESULTS_V2,
        "Results": [{"Histogram": histogram, "Shots": [_bits(key, width) for key in samples]}],
    }


def _prepare_quantinuum(
    target: Target,
    output_format: str,
    data: bytes,
    input_params: Mapping[str, Any],
    seed: int,
    max_qubits: int,
) -> PreparedJob:
    from airflow_quantum_emulator.sim.qasm import parse_qasm
    from airflow_quantum_emulator.sim.statevector import sample_memory

    if output_format != target.default_output_format:
        raise InputError(
            f"an OpenQASM job on {target.id} writes {target.default_output_format}, not "
            f"{output_format[:60]!r} (QIR jobs write microsoft.quantum-results.v2)"
        )

    simulation_error = _simulation_errors()
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"the OpenQASM program is not valid UTF-8: {exc}") from None
    try:
        circuit = parse_qasm(source)
    except simulation_error as exc:
        raise InputError(f"Invalid OpenQASM program: {exc}") from None
    if circuit.parameters:
        raise InputError(
            "the program declares input parameters "
            f"({', '.join(circuit.parameters)}); {target.id} needs a program with values"
        )
    limit = _qubit_limit(target, max_qubits)
    if circuit.num_qubits > limit:
        raise InputError(
            f"the program uses {circuit.num_qubits} qubits; {target.id} runs at most {limit} here"
        )
    shots = shots_param(input_params, ("count", "shots"))
    try:
        bound = circuit.bind(())
    except simulation_error as exc:
        raise InputError(f"Invalid OpenQASM program: {exc}") from None

    def compute() -> dict[str, list[str]]:
        memory = sample_memory(bound, shots, np.random.default_rng(seed), max_qubits=limit)
        # Quantinuum writes each register's bits most significant (highest index) first.
        return {
            register: ["".join(str(int(bit)) for bit in row[::-1]) for row in bits]
            for register, bits in memory.items()
        }

    counts = gate_counts(circuit)
    return PreparedJob(
        guarded(compute),
        quantum_computing_count=1,
        usage={"shots": shots, "qubits": circuit.num_qubits, **counts},
    )
