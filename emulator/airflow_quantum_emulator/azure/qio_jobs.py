"""Optimization problems (``microsoft.qio.v2``) of the retired QIO solvers: historic jobs only.

The service no longer accepts them (``targets.RETIRED``); the control route that plants the
jobs that ran before the retirement (``historic``) computes their results here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_quantum_emulator.azure.format_support import guarded, json_input
from airflow_quantum_emulator.azure.formats import InputError, JobInput, PreparedJob, register
from airflow_quantum_emulator.azure.targets import QIO_INPUT
from airflow_quantum_emulator.sim import annealer
from airflow_quantum_emulator.sim.errors import SimulationError


def qio_params(input_params: Mapping[str, Any]) -> dict[str, Any]:
    """Solver parameters: ``{"params": {...}}`` (the official client) or the flat object."""
    if "params" in input_params:
        params = input_params["params"]
        if params is None:
            return {}
        if not isinstance(params, Mapping):
            raise InputError("inputParams.params must be a JSON object of solver parameters")
        return dict(params)
    return dict(input_params)


@register(QIO_INPUT)
def prepare_qio(job: JobInput) -> PreparedJob:
    payload = json_input(job.data, QIO_INPUT)
    params = qio_params(job.params)
    try:
        problem = annealer.parse_problem(payload)
    except SimulationError as exc:
        raise InputError(f"Invalid problem: {exc}") from None
    # Solver parameters are checked by the solver: like the service, a bad one fails the job
    # with errorData {"code": "InvalidInputData", "message": "Invalid job params: ..."}.
    target_id, seed = job.target.id, job.seed
    return PreparedJob(
        guarded(lambda: annealer.solve(problem, target_id, params, seed), "Invalid job params: "),
        usage={"terms": len(problem.terms), "variables": len(problem.variables)},
    )
