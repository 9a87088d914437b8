"""Gate matrices, following the Qiskit / OpenQASM definitions exactly (global phases included).

A *base gate* is an uncontrolled unitary on ``num_targets`` qubits. Its matrix is
little-endian like Qiskit's: bit ``j`` of a row/column index is the state of the ``j``-th target
qubit. Controlled gates (``cx``, ``ccx``, ``cu``, ...) are a base gate plus control qubits, see
:data:`STANDARD_GATES`; the simulator folds the controls in. A base gate's global phase therefore
matters exactly when it is controlled: ``cu``'s ``gamma`` is kept, and ``U`` is the ``u3`` matrix
(as in Qiskit) in OpenQASM 2 and 3 alike.

Every matrix amazon-braket-default-simulator defines comes from it (``_library``: the same
matrices to 1e-12, checked gate by gate against the hand-written ones it replaced); only what
it lacks is written here: ``rzx``, ``dcx``, ``u0``, ``cu``'s phased ``U`` and a bare ``gphase``.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from airflow_quantum_emulator.sim.errors import SimulationError

_I = np.eye(2, dtype=complex)
_X = np.array([[0, 1], [1, 0]], dtype=complex)
_Z = np.array([[1, 0], [0, -1]], dtype=complex)
# DCX = cx(first, second) followed by cx(second, first), a permutation of the basis.
_DCX = np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 1, 0, 0], [0, 0, 1, 0]], dtype=complex)
_TURN = 2 * math.pi


def _rotation(generator: np.ndarray, theta: float) -> np.ndarray:
    """exp(-i theta/2 G) for a Pauli product G (G @ G = I)."""
    eye = np.eye(generator.shape[0])
    return math.cos(theta / 2) * eye - 1j * math.sin(theta / 2) * generator


def _library(
    name: str, num_params: int, num_targets: int, convert: Callable[..., tuple] | None = None
) -> BaseGate:
    """The gate ``name`` of amazon-braket-default-simulator (its ``gate_operations``).

    ``convert`` turns this gate's parameters into the library's (IonQ's turns into radians).
    The library's matrices are big-endian (first target most significant): reversed here.
    """

    def build(*params: float) -> np.ndarray:
        from braket.default_simulator import gate_operations

        args = convert(*params) if convert else params
        matrix = getattr(gate_operations, name)(range(num_targets), *args).matrix
        order = [*range(num_targets)][::-1]
        tensor = np.reshape(matrix, (2,) * (2 * num_targets))
        tensor = tensor.transpose(order + [num_targets + k for k in order])
        return tensor.reshape(matrix.shape)

    return BaseGate(num_params, num_targets, build)


def _turns(*turns: float) -> tuple[float, ...]:
    return tuple(_TURN * t for t in turns)


@dataclass(frozen=True)
class BaseGate:
    """An uncontrolled gate: parameter count, target count and matrix builder."""

    num_params: int
    num_targets: int
    build: Callable[..., np.ndarray]


BASE_GATES: dict[str, BaseGate] = {
    "gphase": BaseGate(1, 0, lambda theta: np.array([[cmath.exp(1j * theta)]])),
    "id": _library("Identity", 0, 1),
    "u0": BaseGate(1, 1, lambda _gamma: _I),
    "x": _library("PauliX", 0, 1),
    "y": _library("PauliY", 0, 1),
    "z": _library("PauliZ", 0, 1),
    "h": _library("Hadamard", 0, 1),
    "s": _library("S", 0, 1),
    "sdg": _library("Si", 0, 1),
    "t": _library("T", 0, 1),
    "tdg": _library("Ti", 0, 1),
    "sx": _library("V", 0, 1),
    "sxdg": _library("Vi", 0, 1),
    "rx": _library("RotX", 1, 1),
    "ry": _library("RotY", 1, 1),
    "rz": _library("RotZ", 1, 1),
    "p": _library("PhaseShift", 1, 1),
    "r": _library("PRx", 2, 1),
    "u2": _library("U", 2, 1, lambda phi, lam: (math.pi / 2, phi, lam)),
    "u3": _library("U", 3, 1),
    # cu's target: e^{i gamma} U(theta, phi, lambda) (stdgates.inc: p(gamma) c; ctrl @ U c, t).
    "u_gphase": BaseGate(
        4, 1, lambda t, p, lam, g: cmath.exp(1j * g) * BASE_GATES["u3"].build(t, p, lam)
    ),
    "swap": _library("Swap", 0, 2),
    "iswap": _library("ISwap", 0, 2),
    "ecr": _library("ECR", 0, 2),
    "dcx": BaseGate(0, 2, lambda: _DCX),
    "rxx": _library("XX", 1, 2),
    "ryy": _library("YY", 1, 2),
    "rzz": _library("ZZ", 1, 2),
    # Qiskit's RZX(theta) q0, q1 = exp(-i theta/2 Z_q0 X_q1): Z on the first target.
    "rzx": BaseGate(1, 2, lambda theta: _rotation(np.kron(_X, _Z), theta)),
    # IonQ native gates, angles in turns (not reachable from QASM).
    "ionq_gpi": _library("GPi", 1, 1, _turns),
    "ionq_gpi2": _library("GPi2", 1, 1, _turns),
    "ionq_ms": _library("MS", 3, 2, _turns),
    "ionq_zz": _library("ZZ", 1, 2, _turns),
}

#: OpenQASM gate names (stdgates.inc and qelib1.inc) -> (base gate, number of leading controls).
STANDARD_GATES: dict[str, tuple[str, int]] = {
    # Every base gate is also an OpenQASM gate, except the internal ones.
    **{
        name: (name, 0)
        for name in BASE_GATES
        if name not in ("gphase", "u_gphase") and not name.startswith("ionq_")
    },
    "phase": ("p", 0),
    "u1": ("p", 0),
    "u": ("u3", 0),
    "cx": ("x", 1),
    "cnot": ("x", 1),
    "cy": ("y", 1),
    "cz": ("z", 1),
    "ch": ("h", 1),
    "csx": ("sx", 1),
    "crx": ("rx", 1),
    "cry": ("ry", 1),
    "crz": ("rz", 1),
    "cp": ("p", 1),
    "cphase": ("p", 1),
    "cu1": ("p", 1),
    "cu3": ("u3", 1),
    "cu": ("u_gphase", 1),
    "cswap": ("swap", 1),
    "ccx": ("x", 2),
    "c3x": ("x", 3),
    "c3sqrtx": ("sx", 3),
    "c4x": ("x", 4),
}

#: Gates available without any include: OpenQASM 3 ``U``/``gphase``, OpenQASM 2 ``CX``.
BUILTIN_GATES: dict[str, tuple[str, int]] = {
    "U": ("u3", 0),
    "CX": ("x", 1),
    "gphase": ("gphase", 0),
}


@lru_cache(maxsize=4096)
def _cached_matrix(base: str, params: tuple[float, ...], power: int) -> np.ndarray:
    matrix = np.asarray(BASE_GATES[base].build(*params), dtype=np.complex128)
    if power < 0:
        matrix = matrix.conj().T
    if abs(power) != 1:
        matrix = np.linalg.matrix_power(matrix, abs(power))
    matrix.setflags(write=False)
    return matrix


def gate_matrix(base: str, params: tuple[float, ...] = (), power: int = 1) -> np.ndarray:
    """The (read-only) matrix of ``base(*params) ** power`` over its targets, little-endian."""
    gate = BASE_GATES.get(base)
    if gate is None:
        raise SimulationError(f"unknown gate {base!r}")
    if len(params) != gate.num_params:
        raise SimulationError(f"gate {base!r} takes {gate.num_params} parameter(s)")
    return _cached_matrix(base, tuple(float(p) for p in params), int(power))
