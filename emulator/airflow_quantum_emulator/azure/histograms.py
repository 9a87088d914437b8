"""Shot results in Microsoft's formats: ``microsoft.quantum-results.v1`` and ``.v2``.

- v1: ``{"Histogram": ["[0, 1]", 0.5, ...]}``: a flat list of outcome labels and probabilities;
- v2: ``{"DataFormat": ..., "Results": [{"Histogram": [{"Outcome", "Display", "Count"}],
  "Shots": [[0, 1], ...]}]}``.

An outcome is a list of result bits, the first result (qubit 0 of an IonQ circuit) first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from airflow_quantum_emulator.azure.targets import MS_RESULTS_V2

Outcome = tuple[int, ...]


def bits(key: int, width: int) -> Outcome:
    """An integer-encoded basis state as result bits, its least significant bit first."""
    return tuple((key >> i) & 1 for i in range(width))


def display(outcome: Sequence[int]) -> str:
    return "[" + ", ".join(str(bit) for bit in outcome) + "]"


def results_v1(probabilities: Mapping[Outcome, float]) -> dict[str, Any]:
    """The v1 histogram, outcomes in the order of ``probabilities``."""
    flat: list[Any] = []
    for outcome, probability in probabilities.items():
        flat.extend([display(outcome), probability])
    return {"Histogram": flat}


def frequencies(shots: Sequence[Outcome]) -> dict[Outcome, float]:
    counts = Counter(shots)
    return {outcome: count / len(shots) for outcome, count in counts.items()}


def results_v2(shots: Sequence[Outcome]) -> dict[str, Any]:
    counts = Counter(shots)
    histogram = [
        {"Outcome": list(outcome), "Display": display(outcome), "Count": counts[outcome]}
        for outcome in sorted(counts)
    ]
    return {
        "DataFormat": MS_RESULTS_V2,
        "Results": [{"Histogram": histogram, "Shots": [list(outcome) for outcome in shots]}],
    }


def draw(probabilities: Mapping[int, float], shots: int, rng: np.random.Generator) -> list[int]:
    """``shots`` basis states drawn from ``probabilities`` (integer-encoded states)."""
    keys = sorted(probabilities)
    weights = np.array([probabilities[key] for key in keys], dtype=float)
    picks = rng.choice(len(keys), size=shots, p=weights / weights.sum())
    return [keys[i] for i in picks]
