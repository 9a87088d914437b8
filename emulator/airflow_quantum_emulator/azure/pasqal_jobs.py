"""Pasqal Pulser jobs (``pasqal.pulser.v1`` → ``pasqal.pulser-results.v1``).

The input blob is what the official client uploads (``application/json``): a JSON object whose
``sequence_builder`` is the Pulser sequence's abstract representation, itself a JSON string
(an already parsed object is accepted too). ``inputParams``: ``shots`` (today's client) or
``count`` (older clients); with neither, 100 runs (the official client's default). The result
is ``{"counter": {bitstring: count}}`` in Pulser's bit order (first atom first, ``1`` = |r⟩),
which the official client's ``Result`` reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from airflow_quantum_emulator.azure.targets import PASQAL_OUTPUT, Target

DEFAULT_RUNS = 100


def _sequence_document(data: bytes, formats: Any) -> Any:
    payload = formats._json_input(data, "pasqal.pulser.v1")
    if not isinstance(payload, Mapping) or "sequence_builder" not in payload:
        raise formats.InputError(
            "a pasqal.pulser.v1 input is a JSON object with 'sequence_builder' (the Pulser "
            "sequence's abstract representation)"
        )
    builder = payload["sequence_builder"]
    if isinstance(builder, str):
        try:
            return json.loads(builder)
        except ValueError as exc:
            raise formats.InputError(f"sequence_builder is not valid JSON: {exc}") from None
    return builder


def prepare_pasqal(
    target: Target,
    output_format: str,
    data: bytes,
    input_params: Mapping[str, Any],
    seed: int,
    max_qubits: int,
) -> Any:
    """Validate a Pulser job; returns the formats module's ``PreparedJob``."""
    from airflow_quantum_emulator.azure import formats
    from airflow_quantum_emulator.sim import rydberg
    from airflow_quantum_emulator.sim.errors import SimulationError

    if output_format != PASQAL_OUTPUT:
        raise formats.InputError(
            f"a Pulser job on {target.id} writes {PASQAL_OUTPUT}, not {output_format[:60]!r}"
        )
    document = _sequence_document(data, formats)
    limit = min(max_qubits, rydberg.MAX_ATOMS)
    try:
        sequence = rydberg.parse_sequence(document, max_atoms=limit)
        rydberg.substeps(sequence, rydberg.interaction_diagonal(sequence))
    except SimulationError as exc:
        raise formats.InputError(f"Invalid Pulser sequence: {exc}") from None
    if any(input_params.get(name) is not None for name in ("shots", "count")):
        runs = formats.shots_param(input_params, ("shots", "count"))
    else:
        runs = DEFAULT_RUNS

    def compute() -> dict[str, Any]:
        return {"counter": rydberg.sample_counts(sequence, runs, np.random.default_rng(seed))}

    usage = {"shots": runs, "qubits": sequence.num_atoms, "durationNs": sequence.duration_ns}
    return formats.PreparedJob(formats.guarded(compute), quantum_computing_count=1, usage=usage)
