"""Search engines behind :mod:`annealer`: exhaustive enumeration and simulated annealing.

Both work on a *spin polynomial* ``E(s) = constant + sum_T a_T prod_{j in T} s_j`` over spins
``s_j`` in {-1, +1} (PUBO problems are converted with ``x = (1 + s) / 2``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

#: Largest number of variables solved by enumerating every configuration.
EXACT_LIMIT = 16


@dataclass
class SpinPolynomial:
    """``constant + sum coefficients[t] * prod(s[j] for j in terms[t])`` over ``num_vars`` spins."""

    num_vars: int
    constant: float
    terms: list[tuple[int, ...]]
    coefficients: list[float]

    def incidence(self) -> int:
        """Total number of (term, variable) pairs: the cost of one full update."""
        return sum(len(term) for term in self.terms)


def enumerate_best(poly: SpinPolynomial, count: int) -> list[list[int]]:
    """The ``count`` lowest-energy spin configurations, by enumerating all 2**n of them."""
    n = poly.num_vars
    spectrum = np.zeros(2**n)
    for term, coefficient in zip(poly.terms, poly.coefficients, strict=True):
        spectrum[sum(1 << j for j in term)] += coefficient
    # Walsh-Hadamard transform: energy[b] = sum_T a_T (-1)^popcount(b & T), spin j = 1 - 2 b_j.
    for bit in range(n):
        view = spectrum.reshape(-1, 2, 1 << bit)
        low, high = view[:, 0, :].copy(), view[:, 1, :]
        view[:, 0, :] += high
        view[:, 1, :] = low - high
    order = np.argsort(spectrum, kind="stable")[:count]
    return [[1 - 2 * ((int(b) >> j) & 1) for j in range(n)] for b in order]


@dataclass
class AnnealSettings:
    """Simulated annealing settings: linear beta schedule over ``sweeps`` sweeps per restart."""

    sweeps: int
    restarts: int
    beta_start: float
    beta_stop: float
    deadline: float  # time.monotonic() after which annealing stops early


def anneal(
    poly: SpinPolynomial,
    settings: AnnealSettings,
    rng: np.random.Generator,
    initial: list[int] | None = None,
) -> list[list[int]]:
    """Final configurations of independent annealing runs, each finished by greedy descent."""
    n = poly.num_vars
    var_terms: list[list[int]] = [[] for _ in range(n)]
    for t, term in enumerate(poly.terms):
        for j in term:
            var_terms[j].append(t)
    step = (settings.beta_stop - settings.beta_start) / max(settings.sweeps - 1, 1)
    results = []
    for restart in range(settings.restarts):
        if restart == 0 and initial is not None:
            spins = list(initial)
        else:
            spins = (1 - 2 * rng.integers(0, 2, size=n)).tolist()
        run = _Run(poly, var_terms, spins)
        for sweep in range(settings.sweeps):
            if time.monotonic() > settings.deadline:
                break
            beta = settings.beta_start + step * sweep
            # Metropolis: accept when delta <= -ln(u) / beta, u uniform in (0, 1].
            thresholds = (-np.log1p(-rng.random(n)) / beta).tolist()
            run.sweep(thresholds)
        run.descend()
        results.append(run.spins)
        if time.monotonic() > settings.deadline:
            break
    return results


class _Run:
    """One annealing run with incrementally maintained term values and flip costs."""

    def __init__(self, poly: SpinPolynomial, var_terms: list[list[int]], spins: list[int]):
        self.terms = poly.terms
        self.coefficients = poly.coefficients
        self.var_terms = var_terms
        self.spins = spins
        self.scale = max((abs(c) for c in poly.coefficients), default=1.0)
        self._recompute()

    def _recompute(self) -> None:
        spins = self.spins
        self.values = [
            c * math.prod(spins[j] for j in term)
            for term, c in zip(self.terms, self.coefficients, strict=True)
        ]
        # Flipping s_j negates every term containing j: delta_j = -2 * sum of those terms.
        self.delta = [-2.0 * sum(self.values[t] for t in ts) for ts in self.var_terms]

    def flip(self, j: int) -> None:
        spins, values, delta, terms = self.spins, self.values, self.delta, self.terms
        spins[j] = -spins[j]
        delta[j] = -delta[j]
        for t in self.var_terms[j]:
            old = values[t]
            values[t] = -old
            change = 4.0 * old
            for k in terms[t]:
                if k != j:
                    delta[k] += change

    def sweep(self, thresholds: list[float]) -> None:
        delta, flip = self.delta, self.flip
        for j, threshold in enumerate(thresholds):
            if delta[j] <= threshold:
                flip(j)

    def descend(self) -> None:
        """Flip downhill while any single flip lowers the energy."""
        self._recompute()
        tolerance = 1e-12 * self.scale
        for _ in range(10 * len(self.spins) + 10):
            improved = False
            for j in range(len(self.spins)):
                if self.delta[j] < -tolerance:
                    self.flip(j)
                    improved = True
            if not improved:
                return
