"""
### One experiment, two vendors: a GHZ state on IonQ (Azure Quantum) and on IBM Quantum

Prepares the three-qubit GHZ state `(|000⟩ + |111⟩)/√2` on both vendors, measures it, and
compares the two distributions with the **total variation distance**
`TVD = ½ Σₓ |p(x) - q(x)|` (0: the same distribution, 1: nothing in common). Between two ideal
machines it is only shot noise (a few hundredths); on hardware, each device's errors add to it.

The circuit is written once per vendor, in each one's own format:

* IonQ (`ionq.circuit.v1`): `h 0; cnot 0→1; cnot 1→2`, on `ionq.simulator`;
* IBM (OpenQASM 3, an *ISA circuit* for Heron devices such as `ibm_fez`): the same gates in
  the device's native set (`rz`, `sx`, `cz`) on physical qubits `$0`, `$1`, `$2`.

Both vendors write bitstrings with qubit 0 rightmost, so `001` means the same thing on both.
The two jobs are independent tasks that **defer** while they wait; `compare` prints the two
distributions side by side and their distance.

Runs unchanged against the local emulator or the real services: only the
`azure_quantum_default` and `ibm_quantum_default` connections differ.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import dag, task

from airflow_quantum.operators.azure_quantum import AzureQuantumSubmitJobOperator
from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator

SHOTS = 1000
#: A Heron device (native gates rz, sx, cz; qubits 0-1-2 form a chain).
IBM_BACKEND = "ibm_fez"
IONQ_TARGET = "ionq.simulator"

GHZ_IONQ: list[dict[str, Any]] = [
    {"gate": "h", "target": 0},
    {"gate": "cnot", "control": 0, "target": 1},
    {"gate": "cnot", "control": 1, "target": 2},
]

GHZ_QASM = """OPENQASM 3.0;
include "stdgates.inc";
bit[3] c;
rz(pi/2) $0;
sx $0;
rz(pi/2) $0;
rz(pi/2) $1;
sx $1;
rz(pi/2) $1;
cz $0, $1;
rz(pi/2) $1;
sx $1;
rz(pi/2) $1;
rz(pi/2) $2;
sx $2;
rz(pi/2) $2;
cz $1, $2;
rz(pi/2) $2;
sx $2;
rz(pi/2) $2;
c[0] = measure $0;
c[1] = measure $1;
c[2] = measure $2;
"""


def total_variation_distance(p: dict[str, float], q: dict[str, float]) -> float:
    """½ Σ |p(x) - q(x)| over every outcome of either distribution."""
    return sum(abs(p.get(x, 0.0) - q.get(x, 0.0)) for x in set(p) | set(q)) / 2


@dag(
    dag_id="example_quantum_cross_vendor",
    schedule=None,
    catchup=False,
    doc_md=__doc__,
    tags=["example", "quantum", "azure-quantum", "ionq", "ibm-quantum"],
)
def example_quantum_cross_vendor():
    ghz_on_ionq = AzureQuantumSubmitJobOperator(
        task_id="ghz_on_ionq",
        target=IONQ_TARGET,
        ionq_circuit=GHZ_IONQ,
        qubits=3,
        shots=SHOTS,
        name="ghz-3-cross-vendor",
        tags=["example", "cross-vendor"],
        deferrable=True,
        poll_interval=1,
        timeout=6 * 3600,
    )

    ghz_on_ibm = IBMQuantumRunSamplerOperator(
        task_id="ghz_on_ibm",
        circuits=[GHZ_QASM],
        backend=IBM_BACKEND,
        shots=SHOTS,
        tags=["example", "cross-vendor"],
        deferrable=True,
        poll_interval=1,
        timeout=6 * 3600,
    )

    @task(multiple_outputs=False)  # one XCom holding the whole dict
    def compare(ionq_result: dict[str, Any], ibm_result: dict[str, Any]) -> dict[str, Any]:
        ionq = {k: float(v) for k, v in ionq_result["probabilities"].items()}
        counts = ibm_result["pub_results"][0]["counts"]
        shots = sum(counts.values())
        ibm = {k: n / shots for k, n in counts.items()}
        tvd = total_variation_distance(ionq, ibm)
        print("outcome   IonQ    IBM")
        for outcome in sorted(set(ionq) | set(ibm)):
            print(f"{outcome:>7} {ionq.get(outcome, 0.0):6.3f} {ibm.get(outcome, 0.0):6.3f}")
        print(f"Total variation distance: {tvd:.3f}")
        return {"ionq": ionq, "ibm": ibm, "tvd": tvd}

    compare(ghz_on_ionq.output, ghz_on_ibm.output)


example_quantum_cross_vendor()
