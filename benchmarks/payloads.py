"""Result payloads for the decoding benchmark, in each vendor's wire format.

Built with the emulator's own encoders (numpy), so the bytes are what the service sends.
Shots are uniformly random: nearly every shot is a distinct bitstring, the worst case for
turning shots into counts.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from airflow_quantum_emulator.ibm import encoding


def _packed_shots(rng: np.random.Generator, shots: int, num_bits: int) -> np.ndarray:
    """``shots`` random values of ``num_bits`` bits, packed big-endian as a BitArray stores them."""
    width = (num_bits + 7) // 8
    values = rng.integers(0, 1 << num_bits, size=shots, dtype=np.uint64)
    as_bytes = values.astype(">u8").view(np.uint8).reshape(shots, 8)
    return np.ascontiguousarray(as_bytes[:, 8 - width :])


def ibm_sampler(pubs: int, shots: int, num_bits: int, seed: int = 1) -> str:
    """A ``PrimitiveResult`` of ``pubs`` sampler pubs, one register ``c`` each, as JSON text."""
    rng = np.random.default_rng(seed)
    results = [
        encoding.sampler_pub_result(
            {"c": (_packed_shots(rng, shots, num_bits), num_bits)},
            shape=[],
            metadata={"circuit_metadata": {}},
        )
        for _ in range(pubs)
    ]
    return json.dumps(encoding.primitive_result(results, {"version": 2}))


def azure_qio(variables: int, solutions: int = 10, seed: int = 1) -> str:
    """A ``microsoft.qio-results.v2`` output with ``variables``-spin configurations, as JSON."""
    rng = np.random.default_rng(seed)

    def configuration() -> dict[str, int]:
        spins = rng.choice([-1, 1], size=variables)
        return {str(index): int(spin) for index, spin in enumerate(spins)}

    found: list[dict[str, Any]] = [
        {"configuration": configuration(), "cost": float(-variables + i)} for i in range(solutions)
    ]
    return json.dumps(
        {
            "version": "1.0",
            "configuration": found[0]["configuration"],
            "cost": found[0]["cost"],
            "solutions": found,
            "parameters": {"beta_start": 0.1, "beta_stop": 1.0, "restarts": 72, "sweeps": 1000},
        }
    )
