"""The facts of a finished job and the small summary of its result.

The summary is what XCom, an asset event's ``extra`` and the OpenLineage run facet carry when
the whole result lives in object storage: who ran what where, and the headline of the answer
(best solution, top counts, expectation values), bounded in size.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

#: How many outcomes of a histogram the summary keeps (the most frequent).
TOP_OUTCOMES = 8
#: Bound of the headline of a result in the summary (bytes of JSON).
MAX_HIGHLIGHTS_BYTES = 8 * 1024


@dataclass
class JobFacts:
    """What is known about a job once the task has handled it (plain JSON values only)."""

    vendor: str
    job_id: str
    #: The IBM backend or the Azure target.
    backend: str | None = None
    status: str | None = "succeeded"
    #: Shots of the job: an int, or one per pub when an IBM job's pubs differ.
    shots: int | list[int] | None = None
    #: The vendor's usage record (IBM ``usage``, Azure ``usage`` / cost estimate).
    usage: dict[str, Any] | None = None
    results_uri: str | None = None
    raw_results_uri: str | None = None
    #: Seconds from creation to the start of execution (to the end, if it never ran).
    queue_seconds: float | None = None
    #: Seconds of execution.
    run_seconds: float | None = None
    #: IBM: quantum seconds billed (``usage.qpu_charge_time_seconds``).
    quantum_seconds: float | None = None
    #: Azure: the job's cost estimate (``costEstimate.estimatedTotal``) in ``currency``.
    cost: float | None = None
    currency: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The facts that are known (``None`` left out)."""
        return {key: value for key, value in asdict(self).items() if value is not None}


def json_size(value: Any) -> int:
    """Bytes of ``value`` as JSON (what XCom would store)."""
    return len(json.dumps(value, default=str).encode())


def highlights(result: Any) -> dict[str, Any]:
    """The headline of a decoded result, at most ``MAX_HIGHLIGHTS_BYTES`` of JSON.

    Azure (historic) QIO: the best configuration and its cost; IonQ / Microsoft histograms: the
    most probable outcomes; Quantinuum: the top counts of each register; one histogram of
    counts (Braket, Azure's v2 results): its top counts; the resource
    estimator: physical qubits, runtime and code distance; IBM sampler: the top counts of each
    pub; IBM estimator: the expectation values and standard deviations. Anything else: nothing.
    """
    if not isinstance(result, dict):
        return {}
    found: dict[str, Any] = {}
    if "cost" in result:
        found["best"] = {"cost": result["cost"], "configuration": result.get("configuration")}
    if isinstance(result.get("probabilities"), dict):
        found["top_probabilities"] = _top(result["probabilities"])
    counts = result.get("counts")
    if isinstance(counts, dict) and counts:
        if all(isinstance(c, dict) for c in counts.values()):
            found["top_counts"] = {register: _top(c) for register, c in counts.items()}
        elif all(isinstance(c, int) for c in counts.values()):  # one histogram (Braket, ...)
            found["top_counts"] = _top(counts)
    if "physical_qubits" in result:
        found["estimate"] = {
            key: result.get(key) for key in ("physical_qubits", "runtime_ns", "code_distance")
        }
    pubs = [pub for pub in result.get("pub_results") or [] if isinstance(pub, dict)]
    if any(isinstance(pub.get("counts"), dict) for pub in pubs):
        found["top_counts"] = [_top(pub.get("counts") or {}) for pub in pubs]
    if any("evs" in pub for pub in pubs):
        found["evs"] = [pub.get("evs") for pub in pubs]
        found["stds"] = [pub.get("stds") for pub in pubs]
    if json_size(found) > MAX_HIGHLIGHTS_BYTES:
        # A huge configuration or many pubs: keep what is small, say what was left out.
        small = {key: value for key, value in found.items() if json_size(value) <= 1024}
        if "best" in found and "best" not in small:
            small["best"] = {"cost": result["cost"]}
        found = {**small, "highlights_truncated": True}
    return found


def ibm_shots(result: Any) -> int | list[int] | None:
    """Shots of an IBM result: one number, or one per pub when they differ."""
    pubs = result.get("pub_results") if isinstance(result, dict) else None
    shots = []
    for pub in pubs or []:
        value = pub.get("shots") if isinstance(pub, dict) else None
        if value is None and isinstance(pub, dict):
            value = (pub.get("metadata") or {}).get("shots")
        if isinstance(value, int):
            shots.append(value)
    if not shots:
        return None
    return shots[0] if len(set(shots)) == 1 else shots


def _top(histogram: dict[str, Any]) -> dict[str, Any]:
    numeric = [(key, value) for key, value in histogram.items() if isinstance(value, int | float)]
    numeric.sort(key=lambda item: item[1], reverse=True)
    return dict(numeric[:TOP_OUTCOMES])
