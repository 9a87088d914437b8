"""
### IBM Quantum with qiskit objects: a parameter sweep and Pauli observables

Needs the `qiskit` extra (`pip install 'airflow-quantum[qiskit]'`). The circuits are built with
qiskit and handed to the operators as `QuantumCircuit` objects, the observables as
`SparsePauliOp`s, the sweep's parameter values as a numpy array: the operators turn them into
OpenQASM 3, Pauli dicts and lists when the DAG is parsed, so the serialized DAG, the rendered
templates and XCom only hold plain JSON.

* `rotation_sweep` samples `RY(θ)` on qubit 0 followed by a CNOT for five angles θ in
  [0, π] in one pub (400 shots each) and **defers**. Ideally `P(11) = sin²(θ/2)`.
* `correlators` estimates `⟨ZZ⟩`, `⟨XX⟩`, `⟨YY⟩` of the Bell state (+1, +1, -1) and **defers**.
* `report` turns both XCom results back into qiskit's own `PrimitiveResult`
  (`to_primitive_result`): `BitArray.get_counts(i)` per angle, `DataBin.evs` per observable.

IBM's devices run only ISA circuits: the operators transpile both textbook circuits for the
backend (`optimization_level=1`: qiskit's preset pass manager against the target built from
the backend's configuration and calibration data) and lay the observables out on the physical
qubits. Runs unchanged against the local emulator or IBM Quantum: only the
`ibm_quantum_default` connection differs.
"""

from __future__ import annotations

# --8<-- [start:circuits]
import math
from typing import Any

import numpy as np
from airflow.sdk import dag, task
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.quantum_info import SparsePauliOp

from airflow_quantum.operators.ibm_quantum import (
    IBMQuantumRunEstimatorOperator,
    IBMQuantumRunSamplerOperator,
)

#: A Heron device (156 qubits, native gates rz, sx, x, cz).
BACKEND = "ibm_fez"
ANGLES = np.linspace(0.0, math.pi, 5)
OBSERVABLES = ["ZZ", "XX", "YY"]


def rotation_circuit() -> QuantumCircuit:
    theta = Parameter("theta")
    circuit = QuantumCircuit(2)
    circuit.ry(theta, 0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return circuit


def bell_circuit() -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    return circuit


# --8<-- [end:circuits]


@dag(
    dag_id="example_ibm_quantum_qiskit",
    schedule=None,
    catchup=False,
    doc_md=__doc__,
    tags=["example", "quantum", "ibm-quantum", "qiskit"],
)
def example_ibm_quantum_qiskit():
    # --8<-- [start:operators]
    sweep = IBMQuantumRunSamplerOperator(
        task_id="rotation_sweep",
        # One pub: (circuit, parameter values of shape (angles, parameters), shots).
        circuits=[(rotation_circuit(), ANGLES.reshape(-1, 1), 400)],
        backend=BACKEND,
        optimization_level=1,
        tags=["example", "qiskit"],
        deferrable=True,
        poll_interval=1,
        timeout=6 * 3600,
    )
    correlators = IBMQuantumRunEstimatorOperator(
        task_id="correlators",
        circuits=[bell_circuit()],
        observables=[[SparsePauliOp(label) for label in OBSERVABLES]],
        backend=BACKEND,
        precision=0.02,
        optimization_level=1,
        tags=["example", "qiskit"],
        deferrable=True,
        poll_interval=1,
        timeout=6 * 3600,
    )
    # --8<-- [end:operators]

    # --8<-- [start:report]
    @task(multiple_outputs=False)
    def report(sweep_result: dict[str, Any], estimates: dict[str, Any]) -> dict[str, Any]:
        from airflow_quantum.clients.ibm.qiskit_interop import to_primitive_result

        bits = to_primitive_result(sweep_result)[0].data.meas
        p11 = []
        for index, theta in enumerate(ANGLES):
            counts = bits.get_counts(index)
            p11.append(counts.get("11", 0) / bits.num_shots)
            ideal = math.sin(theta / 2) ** 2
            print(f"θ = {theta:.3f}: P(11) = {p11[-1]:.3f} (ideal {ideal:.3f}), counts {counts}")
        data = to_primitive_result(estimates)[0].data
        evs = dict(zip(OBSERVABLES, map(float, data.evs), strict=True))
        for name, std in zip(OBSERVABLES, map(float, data.stds), strict=True):
            print(f"<{name}> = {evs[name]:+.3f} ± {std:.3f}")
        return {"angles": ANGLES.tolist(), "p11": p11, "evs": evs}

    # --8<-- [end:report]

    report(sweep.output, correlators.output)


example_ibm_quantum_qiskit()
