"""What the job page shows of an IBM result: counts per pub and register, or expectation values.

The result on the wire is tagged, encoded JSON (``PrimitiveResult`` of ``BitArray`` and
``ndarray`` values); the page decodes it back into what a person reads: for each sampler pub and
classical register a histogram of the measured bit strings (as the Azure page shows a job's
histogram), for each estimator pub its expectation values and standard deviations. An
``executor`` job shows the counts of each item's registers, before the client's post-processing.
"""

from __future__ import annotations

import html
from collections import Counter
from typing import Any

import numpy as np

from airflow_quantum_emulator.ibm.encoding import decode_ndarray_text
from airflow_quantum_emulator.ibm.executor import ExecutorResult
from airflow_quantum_emulator.ibm.programs import ComputedResult, result_document

#: Most outcomes listed per register, and most values per estimator pub.
MAX_ROWS = 32
BAR_WIDTH = 40


def counts(bit_array: dict[str, Any]) -> Counter[str]:
    """Bit strings (highest bit first) and how often they were measured, over all shots."""
    value = bit_array["__value__"]
    packed = decode_ndarray_text(value["array"]["__value__"])
    num_bits = int(value["num_bits"])
    rows = np.unpackbits(packed.reshape(-1, packed.shape[-1]), axis=-1)[:, -num_bits:]
    return Counter("".join(map(str, row)) for row in rows)


def histogram_lines(found: Counter[str]) -> list[str]:
    total = sum(found.values()) or 1
    width = max((len(key) for key in found), default=0)
    lines = []
    for outcome, count in sorted(found.items(), key=lambda item: (-item[1], item[0]))[:MAX_ROWS]:
        bar = "█" * max(1, round(BAR_WIDTH * count / total))
        lines.append(f"{outcome:>{width}}  {bar} {count}")
    if len(found) > MAX_ROWS:
        lines.append(f"... and {len(found) - MAX_ROWS} more outcome(s)")
    return lines


def pub_sections(pubs: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """(heading, lines) for each pub (and register) of a PrimitiveResult."""
    sections = []
    for index, pub in enumerate(pubs):
        data = pub["__value__"]["data"]["__value__"]
        fields = data["fields"]
        if pub["__type__"] == "SamplerPubResult":
            for name, value in fields.items():
                found = counts(value)
                heading = f"pub {index}, register {name}: {sum(found.values())} shots"
                sections.append((heading, histogram_lines(found)))
        else:
            evs = np.ravel(decode_ndarray_text(fields["evs"]["__value__"]))
            stds = np.ravel(decode_ndarray_text(fields["stds"]["__value__"]))
            lines = [
                f"{position}: {ev:+.4f} ± {std:.4f}"
                for position, (ev, std) in enumerate(zip(evs, stds, strict=True))
            ][:MAX_ROWS]
            sections.append((f"pub {index}: {len(evs)} expectation value(s)", lines))
    return sections


def item_sections(result: ExecutorResult) -> list[tuple[str, list[str]]]:
    """(heading, lines) for each register of each item of a quantum program's result."""
    sections = []
    for index, (item, names) in enumerate(zip(result.items, result.registers, strict=True)):
        for name in names:
            bits = item[name].reshape(-1, item[name].shape[-1])[:, ::-1].astype(np.uint8)
            found = Counter("".join(map(str, row)) for row in bits)
            heading = f"item {index}, register {name}: {len(bits)} shots"
            sections.append((heading, histogram_lines(found)))
    return sections


def render(
    result: ComputedResult | ExecutorResult, started: float, ended: float
) -> tuple[str, str]:
    """A one-line summary of an IBM result and its HTML (a histogram per pub and register)."""
    if isinstance(result, ExecutorResult):
        role = result.program.semantic_role or "no semantic role"
        summary = f"{len(result.items)} quantum program item(s) ({role})."
        sections = item_sections(result)
    else:
        pubs = result_document(result, started, ended)["__value__"]["pub_results"]
        kinds = sorted({str(pub.get("__type__", "?")) for pub in pubs})
        summary = f"{len(pubs)} PUB result(s) ({', '.join(kinds) or 'none'})."
        sections = pub_sections(pubs)
    body = "".join(
        f"<h3>{html.escape(heading)}</h3><pre>{html.escape(chr(10).join(lines))}</pre>"
        for heading, lines in sections
    )
    return summary, body
