"""Results in each output format: IonQ (three formats), Quantinuum, historic optimization."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
import requests
from azure_support import BELL, GHZ3, IONQ, ISING, QASM_BELL, QIO, QUANTINUUM, AzureWire

from airflow_quantum_emulator.azure.targets import QIO_TARGET_IDS


@pytest.fixture
def wire(emulator) -> AzureWire:
    return AzureWire(emulator.url)


def ising_cost(terms: list[dict], configuration: dict[str, int]) -> float:
    total = 0.0
    for term in terms:
        product = 1
        for variable in term["ids"]:
            product *= configuration[str(variable)]
        total += term["c"] * product
    return total


def brute_force_optimum(terms: list[dict], variables: int) -> float:
    return min(
        ising_cost(terms, {str(i): v for i, v in enumerate(values)})
        for values in itertools.product((-1, 1), repeat=variables)
    )


def historic(wire: AzureWire, problem, params=None, **extra):
    """Details and result of a historic (pre-retirement) QIO job, read over the wire."""
    details = wire.get_job(wire.plant_qio(problem, params, **extra))
    return details, wire.result(details)


def test_historic_qio_job_keeps_its_optimum_and_a_consistent_cost(wire):
    details, result = historic(wire, ISING, {"params": {"sweeps": 50, "seed": 7}})
    assert details["status"] in ("Succeeded", "Completed") and details["target"] == QIO[1]
    assert details["outputDataFormat"] == "microsoft.qio-results.v2"
    assert details["providerId"] == "microsoft" and details["jobType"] == "Optimization"
    assert details["quantumComputingData"] is None
    terms = ISING["cost_function"]["terms"]
    assert result["version"] == "1.0"
    assert result["configuration"] == {"0": 1, "1": -1, "2": 1}
    assert result["cost"] == -6.0 == brute_force_optimum(terms, 3)
    assert ising_cost(terms, result["configuration"]) == result["cost"]
    for solution in result["solutions"]:
        assert ising_cost(terms, solution["configuration"]) == solution["cost"]
    assert result["parameters"]["sweeps"] == 50


def test_historic_qio_jobs_with_flat_params_and_pubo_problems(wire):
    pubo = {
        "cost_function": {
            "version": "1.1",
            "type": "pubo",
            "terms": [{"c": -1, "ids": [0]}, {"c": -1, "ids": [1]}, {"c": 3, "ids": [0, 1]}],
            "initial_configuration": {"0": 0, "1": 1},
        }
    }
    _, result = historic(wire, pubo, {"seed": 3})
    assert result["cost"] == -1.0
    assert result["configuration"] in ({"0": 1, "1": 0}, {"0": 0, "1": 1})


@pytest.mark.parametrize("target", ["microsoft.tabu-parameterfree.cpu", "microsoft.qmc.cpu"])
def test_historic_jobs_of_every_qio_target_are_readable(wire, target):
    details, result = historic(wire, ISING, target=target)
    assert details["target"] == target
    assert result["cost"] == -6.0


def test_the_workspace_offers_today_s_targets_with_availability_and_queue_times(wire):
    status = {p["id"]: p for p in wire.list("/providerStatus")["value"]}
    assert set(status) == {"ionq", "quantinuum", "rigetti", "microsoft-qc", "pasqal"}
    offered = {t["id"]: t for p in status.values() for t in p["targets"]}
    assert {
        "ionq.simulator",
        "ionq.qpu.forte-1",
        "quantinuum.sim.h2-1e",
        "quantinuum.qpu.h2-1",
        "quantinuum.sim.helios-1sc",
        "microsoft.estimator",
        "pasqal.sim.emu-tn",
        "pasqal.qpu.fresnel",
    } <= set(offered)
    retired = [t for t in offered if t in QIO_TARGET_IDS or ".h1-" in t]
    assert retired == []
    for target in offered.values():
        assert target["currentAvailability"] == "Available"
        assert isinstance(target["averageQueueTime"], int) and target["averageQueueTime"] >= 0
    # QPUs queue longer than their simulators.
    assert (
        offered["quantinuum.qpu.h2-1"]["averageQueueTime"]
        > (offered["quantinuum.sim.h2-1sc"]["averageQueueTime"])
    )


def test_a_historic_qio_job_that_failed_keeps_its_error_data(wire):
    error = {"code": "InvalidInputData", "message": "Invalid job params: sweeps must be positive"}
    details = wire.get_job(wire.plant_qio(ISING, {"params": {"sweeps": -5}}, error=error))
    assert details["status"] == "Failed"
    assert details["errorData"] == error
    assert details["costEstimate"] is None


def test_a_historic_qio_job_needs_its_stored_output_or_error(wire):
    """The emulator runs no retired solver: a QIO job is planted with what it left."""
    ws = wire.workspace_url.split("/subscriptions/", 1)[1].split("/")
    body = {"subscription_id": ws[0], "resource_group": ws[2], "workspace": ws[6]}
    url = f"{wire.url}/_emulator/azure/historic-jobs"
    bare = requests.post(url, json={**body, "input": ISING}, timeout=30)
    assert bare.status_code == 400 and "stored output" in bare.text
    both = {**body, "input": ISING, "output": {"cost": 0}, "error": {"code": "c", "message": "m"}}
    assert requests.post(url, json=both, timeout=30).status_code == 400


def test_ionq_simulator_returns_exact_probabilities_keyed_by_integer_state(wire):
    _, result = wire.run(IONQ, GHZ3, {"shots": 100})
    assert result == {"histogram": {"0": 0.5, "7": 0.5}}


def test_ionq_qpu_samples_shots(wire):
    kind = ("ionq", "ionq.qpu.aria-1", *IONQ[2:])
    details, result = wire.run(kind, BELL, {"shots": 200})
    histogram = result["histogram"]
    assert set(histogram) <= {"0", "3"}
    assert sum(histogram.values()) == pytest.approx(1.0)
    assert all(round(value * 200) == pytest.approx(value * 200) for value in histogram.values())
    assert details["costEstimate"]["estimatedTotal"] > 0


def test_microsoft_quantum_results_v1_is_a_flat_label_probability_list(wire):
    kind = ("ionq", "ionq.simulator", "ionq.circuit.v1", "microsoft.quantum-results.v1")
    _, result = wire.run(kind, BELL)
    assert result == {"Histogram": ["[0, 0]", 0.5, "[1, 1]", 0.5]}


def test_microsoft_quantum_results_v2_has_histogram_and_per_shot_outcomes(wire):
    kind = ("ionq", "ionq.simulator", "ionq.circuit.v1", "microsoft.quantum-results.v2")
    x_on_qubit_0 = {"qubits": 2, "circuit": [{"gate": "x", "target": 0}]}
    _, result = wire.run(kind, x_on_qubit_0, {"shots": 4})
    assert result["DataFormat"] == "microsoft.quantum-results.v2"
    (entry,) = result["Results"]
    assert entry["Histogram"] == [{"Outcome": [1, 0], "Display": "[1, 0]", "Count": 4}]
    assert entry["Shots"] == [[1, 0]] * 4


def test_quantinuum_returns_per_shot_bitstrings_per_register(wire):
    details, result = wire.run(QUANTINUUM, QASM_BELL, {"count": 50})
    assert set(result) == {"c0", "c1"}
    assert len(result["c0"]) == len(result["c1"]) == 50
    # q0 and q1 are anti-correlated after the x; c0 is "q1 q0" (highest bit first), c1 is q1.
    assert set(result["c0"]) <= {"01", "10"}
    for pair, single in zip(result["c0"], result["c1"], strict=True):
        assert pair[0] == single
    counts = Counter(result["c0"])
    assert 10 < counts["01"] < 40
    assert details["costEstimate"]["events"][0]["dimensionId"] == "ehqc"


def test_unsupported_output_format_for_a_target_fails_the_job(wire):
    kind = (
        "quantinuum",
        "quantinuum.sim.h2-1e",
        "honeywell.openqasm.v1",
        "ionq.quantum-results.v1",
    )
    assert wire.fails(kind, QASM_BELL)["code"] == "CannotTranslateOutputData"
