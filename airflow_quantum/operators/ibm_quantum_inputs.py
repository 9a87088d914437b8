"""Checks of the IBM operators' job options and transpilation level, made before submitting."""

from __future__ import annotations

from typing import Any

from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.clients.ibm import qiskit_interop, transpile, validation

#: The job options of ``run_job`` (besides program, backend, params, session and tags).
JOB_OPTION_CHECKS: dict[str, Any] = {
    "log_level": validation.log_level,
    "max_execution_time": validation.max_execution_time,
    "image": validation.image,
    "private": lambda value: validation.boolean(value, "private"),
    "calibration_id": lambda value: validation.text(value, "calibration_id"),
}


def check_job_options(job_options: Any) -> None:
    """``InvalidInputError`` for job options that are unknown or have a bad value."""
    if not isinstance(job_options, dict):
        raise InvalidInputError("job_options must be a dict")
    unknown = sorted(set(job_options) - set(JOB_OPTION_CHECKS))
    if unknown:
        raise InvalidInputError(
            f"job_options: unknown option(s) {', '.join(unknown)}; "
            f"known: {', '.join(JOB_OPTION_CHECKS)}"
        )
    for name, value in job_options.items():
        if value is not None:
            JOB_OPTION_CHECKS[name](value)


def check_optimization_level(level: Any) -> None:
    """A level of 0-3 or None; with a level, ``MissingExtraError`` naming the ``qiskit`` extra
    when qiskit is not installed (nothing is submitted)."""
    if transpile.optimization_level(level) is not None:
        qiskit_interop.require_qiskit("optimization_level")
