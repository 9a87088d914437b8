"""IonQ circuit jobs (``ionq.circuit.v1``): JSON gate lists on the IonQ targets.

The result is ``ionq.quantum-results.v1`` (``{"histogram": {"3": 0.5, ...}}``: exact
probabilities on the simulator, shot frequencies on a QPU) or a Microsoft results format.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from airflow_quantum_emulator.azure import histograms
from airflow_quantum_emulator.azure.format_support import (
    check_width,
    gate_counts,
    guarded,
    json_input,
    shots_param,
)
from airflow_quantum_emulator.azure.formats import InputError, JobInput, PreparedJob, register
from airflow_quantum_emulator.azure.targets import IONQ_INPUT, MS_RESULTS_V1, MS_RESULTS_V2
from airflow_quantum_emulator.sim.errors import SimulationError
from airflow_quantum_emulator.sim.ionq import ionq_probabilities, parse_ionq_circuit


@register(IONQ_INPUT)
def prepare_ionq(job: JobInput) -> PreparedJob:
    payload = json_input(job.data, IONQ_INPUT)
    try:
        circuit = parse_ionq_circuit(payload)
    except SimulationError as exc:
        raise InputError(f"Invalid IonQ circuit: {exc}") from None
    target, width = job.target, circuit.num_qubits
    check_width(width, job.qubit_limit, target.id)
    shots = shots_param(job.params, maximum=target.max_shots)

    def compute() -> dict[str, Any]:
        probabilities = ionq_probabilities(circuit)
        rng = np.random.default_rng(job.seed)
        if job.output_format == MS_RESULTS_V2:
            drawn = histograms.draw(probabilities, shots, rng)
            return histograms.results_v2([histograms.bits(key, width) for key in drawn])
        if not target.simulator:
            drawn = histograms.draw(probabilities, shots, rng)
            probabilities = {key: count / shots for key, count in Counter(drawn).items()}
        ordered = sorted(probabilities)
        if job.output_format == MS_RESULTS_V1:
            return histograms.results_v1(
                {histograms.bits(key, width): probabilities[key] for key in ordered}
            )
        return {"histogram": {str(key): probabilities[key] for key in ordered}}

    return PreparedJob(
        guarded(compute),
        quantum_computing_count=1,
        usage={"shots": shots, "qubits": width, **gate_counts(circuit)},
    )
