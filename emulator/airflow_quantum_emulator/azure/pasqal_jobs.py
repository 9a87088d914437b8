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

from airflow_quantum_emulator.azure.format_support import guarded, json_input, shots_param
from airflow_quantum_emulator.azure.formats import InputError, JobInput, PreparedJob, register
from airflow_quantum_emulator.azure.targets import PASQAL_INPUT, PASQAL_OUTPUT
from airflow_quantum_emulator.sim import rydberg
from airflow_quantum_emulator.sim.errors import SimulationError

DEFAULT_RUNS = 100


def _sequence_document(data: bytes) -> Any:
    payload = json_input(data, PASQAL_INPUT)
    if not isinstance(payload, Mapping) or "sequence_builder" not in payload:
        raise InputError(
            "a pasqal.pulser.v1 input is a JSON object with 'sequence_builder' (the Pulser "
            "sequence's abstract representation)"
        )
    builder = payload["sequence_builder"]
    if isinstance(builder, str):
        try:
            return json.loads(builder)
        except ValueError as exc:
            raise InputError(f"sequence_builder is not valid JSON: {exc}") from None
    return builder


@register(PASQAL_INPUT)
def prepare_pasqal(job: JobInput) -> PreparedJob:
    job.require_output(PASQAL_OUTPUT)
    document = _sequence_document(job.data)
    limit = min(job.qubit_limit, rydberg.MAX_ATOMS)
    try:
        sequence = rydberg.parse_sequence(document, max_atoms=limit)
        rydberg.substeps(sequence, rydberg.interaction_diagonal(sequence))
    except SimulationError as exc:
        raise InputError(f"Invalid Pulser sequence: {exc}") from None
    if any(job.params.get(name) is not None for name in ("shots", "count")):
        runs = shots_param(job.params, ("shots", "count"))
    else:
        runs = DEFAULT_RUNS

    def compute() -> dict[str, Any]:
        return {"counter": rydberg.sample_counts(sequence, runs, np.random.default_rng(job.seed))}

    usage = {"shots": runs, "qubits": sequence.num_atoms, "durationNs": sequence.duration_ns}
    return PreparedJob(guarded(compute), quantum_computing_count=1, usage=usage)
