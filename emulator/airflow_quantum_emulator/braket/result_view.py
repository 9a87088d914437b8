"""What the job page shows of a Braket result: counts of the measured bit strings.

A gate-model result shows one histogram of its ``measurements`` (or of its
``measurementProbabilities`` times the shots), a program set one per executable, an AHS result
one of the atoms' post-sequences (1: ground state, 0: Rydberg or lost), as the Azure and IBM
pages show a job's histogram.
"""

from __future__ import annotations

import html
from collections import Counter
from typing import Any

from airflow_quantum_emulator.ibm.result_view import histogram_lines


def measured(rows: list[list[Any]]) -> Counter[str]:
    return Counter("".join(str(bit) for bit in row) for row in rows)


def _gate_model(document: dict[str, Any], shots: int) -> Counter[str]:
    if document.get("measurements"):
        return measured(document["measurements"])
    probabilities = document.get("measurementProbabilities") or {}
    return Counter({key: round(value * shots) for key, value in probabilities.items()})


def sections(document: dict[str, Any], shots: int) -> tuple[str, list[tuple[str, list[str]]]]:
    """A one-line summary and (heading, lines) per histogram of a result document."""
    name = (document.get("braketSchemaHeader") or {}).get("name", "")
    if name.endswith("program_set_task_result"):
        found = []
        for index, program in enumerate(document.get("programResults") or []):
            for executable in program.get("executableResults") or []:
                counts = measured(executable.get("measurements") or [])
                heading = (
                    f"program {index}, inputs {executable.get('inputsIndex', 0)}: "
                    f"{sum(counts.values())} shots"
                )
                found.append((heading, histogram_lines(counts)))
        return f"Program set result: {len(found)} executable(s).", found
    if name.endswith("analog_hamiltonian_simulation_task_result"):
        counts = measured(
            [shot["shotResult"]["postSequence"] for shot in document.get("measurements") or []]
        )
        heading = f"post-sequences of {sum(counts.values())} shots (1: ground, 0: Rydberg)"
        return "AHS result.", [(heading, histogram_lines(counts))]
    counts = _gate_model(document, shots)
    qubits = document.get("measuredQubits") or []
    heading = f"qubits {qubits}: {sum(counts.values())} shots"
    return "Gate-model result.", [(heading, histogram_lines(counts))]


def render(document: dict[str, Any], shots: int) -> tuple[str, str]:
    """A summary and the HTML of a Braket result's histograms."""
    summary, found = sections(document, shots)
    body = "".join(
        f"<h3>{html.escape(heading)}</h3><pre>{html.escape(chr(10).join(lines))}</pre>"
        for heading, lines in found
    )
    return summary, body
