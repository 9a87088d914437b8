"""Physical resource estimates of a QIR program (``microsoft.resource-estimates.v1``).

A compact model after the Azure Quantum Resource Estimator's published method (Beverland et
al., "Assessing requirements to scale to practical quantum advantage", 2022), with the
estimator's defaults: qubit model ``qubit_gate_ns_e3``, the surface code, error budget 1e-3.
On the estimator's recorded sample (3 qubits, one CCZ, 3 measurements) it gives the same
numbers: 12 algorithmic logical qubits, code distance 7, 4 T factories, 16,856 physical qubits,
36 microseconds.

- Layout: ``2Q + ceil(sqrt(8Q)) + 1`` logical qubits for ``Q`` program qubits.
- Depth: measurements + rotations + T gates + 3 per CCZ/CCiX + T-states-per-rotation x
  rotation depth; T states: T gates + 4 per CCZ/CCiX + T-states-per-rotation x rotations.
- Budget: split evenly between logical errors, T states and (if any) rotation synthesis.
- Surface code: error per logical qubit and cycle ``0.03 (p / 0.01) ^ ((d + 1) / 2)``, cycle
  ``(4 t_2q + 2 t_meas) d``, ``2 d^2`` physical qubits per logical qubit.
- T factories: rounds of two 15-to-1 space-efficient units (20 logical qubits, 13 cycles each),
  output error ``35 p_in^3 + 7.1 P_L(d)``; as many factories as keep the algorithm fed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from airflow_quantum_emulator.sim.errors import SimulationError
from airflow_quantum_emulator.sim.qir import LogicalCounts

DEFAULT_ERROR_BUDGET = 1e-3
MAX_CODE_DISTANCE = 50
MAX_ROUNDS = 3
#: Qubit models (times in ns, error rates) of the estimator's gate-based presets.
QUBIT_MODELS: dict[str, dict[str, float]] = {
    "qubit_gate_ns_e3": {"gate": 50, "measure": 100, "error": 1e-3},
    "qubit_gate_ns_e4": {"gate": 50, "measure": 100, "error": 1e-4},
    "qubit_gate_us_e3": {"gate": 100_000, "measure": 100_000, "error": 1e-3},
    "qubit_gate_us_e4": {"gate": 100_000, "measure": 100_000, "error": 1e-4},
}
_THRESHOLD = 0.01
_PREFACTOR = 0.03
_UNIT = "15-to-1 space efficient"
_UNIT_QUBITS = 20  # logical qubits of one distillation unit
_UNIT_CYCLES = 13  # logical cycles of one distillation round
_UNITS_PER_ROUND = 2


def estimate(counts: LogicalCounts, params: Mapping[str, Any]) -> dict[str, Any]:
    """The resource-estimate document for a program with ``counts`` under ``params``."""
    budget = params.get("errorBudget", DEFAULT_ERROR_BUDGET)
    if isinstance(budget, Mapping):
        budget = sum(float(v) for v in budget.values())
    if isinstance(budget, bool) or not isinstance(budget, int | float) or not 0 < budget < 1:
        # The service's wording (recorded estimator jobs failed with InvalidInputError).
        raise SimulationError(
            f"The error budget must be between 0.0 and 1.0, provided input was `{budget!s:.40}`"
        )
    qubit_name = (params.get("qubitParams") or {}).get("name", "qubit_gate_ns_e3")
    if qubit_name not in QUBIT_MODELS:
        raise SimulationError(
            f"qubitParams.name {qubit_name!r:.40} is not modelled; use one of "
            f"{', '.join(QUBIT_MODELS)}"
        )
    scheme = (params.get("qecScheme") or {}).get("name", "surface_code")
    if scheme != "surface_code":
        raise SimulationError(f"qecScheme {scheme!r:.40} is not modelled; use 'surface_code'")
    model = QUBIT_MODELS[qubit_name]
    p, gate_ns, measure_ns = model["error"], model["gate"], model["measure"]

    n_ccz = counts.ccz_count + counts.ccix_count
    has_rotations = counts.rotation_count > 0
    t_needed = counts.t_count + 4 * n_ccz + counts.rotation_count
    shares = 3 if has_rotations else (2 if t_needed else 1)
    logical_budget = budget / shares
    tstate_budget = budget / shares if t_needed else 0.0
    rotation_budget = budget / shares if has_rotations else 0.0
    ts_per_rotation = (
        math.ceil(0.53 * math.log2(counts.rotation_count / rotation_budget) + 5.3)
        if has_rotations
        else None
    )
    num_tstates = counts.t_count + 4 * n_ccz + (ts_per_rotation or 0) * counts.rotation_count
    q = max(counts.num_qubits, 1)
    logical_qubits = 2 * q + math.ceil(math.sqrt(8 * q)) + 1
    algorithmic_depth = max(
        counts.measurement_count
        + counts.rotation_count
        + counts.t_count
        + 3 * n_ccz
        + (ts_per_rotation or 0) * counts.rotation_depth,
        1,
    )
    required_logical = logical_budget / (logical_qubits * algorithmic_depth)
    distance = _distance(p, required_logical)
    cycle_ns = (4 * gate_ns + 2 * measure_ns) * distance
    per_logical = 2 * distance * distance
    logical_error = _logical_error(p, distance)

    factory = _factory(p, tstate_budget / num_tstates, gate_ns, measure_ns) if num_tstates else None
    depth = algorithmic_depth
    factories = runs = 0
    if factory is not None:
        depth = max(depth, math.ceil(factory["runtime"] / cycle_ns))
        runs = max(1, math.floor(depth * cycle_ns / factory["runtime"]))
        factories = math.ceil(num_tstates / runs)
        runs = math.ceil(num_tstates / factories)
    runtime = depth * cycle_ns
    algorithm_qubits = logical_qubits * per_logical
    factory_qubits = factories * (factory["physicalQubits"] if factory else 0)
    clock = 1e9 / cycle_ns
    breakdown = {
        "algorithmicLogicalQubits": logical_qubits,
        "algorithmicLogicalDepth": algorithmic_depth,
        "logicalDepth": depth,
        "numTstates": num_tstates,
        "clockFrequency": clock,
        "numTfactories": factories,
        "numTfactoryRuns": runs,
        "physicalQubitsForTfactories": factory_qubits,
        "physicalQubitsForAlgorithm": algorithm_qubits,
        "requiredLogicalQubitErrorRate": required_logical,
        "requiredLogicalTstateErrorRate": (tstate_budget / num_tstates) if num_tstates else None,
        "numTsPerRotation": ts_per_rotation,
        "cliffordErrorRate": p,
    }
    physical = {
        "physicalQubits": algorithm_qubits + factory_qubits,
        "runtime": runtime,
        "rqops": math.ceil(logical_qubits * clock),
        "breakdown": breakdown,
    }
    return {
        "status": "success",
        "jobParams": {
            "qecScheme": {
                "name": "surface_code",
                "errorCorrectionThreshold": _THRESHOLD,
                "crossingPrefactor": _PREFACTOR,
                "maxCodeDistance": MAX_CODE_DISTANCE,
            },
            "errorBudget": budget,
            "qubitParams": {"instructionSet": "GateBased", "name": qubit_name},
        },
        "physicalCounts": physical,
        "physicalCountsFormatted": _formatted(physical, distance, cycle_ns),
        "logicalQubit": {
            "codeDistance": distance,
            "physicalQubits": per_logical,
            "logicalCycleTime": cycle_ns,
            "logicalErrorRate": logical_error,
        },
        "tfactory": factory,
        "errorBudget": {
            "logical": logical_budget,
            "tstates": tstate_budget,
            "rotations": rotation_budget,
        },
        "logicalCounts": counts.as_wire(),
    }


def _logical_error(p: float, distance: int) -> float:
    return _PREFACTOR * (p / _THRESHOLD) ** ((distance + 1) / 2)


def _distance(p: float, required: float) -> int:
    if p >= _THRESHOLD:
        raise SimulationError("the physical error rate is above the surface code's threshold")
    for distance in range(1, MAX_CODE_DISTANCE + 1, 2):
        if _logical_error(p, distance) <= required:
            return distance
    raise SimulationError(
        f"no code distance up to {MAX_CODE_DISTANCE} reaches the required logical error rate "
        f"{required:.3g}; raise errorBudget"
    )


def _factory(p: float, required: float, gate_ns: float, measure_ns: float) -> dict[str, Any]:
    """The cheapest chain of distillation rounds whose output T states are good enough."""
    rounds: list[tuple[int, float]] = []
    error_in = p
    for _ in range(MAX_ROUNDS):
        for distance in range(1, MAX_CODE_DISTANCE + 1, 2):
            out = 35 * error_in**3 + 7.1 * _logical_error(p, distance)
            if out < error_in:
                break
        else:
            raise SimulationError("T-state distillation cannot improve on the physical T gates")
        chosen = distance
        for distance in range(chosen, MAX_CODE_DISTANCE + 1, 2):
            out = 35 * error_in**3 + 7.1 * _logical_error(p, distance)
            if out <= required or distance == MAX_CODE_DISTANCE:
                chosen = distance
                break
        out = 35 * error_in**3 + 7.1 * _logical_error(p, chosen)
        rounds.append((chosen, out))
        error_in = out
        if out <= required:
            break
    else:
        raise SimulationError(
            f"{MAX_ROUNDS} rounds of distillation do not reach the required T-state error rate "
            f"{required:.3g}; raise errorBudget"
        )
    qubits = [_UNITS_PER_ROUND * _UNIT_QUBITS * 2 * d * d for d, _ in rounds]
    times = [_UNIT_CYCLES * (4 * gate_ns + 2 * measure_ns) * d for d, _ in rounds]
    return {
        "physicalQubits": max(qubits),
        "runtime": sum(times),
        "numTstates": 1,
        "numInputTstates": 15 * _UNITS_PER_ROUND,
        "numRounds": len(rounds),
        "numUnitsPerRound": [_UNITS_PER_ROUND] * len(rounds),
        "unitNamePerRound": [_UNIT] * len(rounds),
        "codeDistancePerRound": [d for d, _ in rounds],
        "physicalQubitsPerRound": qubits,
        "runtimePerRound": times,
        "logicalErrorRate": rounds[-1][1],
    }


def _si(value: float) -> str:
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:.2f}{suffix}"
    return f"{value:g}"


def _duration(ns: float) -> str:
    for limit, unit in (
        (3.6e12, "hours"),
        (6e10, "mins"),
        (1e9, "secs"),
        (1e6, "millisecs"),
        (1e3, "microsecs"),
    ):
        if ns >= limit:
            return f"{ns / limit:.0f} {unit}"
    return f"{ns:.0f} nanosecs"


def _formatted(physical: dict[str, Any], distance: int, cycle_ns: float) -> dict[str, str]:
    breakdown = physical["breakdown"]
    return {
        "runtime": _duration(physical["runtime"]),
        "rqops": _si(physical["rqops"]),
        "physicalQubits": _si(physical["physicalQubits"]),
        "algorithmicLogicalQubits": str(breakdown["algorithmicLogicalQubits"]),
        "algorithmicLogicalDepth": str(breakdown["algorithmicLogicalDepth"]),
        "logicalDepth": str(breakdown["logicalDepth"]),
        "numTstates": str(breakdown["numTstates"]),
        "numTfactories": str(breakdown["numTfactories"]),
        "physicalQubitsForAlgorithm": _si(breakdown["physicalQubitsForAlgorithm"]),
        "physicalQubitsForTfactories": _si(breakdown["physicalQubitsForTfactories"]),
        "physicalQubitsPerLogicalQubit": str(2 * distance * distance),
        "logicalCycleTime": _duration(cycle_ns),
    }
