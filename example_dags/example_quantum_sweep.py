"""
### A rotation-angle sweep on two vendors, merged into one table

`ry(theta)` on one qubit, `theta` swept over [0, 2 pi], 1,000 shots a point:

- on **IBM Quantum** `ibm_fez`: 2,000 points in **one task and one job** (a job holds up to
  10 million executions; the textbook circuit is made an ISA circuit of the backend by
  `optimization_level=1`);
- on an **Azure Quantum** target (`quantinuum.sim.h2-1e`): an Azure job runs one circuit, so
  each point is a job; all of them are submitted by one task and waited for in **one
  deferral** (24 points by default: raise `azure_points` to run more).

Each sweep writes its merged table (one JSON line per point: parameters, shots, counts, jobs)
to object storage and returns a summary; `merge` reads both tables and writes one CSV
(`vendor, theta, shots, p1`) and, beside it, an SVG plot of P(1) against theta with a line per
target (drawn in plain Python: no plotting library). The theoretical curve is
`p1 = sin^2(theta / 2)`.

Where the tables go is the Airflow Variable `quantum_results_base` (default a local folder).
Runs unchanged against the local emulator or the real services: only the connections differ.
"""

from __future__ import annotations

import csv
import io
import json
import math

from airflow.sdk import ObjectStoragePath, dag, task

from airflow_quantum.operators.azure_quantum_sweep import AzureQuantumSweepOperator
from airflow_quantum.operators.ibm_quantum_sweep import IBMQuantumSweepOperator
from airflow_quantum.results.plot import line_chart

SHOTS = 1000
IBM_POINTS = 2000
AZURE_POINTS = 24
RESULTS = (
    "{{ var.value.get('quantum_results_base', 'file:///tmp/airflow-quantum-results') }}"
    "/{{ dag.dag_id }}/{{ run_id }}"
)

# --8<-- [start:circuits]
#: The textbook circuit (OpenQASM 3, one input parameter): transpiled for ibm_fez.
RY_QASM3 = """OPENQASM 3.0;
include "stdgates.inc";
input float[64] theta;
qubit[1] q;
bit[1] c;
ry(theta) q[0];
c[0] = measure q[0];
"""
#: The same circuit for Quantinuum (OpenQASM 2): theta is bound by name before sending.
RY_QASM2 = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[1];
creg c[1];
ry(theta) q[0];
measure q -> c;
"""
# --8<-- [end:circuits]


def angles(points: int) -> dict[str, list[float]]:
    """``points`` angles from 0 to 2 pi (both ends)."""
    return {"theta": [2 * math.pi * i / (points - 1) for i in range(points)]}


@dag(
    dag_id="example_quantum_sweep",
    schedule=None,
    catchup=False,
    doc_md=__doc__,
    tags=["example", "quantum", "ibm-quantum", "azure-quantum", "sweep"],
)
def example_quantum_sweep():
    # --8<-- [start:sweeps]
    ibm_sweep = IBMQuantumSweepOperator(
        task_id="ibm_sweep",
        backend="ibm_fez",
        circuits=RY_QASM3,
        parameter_values=angles(IBM_POINTS),
        shots=SHOTS,
        optimization_level=1,  # ISA circuits for ibm_fez
        results_path=RESULTS + "/ibm.jsonl",
        deferrable=True,
        poll_interval=1,
        timeout=6 * 3600,
    )
    azure_sweep = AzureQuantumSweepOperator(
        task_id="azure_sweep",
        target="quantinuum.sim.h2-1e",
        circuits=RY_QASM2,
        parameter_values=angles(AZURE_POINTS),
        shots=SHOTS,
        results_path=RESULTS + "/azure.jsonl",
        deferrable=True,
        poll_interval=1,
        timeout=6 * 3600,
    )
    # --8<-- [end:sweeps]

    @task
    def merge(ibm: dict, azure: dict, folder: str) -> dict:
        """One CSV of both sweeps and an SVG plot beside it; their URIs and the table's size."""
        return merge_tables([ibm, azure], folder)

    merge(ibm_sweep.output, azure_sweep.output, folder=RESULTS)  # templated, as the sweeps' paths


def merge_tables(summaries: list[dict], folder: str) -> dict:
    """The sweeps' tables (their summaries' ``results_uri``) as one CSV, ``vendor, theta,
    shots, p1``, and a plot of P(1) against theta with a line per target, both in ``folder``."""
    lines = []
    curves: dict[str, list[tuple[float, float]]] = {}
    for summary in summaries:
        curve = curves.setdefault(summary["backend"], [])
        with ObjectStoragePath(summary["results_uri"]).open("r") as rows:
            for row in rows:
                item = json.loads(row)
                theta = item["parameters"]["theta"]
                p1 = item["counts"].get("1", 0) / item["shots"]
                lines.append((summary["vendor"], theta, item["shots"], p1))
                curve.append((theta, p1))
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["vendor", "theta", "shots", "p1"])
    writer.writerows(lines)
    table = ObjectStoragePath(f"{folder}/sweep.csv")
    table.write_text(text.getvalue())
    plot = ObjectStoragePath(f"{folder}/sweep.svg")
    plot.write_text(line_chart(curves, x_label="theta", y_label="P(1)", title="ry(theta) sweep"))
    worst = max(abs(p1 - math.sin(theta / 2) ** 2) for _, theta, _, p1 in lines)
    return {"table": str(table), "rows": len(lines), "plot": str(plot), "max_deviation": worst}


example_quantum_sweep()
