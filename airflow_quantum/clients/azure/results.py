"""Decode Azure Quantum output blobs into plain JSON (fit for XCom): one decoder per output
format (the hooks guide's table lists what each gives), any other format as ``data``, the
parsed JSON. Every decoded result has ``format``.

Bitstrings are written as Qiskit prints them, the highest qubit first (the integer ``1`` on two
qubits is ``"01"``), but for Pasqal's, which keep Pulser's order (the register's first atom
first, ``1`` = Rydberg state). A payload that does not match its format raises
``BadResponseError``.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Mapping
from numbers import Real
from typing import Any

from airflow_quantum.clients.azure.models import JobDetails
from airflow_quantum.clients.errors import BadResponseError, InvalidStateError, JobFailedError
from airflow_quantum.clients.state import JobState

QIO_RESULTS = "microsoft.qio-results.v2"
IONQ_RESULTS = "ionq.quantum-results.v1"
MS_RESULTS_V1 = "microsoft.quantum-results.v1"
MS_RESULTS_V2 = "microsoft.quantum-results.v2"
HONEYWELL_RESULTS = "honeywell.quantum-results.v1"
ESTIMATES = "microsoft.resource-estimates.v1"
RIGETTI_RESULTS = "rigetti.quil-results.v1"
PASQAL_RESULTS = "pasqal.pulser-results.v1"
VENDOR = "Azure Quantum"


def _bad(message: str) -> BadResponseError:
    return BadResponseError(message, vendor=VENDOR)


def parse_json(data: bytes | str | Any) -> Any:
    """The parsed JSON of an output blob (bytes or text); parsed values pass through."""
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _bad(f"the job output is not UTF-8 text: {exc}") from None
    if isinstance(data, str):
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise _bad(f"the job output is not JSON: {str(exc)[:200]}") from None
    return data


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise _bad(f"{where} is not a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise _bad(f"{where} is not finite")
    return number


def _count(value: Any, where: str) -> int:
    number = _number(value, where)
    if number < 0 or number != int(number):
        raise _bad(f"{where} is not a non-negative whole number")
    return int(number)


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _bad(f"{where} is not a JSON object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _bad(f"{where} is not a list")
    return value


def _configuration(value: Any, where: str) -> dict[str, int]:
    config = _object(value, where)
    # Fast path for what the service sends (string keys, int spins): one pass at C speed,
    # which matters with 10,000-variable configurations times many solutions.
    if all(type(spin) is int for spin in config.values()):
        return {str(key): spin for key, spin in config.items()}
    result = {}
    for key, spin in config.items():
        number = _number(spin, f"{where}[{key!r}]")
        if number != int(number):
            raise _bad(f"{where}[{key!r}] is not a whole number")
        result[str(key)] = int(number)
    return result


def _solution(body: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A solution's ``configuration`` and ``cost`` (``where`` prefixes their names)."""
    configuration = _configuration(body.get("configuration"), f"{where}configuration")
    return {"configuration": configuration, "cost": _number(body.get("cost"), f"{where}cost")}


def decode_qio(payload: Any) -> dict[str, Any]:
    body = _object(payload, QIO_RESULTS)
    raw = body.get("solutions")
    solutions = [
        _solution(_object(item, f"solutions[{index}]"), f"solutions[{index}].")
        for index, item in enumerate([] if raw is None else _list(raw, "solutions"))
    ]
    if body.get("configuration") is not None:
        best = _solution(body, "")
    elif solutions:
        best = min(solutions, key=lambda item: item["cost"])
    else:
        raise _bad("the optimization result has neither a configuration nor solutions")
    parameters = body.get("parameters")
    return {
        "format": QIO_RESULTS,
        "version": body.get("version"),
        **best,
        "solutions": solutions or [best],
        "parameters": dict(_object(parameters, "parameters")) if parameters is not None else {},
    }


def bitstring(key: int, qubits: int) -> str:
    """The basis state ``key`` as a bitstring, highest qubit first (Qiskit's order)."""
    return format(key, f"0{qubits}b")


def decode_ionq(payload: Any, qubits: int | None = None) -> dict[str, Any]:
    body = _object(payload, IONQ_RESULTS)
    histogram_in = _object(body.get("histogram"), "histogram")
    states: dict[int, float] = {}
    for key, value in histogram_in.items():
        text = str(key).strip()
        if not (text.isascii() and text.isdigit()):
            raise _bad(f"histogram key {text[:20]!r} is not a basis-state integer")
        probability = _number(value, f"histogram[{text[:20]!r}]")
        if probability < 0:
            raise _bad(f"histogram[{text[:20]!r}] is negative")
        states[int(text)] = probability
    histogram = {str(state): probability for state, probability in states.items()}
    decoded: dict[str, Any] = {"format": IONQ_RESULTS, "histogram": histogram}
    if qubits is not None:
        if isinstance(qubits, bool) or not isinstance(qubits, int) or qubits < 1:
            raise _bad(f"qubits {qubits!r:.20} is not a positive integer")
        if states and max(states).bit_length() > qubits:
            raise _bad(f"the histogram has states beyond {qubits} qubits")
        decoded["qubits"] = qubits
        decoded["probabilities"] = {
            bitstring(state, qubits): probability for state, probability in sorted(states.items())
        }
    return decoded


def decode_ms_v1(payload: Any) -> dict[str, Any]:
    body = _object(payload, MS_RESULTS_V1)
    flat = _list(body.get("Histogram", body.get("histogram")), "Histogram")
    if len(flat) % 2:
        raise _bad("Histogram must alternate labels and probabilities")
    probabilities: dict[str, float] = {}
    for index in range(0, len(flat), 2):
        label = flat[index]
        if not isinstance(label, str):
            raise _bad(f"Histogram[{index}] is not an outcome label")
        probabilities[label] = _number(flat[index + 1], f"Histogram[{index + 1}]")
    return {"format": MS_RESULTS_V1, "probabilities": probabilities}


def _ms_v2_result(item: Any, where: str) -> dict[str, Any]:
    entry = _object(item, where)
    counts: dict[str, int] = {}
    for index, bucket in enumerate(_list(entry.get("Histogram"), f"{where}.Histogram")):
        bucket = _object(bucket, f"{where}.Histogram[{index}]")
        label = bucket.get("Display")
        if not isinstance(label, str):
            outcome = bucket.get("Outcome")
            if outcome is None:
                raise _bad(f"{where}.Histogram[{index}] has neither Display nor Outcome")
            label = json.dumps(outcome, separators=(", ", ": "))
        counts[label] = counts.get(label, 0) + _count(
            bucket.get("Count"), f"{where}.Histogram[{index}].Count"
        )
    listed = entry.get("Shots")
    total = sum(counts.values())
    shots = total if listed is None else len(_list(listed, f"{where}.Shots"))
    probabilities = {label: count / (total or 1) for label, count in counts.items()}
    return {"counts": counts, "probabilities": probabilities, "shots": shots}


def decode_ms_v2(payload: Any) -> dict[str, Any]:
    body = _object(payload, MS_RESULTS_V2)
    results = [
        _ms_v2_result(item, f"Results[{index}]")
        for index, item in enumerate(_list(body.get("Results"), "Results"))
    ]
    return {"format": MS_RESULTS_V2, "results": results, **(results[0] if results else {})}


def decode_honeywell(payload: Any) -> dict[str, Any]:
    body = _object(payload, HONEYWELL_RESULTS)
    counts: dict[str, dict[str, int]] = {}
    shots: int | None = None
    for register, values in body.items():
        rows = _list(values, f"register {register!r:.40}")
        for index, row in enumerate(rows):
            if not isinstance(row, str) or (row and set(row) - {"0", "1"}):
                raise _bad(f"register {register!r:.40}[{index}] is not a bitstring")
        if shots is not None and len(rows) != shots:
            raise _bad("the registers have different numbers of shots")
        shots = len(rows)
        counts[str(register)] = dict(sorted(Counter(rows).items()))
    return {"format": HONEYWELL_RESULTS, "counts": counts, "shots": shots or 0}


def _estimate(document: Any, where: str) -> dict[str, Any]:
    body = _object(document, where)
    physical = _object(body.get("physicalCounts"), f"{where}.physicalCounts")
    breakdown = _object(physical.get("breakdown"), f"{where}.physicalCounts.breakdown")
    logical = _object(body.get("logicalQubit"), f"{where}.logicalQubit")
    return {
        "physical_qubits": _count(physical.get("physicalQubits"), f"{where} physicalQubits"),
        "runtime_ns": _number(physical.get("runtime"), f"{where} runtime"),
        "code_distance": _count(logical.get("codeDistance"), f"{where} codeDistance"),
        "logical_qubits": _count(
            breakdown.get("algorithmicLogicalQubits"), f"{where} algorithmicLogicalQubits"
        ),
        "estimate": dict(body),
    }


def decode_estimates(payload: Any) -> dict[str, Any]:
    """A resource estimate (or a batch of them) with its headline figures."""
    if isinstance(payload, list):
        items = [_estimate(item, f"{ESTIMATES}[{i}]") for i, item in enumerate(payload)]
        return {"format": ESTIMATES, "items": items}
    return {"format": ESTIMATES, **_estimate(payload, ESTIMATES)}


def decode_rigetti(payload: Any) -> dict[str, Any]:
    """Rigetti read-out: one row per shot and region; bit regions counted by bitstring."""
    body = _object(payload, RIGETTI_RESULTS)
    counts: dict[str, dict[str, int]] = {}
    shots = None
    for region, rows in body.items():
        rows = _list(rows, f"region {region!r:.40}")
        if shots is not None and len(rows) != shots:
            raise _bad("the read-out regions have different numbers of shots")
        shots = len(rows)
        if all(isinstance(row, list) and all(v in (0, 1) for v in row) for row in rows):
            tally = Counter("".join(str(int(v)) for v in reversed(row)) for row in rows)
            counts[str(region)] = dict(sorted(tally.items()))
    return {"format": RIGETTI_RESULTS, "readout": dict(body), "counts": counts, "shots": shots or 0}


def decode_pasqal(payload: Any) -> dict[str, Any]:
    """Pulser counts: ``{"counter": {bitstring: n}}`` or the bare mapping."""
    body = _object(payload, PASQAL_RESULTS)
    counter = _object(body["counter"], "counter") if "counter" in body else body
    counts: dict[str, int] = {}
    for key, value in counter.items():
        if not isinstance(key, str) or not key or set(key) - {"0", "1"}:
            raise _bad(f"{PASQAL_RESULTS}: {str(key)[:40]!r} is not a bitstring")
        counts[key] = _count(value, f"the count of {key!r}")
    return {
        "format": PASQAL_RESULTS,
        "counts": dict(sorted(counts.items())),
        "shots": sum(counts.values()),
    }


_DECODERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    PASQAL_RESULTS: decode_pasqal,
    RIGETTI_RESULTS: decode_rigetti,
    ESTIMATES: decode_estimates,
    QIO_RESULTS: decode_qio,
    MS_RESULTS_V1: decode_ms_v1,
    MS_RESULTS_V2: decode_ms_v2,
    HONEYWELL_RESULTS: decode_honeywell,
}


def decode_results(
    data: bytes | str | Any, output_data_format: str | None, *, qubits: int | None = None
) -> dict[str, Any]:
    """Decode an output blob of ``output_data_format`` into plain JSON (see the module doc).

    ``qubits`` (IonQ only) adds bitstring-keyed probabilities.
    """
    payload = parse_json(data)
    name = (output_data_format or "").strip()
    key = name.lower()
    try:
        if key == IONQ_RESULTS:
            return decode_ionq(payload, qubits)
        decoder = _DECODERS.get(key)
        if decoder is not None:
            return decoder(payload)
    except RecursionError:
        raise _bad(f"the {name} result is nested too deeply") from None
    return {"format": name or None, "data": payload}


def qubits_of(job: JobDetails) -> int | None:
    metadata = job.metadata if isinstance(job.metadata, Mapping) else {}
    for key in ("qubits", "num_qubits"):
        value = metadata.get(key)
        try:
            number = int(value) if value is not None and not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is not None and 0 < number <= 1000:
            return number
    return None


def check_result_state(job: JobDetails) -> None:
    """Raise unless the job succeeded: ``JobFailedError`` if it failed or was cancelled,
    ``InvalidStateError`` while it is active."""
    state = job.state
    if state is JobState.SUCCEEDED:
        return
    if state is JobState.FAILED:
        raise JobFailedError(
            f"job {job.id} failed: {job.error_message()}",
            job_id=job.id,
            state=state.value,
            code=job.failure_code(),
        )
    if state is JobState.CANCELLED:
        raise JobFailedError(
            f"job {job.id} was cancelled; it has no results", job_id=job.id, state=state.value
        )
    raise InvalidStateError(
        f"job {job.id} is {job.status}, not finished: no results yet", vendor=VENDOR
    )
