"""A 100,000-point sweep in one task: the worker's peak memory while it splits, waits, merges.

Runs ``IBMQuantumSweepOperator.execute`` in this process (waiting on the worker) against the
emulator in its own process, and reports this process's peak RSS (``VmHWM``) before and after,
the jobs, the rows written and the table's size. The merged table is streamed to a file, one
line per point; the goal of issue 29 is at most 500 MB.

    python -m benchmarks.sweep_memory [--points 100000] [--shots 100]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.support import IBM_CONN_ID, EmulatorProcess, connections, peak_rss_mb, rss_mb

#: ry(theta) in Heron's basis with its fractional rx: an ISA circuit of ibm_fez.
RY_SWEEP = """OPENQASM 3.0;
include "stdgates.inc";
input float[64] theta;
qubit[1] q;
bit[1] c;
rz(-pi/2) q[0];
rx(theta) q[0];
rz(pi/2) q[0];
c[0] = measure q[0];
"""


class _TaskInstance:
    """What the operator reads of a task instance (a worker's would also talk to the API)."""

    dag_id, task_id, map_index, try_number = "bench_sweep", "sweep", -1, 1

    def __init__(self) -> None:
        self.pushed: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value

    def xcom_pull(self, task_ids: str | None = None, key: str = "return_value") -> Any:
        return self.pushed.get(key)


def run(points: int, shots: int) -> dict[str, Any]:
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as folder:
        os.environ.update(connections(emulator.url))
        from airflow_quantum.operators.ibm_quantum_sweep import IBMQuantumSweepOperator

        table = Path(folder) / "sweep.jsonl"
        operator = IBMQuantumSweepOperator(
            task_id="sweep",
            backend="ibm_fez",
            ibm_quantum_conn_id=IBM_CONN_ID,
            circuits=RY_SWEEP,
            parameter_values={"theta": [2 * math.pi * i / points for i in range(points)]},
            shots=shots,
            results_path=f"file://{table}",
            deferrable=False,
            poll_interval=0.5,
            max_poll_interval=2,
        )
        ti = _TaskInstance()
        before = rss_mb()
        started = time.monotonic()
        summary = operator.execute({"ti": ti, "run_id": "bench", "task_instance": ti})
        seconds = time.monotonic() - started
        with table.open() as lines:
            rows = sum(1 for _ in lines)
        return {
            "points": points,
            "shots": shots,
            "jobs": summary["jobs"],
            "rows_written": rows,
            "table_mb": round(table.stat().st_size / 1e6, 1),
            "rss_before_mb": round(before, 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "seconds": round(seconds, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--shots", type=int, default=100)
    args = parser.parse_args()
    print(json.dumps(run(args.points, args.shots)))


if __name__ == "__main__":
    main()
