"""
### IBM Quantum: a phase sweep run as several jobs in one batch

A single-qubit interference experiment: `sx · rz(θ) · sx` sends `|0⟩` to `|1⟩` with
probability `cos²(θ/2)`, so sweeping the phase θ from 0 to π traces a fringe from 1 to 0.
Each phase is one sampler job, and all of them run in one **batch** (an IBM Quantum session
in `batch` mode), which lets the service schedule them together.

* `open_batch` (a **setup** task) opens the batch and returns its id;
* `phase_sweep` is mapped over the phases: one deferrable sampler job per θ, all in the batch;
* `close_batch` (the **teardown** of `open_batch`) closes the batch once its jobs are final.
  Being a teardown, it runs even when a job of the sweep fails, so no batch is left open;
* `summary` compares each measured `P(1)` with `cos²(θ/2)`.

The circuits are *ISA circuits* (physical qubit `$0`, native gates `sx`, `rz`), as IBM's
servers require.

Runs unchanged against the local emulator or IBM Quantum: only the `ibm_quantum_default`
connection differs.
"""

from __future__ import annotations

import math
from typing import Any

from airflow.sdk import dag, task

from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator
from airflow_quantum.operators.ibm_quantum_sessions import (
    IBMQuantumCloseSessionOperator,
    IBMQuantumOpenSessionOperator,
)

#: A Heron device (native gates rz, sx, cz).
BACKEND = "ibm_fez"
SHOTS = 500
#: The phases of the sweep, in degrees: one job each.
PHASES = [0, 60, 120, 180]


def phase_circuit(degrees: float) -> str:
    """`sx · rz(θ) · sx` on physical qubit 0, then a measurement: P(1) = cos²(θ/2)."""
    return f"""OPENQASM 3.0;
include "stdgates.inc";
bit[1] c;
sx $0;
rz({math.radians(degrees)!r}) $0;
sx $0;
c[0] = measure $0;
"""


@dag(
    dag_id="example_ibm_quantum_session",
    schedule=None,
    catchup=False,
    doc_md=__doc__,
    tags=["example", "quantum", "ibm-quantum", "session", "setup-teardown"],
)
def example_ibm_quantum_session():
    # --8<-- [start:batch]
    open_batch = IBMQuantumOpenSessionOperator(
        task_id="open_batch", backend=BACKEND, mode="batch", max_ttl=3600
    )

    phase_sweep = IBMQuantumRunSamplerOperator.partial(
        task_id="phase_sweep",
        backend=BACKEND,
        session_id=open_batch.output,
        shots=SHOTS,
        tags=["example", "phase-sweep"],
        deferrable=True,
        poll_interval=1,
        timeout=6 * 3600,
    ).expand(circuits=[[phase_circuit(degrees)] for degrees in PHASES])

    close_batch = IBMQuantumCloseSessionOperator(
        task_id="close_batch", session_id=open_batch.output, poll_interval=1
    )
    # --8<-- [end:batch]

    @task
    def summary(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rows = []
        print("  θ (deg)   P(1) measured   cos²(θ/2)")
        for degrees, result in zip(PHASES, results, strict=True):
            counts = result["pub_results"][0]["counts"]
            p1 = counts.get("1", 0) / sum(counts.values())
            expected = math.cos(math.radians(degrees) / 2) ** 2
            print(f"  {degrees:7d}   {p1:13.3f}   {expected:9.3f}")
            rows.append({"degrees": degrees, "p1": p1, "expected": expected})
        return rows

    # --8<-- [start:wiring]
    open_batch >> phase_sweep >> close_batch.as_teardown(setups=open_batch)
    summary(phase_sweep.output)
    # --8<-- [end:wiring]


example_ibm_quantum_session()
