"""The sweep-vs-expand benchmark's DAGs: one parameter sweep of one circuit, two ways.

For each size in ``SWEEP_VS_EXPAND_POINTS`` (comma-separated, set by the benchmark):
``sweep_<n>``, one ``IBMQuantumSweepOperator`` task; ``expand_<n>``, ``n`` mapped
``IBMQuantumRunSamplerOperator`` tasks and a task that merges their counts into one table. Both
write the merged table (JSON Lines, one row per point) under ``SWEEP_VS_EXPAND_RESULTS``.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import DAG, task

from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator
from airflow_quantum.operators.ibm_quantum_sweep import IBMQuantumSweepOperator
from benchmarks.sweep_memory import RY_SWEEP  # PYTHONPATH: benchmarks/sqlite_deployment.py

SHOTS = 1000
RESULTS = Path(os.environ.get("SWEEP_VS_EXPAND_RESULTS", "/tmp/sweep-vs-expand"))
SIZES = [int(n) for n in os.environ.get("SWEEP_VS_EXPAND_POINTS", "3").split(",") if n]
START = pendulum.datetime(2026, 1, 1, tz="UTC")


def angles(points: int) -> list[float]:
    return [2 * math.pi * i / points for i in range(points)]


@task
def merge(results: Any, table: str) -> int:
    """One row per point, in map-index order, as the sweep operator writes them."""
    rows = 0
    with open(table, "w") as out:
        for index, result in enumerate(results):
            out.write(json.dumps({"index": index, "result": result}) + "\n")
            rows += 1
    return rows


for _n in SIZES:
    with DAG(f"sweep_{_n}", schedule=None, start_date=START, catchup=False):
        IBMQuantumSweepOperator(
            task_id="sweep",
            backend="ibm_fez",
            circuits=RY_SWEEP,
            parameter_values={"theta": angles(_n)},
            shots=SHOTS,
            results_path=f"file://{RESULTS}/sweep_{_n}/{{{{ run_id }}}}.jsonl",
            deferrable=True,
        )

    with DAG(f"expand_{_n}", schedule=None, start_date=START, catchup=False):
        points = IBMQuantumRunSamplerOperator.partial(
            task_id="point", backend="ibm_fez", shots=SHOTS, deferrable=True
        ).expand(circuits=[[[RY_SWEEP, [theta]]] for theta in angles(_n)])
        merge(points.output, f"{RESULTS}/expand_{_n}.jsonl")
