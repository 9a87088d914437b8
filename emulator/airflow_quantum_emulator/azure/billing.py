"""A finished job's ``costEstimate``, from the providers' published price rules.

The shapes are those of real jobs (the official client's recorded sessions): one event per
billing dimension with ``dimensionId``, ``dimensionName``, ``measureUnit``, ``amountBilled``,
``amountConsumed`` and ``unitPrice``, then ``currencyCode`` and ``estimatedTotal``.

- IonQ QPUs: ``gs1q``/``gs2q`` gate-shots at 0.000220 / 0.000975 USD, plus the minimum per
  program (97.50 USD, 12.4166 USD with ``"error-mitigation": {"debias": false}``); a gate on
  ``N > 2`` qubits is billed as ``6 * (N - 2)`` two-qubit gates (pricing page, Dec 2024).
  The simulator bills nothing.
- Quantinuum: ``hqc`` (QPUs) or ``ehqc`` (emulators) credits,
  ``5 + shots * (N1q + 10 N2q + 5 Nm) / 5000``; syntax checkers ``hqc`` 0 (recorded). Credits
  are bought by subscription: ``unitPrice`` 0, as in real jobs.
- Rigetti: ``qpu_time_centiseconds`` (10 ms steps of QPU time, rounded up; the QVM none);
  Pasqal: ``compute-time-emu`` / ``compute-time-qpu`` in hours. Their prices are not modelled
  (``unitPrice`` 0), as the provider's own estimate (``airflow_quantum``) has no formula for
  them either.
- The estimator: no events; the retired optimization solvers: ``jobhours``.
"""

from __future__ import annotations

import math
from typing import Any

from airflow_quantum_emulator.azure.store import AzureJob
from airflow_quantum_emulator.azure.targets import Target

IONQ_PRICE_1Q = 0.000220
IONQ_PRICE_2Q = 0.000975
IONQ_MINIMUM = 97.5
IONQ_MINIMUM_UNMITIGATED = 12.4166


def quantinuum_credits(usage: dict[str, Any]) -> float:
    """H-System Quantum Credits of a job: 5 + shots * (N1q + 10 N2q + 5 Nmeas) / 5000."""
    weighted = (
        usage.get("oneQubitGates", 0)
        + 10 * usage.get("multiQubitGates", 0)
        + 5 * usage.get("measurements", 0)
    )
    return 5 + usage.get("shots", 0) * weighted / 5000


def cost_estimate(record: AzureJob, target: Target | None, ran_seconds: float) -> dict[str, Any]:
    """The ``costEstimate`` of ``record``, a job that ran ``ran_seconds`` on ``target``."""
    usage = record.usage
    extra = 0.0
    if target is None or target.family == "qio":
        events = [_event("jobhours", "Job Hours", "Hours", ran_seconds / 3600, 0.0)]
    elif target.family == "ionq":
        events, extra = _ionq(record, target)
    elif target.family == "quantinuum":
        checker = target.id.endswith("sc")
        credits = 0.0 if checker else round(quantinuum_credits(usage), 2)
        dimension = "ehqc" if target.simulator and not checker else "hqc"
        events = [_event(dimension, dimension.upper(), "hqc", credits, 0.0)]
    elif target.family == "rigetti":
        steps = 0 if target.simulator else math.ceil(ran_seconds * 100)
        events = [
            _event("qpu_time_centiseconds", "QPU Execution Time", "10ms (rounded up)", steps, 0.0)
        ]
    elif target.family == "pasqal":
        hours = round(ran_seconds / 3600, 4)
        events = [
            _event(
                "compute-time-emu",
                "Compute Time on HPC-based Emulators",
                "per hour",
                hours if target.simulator else 0.0,
                0.0,
            ),
            _event(
                "compute-time-qpu",
                "Compute Time on QPU",
                "per hour",
                0.0 if target.simulator else hours,
                0.0,
            ),
        ]
    else:  # the resource estimator is free
        events = []
    total = extra + sum(event["amountBilled"] * event["unitPrice"] for event in events)
    return {"currencyCode": "USD", "events": events, "estimatedTotal": round(total, 4)}


def _ionq(record: AzureJob, target: Target) -> tuple[list[dict[str, Any]], float]:
    usage = record.usage
    shots = usage.get("shots", 0) if not target.simulator else 0
    one = shots * usage.get("oneQubitGates", 0)
    two = shots * usage.get("billedTwoQubitGates", usage.get("multiQubitGates", 0))
    price_1q, price_2q = (0.0, 0.0) if target.simulator else (IONQ_PRICE_1Q, IONQ_PRICE_2Q)
    events = [
        _event("gs1q", "1Q Gate Shot", "1q gate shot", one, price_1q),
        _event("gs2q", "2Q Gate Shot", "2q gate shot", two, price_2q),
    ]
    if target.simulator:
        return events, 0.0
    mitigation = (record.input_params or {}).get("error-mitigation")
    off = isinstance(mitigation, dict) and mitigation.get("debias") is False
    return events, IONQ_MINIMUM_UNMITIGATED if off else IONQ_MINIMUM


def _event(dimension: str, name: str, unit: str, amount: float, price: float) -> dict[str, Any]:
    return {
        "dimensionId": dimension,
        "dimensionName": name,
        "measureUnit": unit,
        "amountBilled": amount,
        "amountConsumed": amount,
        "unitPrice": price,
    }
