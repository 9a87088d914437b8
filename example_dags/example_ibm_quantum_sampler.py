"""
### IBM Quantum: sample a Bell state with the Sampler V2 primitive

Prepares the Bell state `(|00⟩ + |11⟩)/√2` on two physical qubits and measures it 1,000 times:
on an ideal machine only `00` and `11` come out, about half of the time each; on hardware a few
`01`/`10` show the device's noise.

The circuit is the textbook one (`h`, `cx`) in OpenQASM 3. IBM's devices run only *ISA
circuits* (their native gates `rz`, `sx`, `x`, `cz` on coupled qubits), so the operator
transpiles it for the backend first with `optimization_level=1`: qiskit's preset pass manager
against the backend's target, built from its configuration and calibration data (needs the
`qiskit` extra).

* `sample_bell` submits the job and **defers**: the wait happens in the triggerer, and the
  decoded result lands in XCom (`pub_results[0].counts`, plus the counts per classical
  register), with the job id and its IBM Quantum Platform link (`job_id`, `job_url`).
* `histogram` prints the counts as a text histogram.

Runs unchanged against the local emulator or IBM Quantum: only the `ibm_quantum_default`
connection differs.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import dag, task

from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator

#: A Heron device (156 qubits, native gates rz, sx, x, cz).
BACKEND = "ibm_fez"
SHOTS = 1000

BELL_QASM = """OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
bit[2] meas;
h q[0];
cx q[0], q[1];
meas = measure q;
"""


@dag(
    dag_id="example_ibm_quantum_sampler",
    schedule=None,
    catchup=False,
    doc_md=__doc__,
    tags=["example", "quantum", "ibm-quantum", "sampler"],
)
def example_ibm_quantum_sampler():
    # --8<-- [start:sample_bell]
    sample_bell = IBMQuantumRunSamplerOperator(
        task_id="sample_bell",
        circuits=[BELL_QASM],
        backend=BACKEND,
        shots=SHOTS,
        optimization_level=1,  # transpile to the backend's ISA (IBM runs nothing else)
        tags=["example", "bell"],
        deferrable=True,  # wait in the triggerer, not on a worker slot
        poll_interval=1,  # first check after about a second, then less and less often
        timeout=6 * 3600,  # hardware queues can be long; cancel the job after six hours
    )

    @task(multiple_outputs=False)  # one XCom holding the whole dict
    def histogram(result: dict[str, Any]) -> dict[str, int]:
        counts = {k: int(v) for k, v in sorted(result["pub_results"][0]["counts"].items())}
        shots = sum(counts.values())
        width = 40
        for bitstring, n in counts.items():
            print(f"{bitstring} {'█' * round(n / shots * width):<{width}} {n}")
        correlated = (counts.get("00", 0) + counts.get("11", 0)) / shots
        print(f"{shots} shots; P(00) + P(11) = {correlated:.3f}")
        return counts

    histogram(sample_bell.output)
    # --8<-- [end:sample_bell]


example_ibm_quantum_sampler()
