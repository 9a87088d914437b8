"""The emulated backends: catalog, configuration, properties and status routes."""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from typing import Any

from fastapi import APIRouter, Depends

from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.ibm.auth import Caller
from airflow_quantum_emulator.state import EmulatorState

#: The native gates of IBM's processors (what qiskit's ``BackendConfiguration.basis_gates``
#: lists), and the fractional gates the emulator's configurations add (the official client drops
#: those from its target unless ``use_fractional_gates`` is set).
NATIVE_GATES = ("cz", "id", "rz", "sx", "x")
FRACTIONAL_GATES = ("rx", "rzz")
#: Two-qubit gates: they act only on the coupled pairs of the coupling map.
TWO_QUBIT_GATES = frozenset({"cz", "ecr", "cx", "rzz"})
#: The dynamic-circuit instructions of each generation, as the official client's fake backends
#: of 2026-04 list them (qiskit-ibm-runtime 73514f06, fake_provider/backends/*/conf_*.json):
#: the first Heron r2 devices run loops and switches, the later ones classical stores and the
#: second measurement (and reset) kinds instead; Nighthawk runs no dynamic circuits.
LOOPS_AND_SWITCHES = ("reset", "if_else", "for_loop", "switch_case")
STORES = ("measure_2", "reset", "if_else", "store")
STORES_AND_RESETS = (*STORES, "reset_2")
STATIC = ()
#: Instructions every device runs, on any qubit.
ALWAYS = ("delay", "measure")

#: Largest shot count per pub, as the configurations advertise it.
MAX_SHOTS = 100_000


@dataclass(frozen=True)
class Backend:
    """One emulated device: a Heron on a heavy-hex lattice, or a Nighthawk on a square one."""

    name: str
    revision: str
    version: str
    online_date: str
    clops_h: int
    dynamic: tuple[str, ...] = LOOPS_AND_SWITCHES
    num_qubits: int = 156
    family: str = "Heron"
    basis_gates: tuple[str, ...] = NATIVE_GATES + FRACTIONAL_GATES
    #: Row length of its lattice. Heavy hex: the column of the first bridge qubit on even and
    #: odd rows (Heron r2/r3: 16, 3 and 1, which gives the devices' published coupling);
    #: ``None`` for a square lattice (Nighthawk: rows of 10, each qubit coupled to its four
    #: neighbours, as the fake backend's coupling map).
    row_length: int = 16
    bridge_columns: tuple[int, int] | None = (3, 1)
    max_experiments: int = 300

    @property
    def supported_instructions(self) -> tuple[str, ...]:
        """Everything a circuit may contain: basis gates, non-unitary ops, dynamic circuits."""
        return tuple(dict.fromkeys((*self.basis_gates, *ALWAYS, *self.dynamic)))

    @property
    def simulator(self) -> bool:
        """IBM's cloud simulators are retired: every backend is a device."""
        return False


BACKENDS: dict[str, Backend] = {
    backend.name: backend
    for backend in (
        Backend("ibm_fez", "2", "1.3.12", "2024-05-14T04:00:00Z", 195_000),
        Backend("ibm_marrakesh", "2", "1.1.7", "2024-08-07T04:00:00Z", 195_000),
        Backend("ibm_kingston", "2", "1.0.9", "2025-02-20T05:00:00Z", 340_000, STORES),
        Backend("ibm_pittsburgh", "3", "1.0.16", "2025-04-22T04:00:00Z", 330_000, STORES),
        Backend("ibm_boston", "3", "1.0.4", "2025-10-05T04:00:00Z", 340_000, STORES_AND_RESETS),
        # A Nighthawk (fake_provider/backends/miami): 120 qubits in 12 rows of 10.
        Backend(
            "ibm_miami",
            "1",
            "1.0.3",
            "2025-12-01T05:00:00Z",
            0,
            STATIC,
            num_qubits=120,
            family="Nighthawk",
            basis_gates=NATIVE_GATES,
            row_length=10,
            bridge_columns=None,
            max_experiments=75,
        ),
    )
}


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


@cache
def heavy_hex(
    num: int, row_length: int, bridge_columns: tuple[int, int] = (3, 1)
) -> tuple[tuple[int, int], ...]:
    """Edges of a heavy-hex lattice of ``num`` qubits: rows joined by bridge qubits.

    Bridges sit under every fourth column, starting at ``bridge_columns[0]`` on even rows and
    ``bridge_columns[1]`` on odd ones, as on IBM's Heron chips. Each undirected edge is listed
    in both directions.
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
        for column in range(bridge_columns[row % 2], len(current), 4):
            if index >= num:
                break
            edges.append((current[column], index))
            pending.append((index, column))
            index += 1
        row += 1
    return _both_ways(edges)


@cache
def square_lattice(num: int, row_length: int) -> tuple[tuple[int, int], ...]:
    """Edges of a square lattice: each qubit coupled to its right and lower neighbours."""
    edges = [(q, q + 1) for q in range(num - 1) if (q + 1) % row_length]
    edges += [(q, q + row_length) for q in range(num - row_length)]
    return _both_ways(edges)


def _both_ways(edges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    return tuple(sorted(pair for a, b in edges for pair in ((a, b), (b, a))))


def coupling_map(backend: Backend) -> list[list[int]]:
    """The coupling map: the directed pairs two-qubit gates may act on (both directions)."""
    return [list(edge) for edge in edges(backend)]


def edges(backend: Backend) -> tuple[tuple[int, int], ...]:
    """The coupled pairs of ``backend``, each in both directions."""
    if backend.bridge_columns is None:
        return square_lattice(backend.num_qubits, backend.row_length)
    return heavy_hex(backend.num_qubits, backend.row_length, backend.bridge_columns)


def configuration(backend: Backend) -> dict[str, Any]:
    """``GET /backends/{name}/configuration``: what qiskit's BackendConfiguration reads.

    Shaped like a real Heron's (``dt``/``dtm`` in ns on the wire, ``timing_constraints``,
    ``supported_instructions`` with control flow); ``gates`` stays empty, which the official
    client accepts.
    """
    n = backend.num_qubits
    return {
        "backend_name": backend.name,
        "backend_version": backend.version,
        "n_qubits": n,
        "basis_gates": list(backend.basis_gates),
        "gates": [],
        "local": False,
        "simulator": False,
        "conditional": False,
        "open_pulse": False,
        "memory": True,
        "max_shots": MAX_SHOTS,
        "max_experiments": backend.max_experiments,
        "coupling_map": coupling_map(backend),
        "online_date": backend.online_date,
        "description": f"{n} qubit device",
        "sample_name": f"family: {backend.family}, revision: {backend.revision}",
        "processor_type": {"family": backend.family, "revision": backend.revision},
        "supported_instructions": list(backend.supported_instructions),
        "supported_features": (
            ["qobj", "qasm3", "dynamic_circuits", "parameters"] if backend.dynamic else ["qobj"]
        ),
        "n_registers": 1,
        "meas_levels": [1, 2],
        "rep_delay_range": [0.0, 500.0],
        "default_rep_delay": 250.0,
        "dynamic_reprate_enabled": True,
        "multi_meas_enabled": True,
        "measure_esp_enabled": False,
        "credits_required": True,
        "allow_q_object": False,
        "url": "None",
        "quantum_volume": None,
        "dt": 4.0,
        "dtm": 4.0,
        "timing_constraints": {
            "acquire_alignment": 1,
            "granularity": 1,
            "min_length": 2,
            "pulse_alignment": 1,
        },
        "clops_h": backend.clops_h,
    }


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
            if gate in TWO_QUBIT_GATES:
                continue
            error = 0.0 if gate in ("rz", "id") else round(rng.uniform(1.5e-4, 6e-4), 7)
            length = 0.0 if gate == "rz" else 32.0
            gates.append(_gate(gate, [qubit], error, length, item))
    for gate in (g for g in backend.basis_gates if g in TWO_QUBIT_GATES):
        for a, b in edges(backend):
            error = round(rng.uniform(2e-3, 9e-3), 6)
            gates.append(_gate(gate, [a, b], error, 68.0, item))
    return {
        "backend_name": backend.name,
        "backend_version": backend.version,
        "last_update_date": date,
        "qubits": qubits,
        "gates": gates,
        "general": [],
        "general_qlists": [],
    }


def _gate(gate: str, qubits: list[int], error: float, length: float, item: Any) -> dict[str, Any]:
    return {
        "qubits": qubits,
        "gate": gate,
        "parameters": [item("gate_error", error, ""), item("gate_length", length, "ns")],
        "name": f"{gate}{'_'.join(map(str, qubits))}",
    }


#: The status route's ``status`` word for each listing status.
STATUS_WORDS = {"online": "active", "paused": "paused", "offline": "offline"}


def build_backends_router(
    state: EmulatorState, authenticate: Any, queue_length: Any, device: Any
) -> APIRouter:
    """Backend routes; ``queue_length(name, now)`` counts the jobs queued on a backend and
    ``device(name)`` gives its scripted ``DeviceFacts`` (status, simulator, qubits)."""
    router = APIRouter(prefix="/api/v1", tags=["IBM Qiskit Runtime"])

    @router.get("/backends")
    async def list_backends(caller: Caller = Depends(authenticate)) -> Any:
        now = state.now()
        devices = []
        for backend in BACKENDS.values():
            facts = device(backend.name)
            devices.append(
                {
                    "name": backend.name,
                    "status": {"name": facts.status, "reason": facts.reason},
                    "is_simulator": facts.is_simulator,
                    "qubits": facts.qubits or backend.num_qubits,
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
        facts = device(backend.name)
        return {
            "backend_name": backend.name,
            "backend_version": backend.version,
            "state": facts.status == "online",
            "status": STATUS_WORDS[facts.status],
            "message": facts.reason,
            "length_queue": queue_length(backend.name, state.now()),
        }

    @router.get("/backends/{name}/configuration")
    async def backend_configuration(name: str, caller: Caller = Depends(authenticate)) -> Any:
        return configuration(get_backend(name))

    @router.get("/backends/{name}/properties")
    async def backend_properties(name: str, caller: Caller = Depends(authenticate)) -> Any:
        return properties(get_backend(name), state.now())

    return router
