"""Neutral-atom (Rydberg) sequences: parse Pulser's abstract representation and simulate it.

What is read (field names as in Pulser's ``sequence-schema.json``): ``register`` (atoms with
``x``/``y`` in µm, in register order), ``channels`` (exactly one, declared as
``rydberg_global``), ``operations`` (``pulse``, ``delay`` and ``align``), ``measurement``
(``null`` or ``ground-rydberg``), ``variables`` (must be empty) and ``device.rydberg_level``.
Waveforms (durations in ns, values in rad/µs): ``constant``, ``ramp``, ``blackman``,
``custom``, ``composite``. Anything else is refused with a message naming it, never ignored.

The Hamiltonian, in rad/µs with time in µs::

    H(t) = Σ_i Ω(t)/2 σx_i − Σ_i δ(t) n_i + Σ_{i<j} C6 / r_ij^6 n_i n_j

C6 is Pulser's coefficient for the device's Rydberg level; only level 60 (Pulser's
``AnalogDevice`` and the ``Fresnel`` device the official client's sample sequence embeds) is
known here: 865723.02 rad·µm⁶/µs. The state vector evolves in 1 ns samples with a symmetric
(Strang) split: the diagonal part (detuning and interactions) exactly, the drive as exact
one-atom rotations, with sub-steps short enough that ‖H‖·dt ≤ 0.05.

Bit order follows Pulser: a bitstring's first character is the register's first atom, and
``"1"`` is the Rydberg state |r⟩.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from airflow_quantum_emulator.sim.errors import SimulationError

#: C6/ħ of Pulser's ``c6_dict`` (rad·µm⁶/µs) for the Rydberg levels this emulator knows.
C6_BY_RYDBERG_LEVEL = {60: 865723.02}
DEFAULT_RYDBERG_LEVEL = 60
MAX_ATOMS = 12
#: Sub-step bound: ‖H‖·dt stays below this (dt in µs).
STEP_NORM = 0.05
MAX_STEPS = 100_000
_SUPPORTED_OPS = ("pulse", "delay", "align")
_SUPPORTED_WAVEFORMS = ("constant", "ramp", "blackman", "custom", "composite")


@dataclass(frozen=True)
class RydbergSequence:
    """A parsed sequence: atom positions (µm), per-ns Ω and δ samples (rad/µs), and C6."""

    atoms: list[str]
    positions: np.ndarray
    amplitude: np.ndarray
    detuning: np.ndarray
    c6: float

    @property
    def num_atoms(self) -> int:
        return len(self.atoms)

    @property
    def duration_ns(self) -> int:
        return int(self.amplitude.size)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        if isinstance(value, Mapping):
            raise SimulationError(
                f"{where} is a parametrized expression; only sequences built with values are "
                "supported (no variables)"
            )
        raise SimulationError(f"{where} must be a number, got {value!r:.40}")
    number = float(value)
    if not math.isfinite(number):
        raise SimulationError(f"{where} must be finite")
    return number


def _duration(value: Any, where: str) -> int:
    number = _number(value, where)
    if number != int(number) or number < 0:
        raise SimulationError(f"{where} must be a whole, non-negative number of ns")
    return int(number)


def waveform_samples(waveform: Any, where: str = "waveform") -> np.ndarray:
    """The waveform's values, one per ns (rad/µs), as Pulser samples them."""
    if not isinstance(waveform, Mapping):
        raise SimulationError(f"{where} must be a JSON object")
    kind = waveform.get("kind")
    if kind == "constant":
        n = _duration(waveform.get("duration"), f"{where}.duration")
        return np.full(n, _number(waveform.get("value"), f"{where}.value"))
    if kind == "ramp":
        n = _duration(waveform.get("duration"), f"{where}.duration")
        start = _number(waveform.get("start"), f"{where}.start")
        stop = _number(waveform.get("stop"), f"{where}.stop")
        return np.linspace(start, stop, n)
    if kind == "blackman":
        n = _duration(waveform.get("duration"), f"{where}.duration")
        area = _number(waveform.get("area"), f"{where}.area")
        window = np.clip(np.blackman(n), 0.0, None)
        if n == 0 or window.sum() == 0:
            raise SimulationError(f"{where}: a blackman waveform needs a positive duration")
        # Scaled so that the area (Σ samples × 1 ns, in rad) is the one asked for.
        return window * (area / window.sum() / 1e-3)
    if kind == "custom":
        samples = waveform.get("samples")
        if not isinstance(samples, list):
            raise SimulationError(f"{where}.samples must be a list of numbers")
        return np.array([_number(v, f"{where}.samples[{i}]") for i, v in enumerate(samples)])
    if kind == "composite":
        parts = waveform.get("waveforms")
        if not isinstance(parts, list) or not parts:
            raise SimulationError(f"{where}.waveforms must be a non-empty list")
        return np.concatenate(
            [waveform_samples(p, f"{where}.waveforms[{i}]") for i, p in enumerate(parts)]
        )
    raise SimulationError(
        f"{where}: the waveform kind {str(kind)[:40]!r} is not supported here "
        f"(supported: {', '.join(_SUPPORTED_WAVEFORMS)})"
    )


def _register(document: Mapping[str, Any]) -> tuple[list[str], np.ndarray]:
    register = document.get("register")
    if not isinstance(register, list) or not register:
        raise SimulationError("the sequence has no register (a list of atoms with x and y)")
    names, points = [], []
    for i, atom in enumerate(register):
        if not isinstance(atom, Mapping):
            raise SimulationError(f"register[{i}] must be an object with name, x and y")
        names.append(str(atom.get("name", f"q{i}")))
        points.append(
            [_number(atom.get(axis, 0.0), f"register[{i}].{axis}") for axis in ("x", "y", "z")]
        )
    if len(set(names)) != len(names):
        raise SimulationError("the register names an atom twice")
    return names, np.array(points)


def _c6(document: Mapping[str, Any]) -> float:
    device = document.get("device")
    if device is None:
        return C6_BY_RYDBERG_LEVEL[DEFAULT_RYDBERG_LEVEL]
    if not isinstance(device, Mapping):
        raise SimulationError("device must be an object (Pulser's device description)")
    level = device.get("rydberg_level", DEFAULT_RYDBERG_LEVEL)
    if level not in C6_BY_RYDBERG_LEVEL:
        raise SimulationError(
            f"the device's Rydberg level {level!r:.20} is not supported here (known: "
            f"{', '.join(map(str, C6_BY_RYDBERG_LEVEL))})"
        )
    return C6_BY_RYDBERG_LEVEL[level]


def _channel(document: Mapping[str, Any]) -> str:
    channels = document.get("channels")
    if not isinstance(channels, Mapping) or len(channels) != 1:
        raise SimulationError(
            "exactly one declared channel is supported here (a 'rydberg_global' channel)"
        )
    ((name, channel_id),) = channels.items()
    if channel_id != "rydberg_global":
        raise SimulationError(
            f"the channel {str(channel_id)[:40]!r} is not supported here (only 'rydberg_global')"
        )
    return str(name)


def parse_sequence(document: Any, max_atoms: int = MAX_ATOMS) -> RydbergSequence:
    """Validate and flatten a Pulser abstract-representation sequence (see the module doc)."""
    if not isinstance(document, Mapping):
        raise SimulationError("the sequence must be a JSON object")
    if document.get("variables"):
        raise SimulationError("parametrized sequences (variables) are not supported here")
    for key in ("slm_mask_targets", "magnetic_field"):
        if document.get(key):
            raise SimulationError(f"{key} is not supported here")
    measurement = document.get("measurement")
    if measurement not in (None, "ground-rydberg"):
        raise SimulationError(
            f"the measurement basis {str(measurement)[:40]!r} is not supported here "
            "(only 'ground-rydberg')"
        )
    names, positions = _register(document)
    if len(names) > max_atoms:
        raise SimulationError(
            f"the register has {len(names)} atoms; this emulator simulates at most {max_atoms}"
        )
    c6 = _c6(document)
    channel = _channel(document)
    operations = document.get("operations")
    if not isinstance(operations, list):
        raise SimulationError("operations must be a list")
    amplitude: list[np.ndarray] = []
    detuning: list[np.ndarray] = []
    phases: set[float] = set()
    for i, op in enumerate(operations):
        where = f"operations[{i}]"
        kind = op.get("op") if isinstance(op, Mapping) else None
        if kind not in _SUPPORTED_OPS:
            raise SimulationError(
                f"{where}: the operation {str(kind)[:40]!r} is not supported here "
                f"(supported: {', '.join(_SUPPORTED_OPS)} on one rydberg_global channel)"
            )
        if kind == "align":
            continue  # one channel: nothing to align
        if op.get("channel") != channel:
            raise SimulationError(f"{where} is on an undeclared channel {op.get('channel')!r:.40}")
        if kind == "delay":
            n = _duration(op.get("time"), f"{where}.time")
            amplitude.append(np.zeros(n))
            detuning.append(np.zeros(n))
            continue
        amp = waveform_samples(op.get("amplitude"), f"{where}.amplitude")
        det = waveform_samples(op.get("detuning"), f"{where}.detuning")
        if amp.size != det.size:
            raise SimulationError(f"{where}: amplitude and detuning last different times")
        if np.any(amp < 0):
            raise SimulationError(f"{where}: the amplitude must not be negative")
        if _number(op.get("post_phase_shift", 0.0), f"{where}.post_phase_shift") != 0.0:
            raise SimulationError(f"{where}: a non-zero post_phase_shift is not supported here")
        phases.add(_number(op.get("phase", 0.0), f"{where}.phase") % (2 * math.pi))
        amplitude.append(amp)
        detuning.append(det)
    # One common phase is a gauge (it leaves every measured probability unchanged).
    if len(phases) > 1:
        raise SimulationError("pulses with different phases are not supported here")
    amp_all = np.concatenate(amplitude) if amplitude else np.zeros(0)
    det_all = np.concatenate(detuning) if detuning else np.zeros(0)
    return RydbergSequence(names, positions, amp_all, det_all, c6)


def _excitations(num_atoms: int) -> np.ndarray:
    """n_i for every basis state: row k of the result is atom k's bit (atom 0 = leftmost bit)."""
    index = np.arange(2**num_atoms)
    return np.array([(index >> (num_atoms - 1 - k)) & 1 for k in range(num_atoms)], dtype=float)


def interaction_diagonal(sequence: RydbergSequence) -> np.ndarray:
    """Σ_{i<j} C6/r_ij^6 n_i n_j for every basis state (rad/µs)."""
    bits = _excitations(sequence.num_atoms)
    energy = np.zeros(bits.shape[1])
    for i in range(sequence.num_atoms):
        for j in range(i + 1, sequence.num_atoms):
            distance = float(np.linalg.norm(sequence.positions[i] - sequence.positions[j]))
            if distance == 0.0:
                raise SimulationError(
                    f"atoms {sequence.atoms[i]!r} and {sequence.atoms[j]!r} are at the same place"
                )
            energy += sequence.c6 / distance**6 * bits[i] * bits[j]
    return energy


def substeps(sequence: RydbergSequence, interaction: np.ndarray) -> np.ndarray:
    """How many sub-steps each 1 ns sample is split into (‖H‖·dt ≤ STEP_NORM)."""
    bound = float(np.max(np.abs(interaction))) + sequence.num_atoms * (
        np.abs(sequence.amplitude) / 2 + np.abs(sequence.detuning)
    )
    steps = np.maximum(1, np.ceil(bound * 1e-3 / STEP_NORM)).astype(int)
    if int(steps.sum()) > MAX_STEPS:
        raise SimulationError(
            f"the sequence needs {int(steps.sum())} integration steps; this emulator runs at "
            f"most {MAX_STEPS} (shorten it or space the atoms further apart)"
        )
    return steps


def evolve(sequence: RydbergSequence) -> np.ndarray:
    """The final state vector, starting with every atom in |g⟩ (basis index 0)."""
    n = sequence.num_atoms
    interaction = interaction_diagonal(sequence)
    excited = _excitations(n).sum(axis=0)
    steps = substeps(sequence, interaction)
    state = np.zeros(2**n, dtype=complex)
    state[0] = 1.0
    for omega, delta, count in zip(sequence.amplitude, sequence.detuning, steps, strict=True):
        dt = 1e-3 / count
        half = np.exp(-0.5j * dt * (interaction - delta * excited))
        c, s = math.cos(omega * dt / 2), math.sin(omega * dt / 2)
        rotation = np.array([[c, -1j * s], [-1j * s, c]])
        for _ in range(count):
            state = half * state
            tensor = state.reshape((2,) * n)
            for k in range(n):
                tensor = np.moveaxis(np.tensordot(rotation, tensor, axes=([1], [k])), 0, k)
            state = half * tensor.reshape(-1)
    return state


def sample_counts(sequence: RydbergSequence, shots: int, rng: np.random.Generator) -> dict:
    """``shots`` bitstrings drawn from the final state, counted (Pulser's bit order)."""
    probabilities = np.abs(evolve(sequence)) ** 2
    picks = rng.choice(probabilities.size, size=shots, p=probabilities / probabilities.sum())
    width = sequence.num_atoms
    tally = Counter(format(int(k), f"0{width}b") for k in picks)
    return dict(sorted(tally.items()))
