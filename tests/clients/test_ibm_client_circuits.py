"""Primitive inputs: OpenQASM checks, observables, parameter values and pubs, without a server."""

from __future__ import annotations

import numpy as np
import pytest

from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.clients.ibm import circuits

BELL = 'OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nbit[2] c;\nh q[0];\ncx q[0], q[1];\n'


@pytest.mark.parametrize(
    "text",
    [
        BELL,
        "  \n// a comment\n/* a block\ncomment */ OPENQASM 3.0; qubit q;",
        'include "stdgates.inc"; qubit[1] q;',  # the version line is optional in OpenQASM 3
        "qubit[2] q;",
        "OPENQASM 2.0;\nqreg q[1];",
    ],
)
def test_openqasm_strings_pass(text):
    assert circuits.circuit(text) == text


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ("   \n ", "empty"),
        ("bell.qasm", "does not look like OpenQASM"),
        ('{"gates": []}', "does not look like OpenQASM"),
        ("// only a comment", "does not look like OpenQASM"),
        ("h q[0];", "does not look like OpenQASM"),
    ],
)
def test_things_that_are_not_openqasm_are_refused(text, match):
    with pytest.raises(InvalidInputError, match=match):
        circuits.circuit(text, "circuits[0]")


def test_non_strings_are_refused_with_a_hint_about_qiskit():
    class QuantumCircuit:  # looks like qiskit's, is not
        pass

    with pytest.raises(InvalidInputError, match=r"circuits\[1\] must be an OpenQASM 3 string"):
        circuits.circuit(QuantumCircuit(), "circuits[1]")
    with pytest.raises(InvalidInputError, match="qiskit"):
        circuits.circuit(42)


def test_qpy_encoded_circuits_pass_unchanged():
    qpy = {"__type__": "QuantumCircuit", "__value__": "eJzL"}
    assert circuits.circuit(qpy) == qpy
    with pytest.raises(InvalidInputError, match="base64"):
        circuits.circuit({"__type__": "QuantumCircuit", "__value__": 3})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ZZ", {"ZZ": 1.0}),
        ("xz", {"XZ": 1.0}),
        ({"ZZ": 1, "XX": -0.5}, {"ZZ": 1.0, "XX": -0.5}),
        ({"ZZ": 1, "zz": 1}, {"ZZ": 2.0}),
        ({"ZI": complex(0.5, 0)}, {"ZI": 0.5}),
        ({"ZI": np.float64(0.25)}, {"ZI": 0.25}),
        (["ZZ", {"XX": 2}], [{"ZZ": 1.0}, {"XX": 2.0}]),
        ([["Z"], ["X"]], [[{"Z": 1.0}], [{"X": 1.0}]]),
    ],
)
def test_observables(value, expected):
    assert circuits.observables(value) == expected


@pytest.mark.parametrize(
    "value",
    ["", "ZA", {"ZZ": "one"}, {"ZZ": 1j}, {"ZZ": float("nan")}, {}, [], {"ZZ": True}, 5, None],
)
def test_bad_observables(value):
    with pytest.raises(InvalidInputError, match="observables"):
        circuits.observables(value, "observables")


def test_parameter_values():
    assert circuits.parameter_values([[0.1], [0.2]]) == [[0.1], [0.2]]
    assert circuits.parameter_values(np.array([[1.0, 2.0]])) == [[1.0, 2.0]]
    assert circuits.parameter_values({"theta": (0, 1)}) == {"theta": [0, 1]}
    assert circuits.parameter_values(None) is None
    for bad in (["a"], [float("inf")], [True], {"": [1]}, {1: [1]}):
        with pytest.raises(InvalidInputError):
            circuits.parameter_values(bad)


def test_sampler_pubs():
    assert circuits.sampler_pubs(BELL) == [[BELL]]
    assert circuits.sampler_pubs([BELL], 100) == [[BELL, None, 100]]
    assert circuits.sampler_pubs([(BELL, [[0.5]])]) == [[BELL, [[0.5]]]]
    assert circuits.sampler_pubs([(BELL, None, 10), BELL], 100) == [
        [BELL, None, 10],
        [BELL, None, 100],
    ]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: circuits.sampler_pubs([]), "empty"),
        (lambda: circuits.sampler_pubs([BELL], 0), "shots"),
        (lambda: circuits.sampler_pubs([(BELL, None, 1.5)]), r"circuits\[0\] shots"),
        (lambda: circuits.sampler_pubs([(BELL, None, 1, 2)]), r"circuits\[0\]"),
        (lambda: circuits.sampler_pubs([BELL, "nonsense"]), r"circuits\[1\]"),
    ],
)
def test_bad_sampler_input(call, match):
    with pytest.raises(InvalidInputError, match=match):
        call()


def test_estimator_pubs():
    assert circuits.estimator_pubs([BELL], "ZZ") == [[BELL, {"ZZ": 1.0}]]
    assert circuits.estimator_pubs([BELL, BELL], ["ZZ", ["XX", "YY"]], 0.01) == [
        [BELL, {"ZZ": 1.0}, None, 0.01],
        [BELL, [{"XX": 1.0}, {"YY": 1.0}], None, 0.01],
    ]
    assert circuits.estimator_pubs([(BELL, "ZZ", [[0.1]], 0.02)]) == [
        [BELL, {"ZZ": 1.0}, [[0.1]], 0.02]
    ]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: circuits.estimator_pubs([BELL]), "observables are required"),
        (lambda: circuits.estimator_pubs([BELL, BELL], ["ZZ"]), "one entry per circuit"),
        (lambda: circuits.estimator_pubs([(BELL, "ZZ")], "ZZ"), "must be None"),
        (lambda: circuits.estimator_pubs([(BELL, "ZZ"), BELL]), "all circuits or all"),
        (lambda: circuits.estimator_pubs([(BELL,)]), r"circuits\[0\]"),
        (lambda: circuits.estimator_pubs([BELL], "ZZ", 0), "precision"),
        (lambda: circuits.estimator_pubs([BELL], "ZZ", 2), "precision"),
    ],
)
def test_bad_estimator_input(call, match):
    with pytest.raises(InvalidInputError, match=match):
        call()


def test_primitive_params():
    params = circuits.primitive_params([[BELL]], {"default_shots": 10})
    assert params == {
        "pubs": [[BELL]],
        "options": {"default_shots": 10},
        "version": 2,
        "support_qiskit": True,
    }
    with pytest.raises(InvalidInputError, match="options"):
        circuits.primitive_params([[BELL]], ["not", "a", "mapping"])


def test_qiskit_objects_when_qiskit_is_installed():
    qiskit = pytest.importorskip("qiskit")
    from qiskit.quantum_info import Pauli, SparsePauliOp

    circuit = qiskit.QuantumCircuit(2, 2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure([0, 1], [0, 1])
    assert circuits.circuit(circuit).startswith("OPENQASM 3.0;")
    operator = SparsePauliOp.from_list([("ZZ", 1.0), ("XX", 0.5)])
    assert circuits.observable(operator) == {"ZZ": 1.0, "XX": 0.5}
    assert circuits.observable(Pauli("-ZZ")) == {"ZZ": -1.0}
    with pytest.raises(InvalidInputError, match="Hermitian"):
        circuits.observable(SparsePauliOp.from_list([("ZZ", 1j)]))
