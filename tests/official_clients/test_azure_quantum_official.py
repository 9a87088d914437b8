"""The official ``azure-quantum`` client (3.13+) runs whole job lifecycles against the emulator.

Nothing in the library is patched. The client is pointed at the emulator through its own
constructor: ``Workspace(subscription_id=..., resource_group=..., name=..., location=...,
credential=AzureKeyCredential("local-emulator-key"), _quantum_endpoint=emulator.url + "/")``.

- ``_quantum_endpoint`` is the keyword ``Workspace.from_connection_string`` itself passes; the
  connection-string form cannot be used because its ``QuantumEndpoint`` must match
  ``https://{location}.quantum.azure.com/``. With the subscription, resource group, name,
  location and endpoint all given, the client makes no ARM or Resource Graph calls.
- The credential is the workspace API key (header ``x-ms-quantum-api-key``): the client refuses
  bearer tokens over plain http.

Run with ``make test-official`` (in ``.venv-official``, which has the client): the main test
run does not collect this folder (tests/conftest.py), and the client missing here is an error.
"""

from __future__ import annotations

import gzip
import itertools
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.quantum import JobStatus, Workspace
from azure.quantum.job import Job
from qio_support import stored_qio_result

SUBSCRIPTION = "00000000-0000-0000-0000-0000000000a1"
RESOURCE_GROUP = "rg-official"
WORKSPACE = "ws-official"
LOCATION = "eastus"

IONQ_TARGET = "ionq.simulator"
QUANTINUUM_TARGET = "quantinuum.sim.h2-1e"
#: Retired: the service takes no new jobs for it; historic jobs stay readable.
QIO_TARGET = "microsoft.simulatedannealing.cpu"
#: How long any one wait may take: jobs finish in about half a second on the test emulator.
WAIT = 30

BELL = {
    "qubits": 2,
    "circuit": [{"gate": "h", "target": 0}, {"gate": "cnot", "control": 0, "target": 1}],
}
#: Four spins on a frustrated ring with a field: small enough to brute-force the optimum.
ISING_TERMS = [
    {"c": 3, "ids": [0, 1]},
    {"c": -2, "ids": [2]},
    {"c": 1, "ids": [1, 2]},
    {"c": 2, "ids": [2, 3]},
    {"c": -1, "ids": [3, 0]},
]
ISING = {
    "metadata": {"name": "four spins"},
    "cost_function": {"version": "1.0", "type": "ising", "terms": ISING_TERMS},
}
BELL_QASM2 = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
h q[0];
cx q[0],q[1];
measure q -> c;
"""


def bell_qir() -> bytes:
    """A base-profile Bell program as QIR bitcode, built with pyqir (the emulator's extra)."""
    from pyqir import BasicQisBuilder, SimpleModule

    module = SimpleModule("main", num_qubits=2, num_results=2)
    qis = BasicQisBuilder(module.builder)
    qis.h(module.qubits[0])
    qis.cx(module.qubits[0], module.qubits[1])
    qis.mz(module.qubits[0], module.results[0])
    qis.mz(module.qubits[1], module.results[1])
    return module.bitcode()


def ising_cost(configuration: dict[str, int]) -> float:
    """Cost of a spin configuration (keys are spin ids as strings, values +1/-1)."""
    total = 0.0
    for term in ISING_TERMS:
        product = term["c"]
        for spin in term["ids"]:
            product *= configuration[str(spin)]
        total += product
    return total


def ising_optimum() -> float:
    spins = sorted({spin for term in ISING_TERMS for spin in term["ids"]})
    return min(
        ising_cost({str(spin): value for spin, value in zip(spins, values, strict=True)})
        for values in itertools.product((-1, 1), repeat=len(spins))
    )


def control(emulator: Any, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call the emulator's control API (never a vendor route)."""
    answer = requests.request(method, f"{emulator.url}/_emulator/{path}", json=body, timeout=10)
    answer.raise_for_status()
    return answer.json() if answer.content else None


@pytest.fixture
def workspace(emulator: Any) -> Iterator[Workspace]:
    """An official Workspace bound to the (freshly reset) emulator.

    The emulator answers the current status words here (Queued, Completed), which these tests
    compare with the client's ``JobStatus`` members; the legacy words real traffic shows are
    checked on their own below.
    """
    control(emulator, "PATCH", "config", {"azure_status_words": "current"})
    with Workspace(
        subscription_id=SUBSCRIPTION,
        resource_group=RESOURCE_GROUP,
        name=WORKSPACE,
        location=LOCATION,
        credential=AzureKeyCredential("local-emulator-key"),
        _quantum_endpoint=f"{emulator.url}/",
    ) as ws:
        yield ws


#: The queue of a held job (seconds): it leaves the queue when the test ends it (``finish``),
#: not when a loaded machine happens to be slow.
HOLD = 3600


def hold(emulator: Any) -> None:
    """Jobs submitted from now on stay queued until the test ends them."""
    control(emulator, "PATCH", "config", {"queue_seconds": HOLD})


def finish(emulator: Any, job: Job) -> None:
    control(emulator, "POST", f"jobs/{job.id}/finish")


def submit_bell(workspace: Workspace, name: str, **kwargs: Any) -> Job:
    target = workspace.get_targets(IONQ_TARGET)
    return target.submit(BELL, name=name, shots=100, **kwargs)


def test_targets_are_discovered_with_their_vendor_classes(workspace):
    # Today's targets, each with the client's class for its provider; no retired one.
    names = {target.name for target in workspace.get_targets()}
    assert {IONQ_TARGET, QUANTINUUM_TARGET, "quantinuum.qpu.helios-1"} <= names
    assert not {name for name in names if name.endswith(".cpu") or ".h1-" in name}
    h2 = workspace.get_targets(QUANTINUUM_TARGET)
    assert type(h2).__name__ == "Quantinuum"
    assert h2.provider_id.lower() == "quantinuum" and h2.average_queue_time >= 0
    ionq = workspace.get_targets(IONQ_TARGET)
    assert type(ionq).__name__ == "IonQ"
    assert ionq.provider_id.lower() == "ionq"
    assert ionq.current_availability == "Available"
    ionq_targets = workspace.get_targets(provider_id="ionq")
    assert {target.name for target in ionq_targets} >= {IONQ_TARGET}
    assert all(target.provider_id.lower() == "ionq" for target in ionq_targets)
    assert not workspace.get_targets(QIO_TARGET)


def test_ionq_bell_circuit_completes_with_exact_probabilities(workspace, emulator):
    hold(emulator)  # still queued when the submission is answered, however slow
    job = submit_bell(workspace, "bell", tags=["official", "bell"])
    assert job.details.status == JobStatus.QUEUED
    assert job.details.tags == ["official", "bell"]
    assert job.details.input_data_format == "ionq.circuit.v1"

    finish(emulator, job)
    job.wait_until_completed(timeout_secs=WAIT, print_progress=False)

    assert job.has_succeeded(), job.details.error_data
    assert job.details.status == JobStatus.COMPLETED
    assert job.details.output_data_format == "ionq.quantum-results.v1"
    assert job.details.begin_execution_time <= job.details.end_execution_time
    histogram = job.get_results(timeout_secs=WAIT)["histogram"]
    assert set(histogram) == {"0", "3"}
    assert histogram["0"] == pytest.approx(0.5)
    assert histogram["3"] == pytest.approx(0.5)


@pytest.mark.parametrize("encoding", ["", "gzip"], ids=["plain", "gzip"])
def test_quantinuum_h2_openqasm_program_gives_per_shot_registers(workspace, encoding):
    target = workspace.get_targets(QUANTINUUM_TARGET)
    payload = BELL_QASM2.encode()
    job = target.submit(
        input_data=gzip.compress(payload) if encoding else payload,
        name=f"bell-h2-{encoding or 'plain'}",
        shots=50,
        encoding=encoding,
    )
    assert job.details.input_data_format == "honeywell.openqasm.v1"
    assert job.details.input_params == {"shots": 50}
    job.wait_until_completed(timeout_secs=WAIT, print_progress=False)

    assert job.has_succeeded(), job.details.error_data
    assert job.details.output_data_format == "honeywell.quantum-results.v1"
    results = job.get_results(timeout_secs=WAIT)
    assert len(results["c"]) == 50 and set(results["c"]) <= {"00", "11"}


@pytest.mark.parametrize("target_name", [IONQ_TARGET, QUANTINUUM_TARGET])
def test_qir_bitcode_is_simulated_in_the_microsoft_results_v2_shape(workspace, target_name):
    target = workspace.get_targets(target_name)
    job = target.submit(
        input_data=bell_qir(),
        name="bell-qir",
        shots=100,
        input_data_format="qir.v1",
        output_data_format="microsoft.quantum-results.v2",
        content_type="qir.v1",
        input_params={"entryPoint": "main", "arguments": []},
    )
    job.wait_until_completed(timeout_secs=WAIT, print_progress=False)

    assert job.has_succeeded(), job.details.error_data
    probabilities = job.get_results(timeout_secs=WAIT)
    assert set(probabilities) <= {"[0, 0]", "[1, 1]"}
    assert sum(probabilities.values()) == pytest.approx(1.0)
    histogram = job.get_results_histogram(timeout_secs=WAIT)
    assert sum(entry["count"] for entry in histogram.values()) == 100
    shots = job.get_results_shots(timeout_secs=WAIT)
    assert len(shots) == 100 and all(shot in ([0, 0], [1, 1]) for shot in shots)


def test_the_resource_estimator_returns_a_resource_estimate(workspace):
    from azure.quantum.target import Target

    estimator = Target(
        workspace,
        name="microsoft.estimator",
        provider_id="microsoft-qc",
        input_data_format="qir.v1",
        output_data_format="microsoft.resource-estimates.v1",
        content_type="qir.v1",
    )
    job = estimator.submit(
        bell_qir(), name="estimate", input_params={"entryPoint": "main", "errorBudget": 0.01}
    )
    job.wait_until_completed(timeout_secs=WAIT, print_progress=False)

    assert job.has_succeeded(), job.details.error_data
    estimate = job.get_results(timeout_secs=WAIT)
    assert estimate["status"] == "success"
    assert estimate["logicalCounts"]["numQubits"] == 2
    assert estimate["physicalCounts"]["physicalQubits"] > 0
    assert estimate["jobParams"]["errorBudget"] == 0.01


def test_retired_targets_are_refused_and_historic_qio_jobs_stay_readable(workspace, emulator):
    from azure.quantum.target import Target

    qio = Target(
        workspace,
        name=QIO_TARGET,
        provider_id="Microsoft",
        input_data_format="microsoft.qio.v2",
        output_data_format="microsoft.qio-results.v2",
        content_type="application/json",
    )
    with pytest.raises(HttpResponseError) as refused:
        qio.submit(json.dumps(ISING).encode(), name="too-late")
    assert refused.value.status_code == 400
    assert "retired" in str(refused.value) and IONQ_TARGET in str(refused.value)

    params = {"params": {"sweeps": 200, "restarts": 4, "seed": 11}}
    planted = control(
        emulator,
        "POST",
        "azure/historic-jobs",
        {
            "subscription_id": SUBSCRIPTION,
            "resource_group": RESOURCE_GROUP,
            "workspace": WORKSPACE,
            "input": ISING,
            "input_params": params,
            # What the retired solver left: the emulator serves it (it runs no QIO solver).
            "output": stored_qio_result(ISING, params),
            "name": "ising-2023",
        },
    )
    job = workspace.get_job(planted["id"])
    assert job.has_succeeded() and job.details.target == QIO_TARGET
    assert job.details.provider_id.lower() == "microsoft"
    assert job.details.input_data_format == "microsoft.qio.v2"
    results = job.get_results(timeout_secs=WAIT)
    optimum = ising_optimum()
    assert results["cost"] == pytest.approx(optimum)
    assert ising_cost(results["configuration"]) == pytest.approx(optimum)
    assert set(results["configuration"].values()) <= {-1, 1}
    assert results["parameters"]["sweeps"] == 200


def test_legacy_status_words_are_understood(workspace, emulator):
    """Real traffic says Waiting/Succeeded: the official client waits, succeeds and filters."""
    control(emulator, "PATCH", "config", {"azure_status_words": "legacy"})
    hold(emulator)  # still waiting when the submission is answered, however slow
    job = submit_bell(workspace, "bell-legacy")
    assert job.details.status == "Waiting"
    finish(emulator, job)
    job.wait_until_completed(timeout_secs=WAIT, print_progress=False)
    assert job.has_completed() and job.has_succeeded() and job.details.status == "Succeeded"
    assert [j.id for j in workspace.list_jobs(status=["Succeeded"])] == [job.id]
    assert workspace.list_jobs(status=["Completed"]) == []  # only the words jobs show match


def test_jobs_are_listed_fetched_filtered_renamed_and_retagged(workspace):
    first = submit_bell(workspace, "bell-first")
    second = submit_bell(workspace, "bell-second")
    for job in (first, second):
        job.wait_until_completed(timeout_secs=WAIT, print_progress=False)

    listed = {job.id: job for job in workspace.list_jobs()}
    assert {first.id, second.id} <= set(listed)
    assert listed[first.id].details.target == IONQ_TARGET
    # Status filters as plain strings: the client formats a JobStatus member into the filter
    # as 'JobStatus.COMPLETED' on Python 3.11+, which matches nothing on any server.
    filtered = workspace.list_jobs(
        name_match="bell-f", provider=["ionq"], target=[IONQ_TARGET], status=["Completed"]
    )
    assert [job.id for job in filtered] == [first.id]
    assert {job.id for job in workspace.list_jobs(name_match="bell-")} == {first.id, second.id}
    assert workspace.list_jobs(status=["Failed"]) == []

    fetched = workspace.get_job(first.id)
    assert fetched.id == first.id
    assert fetched.details.name == "bell-first"
    assert fetched.details.status == JobStatus.COMPLETED
    assert fetched.get_results(timeout_secs=WAIT)["histogram"] == pytest.approx(
        {"0": 0.5, "3": 0.5}
    )

    first.update(name="bell-renamed", tags=["x", "y"])
    assert first.details.name == "bell-renamed"
    assert first.details.tags == ["x", "y"]
    again = workspace.get_job(first.id)
    assert (again.details.name, again.details.tags) == ("bell-renamed", ["x", "y"])
    updated = workspace.update_job(second, tags=["only-tags"])
    assert updated.details.tags == ["only-tags"]
    assert updated.details.name == "bell-second"

    workspace.delete_job(second)
    with pytest.raises(ResourceNotFoundError):
        workspace.get_job(second.id)
    with pytest.raises(ResourceNotFoundError):
        workspace.get_job(str(uuid.uuid4()))


def test_a_queued_job_is_cancelled(workspace, emulator):
    hold(emulator)  # still queued when cancelled, however slow
    job = submit_bell(workspace, "to-cancel")
    job.refresh()
    assert job.details.status == JobStatus.QUEUED

    cancelled = workspace.cancel_job(job)

    assert cancelled.details.status == JobStatus.CANCELLED
    assert cancelled.details.cancellation_time is not None
    assert workspace.get_job(job.id).details.status == JobStatus.CANCELLED
    job.wait_until_completed(timeout_secs=WAIT, print_progress=False)
    assert job.has_completed() and not job.has_succeeded()
    with pytest.raises(RuntimeError, match=r"(?i)cancelled"):
        job.get_results(timeout_secs=WAIT)
    with pytest.raises(HttpResponseError) as raised:
        workspace.cancel_job(job)
    assert raised.value.status_code == 409


def test_a_failed_job_reports_its_error(workspace, emulator):
    control(
        emulator,
        "POST",
        "faults/jobs",
        {"vendor": "azure", "outcome": "fail", "code": "QPUOffline", "message": "went away"},
    )
    job = submit_bell(workspace, "doomed")
    job.wait_until_completed(timeout_secs=WAIT, print_progress=False)

    assert job.details.status == JobStatus.FAILED
    assert job.details.error_data.code == "QPUOffline"
    assert job.details.error_data.message == "went away"
    with pytest.raises(RuntimeError, match="QPUOffline"):
        job.get_results(timeout_secs=WAIT)


def test_jobs_run_inside_a_session(workspace):
    target = workspace.get_targets(IONQ_TARGET)
    with target.open_session(name="official-session") as session:
        jobs = [target.submit(BELL, name=f"in-session-{i}", shots=10) for i in range(2)]
        for job in jobs:
            job.wait_until_completed(timeout_secs=WAIT, print_progress=False)
            assert job.details.session_id == session.id
            assert job.has_succeeded()
    assert session.id in {listed.id for listed in workspace.list_sessions()}
    assert {job.id for job in workspace.list_session_jobs(session.id)} == {j.id for j in jobs}
    closed = workspace.get_session(session.id)
    assert closed.details.status == "Succeeded"


def test_quotas_are_listed(workspace):
    quotas = workspace.get_quotas()
    assert quotas, "the emulator lists workspace quotas"
    for quota in quotas:
        assert {"dimension", "scope", "providerId", "utilization", "limit", "period"} <= set(quota)
    assert {"microsoft", "ionq"} <= {quota["providerId"].lower() for quota in quotas}
