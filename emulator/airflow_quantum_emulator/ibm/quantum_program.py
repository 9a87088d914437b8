"""The ``params`` of an ``executor`` job: a quantum program, read and checked at submission.

qiskit-ibm-runtime's ``Executor`` (and the client-side ``executor_sampler.Sampler`` and
``executor_estimator.Estimator`` of 0.50+) send ``{"schema_version": "v2.0", "quantum_program",
"options"}``, the ``ParamsModel`` of ibm-quantum-schemas (``executor/version_2_0``):

- ``quantum_program.circuits``: every item's circuit, as base64 zlib-compressed QPY
  (``b64_data``, ``qpy_version``, ``num_programs``) or OpenQASM 3 strings (``data``);
- ``quantum_program.items``: per circuit a ``circuit`` item (``circuit_arguments``: a tensor of
  parameter values, last axis over ``circuit.parameters``) or a ``samplex`` item (a samplomatic
  ``samplex`` that draws the parameter values, its ``samplex_arguments``), each with a ``shape``
  that extends the arguments' own by broadcasting;
- ``shots`` per bound circuit, ``meas_level``, ``passthrough_data`` and ``semantic_role`` (both
  handed back in the result for the client's post-processing).

Everything wrong is a 400 naming the item; the emulator reads schema v2.0 only, which the
official client sends (the service also knows v0.1 to v1.1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.ibm import tensors
from airflow_quantum_emulator.ibm.pub_circuits import parse_source, qpy_to_qasm
from airflow_quantum_emulator.sim.circuit import Circuit

SCHEMA_VERSION = "v2.0"
#: The schema versions of the service (qiskit-ibm-runtime quantum_program/params_converters).
KNOWN_SCHEMA_VERSIONS = ("v0.1", "v0.2", "v1.0", "v1.1", "v2.0")
#: At most this many executions (bound circuits x shots) per job (the service's limit).
MAX_EXECUTIONS = 10_000_000


@dataclass
class ProgramItem:
    """One item: its circuit, the shape of its executions, and where its parameters come from.

    A ``circuit`` item has ``arguments`` (parameter values, broadcast to ``shape``); a
    ``samplex`` item has ``samplex_json`` and ``samplex_arguments`` instead.
    """

    index: int
    circuit: Circuit
    source: str
    shape: tuple[int, ...]
    arguments: np.ndarray | None = None
    samplex_json: str | None = None
    samplex_arguments: dict[str, Any] = field(default_factory=dict)


@dataclass
class QuantumProgram:
    shots: int
    items: list[ProgramItem]
    passthrough_data: Any
    semantic_role: str | None


def _bad(message: str) -> VendorError:
    return VendorError(400, message)


def parse(params: Any) -> QuantumProgram:
    """The quantum program of ``params``, or the 400 that says what is wrong."""
    if not isinstance(params, dict):
        raise _bad("params must be an object with schema_version, quantum_program and options.")
    version = params.get("schema_version")
    if version != SCHEMA_VERSION:
        known = ", ".join(KNOWN_SCHEMA_VERSIONS)
        raise _bad(
            f"The executor program takes a quantum program with schema_version (one of {known}); "
            f"the emulator reads {SCHEMA_VERSION} (qiskit-ibm-runtime 0.50+), got {version!r:.40}."
        )
    program = params.get("quantum_program")
    if not isinstance(program, dict):
        raise _bad("params.quantum_program must be an object.")
    if not isinstance(params.get("options", {}), dict):
        raise _bad("params.options must be an object.")
    shots = program.get("shots")
    if isinstance(shots, bool) or not isinstance(shots, int) or shots < 1:
        raise _bad(f"quantum_program.shots must be a positive integer, got {shots!r:.40}.")
    if program.get("meas_level", "classified") != "classified":
        raise _bad(
            "The emulator returns classified measurements only (meas_level 'classified'), "
            f"not {program.get('meas_level')!r:.40}."
        )
    raw_items = program.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise _bad("quantum_program.items must be a non-empty list.")
    sources = _sources(program.get("circuits"))
    if len(sources) != len(raw_items):
        raise _bad(
            f"There must be exactly one circuit for every program item, but there are "
            f"{len(sources)} circuits and {len(raw_items)} items."
        )
    pairs = enumerate(zip(raw_items, sources, strict=True))
    items = [_item(index, raw, source) for index, (raw, source) in pairs]
    executions = sum(math.prod(item.shape) for item in items) * shots
    if executions > MAX_EXECUTIONS:
        raise _bad(
            f"The job asks for {executions} executions (bound circuits x shots); a job runs at "
            f"most {MAX_EXECUTIONS}."
        )
    role = program.get("semantic_role")
    return QuantumProgram(shots, items, program.get("passthrough_data"), role)


def _sources(circuits: Any) -> list[str]:
    """The OpenQASM 3 source of each circuit of ``quantum_program.circuits``."""
    texts = circuits.get("data") if isinstance(circuits, dict) else None
    if isinstance(texts, list) and all(isinstance(text, str) for text in texts):
        return list(texts)
    if isinstance(circuits, dict) and "b64_data" in circuits:
        sources = qpy_to_qasm(circuits["b64_data"], "quantum_program.circuits")
        if circuits.get("num_programs", len(sources)) != len(sources):
            raise _bad(
                f"num_programs={circuits.get('num_programs')!r:.20}, but the encoded QPY has "
                f"{len(sources)} circuits."
            )
        return sources
    raise _bad(
        "quantum_program.circuits must be compressed QPY {b64_data, qpy_version, num_programs} "
        "or OpenQASM 3 {data: [...]}."
    )


def _item(index: int, raw: Any, source: str) -> ProgramItem:
    where = f"item {index}"
    if not isinstance(raw, dict):
        raise _bad(f"{where} must be an object.")
    circuit = parse_source(source, where)
    shape = raw.get("shape", [])
    if not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise _bad(f"{where}: shape must be a list of sizes.")
    kind = raw.get("item_type")
    try:
        if kind == "circuit":
            return _circuit_item(index, circuit, source, raw, tuple(shape))
        if kind == "samplex":
            return _samplex_item(index, circuit, source, raw, tuple(shape))
    except tensors.TensorError as exc:
        raise _bad(f"{where}: {exc}") from None
    raise _bad(f"{where}: item_type must be 'circuit' or 'samplex', got {kind!r:.40}.")


def _circuit_item(
    index: int, circuit: Circuit, source: str, raw: dict[str, Any], shape: tuple[int, ...]
) -> ProgramItem:
    where = f"item {index}"
    arguments = tensors.decode(raw.get("circuit_arguments"), f"{where} circuit_arguments")
    count = len(circuit.parameters)
    if arguments.ndim == 0 or arguments.shape[-1] != count:
        raise _bad(
            f"{where}: the last axis of circuit_arguments must have size {count} (the circuit's "
            f"parameters), but its shape is {list(arguments.shape)}."
        )
    if not np.all(np.isfinite(arguments)):
        raise _bad(f"{where}: circuit_arguments must be finite numbers.")
    try:
        full = np.broadcast_shapes(shape, arguments.shape[:-1])
    except ValueError:
        raise _bad(
            f"{where}: shape {list(shape)} does not extend the shape of circuit_arguments "
            f"{list(arguments.shape[:-1])}."
        ) from None
    return ProgramItem(index, circuit, source, tuple(full), arguments=arguments.astype(float))


def _samplex_item(
    index: int, circuit: Circuit, source: str, raw: dict[str, Any], shape: tuple[int, ...]
) -> ProgramItem:
    where = f"item {index}"
    samplex = raw.get("samplex")
    if not isinstance(samplex, dict) or not isinstance(samplex.get("samplex_json"), str):
        raise _bad(f"{where}: samplex must be {{ssv, samplex_json}}.")
    arguments = raw.get("samplex_arguments", {})
    if not isinstance(arguments, dict):
        raise _bad(f"{where}: samplex_arguments must be an object.")
    decoded: dict[str, Any] = {}
    for name, value in arguments.items():
        if isinstance(value, bool | int):
            decoded[name] = value
        elif tensors.is_tensor(value):
            decoded[name] = tensors.decode(value, f"{where} samplex argument {name!r}")
        else:  # a Pauli-Lindblad noise map (PEC, PEA): not modelled
            raise _bad(
                f"{where}: samplex argument {name!r} is not a tensor: the emulator does not "
                "model noise (PEC and PEA mitigation); use resilience levels 0 or 1."
            )
    return ProgramItem(
        index,
        circuit,
        source,
        shape,
        samplex_json=samplex["samplex_json"],
        samplex_arguments=decoded,
    )
