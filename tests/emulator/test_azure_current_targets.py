"""Today's targets over the wire: retired ones refused, QIR simulated, resources estimated."""

from __future__ import annotations

import pytest
from azure_support import (
    BELL,
    ESTIMATOR,
    IONQ,
    IONQ_QIR,
    ISING,
    QASM_BELL,
    QIO,
    QUANTINUUM,
    QUANTINUUM_QIR,
    AzureWire,
    bell_qir,
)


@pytest.fixture
def wire(emulator) -> AzureWire:
    return AzureWire(emulator.url)


@pytest.mark.parametrize(
    ("kind", "payload", "replacement"),
    [
        (QIO, ISING, "ionq.simulator"),
        (("microsoft", "microsoft.tabu-parameterfree.cpu", *QIO[2:]), ISING, "estimator"),
        (("quantinuum", "quantinuum.sim.h1-1e", *QUANTINUUM[2:]), QASM_BELL, "h2-1e"),
        (("quantinuum", "quantinuum.qpu.h1-1", *QUANTINUUM[2:]), QASM_BELL, "helios-1"),
    ],
)
def test_a_retired_target_is_refused_with_its_retirement_and_a_replacement(
    wire, kind, payload, replacement
):
    response = wire.submit(kind, payload, expect=400)
    assert response["error"]["code"] == "InvalidTarget"
    message = response["error"]["message"]
    assert "retired" in message and kind[1] in message and replacement in message


def test_qio_input_on_a_current_target_fails_as_retired(wire):
    kind = ("ionq", "ionq.simulator", "microsoft.qio.v2", "ionq.quantum-results.v1")
    error = wire.fails(kind, ISING)
    assert error["code"] == "InvalidInputData"
    assert "retired" in error["message"]
    assert "ionq.simulator" in error["message"]


@pytest.mark.parametrize("bitcode", [True, False], ids=["bitcode", "llvm-text"])
@pytest.mark.parametrize("kind", [IONQ_QIR, QUANTINUUM_QIR], ids=["ionq", "quantinuum"])
def test_base_profile_qir_is_simulated(wire, kind, bitcode):
    details, result = wire.run(kind, bell_qir(bitcode=bitcode), {"shots": 64})
    assert details["inputDataFormat"] == "qir.v1"
    assert result["DataFormat"] == "microsoft.quantum-results.v2"
    (entry,) = result["Results"]
    assert len(entry["Shots"]) == 64
    # A Bell pair: only [0, 0] and [1, 1], both seen, counts matching the shots.
    assert {tuple(shot) for shot in entry["Shots"]} == {(0, 0), (1, 1)}
    assert sum(h["Count"] for h in entry["Histogram"]) == 64
    for h in entry["Histogram"]:
        assert h["Count"] == entry["Shots"].count(h["Outcome"])
        assert h["Display"] == f"[{h['Outcome'][0]}, {h['Outcome'][1]}]"


def test_qir_results_v1_are_label_probability_pairs(wire):
    kind = (*IONQ_QIR[:3], "microsoft.quantum-results.v1")
    _, result = wire.run(kind, bell_qir(), {"shots": 100})
    labels = result["Histogram"][0::2]
    assert set(labels) <= {"[0, 0]", "[1, 1]"}
    assert sum(result["Histogram"][1::2]) == pytest.approx(1.0)


def test_qir_with_an_unknown_entry_point_or_arguments_fails(wire):
    for params, words in (
        ({"entryPoint": "nope"}, "no entry point named 'nope'"),
        ({"arguments": [{"type": "Int", "value": 3}]}, "arguments must be empty"),
    ):
        error = wire.fails(IONQ_QIR, bell_qir(), params)
        assert error["code"] == (
            "InvalidInputData" if "arguments" in params else "CompilationError"
        )
        assert words in error["message"]
    garbage = wire.fails(IONQ_QIR, b"BC\xc0\xde not really bitcode")
    assert garbage["code"] == "CompilationError"
    assert garbage["message"].startswith("cannot compile QIR bitcode, status code '1'")


def test_the_estimator_returns_a_resource_estimate_document(wire):
    details, result = wire.run(ESTIMATOR, bell_qir(rotations=3, ccx=True), {})
    assert details["providerId"] == "microsoft-qc"
    assert details["outputDataFormat"] == "microsoft.resource-estimates.v1"
    assert result["status"] == "success"
    assert result["logicalCounts"] == {
        "numQubits": 3,
        "tCount": 1,
        "rotationCount": 3,
        "rotationDepth": 3,
        "cczCount": 0,
        "ccixCount": 0,
        "measurementCount": 2,
    }
    physical = result["physicalCounts"]
    breakdown = physical["breakdown"]
    # 2Q + ceil(sqrt(8Q)) + 1 logical qubits; a T factory feeds the rotations.
    assert breakdown["algorithmicLogicalQubits"] == 12
    assert breakdown["numTsPerRotation"] > 0
    assert physical["physicalQubits"] == (
        breakdown["physicalQubitsForAlgorithm"] + breakdown["physicalQubitsForTfactories"]
    )
    distance = result["logicalQubit"]["codeDistance"]
    assert result["logicalQubit"]["physicalQubits"] == 2 * distance**2
    assert sum(result["errorBudget"].values()) == pytest.approx(1e-3)
    assert details["costEstimate"]["estimatedTotal"] == 0


def test_the_estimator_runs_a_batch_of_items_and_a_bigger_budget_costs_less(wire):
    items = [{"errorBudget": 1e-4}, {"errorBudget": 1e-2}]
    _, result = wire.run(ESTIMATOR, bell_qir(rotations=2), {"items": items})
    assert isinstance(result, list) and len(result) == 2
    tight, loose = result
    assert tight["jobParams"]["errorBudget"] == 1e-4
    assert tight["physicalCounts"]["physicalQubits"] > loose["physicalCounts"]["physicalQubits"]


def test_the_estimator_fails_jobs_with_shots_or_unknown_qubit_models(wire):
    for params in ({"shots": 10}, {"qubitParams": {"name": "qubit_made_up"}}):
        assert wire.fails(ESTIMATOR, bell_qir(), params)["code"] == "InvalidInputError"


def test_an_openqasm_job_cannot_ask_for_qir_results(wire):
    kind = (*QUANTINUUM[:3], "microsoft.quantum-results.v2")
    error = wire.fails(kind, QASM_BELL)
    assert error["code"] == "CannotTranslateOutputData"
    assert "honeywell.quantum-results.v1" in error["message"]


def test_ionq_json_circuits_still_run_beside_qir(wire):
    _, result = wire.run(IONQ, BELL, {"shots": 10})
    assert result == {"histogram": {"0": 0.5, "3": 0.5}}


RIGETTI = ("rigetti", "rigetti.sim.qvm", "rigetti.quil.v1", "rigetti.quil-results.v1")
BELL_QUIL = """DECLARE ro BIT[2]
H 0
CNOT 0 1
MEASURE 0 ro[0]
MEASURE 1 ro[1]
"""


def test_rigetti_quil_gives_one_readout_row_per_shot(wire):
    details, result = wire.run(RIGETTI, BELL_QUIL, {"shots": 40})
    assert details["providerId"] == "rigetti"
    assert set(result) == {"ro"} and len(result["ro"]) == 40
    # Rigetti bills QPU time in 10 ms steps (as recorded: the QVM's event is all zeros), at no
    # modelled price: nothing in another provider's units.
    (event,) = details["costEstimate"]["events"]
    assert event["dimensionId"] == "qpu_time_centiseconds" and event["amountBilled"] == 0
    assert details["costEstimate"]["estimatedTotal"] == 0
    assert {tuple(row) for row in result["ro"]} <= {(0, 0), (1, 1)}


def test_rigetti_substitutions_run_once_per_parameter_set(wire):
    program = "DECLARE ro BIT[1]\nDECLARE theta REAL[1]\nRX(theta[0]) 0\nMEASURE 0 ro[0]\n"
    params = {"count": 5, "substitutions": {"theta": [[0.0], [3.141592653589793]]}}
    _, result = wire.run(RIGETTI, program, params)
    assert result["ro"] == [[0]] * 5 + [[1]] * 5  # RX(0) then RX(pi)


@pytest.mark.parametrize(
    ("program", "params", "words"),
    [
        ("DEFGATE G:\n    1, 0\n    0, 1\n", {}, "DEFGATE"),
        ("DECLARE ro BIT[1]\nMEASURE 0 ro[3]\n", {}, "outside ro"),
        ("DECLARE ro BIT[1]\nDECLARE t REAL[1]\nRX(t[0]) 0\n", {}, "substitutions"),
        ("H 0 1\n", {}, "qubit"),
    ],
)
def test_bad_quil_fails_the_job_with_the_reason(wire, program, params, words):
    error = wire.fails(RIGETTI, program, params)
    assert error["code"] == "InvalidInputData"
    assert words in error["message"]


def test_rigetti_runs_qir_too(wire):
    kind = ("rigetti", "rigetti.qpu.cepheus-1-108q", "qir.v1", "microsoft.quantum-results.v2")
    _, result = wire.run(kind, bell_qir(), {"shots": 30})
    assert {tuple(shot) for shot in result["Results"][0]["Shots"]} <= {(0, 0), (1, 1)}
