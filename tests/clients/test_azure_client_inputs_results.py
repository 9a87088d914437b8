"""QIO/IonQ input helpers (checked before sending) and result decoders on known payloads."""

from __future__ import annotations

import json
import math

import pytest

from airflow_quantum.clients.azure.inputs import (
    check_qio_problem,
    check_shots,
    ionq_circuit,
    qio_input_params,
    qio_problem,
)
from airflow_quantum.clients.azure.results import bitstring, decode_results
from airflow_quantum.clients.errors import BadResponseError, InvalidInputError

# ------------------------------------------------------------------ QIO problems


def test_qio_problem_from_tuples_and_dicts():
    document = qio_problem([(3, [0, 1]), {"c": -2.5, "ids": (2,)}], name="demo")
    assert document == {
        "cost_function": {
            "version": "1.0",
            "type": "ising",
            "terms": [{"c": 3, "ids": [0, 1]}, {"c": -2.5, "ids": [2]}],
        },
        "metadata": {"name": "demo"},
    }
    pubo = qio_problem([(1, [0])], problem_type="pubo", initial_configuration={0: 1, "1": 0})
    assert pubo["cost_function"]["version"] == "1.1"
    assert pubo["cost_function"]["initial_configuration"] == {"0": 1, "1": 0}


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ([], "empty"),
        ([(math.nan, [0])], r"terms\[0\]\.c must be finite"),
        ([(1, [0]), (math.inf, [1])], r"terms\[1\]\.c must be finite"),
        ([(1, [0]), ("2", [1])], r"terms\[1\]\.c must be a number"),
        ([(True, [0])], r"terms\[0\]\.c must be a number"),
        ([(1, [-1])], r"terms\[0\]\.ids must be non-negative integers"),
        ([(1, [0]), (1, [0.5])], r"terms\[1\]\.ids"),
        ([(1, [True])], r"terms\[0\]\.ids"),
        ([(1, "01")], r"terms\[0\]\.ids must be a list"),
        ([(1,)], r"terms\[0\] must be"),
        ([{"ids": [0]}], r"terms\[0\] has no coefficient"),
        ("3x+1", "terms must be a list"),
    ],
)
def test_bad_terms_name_the_index(terms, message):
    with pytest.raises(InvalidInputError, match=message):
        qio_problem(terms)


def test_qio_problem_arguments():
    with pytest.raises(InvalidInputError, match="exactly one"):
        qio_problem()
    with pytest.raises(InvalidInputError, match="problem_type"):
        qio_problem([(1, [0])], problem_type="qubo")
    with pytest.raises(InvalidInputError, match="initial_configuration"):
        qio_problem([(1, [0])], initial_configuration={0: 0})  # ising spins are +-1


def test_whole_problem_documents_are_checked():
    grouped = {
        "cost_function": {
            "type": "pubo_grouped",
            "version": "1.0",
            "terms": [],
            "terms_slc": [{"c": 2, "terms": [{"c": 1, "ids": [0]}, {"c": -1, "ids": [1]}]}],
        }
    }
    assert check_qio_problem(grouped)["cost_function"]["terms_slc"][0]["c"] == 2
    for bad, message in [
        ({"cost_function": {"type": "ising"}}, "terms is missing"),
        ({"cost_function": {"type": "maxcut", "terms": []}}, "type must be one of"),
        ({"cost_function": {"type": "ising", "terms": [{"c": 1, "ids": [-3]}]}}, r"terms\[0\]"),
        ({"cost_function": {"type": "ising", "terms_slc": []}}, "grouped"),
        ({}, "cost_function"),
    ]:
        with pytest.raises(InvalidInputError, match=message):
            check_qio_problem(bad)


def test_qio_params():
    assert qio_input_params({"sweeps": 10, "seed": 3}) == {"params": {"sweeps": 10, "seed": 3}}
    assert qio_input_params(None) == {"params": {}}
    with pytest.raises(InvalidInputError, match="beta_start"):
        qio_input_params({"beta_start": math.nan})
    with pytest.raises(InvalidInputError):
        qio_input_params({"sweeps": object()})


# ------------------------------------------------------------------ IonQ circuits


def test_ionq_circuit_infers_qubits_and_keeps_gates():
    document = ionq_circuit(
        [{"gate": "h", "target": 0}, {"gate": "cnot", "control": 0, "target": 2}]
    )
    assert document["qubits"] == 3 and len(document["circuit"]) == 2
    whole = ionq_circuit({"qubits": 2, "circuit": [{"gate": "rx", "target": 1, "rotation": 0.5}]})
    assert whole["qubits"] == 2
    native = ionq_circuit(
        [
            {"gate": "ms", "targets": [0, 1], "phases": [0, 0.25]},
            {"gate": "gpi", "target": 0, "phase": 0},
        ],
        gateset="native",
    )
    assert native["gateset"] == "native"


@pytest.mark.parametrize(
    ("circuit", "qubits", "message"),
    [
        ([], None, "empty"),
        ([{"gate": "h", "target": 0}], 0, "qubits must be"),
        ([{"gate": "h", "target": 2}], 2, r"circuit\[0\]: qubit 2 is out of range"),
        ([{"gate": "h"}], 1, r"circuit\[0\]: h needs 'target'"),
        ([{"gate": "h", "target": 0}, {"gate": "cnot", "target": 1}], 2, r"circuit\[1\]: cnot"),
        ([{"gate": "foo", "target": 0}], 1, r"circuit\[0\]: unknown qis gate"),
        ([{"gate": "rx", "target": 0}], 1, r"circuit\[0\]: rx needs a numeric 'rotation'"),
        ([{"gate": "rx", "target": 0, "rotation": math.inf}], 1, "finite"),
        ([{"gate": "swap", "targets": [0]}], 2, "exactly two targets"),
        ([{"gate": "cnot", "control": 0, "target": 0}], 2, "twice|both control and target"),
        ([{"gate": "h", "target": True}], 2, "integers"),
        (["h 0"], 1, r"circuit\[0\] must be an object"),
        ("h q[0];", 1, "list of gates"),
    ],
)
def test_bad_circuits_name_the_gate(circuit, qubits, message):
    with pytest.raises(InvalidInputError, match=message):
        ionq_circuit(circuit, qubits)


def test_shots():
    assert check_shots(100) == 100
    for bad in (0, -1, 1.5, True, "100", 10**7):
        with pytest.raises(InvalidInputError, match="shots"):
            check_shots(bad)


# ------------------------------------------------------------------ result decoders


def test_qio_results_best_solution_and_all_solutions():
    payload = {
        "version": "1.0",
        "configuration": {"0": 1, "1": -1},
        "cost": -5.0,
        "parameters": {"sweeps": 100},
        "solutions": [
            {"configuration": {"0": 1, "1": -1}, "cost": -5.0},
            {"configuration": {"0": -1, "1": -1}, "cost": -1.0},
        ],
    }
    decoded = decode_results(json.dumps(payload).encode(), "microsoft.qio-results.v2")
    assert decoded["configuration"] == {"0": 1, "1": -1} and decoded["cost"] == -5.0
    assert len(decoded["solutions"]) == 2 and decoded["parameters"] == {"sweeps": 100}
    older = decode_results(
        {
            "solutions": [
                {"configuration": {"0": 1}, "cost": 2},
                {"configuration": {"0": -1}, "cost": -2},
            ]
        },
        "microsoft.qio-results.v2",
    )
    assert older["cost"] == -2.0 and older["configuration"] == {"0": -1}
    only_best = decode_results({"configuration": {"3": 1}, "cost": 0}, "microsoft.qio-results.v2")
    assert only_best["solutions"] == [{"configuration": {"3": 1}, "cost": 0.0}]


def test_ionq_results_with_and_without_qubit_count():
    payload = b'{"histogram": {"0": 0.5, "3": 0.5}}'
    assert decode_results(payload, "ionq.quantum-results.v1") == {
        "format": "ionq.quantum-results.v1",
        "histogram": {"0": 0.5, "3": 0.5},
    }
    decoded = decode_results(payload, "ionq.quantum-results.v1", qubits=2)
    assert decoded["probabilities"] == {"00": 0.5, "11": 0.5}
    one = decode_results({"histogram": {"1": 1.0}}, "ionq.quantum-results.v1", qubits=3)
    assert one["probabilities"] == {"001": 1.0}  # qubit 0 is the rightmost bit
    assert bitstring(6, 3) == "110"
    with pytest.raises(BadResponseError, match="beyond"):
        decode_results({"histogram": {"4": 1.0}}, "ionq.quantum-results.v1", qubits=2)


def test_microsoft_quantum_results_v1_and_v2():
    v1 = decode_results({"Histogram": ["[0]", 0.5, "[1]", 0.5]}, "microsoft.quantum-results.v1")
    assert v1["probabilities"] == {"[0]": 0.5, "[1]": 0.5}
    v2_payload = {
        "DataFormat": "microsoft.quantum-results.v2",
        "Results": [
            {
                "Histogram": [
                    {"Outcome": [0, 0], "Display": "[0, 0]", "Count": 3},
                    {"Outcome": [1, 1], "Display": "[1, 1]", "Count": 1},
                ],
                "Shots": [[0, 0], [0, 0], [1, 1], [0, 0]],
            }
        ],
    }
    v2 = decode_results(v2_payload, "microsoft.quantum-results.v2")
    assert v2["counts"] == {"[0, 0]": 3, "[1, 1]": 1} and v2["shots"] == 4
    assert v2["probabilities"] == {"[0, 0]": 0.75, "[1, 1]": 0.25}
    assert len(v2["results"]) == 1


def test_quantinuum_counts_per_register():
    decoded = decode_results(
        {"c0": ["11", "00", "11"], "c1": ["1", "0", "1"]}, "honeywell.quantum-results.v1"
    )
    assert decoded["counts"] == {"c0": {"00": 1, "11": 2}, "c1": {"0": 1, "1": 2}}
    assert decoded["shots"] == 3
    with pytest.raises(BadResponseError, match="different numbers of shots"):
        decode_results({"c0": ["1"], "c1": ["1", "0"]}, "honeywell.quantum-results.v1")
    with pytest.raises(BadResponseError, match="bitstring"):
        decode_results({"c0": ["12"]}, "honeywell.quantum-results.v1")


def test_unknown_formats_come_back_parsed_with_their_name():
    assert decode_results(b'{"anything": [1]}', "rigetti.quil-results.v1") == {
        "format": "rigetti.quil-results.v1",
        "data": {"anything": [1]},
    }


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b"\xff\xfe", "microsoft.qio-results.v2"),
        (b"not json", "ionq.quantum-results.v1"),
        (b"[]", "microsoft.qio-results.v2"),
        (b'{"histogram": {"x": 1}}', "ionq.quantum-results.v1"),
        (b'{"Histogram": ["[0]"]}', "microsoft.quantum-results.v1"),
        (b'{"Results": [{"Histogram": [{"Count": 1}]}]}', "microsoft.quantum-results.v2"),
        (b'{"cost": 1}', "microsoft.qio-results.v2"),
        (b'{"c0": "11"}', "honeywell.quantum-results.v1"),
    ],
)
def test_malformed_results_raise_bad_response(data, fmt):
    with pytest.raises(BadResponseError):
        decode_results(data, fmt)
