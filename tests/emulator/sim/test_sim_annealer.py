"""QIO problems: validation, cost, exact and annealed solutions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from airflow_quantum_emulator.sim.annealer import QIO_TARGETS, cost, parse_problem, solve
from airflow_quantum_emulator.sim.errors import SimulationError

SA = "microsoft.simulatedannealing.cpu"


def problem(kind: str, terms: list, **extra) -> dict:
    return {"cost_function": {"version": "1.0", "type": kind, "terms": terms, **extra}}


def brute_force(parsed) -> float:
    domain = parsed.domain
    return min(
        cost(parsed, {str(v): x for v, x in zip(parsed.variables, values, strict=True)})
        for values in itertools.product(domain, repeat=len(parsed.variables))
    )


def test_targets():
    assert SA in QIO_TARGETS
    assert "microsoft.paralleltempering-parameterfree.cpu" in QIO_TARGETS
    assert len(QIO_TARGETS) == len(set(QIO_TARGETS)) == 11


def test_cost_ising_and_pubo():
    ising = parse_problem(problem("ising", [{"c": 3, "ids": [0, 1]}, {"c": -2, "ids": [2]}]))
    assert ising.variables == (0, 1, 2)
    assert cost(ising, {"0": 1, "1": -1, "2": 1}) == -5.0
    assert cost(ising, {0: 1, 1: 1, 2: -1}) == 5.0
    pubo = parse_problem(problem("pubo", [{"c": 2, "ids": [0, 5]}, {"c": -1, "ids": [5]}]))
    assert cost(pubo, {"0": 1, "5": 1}) == 1.0
    assert cost(pubo, {"0": 0, "5": 1}) == -1.0


def test_repeated_ids():
    ising = parse_problem(problem("ising", [{"c": 2, "ids": [0, 0]}, {"c": 1, "ids": [0, 0, 1]}]))
    assert cost(ising, {"0": -1, "1": -1}) == 2 - 1  # x*x = 1
    pubo = parse_problem(problem("pubo", [{"c": 2, "ids": [3, 3]}]))
    assert cost(pubo, {"3": 1}) == 2.0  # x*x = x
    assert cost(pubo, {"3": 0}) == 0.0


def test_squared_linear_combinations():
    grouped = parse_problem(
        {
            "cost_function": {
                "version": "1.0",
                "type": "pubo_grouped",
                "terms": [{"c": 1, "ids": [0]}],
                "terms_slc": [
                    {
                        "c": 2,
                        "terms": [{"c": 1, "ids": [0]}, {"c": 1, "ids": [1]}, {"c": -1, "ids": []}],
                    }
                ],
            }
        }
    )
    # 1*x0 + 2*(x0 + x1 - 1)^2: one-hot constraint, x0 penalised -> optimum x1 = 1 only.
    assert cost(grouped, {"0": 1, "1": 1}) == 1 + 2
    result = solve(grouped, SA, {"seed": 1})
    assert result["configuration"] == {"0": 0, "1": 1}
    assert result["cost"] == 0.0


def test_ferromagnetic_chain_small_is_exact():
    parsed = parse_problem(problem("ising", [{"c": -1, "ids": [i, i + 1]} for i in range(9)]))
    result = solve(parsed, SA, {"seed": 3})
    assert result["cost"] == -9.0
    assert set(result["configuration"].values()) in ({1}, {-1})
    assert [s["cost"] for s in result["solutions"][:2]] == [-9.0, -9.0]
    assert result["solutions"][0]["configuration"] == result["configuration"]
    assert len(result["solutions"]) == 5
    costs = [s["cost"] for s in result["solutions"]]
    assert costs == sorted(costs)
    assert len({tuple(s["configuration"].values()) for s in result["solutions"]}) == 5


def test_frustrated_triangle():
    parsed = parse_problem(
        problem("ising", [{"c": 1, "ids": [a, b]} for a, b in ((0, 1), (1, 2), (0, 2))])
    )
    result = solve(parsed, SA, {"seed": 0})
    assert result["cost"] == -1.0
    assert sum(s["cost"] == -1.0 for s in result["solutions"]) == 5  # six degenerate ground states


def test_pubo_unique_optimum_with_sparse_ids():
    terms = [
        {"c": -3, "ids": [10]},
        {"c": 2, "ids": [10, 20]},
        {"c": -1, "ids": [20]},
        {"c": 1.5, "ids": [7, 10, 20]},
        {"c": -1.5, "ids": [7]},
        {"c": 2.5, "ids": [7, 10]},
    ]
    parsed = parse_problem(problem("pubo", terms))
    result = solve(parsed, "microsoft.tabu.cpu", {})
    assert result["cost"] == brute_force(parsed) == -3.0
    assert result["configuration"] == {"7": 0, "10": 1, "20": 0}


def test_random_small_problems_are_exact():
    rng = np.random.default_rng(42)
    for kind in ("ising", "pubo"):
        for _ in range(5):
            terms = [
                {
                    "c": float(rng.normal()),
                    "ids": [int(i) for i in rng.integers(0, 10, size=rng.integers(1, 4))],
                }
                for _ in range(25)
            ]
            parsed = parse_problem(problem(kind, terms))
            result = solve(parsed, SA, {"seed": 1})
            assert result["cost"] == pytest.approx(brute_force(parsed), abs=1e-9)


def planted(n: int, edges: int, seed: int) -> tuple[dict, np.ndarray]:
    """An Ising problem whose ground state is a known random configuration."""
    rng = np.random.default_rng(seed)
    spins = rng.choice([-1, 1], size=n)
    pairs = {tuple(sorted(p)) for p in rng.integers(0, n, size=(edges, 2)) if p[0] != p[1]}
    terms = [{"c": -int(spins[a] * spins[b]), "ids": [int(a), int(b)]} for a, b in sorted(pairs)]
    return problem("ising", terms), spins


def test_annealing_finds_planted_ground_state():
    payload, spins = planted(60, 240, seed=5)
    parsed = parse_problem(payload)
    result = solve(parsed, SA, {"seed": 7, "sweeps": 300, "restarts": 4})
    assert result["cost"] == -len(payload["cost_function"]["terms"])
    found = np.array([result["configuration"][str(v)] for v in parsed.variables])
    expected = spins[list(parsed.variables)]
    assert np.array_equal(found, expected) or np.array_equal(found, -expected)
    assert result["parameters"]["sweeps"] == 300
    assert result["parameters"]["restarts"] == 4


def test_reported_cost_is_recomputed_exactly():
    rng = np.random.default_rng(3)
    terms = [
        {"c": float(rng.normal()) / 3, "ids": [int(i) for i in rng.integers(0, 40, size=2)]}
        for _ in range(150)
    ]
    parsed = parse_problem(problem("ising", terms))
    result = solve(parsed, SA, {"seed": 2, "sweeps": 50})
    assert result["cost"] == cost(parsed, result["configuration"])
    for solution in result["solutions"]:
        assert solution["cost"] == cost(parsed, solution["configuration"])


def test_seed_reproducibility():
    payload, _ = planted(40, 100, seed=9)
    parsed = parse_problem(payload)
    params = {"seed": 123, "sweeps": 20, "restarts": 3, "beta_start": 0.01, "beta_stop": 0.5}
    first, second = solve(parsed, SA, params), solve(parsed, SA, params)
    assert first == second
    assert (
        solve(parsed, SA, {k: v for k, v in params.items() if k != "seed"}, rng_seed=123) == first
    )
    assert first["parameters"]["seed"] == 123
    other = solve(parsed, SA, {**params, "seed": 124})
    assert other["parameters"]["seed"] == 124


def test_parameter_free_and_aliases():
    payload, _ = planted(30, 80, seed=2)
    parsed = parse_problem(payload)
    result = solve(parsed, "microsoft.paralleltempering-parameterfree.cpu", {"seed": 1})
    assert result["cost"] == -len(payload["cost_function"]["terms"])
    assert result["parameters"]["beta_start"] < result["parameters"]["beta_stop"]
    result = solve(parsed, "microsoft.populationannealing.cpu", {"seed": 1, "population": 3})
    assert result["parameters"]["population"] == result["parameters"]["restarts"] == 3
    result = solve(parsed, "microsoft.paralleltempering.cpu", {"seed": 1, "all_betas": [0.2, 1, 3]})
    assert result["parameters"]["restarts"] == 3
    assert (result["parameters"]["beta_start"], result["parameters"]["beta_stop"]) == (0.2, 3.0)


def test_initial_configuration_and_version_1_1():
    payload = problem("pubo", [{"c": 1, "ids": [0]}], initial_configuration={"0": 1})
    payload["cost_function"]["version"] = "1.1"
    parsed = parse_problem(payload)
    assert parsed.initial_configuration == {0: 1}
    assert solve(parsed, SA, {"seed": 1})["configuration"] == {"0": 0}


def test_timeout_bounds_the_work():
    payload, _ = planted(300, 1200, seed=1)
    parsed = parse_problem(payload)
    import time

    start = time.monotonic()
    result = solve(parsed, SA, {"seed": 1, "sweeps": 1_000_000, "timeout": 0.3})
    assert time.monotonic() - start < 15  # a million sweeps would take many minutes
    assert result["cost"] == cost(parsed, result["configuration"])


def test_empty_and_constant_problems():
    empty = parse_problem(problem("ising", []))
    assert solve(empty, SA, {}) | {"parameters": None} == {
        "version": "1.0",
        "configuration": {},
        "cost": 0.0,
        "parameters": None,
        "solutions": [{"configuration": {}, "cost": 0.0}],
    }
    constant = parse_problem(problem("pubo", [{"c": 4, "ids": []}]))
    assert solve(constant, SA, {})["cost"] == 4.0


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "JSON object"),
        ({}, "cost_function"),
        ({"cost_function": {"type": "ising", "terms": []}}, "version"),
        ({"cost_function": {"version": "2.0", "type": "ising", "terms": []}}, "version"),
        ({"cost_function": {"version": "1.0", "type": "qubo", "terms": []}}, "type must be one of"),
        ({"cost_function": {"version": "1.0", "type": "ising"}}, "terms must be a list"),
        (problem("ising", {"c": 1}), "terms must be a list"),
        (problem("ising", [5]), r"terms\[0\] must be an object"),
        (problem("ising", [{"c": 1, "ids": [0]}, {"ids": [0]}]), r"terms\[1\]\.c must be a number"),
        (problem("ising", [{"c": "1", "ids": [0]}]), r"terms\[0\]\.c must be a number"),
        (problem("ising", [{"c": True, "ids": [0]}]), r"terms\[0\]\.c must be a number"),
        (problem("ising", [{"c": float("nan"), "ids": [0]}]), r"terms\[0\]\.c must be finite"),
        (problem("ising", [{"c": float("inf"), "ids": [0]}]), r"terms\[0\]\.c must be finite"),
        (problem("ising", [{"c": 1}]), r"terms\[0\]\.ids must be a list"),
        (problem("ising", [{"c": 1, "ids": [-1]}]), r"terms\[0\]\.ids must be non-negative"),
        (problem("ising", [{"c": 1, "ids": [1.5]}]), r"terms\[0\]\.ids must be non-negative"),
        (problem("ising", [{"c": 1, "ids": ["0"]}]), r"terms\[0\]\.ids must be non-negative"),
        (problem("ising", [], terms_slc=[]), "grouped type"),
        (
            problem("ising_grouped", [], terms_slc=[{"c": 1, "terms": []}]),
            r"terms_slc\[0\]\.terms must not",
        ),
        (
            problem("ising_grouped", [], terms_slc=[{"c": 1}]),
            r"terms_slc\[0\]\.terms must be a list",
        ),
        (
            problem("ising_grouped", [], terms_slc=[{"terms": [{"c": 1, "ids": [0]}]}]),
            r"terms_slc\[0\]\.c",
        ),
        (problem("ising", [], initial_configuration={"0": 0}), "must be -1 or 1"),
        (problem("pubo", [], initial_configuration={"x": 0}), "not a variable id"),
        (problem("pubo", [], initial_configuration=[0]), "must be an object"),
    ],
)
def test_invalid_problems(payload, message):
    with pytest.raises(SimulationError, match=message):
        parse_problem(payload)


def test_invalid_solve_arguments():
    parsed = parse_problem(problem("ising", [{"c": 1, "ids": [0, 1]}]))
    for params, message in [
        ({"sweeps": 0}, "sweeps"),
        ({"restarts": "8"}, "restarts"),
        ({"beta_start": -1}, "beta_start"),
        ({"timeout": 0}, "timeout"),
        ({"seed": -5}, "seed"),
        ({"all_betas": []}, "all_betas"),
    ]:
        with pytest.raises(SimulationError, match=message):
            solve(parsed, SA, params)
    with pytest.raises(SimulationError, match="unknown optimization target"):
        solve(parsed, "microsoft.nope.cpu", {})
    with pytest.raises(SimulationError, match="no value for variable 1"):
        cost(parsed, {"0": 1})
    with pytest.raises(SimulationError, match="variable 0 must be -1 or 1"):
        cost(parsed, {"0": 0, "1": 1})
