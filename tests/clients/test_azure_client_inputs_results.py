"""Input helpers (checked before sending), retired targets, result decoders on known payloads."""

from __future__ import annotations

import json
import math

import pytest

from airflow_quantum.clients.azure.inputs import (
    check_shots,
    ionq_circuit,
    qir_input_params,
    qir_program,
    quantinuum_program,
)
from airflow_quantum.clients.azure.results import bitstring, decode_results
from airflow_quantum.clients.azure.targets import check_current
from airflow_quantum.clients.errors import BadResponseError, InvalidInputError, RetiredTargetError

# ------------------------------------------------------------------ Quantinuum and QIR

BELL_QASM2 = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\nh q[0];\n'


def test_quantinuum_programs_must_be_openqasm_2_text():
    assert quantinuum_program("// a comment\n" + BELL_QASM2).endswith("h q[0];\n")
    for bad, message in (
        (b"OPENQASM 2.0;", "OpenQASM 2 text"),
        ("   ", "empty"),
        ('OPENQASM 3.0;\ninclude "stdgates.inc";', "OPENQASM 2.0"),
    ):
        with pytest.raises(InvalidInputError, match=message):
            quantinuum_program(bad)


def test_qir_programs_are_bitcode_or_llvm_text():
    bitcode = b"BC\xc0\xde\x35\x14"
    assert qir_program(bitcode) == bitcode
    text = "define void @main() #0 {\nentry:\n  ret void\n}\n"
    assert qir_program(text) == text.encode()
    assert qir_program(text.encode()) == text.encode()
    for bad, message in (
        (b"\xff\xfe\x00", "neither LLVM bitcode"),
        ("; only a comment", "defines no function"),
        (42, "bitcode \\(bytes\\) or LLVM text"),
    ):
        with pytest.raises(InvalidInputError, match=message):
            qir_program(bad)


def test_qir_input_params_as_the_official_client_sends_them():
    assert qir_input_params() == {"arguments": []}
    assert qir_input_params(entry_point="main", shots=10, extra={"errorBudget": 0.01}) == {
        "entryPoint": "main",
        "arguments": [],
        "shots": 10,
        "errorBudget": 0.01,
    }
    batch = qir_input_params(items=[{"errorBudget": 0.1}, {"errorBudget": 0.01}])
    assert batch["items"] == [{"errorBudget": 0.1}, {"errorBudget": 0.01}]
    for kwargs, message in (
        ({"entry_point": ""}, "entry_point"),
        ({"arguments": "x"}, "arguments must be a list"),
        ({"shots": 0}, "shots"),
        ({"items": []}, "items"),
        ({"items": [3]}, "every item"),
    ):
        with pytest.raises(InvalidInputError, match=message):
            qir_input_params(**kwargs)


def test_retired_targets_and_the_qio_format_are_refused_naming_a_replacement():
    for target, instead in (
        ("microsoft.simulatedannealing.cpu", "ionq.simulator"),
        ("Microsoft.Tabu-ParameterFree.CPU", "microsoft.estimator"),
        ("quantinuum.sim.h1-1e", "quantinuum.sim.h2-1e"),
        ("quantinuum.qpu.h1-2", "helios-1"),
    ):
        with pytest.raises(RetiredTargetError, match="retired") as raised:
            check_current(target)
        assert instead in str(raised.value)
    with pytest.raises(RetiredTargetError, match=r"microsoft\.qio\.v2"):
        check_current("ionq.simulator", "microsoft.qio.v2")
    for current in ("ionq.simulator", "quantinuum.sim.h2-1e", "microsoft.estimator"):
        check_current(current, "qir.v1")  # no error


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


def test_rigetti_readout_counted_by_bitstring_highest_index_first():
    payload = {"ro": [[1, 0], [1, 0], [0, 0]], "theta": [[0.5], [0.5], [0.5]]}
    decoded = decode_results(json.dumps(payload), "rigetti.quil-results.v1")
    assert decoded["counts"] == {"ro": {"00": 1, "01": 2}}  # REAL regions are not counted
    assert decoded["shots"] == 3 and decoded["readout"] == payload
    with pytest.raises(BadResponseError, match="numbers of shots"):
        decode_results({"ro": [[0]], "b": [[0], [1]]}, "rigetti.quil-results.v1")


def test_resource_estimates_single_and_batched():
    estimate = {
        "status": "success",
        "physicalCounts": {
            "physicalQubits": 16856,
            "runtime": 36400,
            "breakdown": {"algorithmicLogicalQubits": 12},
        },
        "logicalQubit": {"codeDistance": 7, "physicalQubits": 98},
    }
    decoded = decode_results(json.dumps(estimate), "microsoft.resource-estimates.v1")
    assert decoded["format"] == "microsoft.resource-estimates.v1"
    assert (decoded["physical_qubits"], decoded["runtime_ns"]) == (16856, 36400)
    assert (decoded["code_distance"], decoded["logical_qubits"]) == (7, 12)
    assert decoded["estimate"] == estimate
    batch = decode_results([estimate, estimate], "microsoft.resource-estimates.v1")
    assert [item["physical_qubits"] for item in batch["items"]] == [16856, 16856]
    with pytest.raises(BadResponseError, match="physicalCounts"):
        decode_results({"status": "success"}, "microsoft.resource-estimates.v1")


def test_unknown_formats_come_back_parsed_with_their_name():
    assert decode_results(b'{"anything": [1]}', "vendor.future-results.v1") == {
        "format": "vendor.future-results.v1",
        "data": {"anything": [1]},
    }


@pytest.mark.parametrize(
    "payload",
    [b'{"counter": {"10": 3, "01": 5, "00": 2}}', b'{"10": 3, "01": 5, "00": 2}'],
    ids=["counter", "bare"],
)
def test_pasqal_counts_keep_pulsers_bit_order(payload):
    assert decode_results(payload, "pasqal.pulser-results.v1") == {
        "format": "pasqal.pulser-results.v1",
        "counts": {"00": 2, "01": 5, "10": 3},
        "shots": 10,
    }


@pytest.mark.parametrize(
    "payload",
    [{"counter": {"1x": 3}}, {"counter": {"01": -1}}, {"counter": [1]}, [1, 2]],
    ids=["not-bits", "negative", "not-object", "list"],
)
def test_malformed_pasqal_results_are_bad_responses(payload):
    with pytest.raises(BadResponseError):
        decode_results(payload, "pasqal.pulser-results.v1")


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
