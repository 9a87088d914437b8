"""Counting shots from raw bytes: padding bits, order, and agreement with a per-shot count."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np

from airflow_quantum.clients.ibm.results import decode_result
from airflow_quantum_emulator.ibm import encoding


def _decode(packed: list[list[int]], num_bits: int) -> dict:
    pub = encoding.sampler_pub_result({"c": (np.array(packed, dtype=np.uint8), num_bits)}, [])
    text = json.dumps(encoding.primitive_result([pub]))
    return decode_result(text, bitstrings=True)["pub_results"][0]


def test_shots_differing_only_in_padding_bits_are_one_outcome():
    # 3 bits in one byte: 0b101 with and without garbage in the 5 padding bits.
    pub = _decode([[0b101], [0b11111101], [0b10000101], [0b011]], 3)
    assert pub["counts"] == {"101": 3, "011": 1}
    assert list(pub["counts"]) == ["101", "011"]  # most frequent first, after merging


def test_counts_match_the_bitstrings_shot_by_shot():
    rng = np.random.default_rng(3)
    packed = rng.integers(0, 256, size=(2000, 2)).tolist()
    pub = _decode(packed, 11)
    register = pub["registers"]["c"]
    assert pub["counts"] == register["counts"]
    assert pub["counts"] == dict(Counter(register["bitstrings"]))
    assert all(len(key) == 11 for key in pub["counts"])
    ordered = list(pub["counts"].values())
    assert ordered == sorted(ordered, reverse=True)
