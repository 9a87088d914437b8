"""What Qiskit Runtime's Sampler V2 and Estimator V2 compute for one pub.

Parameter values follow ``BindingsArray``: an array of shape ``(*pub_shape, num_parameters)``
(values in :attr:`Circuit.parameters` order). Sampler results use the ``BitArray`` layout: per
shot ``ceil(num_bits / 8)`` bytes, big-endian, the last byte holding classical bits 0..7.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np

from airflow_quantum_emulator.sim.circuit import Circuit
from airflow_quantum_emulator.sim.errors import SimulationError
from airflow_quantum_emulator.sim.sampling import sample_memory
from airflow_quantum_emulator.sim.statevector import MAX_SHOTS, compact_state

#: Upper bound of bindings x shots in one sampler pub (memory of the result).
MAX_PUB_SHOTS = 50_000_000
MAX_BINDINGS = 100_000
_PAULI_CHARS = frozenset("IXYZ")


def pack_bits(bits: np.ndarray) -> np.ndarray:
    """Pack bits of shape (..., num_bits), bit i in column i, into BitArray bytes (..., nbytes)."""
    bits = np.asarray(bits).astype(bool)
    num_bits = bits.shape[-1]
    num_bytes = (num_bits + 7) // 8
    padded = np.zeros((*bits.shape[:-1], num_bytes * 8), dtype=np.uint8)
    padded[..., num_bytes * 8 - num_bits :] = bits[..., ::-1]
    return np.packbits(padded, axis=-1, bitorder="big")


def unpack_counts(packed: np.ndarray, num_bits: int) -> dict[str, int]:
    """Count the shots of BitArray bytes (..., nbytes): bitstring (highest bit first) -> count."""
    packed = np.asarray(packed)
    num_bytes = (num_bits + 7) // 8
    if packed.ndim == 0 or packed.shape[-1] != num_bytes:
        raise SimulationError(f"packed bits need a last axis of {num_bytes} byte(s) for {num_bits}")
    if packed.size and (packed.dtype.kind not in "ui" or packed.min() < 0 or packed.max() > 255):
        raise SimulationError("packed bits must be bytes (0-255)")
    rows = packed.astype(np.uint8).reshape(math.prod(packed.shape[:-1]), num_bytes)
    if rows.shape[0] == 0:
        return {}
    if num_bits == 0:
        return {"": rows.shape[0]}
    unique, counts = np.unique(rows, axis=0, return_counts=True)
    bits = np.unpackbits(unique, axis=-1, bitorder="big")[:, num_bytes * 8 - num_bits :]
    result: dict[str, int] = {}
    for row, count in zip(bits, counts, strict=True):
        key = (row + ord("0")).astype(np.uint8).tobytes().decode("ascii")
        result[key] = result.get(key, 0) + int(count)
    return result


def parameter_array(circuit: Circuit, parameter_values: object) -> np.ndarray:
    """Validate parameter values: an array of shape (*pub_shape, len(circuit.parameters))."""
    count = len(circuit.parameters)
    if parameter_values is None:
        if count:
            raise SimulationError(f"the circuit has {count} parameter(s) but no values were given")
        return np.zeros((0,))
    try:
        values = np.asarray(parameter_values, dtype=float)
    except (TypeError, ValueError):
        raise SimulationError("parameter values must be a (nested) list of real numbers") from None
    if values.ndim == 0:
        if count != 1:
            raise SimulationError(f"the circuit has {count} parameter(s); got one number")
        values = values.reshape(1)
    if values.shape[-1] != count:
        raise SimulationError(
            f"parameter values have {values.shape[-1]} value(s) on their last axis; "
            f"the circuit has {count} parameter(s)"
        )
    if not np.all(np.isfinite(values)):
        raise SimulationError("parameter values must be finite")
    if math.prod(values.shape[:-1]) > MAX_BINDINGS:
        raise SimulationError(f"more than {MAX_BINDINGS} parameter bindings in one pub")
    return values


def run_sampler_pub(
    circuit: Circuit, parameter_values: object, shots: int, rng: np.random.Generator | None = None
) -> tuple[tuple[int, ...], dict[str, np.ndarray]]:
    """Sample a pub: (pub_shape, {register: packed uint8 array (*pub_shape, shots, nbytes)}).

    Registers of size 0 are left out.
    """
    if isinstance(shots, bool) or not isinstance(shots, Integral) or not 1 <= shots <= MAX_SHOTS:
        raise SimulationError(f"shots must be an integer between 1 and {MAX_SHOTS}, got {shots!r}")
    shots = int(shots)
    rng = rng if rng is not None else np.random.default_rng()
    values = parameter_array(circuit, parameter_values)
    pub_shape = tuple(values.shape[:-1])
    bindings = math.prod(pub_shape)
    if bindings * shots > MAX_PUB_SHOTS:
        raise SimulationError(
            f"{bindings} parameter binding(s) x {shots} shots exceed {MAX_PUB_SHOTS} in one pub"
        )
    registers = {name: size for name, size in circuit.clbit_registers.items() if size > 0}
    data = {
        name: np.zeros((*pub_shape, shots, (size + 7) // 8), dtype=np.uint8)
        for name, size in registers.items()
    }
    rows = values.reshape(bindings, len(circuit.parameters))
    for flat, index in enumerate(np.ndindex(pub_shape)):
        memory = sample_memory(circuit.bind(rows[flat]), shots, rng)
        for name in registers:
            data[name][index] = pack_bits(memory[name])
    return pub_shape, data


def run_estimator_pub(
    circuit: Circuit,
    observables: object,
    parameter_values: object = None,
    precision: float = 0.0,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Expectation values of a pub: (evs, stds), shaped like observables and values broadcast.

    Values are exact, plus gaussian noise of standard deviation ``precision`` when it is > 0.
    Measurements in the circuit are ignored.
    """
    if isinstance(precision, bool) or not isinstance(precision, Real):
        raise SimulationError(f"precision must be a number, got {precision!r}")
    precision = float(precision)
    if not math.isfinite(precision) or precision < 0:
        raise SimulationError(f"precision must be a finite number >= 0, got {precision}")
    rng = rng if rng is not None else np.random.default_rng()
    obs = observable_array(observables, circuit)
    values = parameter_array(circuit, parameter_values)
    pub_shape = values.shape[:-1]
    try:
        shape = np.broadcast_shapes(obs.shape, pub_shape)
    except ValueError:
        raise SimulationError(
            f"observables of shape {obs.shape} and parameter values of shape {pub_shape} "
            "do not broadcast"
        ) from None
    if math.prod(shape) > MAX_BINDINGS:
        raise SimulationError(f"more than {MAX_BINDINGS} expectation values in one pub")
    binding_of = np.broadcast_to(np.arange(math.prod(pub_shape)).reshape(pub_shape), shape)
    observable_of = np.broadcast_to(np.arange(obs.size).reshape(obs.shape), shape)
    binding_of, observable_of = binding_of.reshape(-1), observable_of.reshape(-1)
    flat_obs = obs.reshape(-1)
    rows = values.reshape(math.prod(pub_shape), len(circuit.parameters))
    evs = np.zeros(binding_of.size)
    order = np.argsort(binding_of, kind="stable")
    sorted_bindings = binding_of[order]
    start = 0
    while start < order.size:
        binding = sorted_bindings[start]
        stop = int(np.searchsorted(sorted_bindings, binding, side="right"))
        psi, active = compact_state(circuit.bind(rows[binding]), drop_measurements=True)
        cache: dict[int, float] = {}
        for position in order[start:stop]:
            k = int(observable_of[position])
            if k not in cache:
                cache[k] = _expectation(psi, active, flat_obs[k])
            evs[position] = cache[k]
        start = stop
    evs = evs.reshape(shape)
    if precision > 0:
        evs = evs + rng.normal(0.0, precision, size=shape)
    return evs, np.full(shape, precision)


# -- observables --------------------------------------------------------------------------------


def observable_array(observables: object, circuit: Circuit) -> np.ndarray:
    """Parse observables (Pauli label, {label: coeff}, nested lists) into an object array.

    Each element is a list of (label, coefficient) pairs.
    """
    if isinstance(observables, np.ndarray):
        observables = observables.tolist()
    shape, leaves = _nested(observables, circuit, depth=0)
    array = np.empty(len(leaves), dtype=object)
    for i, leaf in enumerate(leaves):
        array[i] = leaf
    return array.reshape(shape)


def _nested(item: object, circuit: Circuit, depth: int) -> tuple[tuple[int, ...], list]:
    if depth > 32:
        raise SimulationError("observables are nested too deeply")
    if isinstance(item, (list, tuple)):
        parts = [_nested(child, circuit, depth + 1) for child in item]
        shapes = {shape for shape, _ in parts}
        if len(shapes) > 1:
            raise SimulationError("observables must form a rectangular (non-ragged) array")
        inner = shapes.pop() if shapes else ()
        return (len(parts), *inner), [leaf for _, leaves in parts for leaf in leaves]
    return (), [_observable(item, circuit)]


def _observable(item: object, circuit: Circuit) -> list[tuple[str, float]]:
    if isinstance(item, str):
        return [(_label(item, circuit), 1.0)]
    if isinstance(item, Mapping):
        if not item:
            raise SimulationError("an observable dict needs at least one Pauli term")
        return [(_label(label, circuit), _coefficient(label, c)) for label, c in item.items()]
    raise SimulationError(
        f"an observable must be a Pauli string or a {{pauli: coefficient}} dict, got {item!r:.60}"
    )


def _label(label: object, circuit: Circuit) -> str:
    if not isinstance(label, str) or not label or not set(label) <= _PAULI_CHARS:
        raise SimulationError(f"{label!r:.60} is not a Pauli string of I, X, Y, Z")
    if len(label) != circuit.num_qubits and not (
        circuit.uses_physical_qubits and len(label) > circuit.num_qubits
    ):
        raise SimulationError(
            f"observable {label!r:.60} acts on {len(label)} qubit(s); "
            f"the circuit has {circuit.num_qubits}"
        )
    return label


def _coefficient(label: str, value: object) -> float:
    if isinstance(value, (list, tuple)) and len(value) == 2:  # a complex number sent as [re, im]
        real, imag = value
        value = complex(_real(label, real), _real(label, imag))
    if isinstance(value, (complex, np.complexfloating)):
        if value.imag != 0:
            raise SimulationError(f"coefficient of {label!r:.60} must be real, got {value}")
        value = value.real
    return _real(label, value)


def _real(label: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise SimulationError(f"coefficient of {label!r:.60} must be a finite real number")
    return float(value)


_INDEX_CACHE: dict[int, np.ndarray] = {}  # basis indices of small states, reused


def _expectation(psi: np.ndarray, active: tuple[int, ...], terms: list[tuple[str, float]]) -> float:
    """<psi| sum_k c_k P_k |psi> for Pauli labels over all qubits; idle qubits are |0>."""
    position = {qubit: j for j, qubit in enumerate(active)}
    size = psi.size
    indices = _INDEX_CACHE.get(size)
    if indices is None:
        indices = np.arange(size, dtype=np.int64)
        if size <= 2**16:
            _INDEX_CACHE[size] = indices
    total = 0.0
    for label, coefficient in terms:
        x_mask = z_mask = num_y = 0
        vanishes = False
        for qubit, char in enumerate(reversed(label)):
            if char == "I":
                continue
            j = position.get(qubit)
            if j is None:  # an idle qubit is |0>: <0|Z|0> = 1, <0|X|0> = <0|Y|0> = 0
                vanishes = vanishes or char in "XY"
                continue
            if char in "XY":
                x_mask |= 1 << j
            if char in "YZ":
                z_mask |= 1 << j
            num_y += char == "Y"
        if vanishes:
            continue
        # P|k> = i^{#Y} (-1)^{popcount(k & z)} |k ^ x>
        signs = 1 - 2 * _parity(indices & z_mask).astype(np.int8)
        value = np.vdot(psi[indices ^ x_mask], signs * psi) * (1j**num_y)
        total += coefficient * float(value.real)
    return total


def _parity(values: np.ndarray) -> np.ndarray:
    """Parity of the set bits of non-negative int64 values (numpy < 2 has no bitwise_count)."""
    for shift in (32, 16, 8, 4, 2, 1):
        values = values ^ (values >> shift)
    return values & 1
