"""The emulated backends: catalog, configuration, properties and status routes."""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from typing import Any

from fastapi import APIRouter, Depends

from airflow_quantum.emulator.errors import VendorError
from airflow_quantum.emulator.ibm.auth import Caller
from airflow_quantum.emulator.state import EmulatorState

HERON_GATES = ["cz", "id", "rz", "sx", "x"]
EAGLE_GATES = ["ecr", "id", "rz", "sx", "x"]
SIMULATOR_GATES = [
    "id", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "sxdg", "rx", "ry", "rz", "p", "u",
    "cx", "cy", "cz", "ch", "swap", "ccx", "cswap", "crx", "cry", "crz", "cp", "ecr", "rzz",
]  # fmt: skip
CONTROL_FLOW = ["if_else", "for_loop", "switch_case", "while_loop"]

#: Largest shot count per pub, as the configurations advertise it.
MAX_SHOTS = 100_000
MAX_EXPERIMENTS = 300


@dataclass(frozen=True)
class Backend:
    """One emulated device (or the simulator)."""

    name: str
    num_qubits: int
    basis_gates: tuple[str, ...]
    family: str
    revision: str
    version: str
    online_date: str
    simulator: bool = False
    clops_h: int = 0
    #: Row length of its heavy-hex lattice (hardware only).
    row_length: int = 15


BACKENDS: dict[str, Backend] = {
    backend.name: backend
    for backend in (
        Backend("ibm_fez", 156, tuple(HERON_GATES), "Heron", "2", "1.3.12",
                "2024-07-12T04:00:00Z", clops_h=195_000, row_length=16),
        Backend("ibm_torino", 133, tuple(HERON_GATES), "Heron", "1", "1.6.28",
                "2023-11-30T05:00:00Z", clops_h=210_000, row_length=15),
        Backend("ibm_brisbane", 127, tuple(EAGLE_GATES), "Eagle", "3", "1.1.55",
                "2022-11-15T05:00:00Z", clops_h=180_000, row_length=15),
        Backend("ibm_emulator", 0, tuple(SIMULATOR_GATES), "Simulator", "1", "0.1.0",
                "2025-01-01T00:00:00Z", simulator=True),
    )
}  # fmt: skip


def get_backend(name: str) -> Backend:
    """The backend ``name`` or a 404 in IBM's shape."""
    backend = BACKENDS.get(name)
    if backend is None:
        raise VendorError(
            404,
            f"Backend {name!r} not found; this instance has {', '.join(sorted(BACKENDS))}.",
            1216,
        )
    return backend


def num_qubits(backend: Backend, state: EmulatorState) -> int:
    """Qubits of ``backend``; the simulator has as many as the emulator may simulate."""
    return state.config.max_qubits if backend.simulator else backend.num_qubits


@cache
def heavy_hex(num: int, row_length: int) -> tuple[tuple[int, int], ...]:
    """Edges of a heavy-hex lattice of ``num`` qubits: rows joined by bridge qubits.

    Bridges sit under every fourth column, shifted by two on every other row, as on IBM's
    Eagle and Heron chips. Each undirected edge is listed in both directions.
    """
    edges: list[tuple[int, int]] = []
    index = 0
    pending: list[tuple[int, int]] = []  # (bridge qubit, column) waiting for the next row
    row = 0
    while index < num:
        current: list[int] = []
        for column in range(row_length):
            if index >= num:
                break
            current.append(index)
            if column:
                edges.append((index - 1, index))
            index += 1
        for bridge, column in pending:
            if column < len(current):
                edges.append((bridge, current[column]))
        pending = []
        for column in range(0 if row % 2 == 0 else 2, len(current), 4):
            if index >= num:
                break
            edges.append((current[column], index))
            pending.append((index, column))
            index += 1
        row += 1
    both = [pair for a, b in edges for pair in ((a, b), (b, a))]
    return tuple(sorted(both))


def coupling_map(backend: Backend, state: EmulatorState) -> list[list[int]]:
    """The coupling map: heavy-hex for devices, all-to-all for the simulator."""
    if backend.simulator:
        n = num_qubits(backend, state)
        return [[a, b] for a in range(n) for b in range(n) if a != b]
    return [list(edge) for edge in heavy_hex(backend.num_qubits, backend.row_length)]


def configuration(backend: Backend, state: EmulatorState) -> dict[str, Any]:
    """``GET /backends/{name}/configuration``: what qiskit's BackendConfiguration reads."""
    n = num_qubits(backend, state)
    two_qubit = [g for g in backend.basis_gates if g in ("cz", "ecr", "cx")]
    config: dict[str, Any] = {
        "backend_name": backend.name,
        "backend_version": backend.version,
        "n_qubits": n,
        "basis_gates": list(backend.basis_gates),
        "gates": [],
        "local": False,
        "simulator": backend.simulator,
        "conditional": False,
        "open_pulse": False,
        "memory": True,
        "max_shots": MAX_SHOTS,
        "max_experiments": MAX_EXPERIMENTS,
        "coupling_map": coupling_map(backend, state),
        "online_date": backend.online_date,
        "description": (
            "Emulated state-vector simulator"
            if backend.simulator
            else f"Emulated {n}-qubit {backend.family} r{backend.revision} device"
        ),
        "sample_name": backend.family.lower(),
        "processor_type": {"family": backend.family, "revision": backend.revision},
        "supported_instructions": [
            *backend.basis_gates,
            "delay",
            "measure",
            "reset",
            *CONTROL_FLOW,
        ],
        "supported_features": ["qasm3"],
        "n_registers": 1,
        "meas_levels": [1, 2],
        "rep_delay_range": [0.0, 500.0],
        "default_rep_delay": 250.0,
        "dynamic_reprate_enabled": True,
        "multi_meas_enabled": True,
        "max_experiments_per_job": MAX_EXPERIMENTS,
        "credits_required": not backend.simulator,
        "allow_q_object": False,
        "url": "None",
        "quantum_volume": None if backend.simulator else 512,
        "dt": 2.2222222222222221e-10 if not backend.simulator else None,
        "dtm": 2.2222222222222221e-10 if not backend.simulator else None,
        "clops_h": backend.clops_h or None,
        "two_qubit_gates": two_qubit,
    }
    return config


def properties(backend: Backend, now: float) -> dict[str, Any]:
    """``GET /backends/{name}/properties``: calibration data, stable per backend and day."""
    day = datetime.fromtimestamp(now, tz=timezone.utc).replace(
        hour=3, minute=0, second=0, microsecond=0
    )
    return _properties(backend, day.isoformat())


@cache
def _properties(backend: Backend, date: str) -> dict[str, Any]:
    rng = random.Random(zlib.crc32(f"{backend.name}:{date}".encode()))

    def item(name: str, value: float, unit: str) -> dict[str, Any]:
        return {"date": date, "name": name, "unit": unit, "value": value}

    qubits = []
    for _ in range(backend.num_qubits):
        t1 = rng.uniform(90, 320)
        readout = rng.uniform(0.004, 0.04)
        qubits.append(
            [
                item("T1", round(t1, 3), "us"),
                item("T2", round(rng.uniform(0.4, 1.4) * t1, 3), "us"),
                item("frequency", round(rng.uniform(4.6, 5.2), 6), "GHz"),
                item("anharmonicity", round(rng.uniform(-0.34, -0.30), 6), "GHz"),
                item("readout_error", round(readout, 5), ""),
                item("prob_meas0_prep1", round(readout * rng.uniform(1.0, 1.6), 5), ""),
                item("prob_meas1_prep0", round(readout * rng.uniform(0.4, 1.0), 5), ""),
                item("readout_length", 1560.0, "ns"),
            ]
        )
    gates = []
    for qubit in range(backend.num_qubits):
        for gate in backend.basis_gates:
            if gate in ("cz", "ecr", "cx"):
                continue
            error = 0.0 if gate in ("rz", "id") else round(rng.uniform(1.5e-4, 6e-4), 7)
            length = 0.0 if gate == "rz" else 32.0
            gates.append(
                {
                    "qubits": [qubit],
                    "gate": gate,
                    "parameters": [
                        item("gate_error", error, ""),
                        item("gate_length", length, "ns"),
                    ],
                    "name": f"{gate}{qubit}",
                }
            )
    two_qubit = next(g for g in backend.basis_gates if g in ("cz", "ecr", "cx"))
    for a, b in heavy_hex(backend.num_qubits, backend.row_length):
        if backend.family == "Eagle" and a > b:
            continue  # ECR is directional: one direction per pair
        gates.append(
            {
                "qubits": [a, b],
                "gate": two_qubit,
                "parameters": [
                    item("gate_error", round(rng.uniform(2e-3, 9e-3), 6), ""),
                    item("gate_length", 68.0 if two_qubit == "cz" else 660.0, "ns"),
                ],
                "name": f"{two_qubit}{a}_{b}",
            }
        )
    return {
        "backend_name": backend.name,
        "backend_version": backend.version,
        "last_update_date": date,
        "qubits": qubits,
        "gates": gates,
        "general": [],
        "general_qlists": [],
    }


def build_backends_router(state: EmulatorState, authenticate: Any, queue_length: Any) -> APIRouter:
    """Backend routes; ``queue_length(name, now)`` counts the jobs queued on a backend."""
    router = APIRouter(prefix="/api/v1", tags=["IBM Qiskit Runtime"])

    @router.get("/backends")
    async def list_backends(caller: Caller = Depends(authenticate)) -> Any:
        now = state.now()
        devices = []
        for backend in BACKENDS.values():
            devices.append(
                {
                    "name": backend.name,
                    "status": {"name": "online", "reason": "available"},
                    "is_simulator": backend.simulator,
                    "qubits": num_qubits(backend, state),
                    "queue_length": queue_length(backend.name, now),
                    "processor_type": {"family": backend.family, "revision": backend.revision},
                    "clops": {"type": "hardware", "value": backend.clops_h}
                    if backend.clops_h
                    else None,
                    "performance_metrics": None,
                }
            )
        return {"devices": devices}

    @router.get("/backends/{name}/status")
    async def backend_status(name: str, caller: Caller = Depends(authenticate)) -> Any:
        backend = get_backend(name)
        return {
            "backend_name": backend.name,
            "backend_version": backend.version,
            "state": True,
            "status": "active",
            "message": "available",
            "length_queue": queue_length(backend.name, state.now()),
        }

    @router.get("/backends/{name}/configuration")
    async def backend_configuration(name: str, caller: Caller = Depends(authenticate)) -> Any:
        return configuration(get_backend(name), state)

    @router.get("/backends/{name}/properties")
    async def backend_properties(name: str, caller: Caller = Depends(authenticate)) -> Any:
        backend = get_backend(name)
        if backend.simulator:
            raise VendorError(404, f"Backend {name!r} is a simulator and has no properties.", 1216)
        return properties(backend, state.now())

    return router
