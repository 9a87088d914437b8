"""Gate matrices, following the Qiskit / OpenQASM definitions exactly (global phases included).

A *base gate* is an uncontrolled unitary on ``num_targets`` qubits. Its matrix is
little-endian like Qiskit's: bit ``j`` of a row/column index is the state of the ``j``-th target
qubit. Controlled gates (``cx``, ``ccx``, ``cu``, ...) are a base gate plus control qubits, see
:data:`STANDARD_GATES`; the simulator applies controls by slicing the state. A base gate's global
phase therefore matters exactly when it is controlled: ``cu``'s ``gamma`` is kept, and ``U`` is
the ``u3`` matrix (as in Qiskit) in OpenQASM 2 and 3 alike.
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
_Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
_Z = np.array([[1, 0], [0, -1]], dtype=complex)
_H = np.array([[1, 1], [1, -1]], dtype=complex) / math.sqrt(2)
_SX = np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]], dtype=complex) / 2
_SWAP = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=complex)
_ISWAP = np.array([[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]], dtype=complex)
# Qiskit's ECR = (IX - XY) / sqrt(2) in its label order (rightmost letter = first qubit).
_ECR = (np.kron(_I, _X) - np.kron(_X, _Y)) / math.sqrt(2)
# DCX = cx(first, second) followed by cx(second, first), a permutation of the basis.
_DCX = np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 1, 0, 0], [0, 0, 1, 0]], dtype=complex)


def _phase_diag(lam: float) -> np.ndarray:
    return np.array([[1, 0], [0, cmath.exp(1j * lam)]])


def _u3(theta: float, phi: float, lam: float) -> np.ndarray:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array(
        [
            [c, -cmath.exp(1j * lam) * s],
            [cmath.exp(1j * phi) * s, cmath.exp(1j * (phi + lam)) * c],
        ]
    )


def _rotation(generator: np.ndarray, theta: float) -> np.ndarray:
    """exp(-i theta/2 G) for a Pauli product G (G @ G = I)."""
    eye = np.eye(generator.shape[0])
    return math.cos(theta / 2) * eye - 1j * math.sin(theta / 2) * generator


def _r(theta: float, phi: float) -> np.ndarray:
    return _rotation(math.cos(phi) * _X + math.sin(phi) * _Y, theta)


def _ionq_sigma(turns: float) -> np.ndarray:
    """cos(2 pi t) X + sin(2 pi t) Y, the axis of IonQ's native gates (phase in turns)."""
    return np.array([[0, cmath.exp(-2j * math.pi * turns)], [cmath.exp(2j * math.pi * turns), 0]])


def _gpi2(turns: float) -> np.ndarray:
    return (_I - 1j * _ionq_sigma(turns)) / math.sqrt(2)


def _ms(phi0: float, phi1: float, angle: float) -> np.ndarray:
    # The first target is the least significant qubit: it is the right-hand factor of kron.
    pair = np.kron(_ionq_sigma(phi1), _ionq_sigma(phi0))
    return math.cos(math.pi * angle) * np.eye(4) - 1j * math.sin(math.pi * angle) * pair


@dataclass(frozen=True)
class BaseGate:
    """An uncontrolled gate: parameter count, target count and matrix builder."""

    num_params: int
    num_targets: int
    build: Callable[..., np.ndarray]


def _fixed(matrix: np.ndarray, num_targets: int) -> BaseGate:
    return BaseGate(0, num_targets, lambda: matrix)


BASE_GATES: dict[str, BaseGate] = {
    "gphase": BaseGate(1, 0, lambda theta: np.array([[cmath.exp(1j * theta)]])),
    "id": _fixed(_I, 1),
    "u0": BaseGate(1, 1, lambda _gamma: _I),
    "x": _fixed(_X, 1),
    "y": _fixed(_Y, 1),
    "z": _fixed(_Z, 1),
    "h": _fixed(_H, 1),
    "s": _fixed(_phase_diag(math.pi / 2), 1),
    "sdg": _fixed(_phase_diag(-math.pi / 2), 1),
    "t": _fixed(_phase_diag(math.pi / 4), 1),
    "tdg": _fixed(_phase_diag(-math.pi / 4), 1),
    "sx": _fixed(_SX, 1),
    "sxdg": _fixed(_SX.conj().T, 1),
    "rx": BaseGate(1, 1, lambda theta: _rotation(_X, theta)),
    "ry": BaseGate(1, 1, lambda theta: _rotation(_Y, theta)),
    "rz": BaseGate(1, 1, lambda theta: _rotation(_Z, theta)),
    "p": BaseGate(1, 1, _phase_diag),
    "r": BaseGate(2, 1, _r),
    "u2": BaseGate(2, 1, lambda phi, lam: _u3(math.pi / 2, phi, lam)),
    "u3": BaseGate(3, 1, _u3),
    # cu's target: e^{i gamma} U(theta, phi, lambda) (stdgates.inc: p(gamma) c; ctrl @ U c, t).
    "u_gphase": BaseGate(4, 1, lambda t, p, lam, g: cmath.exp(1j * g) * _u3(t, p, lam)),
    "swap": _fixed(_SWAP, 2),
    "iswap": _fixed(_ISWAP, 2),
    "ecr": _fixed(_ECR, 2),
    "dcx": _fixed(_DCX, 2),
    "rxx": BaseGate(1, 2, lambda theta: _rotation(np.kron(_X, _X), theta)),
    "ryy": BaseGate(1, 2, lambda theta: _rotation(np.kron(_Y, _Y), theta)),
    "rzz": BaseGate(1, 2, lambda theta: _rotation(np.kron(_Z, _Z), theta)),
    # Qiskit's RZX(theta) q0, q1 = exp(-i theta/2 Z_q0 X_q1): Z on the first target.
    "rzx": BaseGate(1, 2, lambda theta: _rotation(np.kron(_X, _Z), theta)),
    # IonQ native gates, angles in turns (not reachable from QASM).
    "ionq_gpi": BaseGate(1, 1, _ionq_sigma),
    "ionq_gpi2": BaseGate(1, 1, _gpi2),
    "ionq_ms": BaseGate(3, 2, _ms),
    "ionq_zz": BaseGate(1, 2, lambda turns: _rotation(np.kron(_Z, _Z), 2 * math.pi * turns)),
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
