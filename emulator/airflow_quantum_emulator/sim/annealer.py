"""Azure Quantum optimization (QIO) problems: ``microsoft.qio.v2`` in, ``microsoft.qio-results.v2``
out.

Simplification: every QIO target (simulated annealing, parallel tempering, tabu, quantum Monte
Carlo, population annealing, substochastic Monte Carlo and their ``-parameterfree`` variants)
runs the same solver:

* problems with at most 16 variables are solved exactly, by enumerating every configuration;
* larger ones by simulated annealing: ``restarts`` independent runs of ``sweeps`` Metropolis
  sweeps with a linear inverse-temperature schedule from ``beta_start`` to ``beta_stop``, each
  run finished by greedy descent. Target-specific parameter names are accepted as aliases
  (``replicas``, ``population``, ``target_population`` -> restarts; ``step_limit`` -> sweeps;
  ``all_betas`` -> beta range and restarts) and echoed in the result's ``parameters``; the other
  target-specific knobs (tabu tenure, Trotter number, ...) are ignored. ``-parameterfree``
  targets without explicit betas pick them from the problem's coefficients.

Higher-order and grouped (``terms_slc``) problems are expanded into a spin polynomial for the
search; reported costs are always recomputed with :func:`cost` on the original problem.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from airflow_quantum_emulator.sim.anneal_engine import (
    EXACT_LIMIT,
    AnnealSettings,
    SpinPolynomial,
    anneal,
    enumerate_best,
)
from airflow_quantum_emulator.sim.errors import SimulationError

_SOLVERS = (
    "simulatedannealing",
    "paralleltempering",
    "tabu",
    "qmc",
    "populationannealing",
    "substochasticmontecarlo",
)
_PARAMETER_FREE = ("simulatedannealing", "paralleltempering", "tabu", "populationannealing",
                   "substochasticmontecarlo")  # fmt: skip
#: Supported QIO target names.
QIO_TARGETS: tuple[str, ...] = tuple(f"microsoft.{name}.cpu" for name in _SOLVERS) + tuple(
    f"microsoft.{name}-parameterfree.cpu" for name in _PARAMETER_FREE
)

PROBLEM_TYPES = ("ising", "pubo", "ising_grouped", "pubo_grouped")
MAX_TERMS = 1_000_000
MAX_TERM_SIZE = 10_000
MAX_EXPANDED_TERMS = 2_000_000
MAX_SOLUTIONS = 5
DEFAULT_SWEEPS = 1000
DEFAULT_RESTARTS = 8
DEFAULT_BETA_START = 0.1
DEFAULT_BETA_STOP = 5.0
DEFAULT_TIMEOUT = 10.0
MAX_TIMEOUT = 60.0
#: Default sweep budget, in units of roughly 0.1 microsecond (see _default_sweeps).
_WORK_BUDGET = 1.2e7

Term = tuple[float, tuple[int, ...]]


@dataclass(frozen=True)
class Problem:
    """A validated cost function.

    ``kind`` is ``ising`` (variables in {-1, +1}) or ``pubo`` ({0, 1}); ``terms`` are
    (coefficient, ids) as given; ``slc_terms`` are (coefficient, terms) for squared linear
    combinations ``c * (sum_k c_k prod x)**2``; ``variables`` are the sorted distinct ids.
    """

    kind: str
    type: str
    version: str
    terms: tuple[Term, ...]
    slc_terms: tuple[tuple[float, tuple[Term, ...]], ...]
    variables: tuple[int, ...]
    initial_configuration: dict[int, int] | None = None

    @property
    def domain(self) -> tuple[int, int]:
        """The two values a variable can take."""
        return (-1, 1) if self.kind == "ising" else (0, 1)


def parse_problem(payload: Mapping) -> Problem:
    """Validate a ``microsoft.qio.v2`` payload; raises SimulationError saying what is wrong."""
    if not isinstance(payload, Mapping):
        raise SimulationError("the problem must be a JSON object")
    function = payload.get("cost_function")
    if not isinstance(function, Mapping):
        raise SimulationError("the problem needs a 'cost_function' object")
    version = function.get("version")
    if version not in ("1.0", "1.1"):
        raise SimulationError(f"cost_function.version must be '1.0' or '1.1', got {version!r:.40}")
    kind = function.get("type")
    if kind not in PROBLEM_TYPES:
        raise SimulationError(
            f"cost_function.type must be one of {', '.join(PROBLEM_TYPES)}, got {kind!r:.40}"
        )
    grouped = kind.endswith("_grouped")
    raw_slc = function.get("terms_slc")
    if raw_slc is not None and not grouped:
        raise SimulationError(f"terms_slc needs a grouped type ('{kind}_grouped')")
    raw_terms = function.get("terms", [] if raw_slc is not None else None)
    terms = _terms(raw_terms, "cost_function.terms")
    slc_terms: list[tuple[float, tuple[Term, ...]]] = []
    if raw_slc is not None:
        if not isinstance(raw_slc, list):
            raise SimulationError("cost_function.terms_slc must be a list")
        for i, group in enumerate(raw_slc):
            where = f"cost_function.terms_slc[{i}]"
            if not isinstance(group, Mapping):
                raise SimulationError(f"{where} must be an object with 'c' and 'terms'")
            inner = _terms(group.get("terms"), f"{where}.terms")
            if not inner:
                raise SimulationError(f"{where}.terms must not be empty")
            slc_terms.append((_coefficient(group.get("c"), where), inner))
    if len(terms) + sum(len(g) for _, g in slc_terms) > MAX_TERMS:
        raise SimulationError(f"the problem has more than {MAX_TERMS} terms")
    ids = {i for _, term_ids in terms for i in term_ids}
    ids.update(i for _, group in slc_terms for _, term_ids in group for i in term_ids)
    base_kind = kind.removesuffix("_grouped")
    initial = _initial_configuration(function.get("initial_configuration"), base_kind)
    return Problem(
        kind=base_kind,
        type=kind,
        version=version,
        terms=terms,
        slc_terms=tuple(slc_terms),
        variables=tuple(sorted(ids)),
        initial_configuration=initial,
    )


def cost(problem: Problem, configuration: Mapping) -> float:
    """The cost of a configuration ({"<id>": value}, int keys accepted too)."""
    if not isinstance(configuration, Mapping):
        raise SimulationError("a configuration must be an object mapping variable ids to values")
    values: dict[int, int] = {}
    for var in problem.variables:
        value = configuration.get(str(var), configuration.get(var))
        if value is None:
            raise SimulationError(f"the configuration has no value for variable {var}")
        if (
            isinstance(value, bool)
            or not isinstance(value, Integral)
            or value not in problem.domain
        ):
            raise SimulationError(
                f"variable {var} must be {' or '.join(map(str, problem.domain))}, got {value!r:.20}"
            )
        values[var] = int(value)
    total = 0.0
    for c, ids in problem.terms:
        total += c * math.prod(values[i] for i in ids)
    for c, group in problem.slc_terms:
        linear = 0.0
        for ck, ids in group:
            linear += ck * math.prod(values[i] for i in ids)
        total += c * linear * linear
    return float(total)


def solve(
    problem: Problem, target: str, params: Mapping | None = None, rng_seed: int | None = None
) -> dict:
    """Minimise the cost; returns a ``microsoft.qio-results.v2`` document.

    ``params`` are the job's solver parameters (``sweeps``, ``restarts``, ``beta_start``,
    ``beta_stop``, ``seed``, ``timeout`` and aliases); ``rng_seed`` is used when no ``seed`` is.
    """
    if target not in QIO_TARGETS:
        raise SimulationError(f"unknown optimization target {target!r:.60}")
    settings, reported = _settings(problem, target, params or {}, rng_seed)
    poly = _spin_polynomial(problem)
    if poly.num_vars <= EXACT_LIMIT:
        candidates = enumerate_best(poly, 4 * MAX_SOLUTIONS)
    else:
        if settings["auto_betas"]:
            settings["beta_start"], settings["beta_stop"] = _auto_betas(poly)
            reported["beta_start"], reported["beta_stop"] = (
                settings["beta_start"],
                settings["beta_stop"],
            )
        sweeps = settings["sweeps"] or _default_sweeps(poly, settings["restarts"])
        reported["sweeps"] = sweeps
        anneal_settings = AnnealSettings(
            sweeps=sweeps,
            restarts=settings["restarts"],
            beta_start=settings["beta_start"],
            beta_stop=settings["beta_stop"],
            deadline=time.monotonic() + settings["timeout"],
        )
        rng = np.random.default_rng(settings["seed"])
        candidates = anneal(poly, anneal_settings, rng, _initial_spins(problem, rng))
    solutions: dict[tuple[int, ...], float] = {}
    for spins in candidates:
        values = tuple(s if problem.kind == "ising" else (1 + s) // 2 for s in spins)
        if values not in solutions:
            solutions[values] = cost(problem, _configuration(problem, values))
    ranked = sorted(solutions.items(), key=lambda item: item[1])[:MAX_SOLUTIONS]
    best_values, best_cost = ranked[0]
    return {
        "version": "1.0",
        "configuration": _configuration(problem, best_values),
        "cost": best_cost,
        "parameters": reported,
        "solutions": [
            {"configuration": _configuration(problem, values), "cost": value}
            for values, value in ranked
        ],
    }


# -- validation ---------------------------------------------------------------------------------


def _coefficient(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise SimulationError(f"{where}.c must be a number, got {value!r:.40}")
    if not math.isfinite(value):
        raise SimulationError(f"{where}.c must be finite, got {value}")
    return float(value)


def _terms(raw: object, where: str) -> tuple[Term, ...]:
    if not isinstance(raw, list):
        raise SimulationError(f"{where} must be a list of terms")
    if len(raw) > MAX_TERMS:
        raise SimulationError(f"{where} has more than {MAX_TERMS} terms")
    terms = []
    for i, term in enumerate(raw):
        at = f"{where}[{i}]"
        if not isinstance(term, Mapping):
            raise SimulationError(f"{at} must be an object with 'c' and 'ids'")
        coefficient = _coefficient(term.get("c"), at)
        ids = term.get("ids")
        if not isinstance(ids, list):
            raise SimulationError(f"{at}.ids must be a list of variable ids")
        if len(ids) > MAX_TERM_SIZE:
            raise SimulationError(f"{at}.ids has more than {MAX_TERM_SIZE} ids")
        for var in ids:
            if isinstance(var, bool) or not isinstance(var, Integral) or not 0 <= var < 2**63:
                raise SimulationError(f"{at}.ids must be non-negative integers, got {var!r:.40}")
        terms.append((coefficient, tuple(int(v) for v in ids)))
    return tuple(terms)


def _initial_configuration(raw: object, kind: str) -> dict[int, int] | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise SimulationError("cost_function.initial_configuration must be an object")
    domain = (-1, 1) if kind == "ising" else (0, 1)
    initial = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not key.isdigit() or len(key) > 19:
            raise SimulationError(f"initial_configuration key {key!r:.40} is not a variable id")
        if isinstance(value, bool) or not isinstance(value, Integral) or value not in domain:
            raise SimulationError(
                f"initial_configuration[{key!r}] must be {domain[0]} or {domain[1]}, "
                f"got {value!r:.20}"
            )
        initial[int(key)] = int(value)
    return initial


_ALIASES = {
    "replicas": "restarts",
    "population": "restarts",
    "target_population": "restarts",
    "step_limit": "sweeps",
}


def _settings(problem: Problem, target: str, params: Mapping, rng_seed: int | None):
    """Effective settings (for the solver) and the parameters reported back."""
    if not isinstance(params, Mapping):
        raise SimulationError("solver parameters must be an object")
    reported: dict[str, object] = {}
    values = dict(params)
    for alias, name in _ALIASES.items():
        if alias in values and name not in values:
            values[name] = values[alias]
    betas = values.get("all_betas")
    if betas is not None:
        if not isinstance(betas, list) or not betas:
            raise SimulationError("all_betas must be a non-empty list of numbers")
        checked = [_positive(b, "all_betas") for b in betas]
        values.setdefault("beta_start", min(checked))
        values.setdefault("beta_stop", max(checked))
        values.setdefault("restarts", len(checked))
        reported["all_betas"] = checked
    sweeps = _count(values.get("sweeps"), "sweeps", 10_000_000)
    restarts = _count(values.get("restarts"), "restarts", 1_000) or DEFAULT_RESTARTS
    explicit_betas = "beta_start" in values or "beta_stop" in values
    beta_start = _positive(values.get("beta_start", DEFAULT_BETA_START), "beta_start")
    beta_stop = _positive(values.get("beta_stop", DEFAULT_BETA_STOP), "beta_stop")
    timeout = _positive(values.get("timeout", DEFAULT_TIMEOUT), "timeout")
    seed = values.get("seed", rng_seed)
    if seed is None:
        seed = int(np.random.default_rng().integers(2**31))
    if isinstance(seed, bool) or not isinstance(seed, Integral) or not 0 <= seed < 2**63:
        raise SimulationError(f"seed must be a non-negative integer, got {seed!r:.40}")
    reported.update(
        sweeps=sweeps or DEFAULT_SWEEPS,
        restarts=restarts,
        beta_start=beta_start,
        beta_stop=beta_stop,
        seed=int(seed),
        timeout=timeout,
    )
    for alias, name in _ALIASES.items():
        if alias in params:
            reported[alias] = reported[name]
    settings = {
        "sweeps": sweeps,
        "restarts": restarts,
        "beta_start": beta_start,
        "beta_stop": beta_stop,
        "timeout": min(timeout, MAX_TIMEOUT),
        "seed": int(seed),
        "auto_betas": target.endswith("-parameterfree.cpu") and not explicit_betas,
    }
    return settings, reported


def _count(value: object, name: str, limit: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral) or not 1 <= value <= limit:
        raise SimulationError(f"{name} must be an integer between 1 and {limit}, got {value!r:.40}")
    return int(value)


def _positive(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise SimulationError(f"{name} must be a finite number, got {value!r:.40}")
    if value <= 0:
        raise SimulationError(f"{name} must be positive, got {value}")
    return float(value)


# -- search -------------------------------------------------------------------------------------


def _spin_polynomial(problem: Problem) -> SpinPolynomial:
    """Rewrite the cost over spins s_j = +-1 (x_j = (1 + s_j) / 2 for PUBO), merging terms."""
    index = {var: j for j, var in enumerate(problem.variables)}
    poly: dict[frozenset[int], float] = {}

    def monomial(ids: tuple[int, ...]) -> dict[frozenset[int], float]:
        if problem.kind == "ising":  # s * s = 1: keep the ids seen an odd number of times
            odd: set[int] = set()
            for var in ids:
                odd ^= {index[var]}
            return {frozenset(odd): 1.0}
        variables = sorted({index[var] for var in ids})  # x * x = x
        if len(variables) > 20:
            raise SimulationError(f"PUBO terms of order {len(variables)} are too large to solve")
        weight = 0.5 ** len(variables)
        return {
            frozenset(subset): weight
            for size in range(len(variables) + 1)
            for subset in itertools.combinations(variables, size)
        }

    def add(target: dict[frozenset[int], float], expansion: dict, factor: float) -> None:
        for key, value in expansion.items():
            target[key] = target.get(key, 0.0) + factor * value
        if len(target) > MAX_EXPANDED_TERMS:
            raise SimulationError("the problem is too large to solve once expanded")

    for c, ids in problem.terms:
        add(poly, monomial(ids), c)
    for c, group in problem.slc_terms:
        linear: dict[frozenset[int], float] = {}
        for ck, ids in group:
            add(linear, monomial(ids), ck)
        if len(linear) ** 2 > MAX_EXPANDED_TERMS:
            raise SimulationError("a squared linear combination is too large to solve")
        for (left, a), (right, b) in itertools.product(linear.items(), repeat=2):
            key = left ^ right
            poly[key] = poly.get(key, 0.0) + c * a * b
        if len(poly) > MAX_EXPANDED_TERMS:
            raise SimulationError("the problem is too large to solve once expanded")
    constant = poly.pop(frozenset(), 0.0)
    items = [(tuple(sorted(key)), value) for key, value in poly.items() if value != 0.0]
    return SpinPolynomial(
        num_vars=len(problem.variables),
        constant=constant,
        terms=[term for term, _ in items],
        coefficients=[value for _, value in items],
    )


def _default_sweeps(poly: SpinPolynomial, restarts: int) -> int:
    """1000 sweeps for up to 200 variables, fewer for big problems (about 1-2 s of work)."""
    # Measured cost of a sweep: ~1 unit per variable (a proposal) + ~1/20 per term incidence
    # (the updates after accepted flips).
    work = restarts * (poly.num_vars + poly.incidence() / 20)
    if poly.num_vars <= 200 and work * DEFAULT_SWEEPS <= 2 * _WORK_BUDGET:
        return DEFAULT_SWEEPS
    return max(10, min(DEFAULT_SWEEPS, int(_WORK_BUDGET / max(work, 1))))


def _auto_betas(poly: SpinPolynomial) -> tuple[float, float]:
    """Betas from the problem's scale: start hot (worst flip accepted half the time), end cold."""
    weights = [abs(c) for c in poly.coefficients if c]
    if not weights:
        return DEFAULT_BETA_START, DEFAULT_BETA_STOP
    field = [0.0] * poly.num_vars
    for term, c in zip(poly.terms, poly.coefficients, strict=True):
        for j in term:
            field[j] += abs(c)
    beta_start = math.log(2) / (2 * max(field))
    beta_stop = math.log(100) / (2 * min(weights))
    return beta_start, max(beta_stop, beta_start)


def _initial_spins(problem: Problem, rng: np.random.Generator) -> list[int] | None:
    if not problem.initial_configuration:
        return None
    spins = []
    for var in problem.variables:
        value = problem.initial_configuration.get(var)
        if value is None:
            spins.append(int(rng.choice((-1, 1))))
        else:
            spins.append(value if problem.kind == "ising" else 2 * value - 1)
    return spins


def _configuration(problem: Problem, values: tuple[int, ...]) -> dict[str, int]:
    return {str(var): value for var, value in zip(problem.variables, values, strict=True)}
