"""
### IBM Quantum: Bell-state correlations with the Estimator V2 primitive

Prepares the Bell state `|Φ+⟩ = (|00⟩ + |11⟩)/√2` (no measurement: the Estimator measures
what it needs) and estimates three two-qubit correlators. For `|Φ+⟩` they are
`⟨ZZ⟩ = +1`, `⟨XX⟩ = +1` and `⟨YY⟩ = -1`, and together they give the fidelity with the ideal
state, `F = (1 + ⟨XX⟩ - ⟨YY⟩ + ⟨ZZ⟩) / 4` (1 on an ideal machine, a little less on hardware).

The circuit is the textbook one (`h`, `cx`). IBM's devices run only *ISA circuits*, so the
operator transpiles it for the backend (`optimization_level=1`, needs the `qiskit` extra) and
moves the observables onto the physical qubits the circuit lands on.

* `estimate` submits one pub (the circuit with its three observables, `precision` 0.02) and
  **defers**; the decoded result (`pub_results[0].evs` and `stds`, one per observable) lands
  in XCom.
* `correlations` prints each expectation value with its standard error, and the fidelity.

Runs unchanged against the local emulator or IBM Quantum: only the `ibm_quantum_default`
connection differs.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import dag, task

from airflow_quantum.operators.ibm_quantum import IBMQuantumRunEstimatorOperator

#: A Heron device (156 qubits, native gates rz, sx, x, cz).
BACKEND = "ibm_fez"
OBSERVABLES = ["ZZ", "XX", "YY"]

BELL_STATE_QASM = """OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
h q[0];
cx q[0], q[1];
"""


@dag(
    dag_id="example_ibm_quantum_estimator",
    schedule=None,
    catchup=False,
    doc_md=__doc__,
    tags=["example", "quantum", "ibm-quantum", "estimator"],
)
def example_ibm_quantum_estimator():
    estimate = IBMQuantumRunEstimatorOperator(
        task_id="estimate",
        circuits=[BELL_STATE_QASM],
        observables=[OBSERVABLES],  # one entry per circuit: here a list of three observables
        backend=BACKEND,
        precision=0.02,
        optimization_level=1,  # transpile; the observables follow the layout
        tags=["example", "bell"],
        deferrable=True,  # wait in the triggerer, not on a worker slot
        poll_interval=1,
        timeout=6 * 3600,
    )

    @task(multiple_outputs=False)  # one XCom holding the whole dict
    def correlations(result: dict[str, Any]) -> dict[str, Any]:
        pub = result["pub_results"][0]
        evs = dict(zip(OBSERVABLES, map(float, pub["evs"]), strict=True))
        stds = dict(zip(OBSERVABLES, map(float, pub["stds"]), strict=True))
        for name in OBSERVABLES:
            print(f"<{name}> = {evs[name]:+.3f} ± {stds[name]:.3f}")
        fidelity = (1 + evs["XX"] - evs["YY"] + evs["ZZ"]) / 4
        # An estimate: with shot noise it can come out a little above 1.
        fidelity_std = sum(stds[name] ** 2 for name in OBSERVABLES) ** 0.5 / 4
        print(f"Fidelity with |Φ+⟩: {fidelity:.3f} ± {fidelity_std:.3f}")
        return {"evs": evs, "stds": stds, "fidelity": fidelity, "fidelity_std": fidelity_std}

    correlations(estimate.output)


example_ibm_quantum_estimator()
