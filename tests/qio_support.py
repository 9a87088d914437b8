"""The stored result of a historic QIO job: what the retired solvers left, planted with it.

The emulator runs no QIO solver (QIO is retired; the service only serves old results), so a
test plants a historic job with the result a solver would have stored: the exact optimum of
the problem, found here by brute force, in the ``microsoft.qio-results.v2`` shape.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any


def problem_cost(problem: Mapping[str, Any], configuration: Mapping[str, int]) -> float:
    """The cost of ``configuration`` (spin or bit values keyed by variable id as a string)."""
    total = 0.0
    for term in problem["cost_function"]["terms"]:
        product = term["c"]
        for variable in term["ids"]:
            product *= configuration[str(variable)]
        total += product
    return total


def stored_qio_result(
    problem: Mapping[str, Any], input_params: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The optimum of ``problem`` (ising: spins +-1, pubo: bits 0/1) as a stored result."""
    values = (-1, 1) if problem["cost_function"]["type"] == "ising" else (0, 1)
    variables = sorted({v for term in problem["cost_function"]["terms"] for v in term["ids"]})
    best: dict[str, Any] | None = None
    for assignment in itertools.product(values, repeat=len(variables)):
        configuration = {str(v): x for v, x in zip(variables, assignment, strict=True)}
        cost = problem_cost(problem, configuration)
        if best is None or cost < best["cost"]:
            best = {"configuration": configuration, "cost": cost}
    assert best is not None, "a problem has terms"
    params = dict(input_params or {})
    params = dict(params.get("params") or {}) if "params" in params else params
    return {"version": "1.0", **best, "parameters": params, "solutions": [best]}
