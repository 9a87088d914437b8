"""What an Azure Quantum job would cost, from the providers' published price rules: one table
(``DEFAULT_RULES``), first match wins, dated by ``PRICES_AS_OF`` and sourced by ``PRICES_SOURCE``;
a ``prices`` mapping (connection extra, then the operator's) overrides fields of ``PriceRule`` by
target pattern (``fnmatch``). The spending guide shows the table.

- IonQ QPUs: ``m + 0.000220 * N1q * C + 0.000975 * N2q * C`` USD, ``m`` = 97.50 with error
  mitigation on (the default), 12.4166 with ``"error-mitigation": {"debias": false}`` (the
  pricing page adds the minimum; the official ``IonQ.estimate_cost``, removed in
  azure-quantum-python 035acc6e, Oct 2024, took ``max(price, minimum)``).
- Quantinuum: ``HQC = 5 + C * (N1q + 10 * N2q + 5 * Nm) / 5000`` (``Quantinuum.estimate_cost``
  before 035acc6e), eHQC on emulators, syntax checkers free. Credits come with a subscription:
  without a ``price_per_hqc`` the estimate is in ``HQC``/``EHQC``.
- Free: ``ionq.simulator``, ``rigetti.sim.qvm``, ``microsoft.estimator``.
- Rigetti QPUs (10 ms steps of QPU time) and Pasqal (hours of QPU or emulator time) bill what
  is not known before the job runs: their estimate says so (``priced`` false) rather than guess.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_quantum.clients.azure import inputs
from airflow_quantum.clients.azure.prepared import AzurePreparedJob
from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.spending.azure_counting import (
    CannotCount,
    GateCounts,
    ionq_counts,
    qasm2_counts,
    qir_counts,
)

PRICES_AS_OF = "2024-12-05"
PRICES_SOURCE = (
    "https://learn.microsoft.com/azure/quantum/pricing (ms.date 2024-12-05); "
    "azure-quantum-python 035acc6e^ azure/quantum/target/ionq.py and quantinuum.py"
)
#: Currency of the price table (Azure Quantum's published prices are in USD).
DEFAULT_CURRENCY = "USD"
GATE_SHOTS, CREDITS, FREE, UNPRICED = "gate_shots", "hqc", "free", "unpriced"


@dataclass(frozen=True)
class PriceRule:
    """How the targets matching one pattern bill a job.

    :param model: ``gate_shots`` (IonQ), ``hqc`` (Quantinuum credits), ``free`` or
        ``unpriced`` (no public formula from the program).
    :param price_1q: / ``price_2q``: currency per one-/two-qubit gate-shot (``gate_shots``).
    :param minimum: / ``minimum_unmitigated``: added per program, with error mitigation on/off.
    :param credit: ``HQC`` or ``EHQC`` (``hqc``); ``price_per_hqc``: currency per credit, when
        known (else the estimate is in credits).
    :param currency: the currency of the prices.
    :param quota_dimensions: the quota dimensions a job of these targets uses up (``None``:
        every dimension of the target's provider).
    :param note: why (free, or no formula).
    """

    model: str
    price_1q: float = 0.0
    price_2q: float = 0.0
    minimum: float = 0.0
    minimum_unmitigated: float = 0.0
    credit: str = "HQC"
    price_per_hqc: float | None = None
    currency: str = DEFAULT_CURRENCY
    quota_dimensions: tuple[str, ...] | None = None
    note: str = ""


DEFAULT_RULES: tuple[tuple[str, PriceRule], ...] = (
    ("ionq.simulator", PriceRule(FREE, quota_dimensions=(), note="IonQ's simulator is free")),
    ("ionq.qpu*", PriceRule(GATE_SHOTS, 0.000220, 0.000975, 97.5, 12.4166)),
    (
        "quantinuum.sim.*sc",
        PriceRule(FREE, quota_dimensions=(), note="Quantinuum's syntax checkers are free"),
    ),
    ("quantinuum.sim.*", PriceRule(CREDITS, credit="EHQC", quota_dimensions=("ehqc",))),
    ("quantinuum.qpu.*", PriceRule(CREDITS, credit="HQC", quota_dimensions=("hqc",))),
    ("microsoft.estimator", PriceRule(FREE, note="the resource estimator is free")),
    ("rigetti.sim.*", PriceRule(FREE, note="Rigetti's QVM simulator is free")),
    (
        "rigetti.*",
        PriceRule(
            UNPRICED,
            note="Rigetti bills QPU execution time in 10 ms steps, not known before the job "
            "runs: no public formula from the program",
        ),
    ),
    (
        "pasqal.*",
        PriceRule(
            UNPRICED,
            note="Pasqal bills hours of QPU or emulator time, not known before the job runs: "
            "no public formula from the program",
        ),
    ),
)
_FIELDS = {field.name: field.type for field in dataclasses.fields(PriceRule)}


def check_prices(prices: Any, source: str) -> dict[str, dict[str, Any]]:
    """A ``prices`` override, checked: pattern → PriceRule fields (``InvalidInputError`` else)."""
    if prices is None or prices == "":
        return {}
    if not isinstance(prices, Mapping):
        raise InvalidInputError(f"prices from the {source} must be a mapping of target patterns")
    checked: dict[str, dict[str, Any]] = {}
    for pattern, fields in prices.items():
        where = f"prices from the {source}: {pattern!r:.40}"
        if not isinstance(pattern, str) or not isinstance(fields, Mapping):
            raise InvalidInputError(f"{where} must map to an object of rule fields")
        for name, value in fields.items():
            _check_field(where, name, value)
        checked[pattern] = dict(fields)
    return checked


def _check_field(where: str, name: str, value: Any) -> None:
    if name not in _FIELDS:
        raise InvalidInputError(f"{where}: unknown field {name!r:.30}; known: {', '.join(_FIELDS)}")
    amount = name.startswith(("price", "minimum"))
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if amount and value is not None and not (is_number and value >= 0):
        raise InvalidInputError(f"{where}: {name} must be a number >= 0")


def rule_for(target: str, *overrides: Mapping[str, Mapping[str, Any]]) -> tuple[PriceRule, str]:
    """The rule of ``target`` and where it came from; later ``overrides`` win."""
    name = target.strip().lower()
    rule = PriceRule(UNPRICED, note=f"no price rule for the target {target!r:.60}")
    origin = "none"
    for pattern, default in DEFAULT_RULES:
        if fnmatch.fnmatchcase(name, pattern):
            rule, origin = default, f"price table of {PRICES_AS_OF}"
            break
    for layer in overrides:
        for pattern, fields in layer.items():
            if fnmatch.fnmatchcase(name, pattern.strip().lower()):
                changes = dict(fields)
                if "quota_dimensions" in changes and changes["quota_dimensions"] is not None:
                    changes["quota_dimensions"] = tuple(changes["quota_dimensions"])
                rule, origin = dataclasses.replace(rule, **changes), f"override {pattern!r}"
    return rule, origin


def counts(job: AzurePreparedJob) -> GateCounts:
    """The gates of the job's program (``CannotCount`` for a format without a counter)."""
    fmt, data = job.input_data_format, job.program
    if fmt == inputs.IONQ_INPUT_FORMAT:
        if isinstance(data, str | bytes):
            try:
                data = json.loads(data)
            except ValueError:
                raise CannotCount("the IonQ circuit is not JSON") from None
        return ionq_counts(data)
    if fmt == inputs.QUANTINUUM_INPUT_FORMAT:
        return qasm2_counts(data.decode() if isinstance(data, bytes) else data)
    if fmt == inputs.QIR_INPUT_FORMAT:
        return qir_counts(data)
    raise CannotCount(f"cannot count the gates of {fmt or 'this input'!r} input")


def mitigated(job: AzurePreparedJob) -> bool:
    """IonQ's error mitigation (debiasing) is on unless the parameters turn it off."""
    setting = job.input_params.get("error-mitigation")
    return not (isinstance(setting, Mapping) and setting.get("debias") is False)


def estimate(job: AzurePreparedJob, *overrides: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The estimate of ``job`` on its target: a small JSON object.

    ``{"target", "currency", "estimated_total", "priced", "formula", "detail", "rule"}``:
    ``priced`` is false (``estimated_total`` None) when there is no formula or the program
    cannot be counted, and ``detail`` says why; ``currency`` is ``HQC``/``EHQC`` for
    Quantinuum credits without a price per credit.
    """
    target = job.target
    rule, origin = rule_for(target, *overrides)
    result: dict[str, Any] = {
        "target": target,
        "currency": rule.currency,
        "estimated_total": None,
        "priced": False,
        "formula": "",
        "detail": rule.note,
        "rule": origin,
        "prices_as_of": PRICES_AS_OF,
    }
    if rule.model == FREE:
        return {**result, "estimated_total": 0.0, "priced": True, "formula": "free"}
    if rule.model not in (GATE_SHOTS, CREDITS):
        return result
    shots = job.input_params.get("shots")
    if not isinstance(shots, int) or isinstance(shots, bool):
        return {**result, "detail": "no shots given: the cost depends on them"}
    try:
        gates = counts(job)
    except CannotCount as exc:
        return {**result, "detail": f"{exc}: no estimate"}
    if rule.model == GATE_SHOTS:
        return {**result, **_gate_shots(rule, gates, shots, mitigated(job))}
    return {**result, **_credits(rule, gates, shots)}


def _gate_shots(rule: PriceRule, counts: GateCounts, shots: int, mitigated: bool) -> dict:
    minimum = rule.minimum if mitigated else rule.minimum_unmitigated
    n1, n2 = counts.one_qubit, counts.ionq_two_qubit
    total = minimum + shots * (rule.price_1q * n1 + rule.price_2q * n2)
    return {
        "estimated_total": round(total, 6),
        "priced": True,
        "formula": (
            f"{minimum:g} + {shots} shots x ({rule.price_1q:g} x {n1} 1q + "
            f"{rule.price_2q:g} x {n2} 2q gates)"
        ),
        "detail": "minimum with error mitigation "
        + ("on" if mitigated else "off")
        + f"; counts {counts.as_dict()}",
    }


def _credits(rule: PriceRule, counts: GateCounts, shots: int) -> dict:
    n1, n2, nm = counts.one_qubit, counts.multi_qubit, counts.measurements
    credits = 5 + shots * (n1 + 10 * n2 + 5 * nm) / 5000
    formula = f"5 + {shots} shots x ({n1} 1q + 10 x {n2} 2q + 5 x {nm} meas) / 5000"
    detail = f"{credits:g} {rule.credit}; counts {counts.as_dict()}"
    if rule.price_per_hqc is None:
        return {
            "currency": rule.credit,
            "estimated_total": round(credits, 6),
            "priced": True,
            "formula": formula,
            "detail": detail + f"; no public price per {rule.credit} (subscription credits)",
        }
    return {
        "estimated_total": round(credits * rule.price_per_hqc, 6),
        "priced": True,
        "formula": f"({formula}) x {rule.price_per_hqc:g} per {rule.credit}",
        "detail": detail,
    }
