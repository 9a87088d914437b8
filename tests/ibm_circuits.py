"""Circuits of the IBM tests: ISA circuits for today's Heron fleet, and textbook ones.

IBM backends run only ISA circuits (gates of the backend's target, two-qubit gates on coupled
pairs). Every test that needs a job to *run* on an emulated IBM backend uses the ISA circuits
here; the textbook ones (``h``/``cx``) are for the tests that prove such circuits are refused,
or that transpile them first (``optimization_level``).
"""

from __future__ import annotations

#: A Hadamard in Heron's basis (cz, id, rz, sx, x): rz(pi/2) sx rz(pi/2), equal up to phase.
_H0 = "rz(pi/2) q[0];\nsx q[0];\nrz(pi/2) q[0];\n"
_H1 = "rz(pi/2) q[1];\nsx q[1];\nrz(pi/2) q[1];\n"

#: The Bell state on the coupled pair (0, 1) of every Heron: H q0; H q1; cz q0,q1; H q1.
ISA_BELL = (
    'OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nbit[2] c;\n'
    + _H0
    + _H1
    + "cz q[0], q[1];\n"
    + _H1
    + "c = measure q;\n"
)

#: A one-qubit ry(theta) sweep in Heron's basis with its fractional rx:
#: ry(theta) = rz(pi/2) rx(theta) rz(-pi/2).
ISA_RY_SWEEP = """OPENQASM 3.0;
include "stdgates.inc";
input float[64] theta;
qubit[1] q;
bit[1] meas;
rz(-pi/2) q[0];
rx(theta) q[0];
rz(pi/2) q[0];
meas[0] = measure q[0];
"""

#: The textbook Bell circuit: not an ISA circuit of any IBM backend (h and cx).
TEXTBOOK_BELL = (
    'OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nbit[2] c;\nh q[0];\ncx q[0], q[1];\n'
    "c = measure q;\n"
)

#: The same circuits without measurements, for the estimator.
ISA_BELL_NO_MEASURE = ISA_BELL.replace("bit[2] c;\n", "").replace("c = measure q;\n", "")
ISA_RY_NO_MEASURE = ISA_RY_SWEEP.replace("bit[1] meas;\n", "").replace(
    "meas[0] = measure q[0];\n", ""
)


# ---------------------------------------------------------------- the same, as qiskit objects


def qiskit_hadamard(circuit, qubit: int) -> None:
    """Append H in Heron's basis, rz(pi/2) sx rz(pi/2), to a qiskit ``QuantumCircuit``."""
    import math

    circuit.rz(math.pi / 2, qubit)
    circuit.sx(qubit)
    circuit.rz(math.pi / 2, qubit)


def qiskit_isa_bell(measure: bool = False):
    """The ISA Bell circuit as a qiskit ``QuantumCircuit`` (``measure_all`` when asked)."""
    from qiskit import QuantumCircuit

    circuit = QuantumCircuit(2)
    qiskit_hadamard(circuit, 0)
    qiskit_hadamard(circuit, 1)
    circuit.cz(0, 1)
    qiskit_hadamard(circuit, 1)
    if measure:
        circuit.measure_all()
    return circuit


def qiskit_isa_rotation(registers: str = "measure_all"):
    """ry(theta) on qubit 0 then cx(0, 1), in Heron's basis (fractional rx), measured.

    ``registers``: ``"measure_all"`` (register ``meas``) or ``"c"`` (a 2-bit register ``c``).
    """
    import math

    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter

    circuit = QuantumCircuit(2, 2) if registers == "c" else QuantumCircuit(2)
    circuit.rz(-math.pi / 2, 0)
    circuit.rx(Parameter("theta"), 0)
    circuit.rz(math.pi / 2, 0)
    qiskit_hadamard(circuit, 1)  # cx(0, 1) = H(1) cz(0, 1) H(1)
    circuit.cz(0, 1)
    qiskit_hadamard(circuit, 1)
    if registers == "c":
        circuit.measure([0, 1], [0, 1])
    else:
        circuit.measure_all()
    return circuit
