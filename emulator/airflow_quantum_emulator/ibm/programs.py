"""The sampler and estimator programs: validate ``params`` at submission, compute in a worker.

``prepare(program_id, params, ...)`` checks everything a user can get wrong (pubs, circuits,
parameter values, observables, shots, options) and raises a 400 ``VendorError`` naming the pub
and the problem. It returns a ``Program`` whose ``compute`` runs the simulation later, in the job
registry's worker thread, and whose ``result_json`` assembles the tagged result once the job's
timing is known. A pub's circuit and parameter values are read by :mod:`.pub_circuits`, an
estimator pub's observables by :mod:`.pub_observables`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np

from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.ibm import circuit_limits, encoding, isa
from airflow_quantum_emulator.ibm.backends import MAX_SHOTS, Backend
from airflow_quantum_emulator.ibm.pub_circuits import (
    DynamicCircuit,
    check_size,
    kind,
    parameter_values,
    parse_circuit,
)
from airflow_quantum_emulator.ibm.pub_observables import parse_observables
from airflow_quantum_emulator.jobs import JobFailureError
from airflow_quantum_emulator.sim.circuit import Circuit
from airflow_quantum_emulator.sim.errors import SimulationError

log = logging.getLogger(__name__)

PROGRAMS = ("sampler", "estimator")
DEFAULT_SHOTS = 4096
DEFAULT_PRECISION = 0.015625
#: The service's limit: executions (circuits after broadcasting x shots) per job.
MAX_SAMPLES = 10_000_000
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
    index = 0
    try:
        if program_id == "sampler":
            default_shots = _default_shots(options)
            pubs: list[SamplerPub] | list[EstimatorPub] = []
            for index, pub in enumerate(raw_pubs):
                pubs.append(_sampler_pub(index, pub, default_shots, limits))
            samples = sum(math.prod(pub.shape) * pub.shots for pub in pubs)
            compute = _sampler_compute(pubs, seed)
        else:
            default_precision = _default_precision(options)
            pubs = []
            for index, pub in enumerate(raw_pubs):
                pubs.append(_estimator_pub(index, pub, default_precision, limits))
            samples = sum(math.prod(pub.shape) * math.ceil(pub.precision**-2) for pub in pubs)
            compute = _estimator_compute(pubs, seed)
    except DynamicCircuit as exc:
        # What the backend does not list is a non-ISA circuit; what it lists, a 400 (not run).
        problem = isa.unsupported_dynamic(exc.source, backend)
        if problem is None:
            raise
        return non_isa_program(program_id, seed, isa.failure_message(f"pub {index}", problem))
    if samples > MAX_SAMPLES:
        raise VendorError(
            400,
            f"The job asks for {samples} executions (circuits after broadcasting x shots over "
            f"all pubs); a job runs at most {MAX_SAMPLES}.",
        )
    circuit_limits.check([pub.circuit for pub in pubs])
    return Program(program_id, pubs, seed, compute, _non_isa(pubs, backend))


def _non_isa(pubs: list[SamplerPub] | list[EstimatorPub], backend: Backend) -> str | None:
    for index, pub in enumerate(pubs):
        problem = isa.violation(pub.circuit, backend) or isa.rzz_violation(pub.circuit, pub.values)
        if problem is not None:
            return isa.failure_message(f"pub {index}", problem)
    return None


def non_isa_program(program_id: str, seed: int, reason: str) -> Program:
    """A job that fails as non-ISA (code 1517) before it runs: never computed."""

    def never() -> Any:
        raise AssertionError("a non-ISA job is never computed")

    return Program(program_id, [], seed, never, reason)


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


def _pub_items(raw: Any, index: int, most: int, layout: str) -> list[Any]:
    where = f"pub {index}"
    if isinstance(raw, (str, dict)):
        return [raw]
    if not isinstance(raw, list) or not 1 <= len(raw) <= most:
        raise VendorError(
            400,
            f"{where}: a pub must be a list {layout}, got {kind(raw)}"
            f"{f' of length {len(raw)}' if isinstance(raw, list) else ''}.",
        )
    return raw


# --- sampler ------------------------------------------------------------------------------------


def _sampler_pub(index: int, raw: Any, default_shots: int, limits: int) -> SamplerPub:
    where = f"pub {index}"
    items = _pub_items(raw, index, 3, "[circuit, parameter_values?, shots?]")
    circuit = parse_circuit(items[0], where)
    check_size(circuit, where, limits)
    if not circuit.clbit_registers or circuit.num_clbits == 0:
        raise VendorError(
            400,
            f"{where}: the circuit has no classical registers, so the sampler would return "
            "nothing; measure into a bit register.",
        )
    values = parameter_values(circuit, items[1] if len(items) > 1 else None, where)
    shots = items[2] if len(items) > 2 else None
    shots = default_shots if shots is None else _shots(shots, f"{where}: shots")
    shape = tuple(values.shape[:-1])
    return SamplerPub(circuit, values, shape, shots)


def guarded(compute: Callable[[], Any]) -> Callable[[], Any]:
    """Turn an unexpected error of the simulation into an IBM-coded job failure."""

    def run() -> Any:
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

    return run


def _sampler_compute(pubs: list[SamplerPub], seed: int) -> Callable[[], ComputedResult]:
    @guarded
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
    check_size(circuit, where, limits)
    observables = parse_observables(items[1], circuit, where)
    values = parameter_values(circuit, items[2] if len(items) > 2 else None, where)
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


def _estimator_compute(pubs: list[EstimatorPub], seed: int) -> Callable[[], ComputedResult]:
    @guarded
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
