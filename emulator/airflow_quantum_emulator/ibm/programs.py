"""The sampler and estimator programs: validate ``params`` at submission, compute in a worker.

``prepare(program_id, params, ...)`` checks everything a user can get wrong (pubs, circuits,
parameter values, observables, shots, options) and raises a 400 ``VendorError`` naming the pub
and the problem. It returns a ``Program`` whose ``compute`` runs the simulation later, in the job
registry's worker thread, and whose ``result_json`` assembles the tagged result once the job's
timing is known.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np

from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.ibm import encoding, isa
from airflow_quantum_emulator.ibm.backends import MAX_SHOTS, Backend
from airflow_quantum_emulator.jobs import JobFailureError
from airflow_quantum_emulator.sim.circuit import Circuit, GateOp, Measure, Reset
from airflow_quantum_emulator.sim.errors import QasmError, SimulationError

log = logging.getLogger(__name__)

PROGRAMS = ("sampler", "estimator")
DEFAULT_SHOTS = 4096
DEFAULT_PRECISION = 0.015625
#: Largest number of (parameter set x shot) samples, or parameter sets x observables, per job.
MAX_SAMPLES = 20_000_000
MAX_PUBS = 1000
#: Reason code of a job whose simulation failed (the circuit cannot run as given).
EXECUTION_FAILED_CODE = "1517"
#: Reason code of a job that failed inside the emulator itself (a bug: see its log).
INTERNAL_ERROR_CODE = "1500"


@dataclass
class SamplerPub:
    """One sampler pub, validated: circuit, parameter values (*shape, k), shots."""

    circuit: Circuit
    values: np.ndarray
    shape: tuple[int, ...]
    shots: int


@dataclass
class EstimatorPub:
    """One estimator pub, validated: observables broadcast against parameter values."""

    circuit: Circuit
    observables: np.ndarray  # object array of {pauli: coefficient} dicts
    values: np.ndarray
    shape: tuple[int, ...]
    precision: float


@dataclass
class ComputedResult:
    """What a job's computation produced: tagged pub results and the span of each pub."""

    pub_results: list[dict[str, Any]]
    slices: dict[int, tuple[tuple[int, ...], int]]
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Program:
    """A validated job: how to compute it and how many samples it asks for."""

    program_id: str
    pubs: list[SamplerPub] | list[EstimatorPub]
    seed: int
    compute: Callable[[], ComputedResult]
    #: Why the job must fail as non-ISA (the service's reason, code 1517), or None.
    non_isa: str | None = None


def check_program(program_id: Any) -> str:
    """The program id, or a 404 for programs the emulator does not run."""
    if not isinstance(program_id, str) or not program_id:
        raise VendorError(400, "program_id is required: 'sampler' or 'estimator'.")
    if program_id not in PROGRAMS:
        raise VendorError(
            404,
            f"Program {program_id!r} not found: the emulator runs the primitives "
            f"{' and '.join(PROGRAMS)} (version 2).",
            1300,
        )
    return program_id


def prepare(
    program_id: str,
    params: Any,
    *,
    backend: Backend,
    max_qubits: int,
    seed: int,
) -> Program:
    """Validate ``params`` for ``program_id`` and build its computation."""
    if not isinstance(params, dict):
        raise VendorError(400, "params must be an object with pubs, options and version.")
    version = params.get("version", 2)
    if version != 2 or isinstance(version, bool):
        raise VendorError(
            400,
            f"params.version {version!r} is not supported: only version 2 primitives (pubs) "
            "run on Qiskit Runtime.",
        )
    options = params.get("options")
    options = {} if options is None else options
    if not isinstance(options, dict):
        raise VendorError(400, "params.options must be an object.")
    support_qiskit = params.get("support_qiskit", True)
    if not isinstance(support_qiskit, bool):
        raise VendorError(400, "params.support_qiskit must be true or false.")
    raw_pubs = params.get("pubs")
    if not isinstance(raw_pubs, list) or not raw_pubs:
        raise VendorError(400, "params.pubs must be a non-empty list of pubs.")
    if len(raw_pubs) > MAX_PUBS:
        raise VendorError(400, f"params.pubs has {len(raw_pubs)} pubs; the limit is {MAX_PUBS}.")
    seed = _seed(options, seed)
    limits = max_qubits
    if program_id == "sampler":
        default_shots = _default_shots(options)
        pubs = [_sampler_pub(i, pub, default_shots, limits) for i, pub in enumerate(raw_pubs)]
        samples = sum(math.prod(pub.shape) * pub.shots for pub in pubs)
        compute = _sampler_compute(pubs, seed)
    else:
        default_precision = _default_precision(options)
        pubs = [_estimator_pub(i, pub, default_precision, limits) for i, pub in enumerate(raw_pubs)]
        samples = sum(math.prod(pub.shape) for pub in pubs)
        compute = _estimator_compute(pubs, seed)
    if samples > MAX_SAMPLES:
        raise VendorError(
            400,
            f"The job asks for {samples} samples (parameter sets x shots over all pubs); "
            f"the emulator's limit is {MAX_SAMPLES}.",
        )
    return Program(program_id, pubs, seed, compute, _non_isa(pubs, backend))


def _non_isa(pubs: list[SamplerPub] | list[EstimatorPub], backend: Backend) -> str | None:
    for index, pub in enumerate(pubs):
        problem = isa.violation(pub.circuit, backend)
        if problem is not None:
            return isa.failure_message(index, problem)
    return None


# --- options ------------------------------------------------------------------------------------


def _seed(options: dict[str, Any], fallback: int) -> int:
    simulator = options.get("simulator")
    simulator = {} if simulator is None else simulator
    if not isinstance(simulator, dict):
        raise VendorError(400, "params.options.simulator must be an object.")
    seed = simulator.get("seed_simulator")
    if seed is None:
        return fallback
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise VendorError(
            400,
            f"params.options.simulator.seed_simulator must be a non-negative integer, "
            f"got {seed!r}.",
        )
    return seed


def _default_shots(options: dict[str, Any]) -> int:
    shots = options.get("default_shots")
    if shots is None:
        return DEFAULT_SHOTS
    return _shots(shots, "params.options.default_shots")


def _shots(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SHOTS:
        raise VendorError(400, f"{what} must be an integer from 1 to {MAX_SHOTS}, got {value!r}.")
    return value


def _default_precision(options: dict[str, Any]) -> float:
    shots = options.get("default_shots")
    if shots is not None:
        return 1 / math.sqrt(_shots(shots, "params.options.default_shots"))
    precision = options.get("default_precision")
    if precision is None:
        return DEFAULT_PRECISION
    return _precision(precision, "params.options.default_precision")


def _precision(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise VendorError(400, f"{what} must be a number in (0, 1], got {value!r}.")
    return float(value)


# --- circuits -----------------------------------------------------------------------------------


def parse_circuit(value: Any, where: str) -> Circuit:
    """A circuit from an OpenQASM 3/2 string or a tagged QPY ``QuantumCircuit``."""
    from airflow_quantum_emulator.sim.qasm import parse_qasm

    if encoding.is_tagged(value, "QuantumCircuit"):
        source = _qpy_to_qasm(value["__value__"], where)
    elif isinstance(value, str):
        source = value
    else:
        raise VendorError(
            400,
            f"{where}: the circuit must be an OpenQASM 3 (or 2) string or a QPY "
            '{"__type__": "QuantumCircuit", "__value__": ...} object, '
            f"not {_kind(value)}.",
        )
    try:
        return parse_qasm(source)
    except QasmError as exc:
        raise VendorError(400, f"{where}: invalid OpenQASM circuit: {exc}") from exc
    except SimulationError as exc:
        raise VendorError(400, f"{where}: the circuit cannot be simulated: {exc}") from exc
    except RecursionError as exc:
        raise VendorError(400, f"{where}: the circuit is nested too deeply.") from exc


def _qpy_to_qasm(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise VendorError(400, f"{where}: a QuantumCircuit's __value__ must be a base64 string.")
    try:
        from qiskit import qasm3, qpy
    except ImportError:
        raise VendorError(
            400,
            f"{where}: the circuit is QPY-encoded, and decoding QPY needs qiskit installed on "
            "the emulator's side (pip install qiskit); or send the circuit as an OpenQASM 3 "
            "string.",
        ) from None
    try:
        raw = zlib.decompress(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError, zlib.error) as exc:
        raise VendorError(400, f"{where}: the QPY value is not base64 zlib data: {exc}") from exc
    try:
        circuits = qpy.load(io.BytesIO(raw))
        return qasm3.dumps(circuits[0])
    except Exception as exc:  # qiskit raises many exception types for bad QPY
        raise VendorError(400, f"{where}: the QPY circuit cannot be read: {exc}") from exc


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def used_qubits(circuit: Circuit) -> set[int]:
    """Qubits an operation touches (the simulator only simulates these)."""
    used: set[int] = set()
    for op in circuit.operations:
        if isinstance(op, GateOp):
            used.update(op.qubits)
        elif isinstance(op, (Measure, Reset)):
            used.add(op.qubit)
    return used


def _check_size(circuit: Circuit, where: str, max_qubits: int) -> None:
    """The emulator's own limit (a device larger than the circuit is the ISA rule's matter)."""
    active = len(used_qubits(circuit))
    if active > max_qubits:
        raise VendorError(
            400,
            f"{where}: the circuit acts on {active} qubits; the emulator simulates at most "
            f"{max_qubits}.",
        )


def _parameter_values(circuit: Circuit, value: Any, where: str) -> np.ndarray:
    """Values of shape (*shape, k) for the circuit's k parameters, in declaration order."""
    names = circuit.parameters
    if isinstance(value, dict) and not encoding.is_tagged(value):
        value = _values_from_mapping(names, value, where)
    if value is None:
        if names:
            raise VendorError(
                400,
                f"{where}: the circuit has parameters ({', '.join(names)}) but the pub gives "
                "no parameter values.",
            )
        return np.zeros((0,))
    try:
        array = encoding.decode_array(value, f"{where} parameter values")
    except encoding.EncodingError as exc:
        raise VendorError(400, str(exc)) from exc
    if array.ndim == 0:
        array = array.reshape(1)
    if not names and array.size == 0:
        return array.reshape(*array.shape[:-1], 0) if array.ndim > 1 else np.zeros((0,))
    if array.shape[-1] != len(names):
        raise VendorError(
            400,
            f"{where}: the circuit has {len(names)} parameter(s)"
            f"{' (' + ', '.join(names) + ')' if names else ''} but the parameter values have "
            f"shape {list(array.shape)}; the last dimension must be {len(names)}.",
        )
    if not np.all(np.isfinite(array)):
        raise VendorError(400, f"{where}: parameter values must be finite numbers.")
    return array


def _values_from_mapping(names: list[str], value: dict[str, Any], where: str) -> np.ndarray:
    unknown = sorted(set(value) - set(names))
    missing = [name for name in names if name not in value]
    if unknown or missing:
        raise VendorError(
            400,
            f"{where}: parameter values by name must cover exactly the circuit's parameters "
            f"({', '.join(names) or 'none'}); missing {missing or 'none'}, unknown "
            f"{unknown or 'none'}.",
        )
    columns = []
    for name in names:
        try:
            columns.append(encoding.decode_array(value[name], f"{where} values of {name!r}"))
        except encoding.EncodingError as exc:
            raise VendorError(400, str(exc)) from exc
    shapes = {column.shape for column in columns}
    if len(shapes) > 1:
        raise VendorError(400, f"{where}: every parameter needs values of the same shape.")
    return np.stack(columns, axis=-1) if columns else np.zeros((0,))


def _pub_items(raw: Any, index: int, most: int, layout: str) -> list[Any]:
    where = f"pub {index}"
    if isinstance(raw, (str, dict)):
        return [raw]
    if not isinstance(raw, list) or not 1 <= len(raw) <= most:
        raise VendorError(
            400,
            f"{where}: a pub must be a list {layout}, got {_kind(raw)}"
            f"{f' of length {len(raw)}' if isinstance(raw, list) else ''}.",
        )
    return raw


# --- sampler ------------------------------------------------------------------------------------


def _sampler_pub(index: int, raw: Any, default_shots: int, limits: int) -> SamplerPub:
    where = f"pub {index}"
    items = _pub_items(raw, index, 3, "[circuit, parameter_values?, shots?]")
    circuit = parse_circuit(items[0], where)
    _check_size(circuit, where, limits)
    if not circuit.clbit_registers or circuit.num_clbits == 0:
        raise VendorError(
            400,
            f"{where}: the circuit has no classical registers, so the sampler would return "
            "nothing; measure into a bit register.",
        )
    values = _parameter_values(circuit, items[1] if len(items) > 1 else None, where)
    shots = items[2] if len(items) > 2 else None
    shots = default_shots if shots is None else _shots(shots, f"{where}: shots")
    shape = tuple(values.shape[:-1])
    return SamplerPub(circuit, values, shape, shots)


def _guarded(compute: Callable[[], ComputedResult]) -> Callable[[], ComputedResult]:
    """Turn an unexpected error of the simulation into an IBM-coded job failure."""

    def guarded() -> ComputedResult:
        try:
            return compute()
        except JobFailureError:
            raise
        except SimulationError as exc:
            raise JobFailureError(EXECUTION_FAILED_CODE, str(exc)) from exc
        except Exception as exc:
            log.exception("emulator bug while computing an IBM job")
            raise JobFailureError(
                INTERNAL_ERROR_CODE,
                f"The emulator failed while running the job ({type(exc).__name__}: {exc}).",
            ) from exc

    return guarded


def _sampler_compute(pubs: list[SamplerPub], seed: int) -> Callable[[], ComputedResult]:
    @_guarded
    def compute() -> ComputedResult:
        from airflow_quantum_emulator.sim.primitives import run_sampler_pub

        rng = np.random.default_rng(seed)
        results = []
        slices = {}
        for index, pub in enumerate(pubs):
            try:
                shape, registers = run_sampler_pub(pub.circuit, pub.values, pub.shots, rng)
            except SimulationError as exc:
                raise JobFailureError(EXECUTION_FAILED_CODE, f"pub {index}: {exc}") from exc
            shape = tuple(int(n) for n in shape)
            encoded = {
                name: (np.asarray(registers[name]), size)
                for name, size in pub.circuit.clbit_registers.items()
                if name in registers
            }
            results.append(encoding.sampler_pub_result(encoded, shape, {"circuit_metadata": {}}))
            slices[index] = (shape, pub.shots)
        return ComputedResult(results, slices)

    return compute


# --- estimator ----------------------------------------------------------------------------------


def _estimator_pub(index: int, raw: Any, default_precision: float, limits: int) -> EstimatorPub:
    where = f"pub {index}"
    items = _pub_items(raw, index, 4, "[circuit, observables, parameter_values?, precision?]")
    if len(items) < 2:
        raise VendorError(400, f"{where}: an estimator pub needs observables after the circuit.")
    circuit = parse_circuit(items[0], where)
    _check_size(circuit, where, limits)
    observables = _observables(items[1], circuit, where)
    values = _parameter_values(circuit, items[2] if len(items) > 2 else None, where)
    precision = items[3] if len(items) > 3 else None
    precision = (
        default_precision if precision is None else _precision(precision, f"{where}: precision")
    )
    try:
        shape = np.broadcast_shapes(observables.shape, tuple(values.shape[:-1]))
    except ValueError:
        raise VendorError(
            400,
            f"{where}: observables of shape {list(observables.shape)} and parameter values of "
            f"shape {list(values.shape[:-1])} do not broadcast together.",
        ) from None
    return EstimatorPub(circuit, observables, values, tuple(shape), precision)


_PAULI = frozenset("IXYZ")


def _observables(raw: Any, circuit: Circuit, where: str) -> np.ndarray:
    """An object array of ``{pauli: coefficient}`` dicts, shaped like the nested input.

    Labels span the circuit's qubits; circuits on physical qubits (``$n``) may use labels as
    wide as the backend, as qiskit's ISA observables are.
    """
    num_qubits = circuit.num_qubits
    physical = circuit.uses_physical_qubits

    def one(value: Any) -> dict[str, float]:
        if isinstance(value, str):
            terms: dict[str, Any] = {value: 1.0}
        elif isinstance(value, dict) and not encoding.is_tagged(value):
            terms = value
        else:
            raise VendorError(
                400,
                f"{where}: each observable must be a Pauli string such as 'ZZ' or an object "
                f"{{pauli: coefficient}}, not {_kind(value)}.",
            )
        if not terms:
            raise VendorError(400, f"{where}: an observable has no terms.")
        clean: dict[str, float] = {}
        for pauli, coefficient in terms.items():
            label = pauli.upper()
            if not label or set(label) - _PAULI:
                raise VendorError(
                    400, f"{where}: {pauli!r} is not a Pauli string (letters I, X, Y, Z)."
                )
            if len(label) != num_qubits and not (physical and len(label) > num_qubits):
                raise VendorError(
                    400,
                    f"{where}: observable {pauli!r} has {len(label)} qubits but the circuit "
                    f"has {num_qubits}.",
                )
            clean[label] = clean.get(label, 0.0) + _coefficient(coefficient, pauli, where)
        return clean

    def nest(value: Any, depth: int) -> Any:
        if depth > 32:
            raise VendorError(400, f"{where}: observables are nested too deeply.")
        if isinstance(value, list):
            if not value:
                raise VendorError(400, f"{where}: an observables list is empty.")
            return [nest(item, depth + 1) for item in value]
        return one(value)

    nested = nest(raw, 0)
    shape = _nested_shape(nested, where)
    array = np.empty(shape, dtype=object)
    for position in np.ndindex(*shape):
        item = nested
        for i in position:
            item = item[i]
        array[position] = item
    return array


def _nested_shape(nested: Any, where: str) -> tuple[int, ...]:
    shape: list[int] = []
    level = nested
    while isinstance(level, list):
        shape.append(len(level))
        level = level[0]

    def check(value: Any, depth: int) -> None:
        if depth == len(shape):
            if isinstance(value, list):
                raise VendorError(400, f"{where}: observables are not a rectangular array.")
            return
        if not isinstance(value, list) or len(value) != shape[depth]:
            raise VendorError(400, f"{where}: observables are not a rectangular array.")
        for item in value:
            check(item, depth + 1)

    check(nested, 0)
    return tuple(shape)


def _coefficient(value: Any, pauli: str, where: str) -> float:
    if encoding.is_tagged(value, "complex"):
        value = value["__value__"]
    if isinstance(value, list) and len(value) == 2:
        real, imag = value
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value):
            raise VendorError(400, f"{where}: the coefficient of {pauli!r} is not a number.")
        if abs(imag) > 1e-12:
            raise VendorError(
                400,
                f"{where}: the coefficient of {pauli!r} is complex; observables must be "
                "Hermitian (real coefficients).",
            )
        value = real
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise VendorError(400, f"{where}: the coefficient of {pauli!r} must be a real number.")
    return float(value)


def _estimator_compute(pubs: list[EstimatorPub], seed: int) -> Callable[[], ComputedResult]:
    @_guarded
    def compute() -> ComputedResult:
        from airflow_quantum_emulator.sim.primitives import run_estimator_pub

        rng = np.random.default_rng(seed)
        results = []
        slices = {}
        for index, pub in enumerate(pubs):
            try:
                evs, stds = run_estimator_pub(
                    pub.circuit, pub.observables, pub.values, pub.precision, rng
                )
            except SimulationError as exc:
                raise JobFailureError(EXECUTION_FAILED_CODE, f"pub {index}: {exc}") from exc
            evs = np.asarray(evs, dtype=float).reshape(pub.shape)
            stds = np.asarray(stds, dtype=float).reshape(pub.shape)
            shots = math.ceil(1 / pub.precision**2)
            metadata = {
                "target_precision": pub.precision,
                "shots": shots,
                "circuit_metadata": {},
                "resilience": {},
                "num_randomizations": 1,
            }
            results.append(encoding.estimator_pub_result(evs, stds, stds.copy(), metadata))
            slices[index] = (tuple(evs.shape), shots)
        return ComputedResult(
            results,
            slices,
            {
                "dynamical_decoupling": {"enable": False},
                "twirling": {"enable_gates": False, "enable_measure": False},
                "resilience": {"measure_mitigation": False, "zne_mitigation": False},
            },
        )

    return compute


# --- assembling the result ----------------------------------------------------------------------


def result_document(computed: ComputedResult, started: float, ended: float) -> dict[str, Any]:
    """The ``PrimitiveResult`` of a finished job, with its execution span."""
    span = encoding.execution_span(
        datetime.fromtimestamp(started, tz=timezone.utc),
        datetime.fromtimestamp(ended, tz=timezone.utc),
        computed.slices,
    )
    metadata = {
        **computed.metadata,
        "execution": {"execution_spans": encoding.execution_spans([span])},
        "version": 2,
    }
    return encoding.primitive_result(computed.pub_results, metadata)
