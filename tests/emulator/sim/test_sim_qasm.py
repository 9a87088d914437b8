"""OpenQASM 2/3 parsing: declarations, gates, modifiers, definitions and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sim_helpers import HEADER, same_up_to_phase, unitary

from airflow_quantum_emulator.sim.circuit import GateOp, Measure, Reset
from airflow_quantum_emulator.sim.errors import QasmError, SimulationError
from airflow_quantum_emulator.sim.gates import gate_matrix
from airflow_quantum_emulator.sim.qasm import parse_qasm
from airflow_quantum_emulator.sim.sampling import sample_memory
from airflow_quantum_emulator.sim.statevector import final_state


def test_declarations_and_registers():
    circuit = parse_qasm(
        HEADER
        + """
        qubit[2] q;
        qubit a;
        qreg r[3];
        bit[2] c;
        bit flag;
        creg d[4];
        input float[64] theta;
        input float phi;
        input angle[32] alpha;
        """
    )
    assert circuit.num_qubits == 6
    assert circuit.qubit_registers == {"q": [0, 1], "a": [2], "r": [3, 4, 5]}
    assert list(circuit.clbit_registers.items()) == [("c", 2), ("flag", 1), ("d", 4)]
    assert circuit.parameters == ["theta", "phi", "alpha"]
    assert circuit.operations == []


def test_version_line_and_comments_are_optional():
    circuit = parse_qasm(
        """// a comment
        /* a block
           comment */ include "stdgates.inc";
        qubit q; h q; // trailing
        """
    )
    assert circuit.num_qubits == 1
    assert [op.base for op in circuit.operations] == ["h"]


@pytest.mark.parametrize("version", ["3", "3.0", "2.0"])
def test_version_numbers(version):
    assert parse_qasm(f"OPENQASM {version};").num_qubits == 0


def test_openqasm2_program():
    circuit = parse_qasm(
        """OPENQASM 2.0;
        include "qelib1.inc";
        qreg q[3];
        creg c[3];
        h q[0];
        cx q[0],q[1];
        CX q[1],q[2];
        u3(pi/2, 0, pi) q[0];
        u2(0, pi) q[0];
        u1(pi^2/pi) q[1];
        barrier q;
        measure q -> c;
        """
    )
    ops = [op for op in circuit.operations if isinstance(op, Measure)]
    assert [(op.qubit, op.clbit) for op in ops] == [(0, ("c", 0)), (1, ("c", 1)), (2, ("c", 2))]
    memory = sample_memory(circuit.bind(), 200, np.random.default_rng(1))
    strings = {"".join(str(b) for b in row[::-1]) for row in memory["c"]}
    assert strings == {"000", "111"}  # GHZ; u3(pi/2, 0, pi) and u2(0, pi) are both H


def test_qiskit_style_qasm3_output():
    source = """OPENQASM 3.0;
include "stdgates.inc";
input float[64] theta;
gate rzx(_gate_p_0) _gate_q_0, _gate_q_1 {
  h _gate_q_1;
  cx _gate_q_0, _gate_q_1;
  rz(_gate_p_0) _gate_q_1;
  cx _gate_q_0, _gate_q_1;
  h _gate_q_1;
}
bit[2] c;
qubit[2] q;
h q[0];
rzx(theta) q[0], q[1];
barrier q[0], q[1];
c[0] = measure q[0];
c[1] = measure q[1];
"""
    circuit = parse_qasm(source)
    assert circuit.parameters == ["theta"]
    assert [op.base for op in circuit.operations if isinstance(op, GateOp)] == [
        "h",
        "h",
        "x",
        "rz",
        "x",
        "h",
    ]


def test_expressions():
    circuit = parse_qasm(
        HEADER
        + """
        input float t;
        qubit q;
        rz(-pi/2 + 2*t) q;
        rz(π + τ - tau) q;
        rz(euler ** 2 - ℇ^2) q;
        rz(sin(pi/2) + cos(0) + tan(0) + arcsin(1) + arccos(1) + arctan(0)) q;
        rz(exp(0) + ln(1) + log(1) + sqrt(4)) q;
        rz(1.5e-1 + 2E1 + .5 + 1_000 + 0x10) q;
        rz(-(-t)) q;
        rz(2**-1) q;
        """
    )
    values = [op.params[0].evaluate({"t": 0.25}) for op in circuit.operations]
    expected = [
        -math.pi / 2 + 0.5,
        math.pi,
        0.0,
        2 + math.pi / 2,
        1 + 2,
        0.15 + 20 + 0.5 + 1000 + 16,
        0.25,
        0.5,
    ]
    assert values == pytest.approx(expected)


def test_broadcasting_ranges_and_sets():
    circuit = parse_qasm(
        HEADER
        + """
        qubit[3] q;
        qubit[3] r;
        qubit a;
        h q;
        cx q, r;
        cx a, q;
        x q[0:1];
        x q[{0, 2}];
        x q[-1];
        z q[0:2:2];
        """
    )
    pairs = [(op.base, op.controls, op.targets) for op in circuit.operations]
    assert pairs == [
        ("h", (), (0,)),
        ("h", (), (1,)),
        ("h", (), (2,)),
        ("x", (0,), (3,)),
        ("x", (1,), (4,)),
        ("x", (2,), (5,)),
        ("x", (6,), (0,)),
        ("x", (6,), (1,)),
        ("x", (6,), (2,)),
        ("x", (), (0,)),
        ("x", (), (1,)),
        ("x", (), (0,)),
        ("x", (), (2,)),
        ("x", (), (2,)),
        ("z", (), (0,)),
        ("z", (), (2,)),
    ]


def test_measure_syntaxes():
    circuit = parse_qasm(
        HEADER
        + """
        qubit[2] q;
        bit[2] c;
        bit[2] d = measure q;
        bit b;
        c = measure q;
        c[1] = measure q[0];
        b = measure q[1];
        measure q[0] -> c[0];
        measure q;
        reset q[1];
        reset q;
        """
    )
    kinds = [(type(op).__name__, op.qubit, getattr(op, "clbit", None)) for op in circuit.operations]
    assert kinds == [
        ("Measure", 0, ("d", 0)),
        ("Measure", 1, ("d", 1)),
        ("Measure", 0, ("c", 0)),
        ("Measure", 1, ("c", 1)),
        ("Measure", 0, ("c", 1)),
        ("Measure", 1, ("b", 0)),
        ("Measure", 0, ("c", 0)),
        ("Measure", 0, None),
        ("Measure", 1, None),
        ("Reset", 1, None),
        ("Reset", 0, None),
        ("Reset", 1, None),
    ]


def test_delay_barrier_and_gphase_have_no_visible_effect():
    circuit = parse_qasm(
        HEADER + "qubit[2] q; delay[100ns] q[0]; delay[20dt] q; barrier; gphase(pi/3); h q[0];"
    )
    state = final_state(circuit.bind())
    assert np.allclose(np.abs(state) ** 2, [0.5, 0.5, 0, 0])


def test_user_gate_definition():
    source = (
        HEADER
        + """
        gate bell a, b { h a; cx a, b; }
        gate twist(t, u) a { rz(t) a; ry(u / 2) a; }
        gate nested(t) a, b { bell a, b; twist(t, 2 * t) b; }
        qubit[2] q;
        nested(0.3) q[0], q[1];
        """
    )
    reference = HEADER + "qubit[2] q; h q[0]; cx q[0], q[1]; rz(0.3) q[1]; ry(0.3) q[1];"
    assert np.allclose(unitary(source), unitary(reference))


def test_user_gates_shadow_standard_names():
    # Qiskit writes definitions for gates outside stdgates.inc, sometimes with standard names.
    source = (
        HEADER + "gate rzz(t) a, b { cx a, b; rz(t) b; cx a, b; } qubit[2] q; rzz(0.7) q[0], q[1];"
    )
    assert np.allclose(unitary(source), gate_matrix("rzz", (0.7,)))


def test_modifiers_match_standard_gates():
    assert np.allclose(
        unitary(HEADER + "qubit[2] q; ctrl @ x q[0], q[1];"),
        unitary(HEADER + "qubit[2] q; cx q[0], q[1];"),
    )
    assert np.allclose(unitary(HEADER + "qubit q; inv @ s q;"), gate_matrix("sdg"))
    assert np.allclose(unitary(HEADER + "qubit q; pow(2) @ s q;"), gate_matrix("z"))
    assert np.allclose(unitary(HEADER + "qubit q; pow(-1) @ t q;"), gate_matrix("tdg"))
    assert np.allclose(
        unitary(HEADER + "qubit q; inv @ pow(3) @ t q;"), gate_matrix("p", (-3 * math.pi / 4,))
    )
    assert np.allclose(
        unitary(HEADER + "qubit[3] q; ctrl(2) @ x q[0], q[1], q[2];"),
        unitary(HEADER + "qubit[3] q; ccx q[0], q[1], q[2];"),
    )
    assert np.allclose(
        unitary(HEADER + "qubit[3] q; ctrl @ ctrl @ x q[0], q[1], q[2];"),
        unitary(HEADER + "qubit[3] q; ccx q[0], q[1], q[2];"),
    )
    assert np.allclose(
        unitary(HEADER + "qubit[2] q; negctrl @ x q[0], q[1];"),
        unitary(HEADER + "qubit[2] q; x q[0]; cx q[0], q[1]; x q[0];"),
    )
    assert np.allclose(
        unitary(HEADER + "qubit[2] q; ctrl @ gphase(pi/2) q[0];"),
        unitary(HEADER + "qubit[2] q; s q[0];"),
    )


def test_modifiers_on_user_gates():
    definition = HEADER + "gate g(t) a, b { h a; cx a, b; rz(t) b; }\n"
    forward = unitary(definition + "qubit[2] q; g(0.4) q[0], q[1];")
    inverse = unitary(definition + "qubit[2] q; inv @ g(0.4) q[0], q[1];")
    assert np.allclose(inverse, forward.conj().T)
    squared = unitary(definition + "qubit[2] q; pow(2) @ g(0.4) q[0], q[1];")
    assert np.allclose(squared, forward @ forward)
    controlled = unitary(definition + "qubit[3] q; ctrl @ g(0.4) q[2], q[0], q[1];")
    expected = np.eye(8, dtype=complex)
    expected[4:, 4:] = forward  # control is qubit 2, the most significant
    assert np.allclose(controlled, expected)


GATE_IDENTITIES = [
    # (program, reference program), exact equality (global phase included)
    ("U(0.3, 0.2, 0.1) q[0];", "u3(0.3, 0.2, 0.1) q[0];"),
    ("u(0.3, 0.2, 0.1) q[0];", "u3(0.3, 0.2, 0.1) q[0];"),
    ("u2(0.2, 0.1) q[0];", "u3(pi/2, 0.2, 0.1) q[0];"),
    ("u1(0.5) q[0];", "p(0.5) q[0];"),
    ("phase(0.5) q[0];", "p(0.5) q[0];"),
    ("sx q[0]; sx q[0];", "x q[0];"),
    ("sxdg q[0]; sx q[0];", "id q[0];"),
    ("s q[0]; s q[0];", "z q[0];"),
    ("t q[0]; t q[0];", "s q[0];"),
    ("h q[0]; z q[0]; h q[0];", "x q[0];"),
    ("rx(0.3) q[0];", "h q[0]; rz(0.3) q[0]; h q[0];"),
    ("cz q[0], q[1];", "h q[1]; cx q[0], q[1]; h q[1];"),
    ("cy q[0], q[1];", "sdg q[1]; cx q[0], q[1]; s q[1];"),
    ("swap q[0], q[1];", "cx q[0], q[1]; cx q[1], q[0]; cx q[0], q[1];"),
    ("dcx q[0], q[1];", "cx q[0], q[1]; cx q[1], q[0];"),
    (
        "cp(0.7) q[0], q[1];",
        "u1(0.35) q[0]; cx q[0], q[1]; u1(-0.35) q[1]; cx q[0], q[1]; u1(0.35) q[1];",
    ),
    ("cu1(0.7) q[0], q[1];", "cp(0.7) q[0], q[1];"),
    ("cphase(0.7) q[0], q[1];", "cp(0.7) q[0], q[1];"),
    (
        "cu3(0.3, 0.2, 0.1) q[0], q[1];",
        "u1((0.1+0.2)/2) q[0]; u1((0.1-0.2)/2) q[1]; cx q[0], q[1];"
        "u3(-0.3/2, 0, -(0.2+0.1)/2) q[1]; cx q[0], q[1]; u3(0.3/2, 0.2, 0) q[1];",
    ),
    ("cu(0.3, 0.2, 0.1, 0.4) q[0], q[1];", "p(0.4) q[0]; ctrl @ U(0.3, 0.2, 0.1) q[0], q[1];"),
    ("crz(0.6) q[0], q[1];", "rz(0.3) q[1]; cx q[0], q[1]; rz(-0.3) q[1]; cx q[0], q[1];"),
    ("cry(0.6) q[0], q[1];", "ry(0.3) q[1]; cx q[0], q[1]; ry(-0.3) q[1]; cx q[0], q[1];"),
    ("rzz(0.6) q[0], q[1];", "cx q[0], q[1]; rz(0.6) q[1]; cx q[0], q[1];"),
    ("rxx(0.6) q[0], q[1];", "h q; rzz(0.6) q[0], q[1]; h q;"),
    ("rzx(0.6) q[0], q[1];", "h q[1]; cx q[0], q[1]; rz(0.6) q[1]; cx q[0], q[1]; h q[1];"),
    ("ecr q[0], q[1];", "rzx(pi/4) q[0], q[1]; x q[0]; rzx(-pi/4) q[0], q[1];"),
    ("iswap q[0], q[1];", "s q[0]; s q[1]; h q[0]; cx q[0], q[1]; cx q[1], q[0]; h q[1];"),
    ("r(0.5, 0.2) q[0];", "rz(-0.2) q[0]; rx(0.5) q[0]; rz(0.2) q[0];"),
    ("cswap q[0], q[1], q[2];", "cx q[2], q[1]; ccx q[0], q[1], q[2]; cx q[2], q[1];"),
    ("c3x q[0], q[1], q[2], q[3];", "ctrl(3) @ x q[0], q[1], q[2], q[3];"),
    ("c3sqrtx q[0], q[1], q[2], q[3];", "ctrl(3) @ sx q[0], q[1], q[2], q[3];"),
    ("csx q[0], q[1];", "ctrl @ sx q[0], q[1];"),
    ("ch q[0], q[1];", "ctrl @ h q[0], q[1];"),
    ("cnot q[0], q[1];", "CX q[0], q[1];"),
]


@pytest.mark.parametrize(("program", "reference"), GATE_IDENTITIES)
def test_gate_identities(program, reference):
    declare = "qubit[4] q;\n"
    got = unitary(HEADER + declare + program)
    want = unitary(HEADER + declare + reference)
    assert np.allclose(got, want, atol=1e-9)


def test_documented_matrices():
    # Qiskit's documented matrices (little-endian: first qubit argument = least significant).
    ecr = np.array([[0, 1, 0, 1j], [1, 0, -1j, 0], [0, 1j, 0, 1], [-1j, 0, 1, 0]]) / math.sqrt(2)
    assert np.allclose(gate_matrix("ecr"), ecr)
    dcx = np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 1, 0, 0], [0, 0, 1, 0]])
    assert np.allclose(gate_matrix("dcx"), dcx)
    assert np.allclose(gate_matrix("sx"), np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]]) / 2)
    cx = unitary(HEADER + "qubit[2] q; cx q[0], q[1];")
    assert np.allclose(cx, [[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]])


def test_relative_phase_toffolis_act_like_toffolis_on_magnitudes():
    for name, arity in (("rccx", 3), ("rc3x", 4)):
        args = ", ".join(f"q[{i}]" for i in range(arity))
        got = unitary(f'OPENQASM 2.0; include "qelib1.inc"; qreg q[{arity}]; {name} {args};')
        controls = ", ".join(f"q[{i}]" for i in range(arity - 1))
        toffoli = unitary(
            f"{HEADER}qubit[{arity}] q; ctrl({arity - 1}) @ x {controls}, q[{arity - 1}];"
        )
        assert np.allclose(np.abs(got), np.abs(toffoli))
        assert not same_up_to_phase(got, toffoli)


def test_physical_qubits_are_allocated_implicitly():
    circuit = parse_qasm(
        HEADER + "bit[2] c; h $3; cx $3, $150; c[0] = measure $3; c[1] = measure $150;"
    )
    assert circuit.num_qubits == 151
    assert circuit.uses_physical_qubits
    assert circuit.qubit_registers == {}


# -- errors ---------------------------------------------------------------------------------------

QASM_ERRORS = [
    ("qubit[2] q;\nfoo q[0];", 2, "unknown gate 'foo'"),
    ("qubit[2] q;\ncx q[0];", 2, "acts on 2 qubit(s), got 1"),
    ("qubit[2] q;\nrz q[0];", 2, "takes 1 parameter(s), got 0"),
    ("qubit[2] q;\nh q[0], q[1];", 2, "acts on 1 qubit(s), got 2"),
    ("qubit[2] q;\nh r[0];", 2, "'r' is not declared"),
    ("qubit[2] q;\nh q[2];", 2, "index 2 is out of range"),
    ("qubit[2] q;\nbit[1] c;\nc[3] = measure q[0];", 3, "index 3 is out of range"),
    ("qubit[2] q;\nh q[0]", 2, "expected ';'"),
    ("qubit[2] q;\nh q[0];;", 2, "expected a statement"),
    ("qubit[2] q;\n\nrz(pi/) q[0];", 3, "expected an expression"),
    ("qubit[2] q;\nrz(theta) q[0];", 2, "unknown identifier 'theta'"),
    ("qubit[2] q;\nrz(1/0) q[0];", 2, "division by zero"),
    ("qubit[2] q;\nrz(sqrt(-1)) q[0];", 2, "math domain error"),
    ("qubit[2] q;\ncx q[0], q[0];", 2, "duplicate qubit"),
    ("qubit[2] q;\nqubit[3] r;\ncx q, r;", 3, "different sizes"),
    ("qubit[2] q;\nqubit[2] q;", 2, "already declared"),
    ("qubit[2] q;\nbit[2] c;\nc = measure q[0];", 3, "cannot measure 1 qubit(s) into 2 bit(s)"),
    ("qubit[2] q;\nbit[2] c;\nif (c[0] && c[1]) x q[0];", 3, "unsupported: conditions joining"),
    ("qubit[2] q;\nwhile (true) { x q[0]; }", 2, "unsupported: control flow"),
    ("qubit[2] q;\nfor uint i in [0:2] { break; }", 2, "unsupported: control flow"),
    ("def f(qubit a) { x a; }", 1, "unsupported: subroutines"),
    ("bit[2] c;\nc[0] = 1;", 2, "unsupported: classical assignments"),
    ("bit[2] c;\nc += 1;", 2, "unsupported: classical assignments"),
    ("int[32] n = 3;", 1, "unsupported: classical expressions"),
    ("input int n;", 1, "unsupported: input of type 'int'"),
    ("opaque g a;", 1, "opaque gates cannot be simulated"),
    ('include "other.inc";', 1, "unsupported include"),
    ("qubit q;\nOPENQASM 3.0;", 2, "must be the first statement"),
    ("qubit[2] q;\ngate g a { h a;\n", 3, "missing '}'"),
    ("gate g a { g a; }", 1, "cannot call itself"),
    ("gate g a { h b; }", 1, "not a qubit argument"),
    ("gate g a { measure a; }", 1, "not allowed inside gate"),
    ("qubit q;\npow(0.5) @ x q;", 2, "integer constant"),
    ("qubit[2] q;\nctrl(0) @ x q[0];", 2, "control count must be at least 1"),
    ("qubit q;\nx q;\n/* open", 3, "unterminated"),
    ("qubit q;\nx q; #", 2, "unexpected character '#'"),
    ("qubit[2] q;\nx $0;", 2, "cannot mix physical qubits"),
    ("qubit q;\nrz(1e999) q;", 2, "not finite"),
    ("qubit q;\nrz(1._5) q;", 2, "invalid or too large number"),
    ("qubit q;\nh q[0];", 2, "not a register"),
    ("qubit pi;", 1, "reserved name"),
]


@pytest.mark.parametrize(("body", "line", "message"), QASM_ERRORS)
def test_qasm_errors_report_the_line(body, line, message):
    with pytest.raises(QasmError) as info:
        parse_qasm('include "stdgates.inc";\n' + body)
    assert info.value.line == line + 1
    assert f"line {line + 1}:" in str(info.value)
    assert message in str(info.value)


def test_unknown_version():
    with pytest.raises(QasmError, match=r"line 1: unsupported OpenQASM version 4\.0"):
        parse_qasm("OPENQASM 4.0;")


def test_standard_gates_need_an_include():
    with pytest.raises(QasmError, match=r'unknown gate .h. \(add include "stdgates.inc"'):
        parse_qasm("qubit q; h q;")
    # The builtins need none.
    assert len(parse_qasm("qubit[2] q; U(0, 0, 0) q[0]; CX q[0], q[1]; gphase(1);").operations) == 3


def test_qasm_error_is_a_simulation_error():
    assert issubclass(QasmError, SimulationError)
    assert issubclass(SimulationError, ValueError)


def test_huge_programs_and_nesting_are_rejected_cleanly():
    with pytest.raises(QasmError, match="too deeply nested"):
        parse_qasm('include "stdgates.inc"; qubit q; rz(' + "(" * 500 + "1" + ")" * 500 + ") q;")
    with pytest.raises(QasmError, match="more than"):
        parse_qasm('include "stdgates.inc"; gate g a { x a; x a; } qubit q; pow(10000000) @ g q;')
    with pytest.raises(SimulationError):
        parse_qasm(123)  # type: ignore[arg-type]


def test_reset_and_measure_ops_have_the_right_types():
    circuit = parse_qasm(HEADER + "qubit q; bit c; reset q; c = measure q;")
    assert isinstance(circuit.operations[0], Reset)
    assert isinstance(circuit.operations[1], Measure)
