"""The official ``qiskit-ibm-runtime`` client (0.51+) runs whole job lifecycles on the emulator.

Nothing in the library is patched (except, in one test, its own ISA check, to play a client
that sends a non-ISA circuit). The client is pointed at the emulator with its own knobs:

- ``QiskitRuntimeService(channel="ibm_quantum_platform", token="local-emulator-key", instance=CRN,
  url=emulator.url, url_resolver=...)``: ``url_resolver`` is the documented companion of a custom
  ``url``; ours returns ``{emulator.url}/api/v1`` instead of the default
  ``https://quantum.cloud.ibm.com/api/v1``.
- ``IAM_URL={emulator.url}`` in the environment: the client reads it for the IAM token endpoint
  (``POST /identity/token``); there is no constructor argument for it.
- ``QISKIT_FUNCTIONS_EXPERIMENTAL=1`` in the environment: with an explicit instance CRN the
  client checks it against IBM Cloud Global Search and Global Catalog, on hosts derived from
  ``url`` (``api.global-search-tagging.<host>``, ``globalcatalog.<host>``) that cannot be a
  loopback port. This variable makes the client take the given CRN as the only instance instead.
  It changes nothing else in what the client sends to the runtime API.

The two variables are set with pytest's ``monkeypatch.setenv`` for each test only.

Run with ``make test-official`` (in ``.venv-official``, which has both clients): the main test
run does not collect this folder (tests/conftest.py), and a client missing here is an error.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import requests
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import (
    Batch,
    EstimatorV2,
    QiskitRuntimeService,
    SamplerV2,
    Session,
    base_primitive,
)
from qiskit_ibm_runtime.exceptions import (
    IBMInputValueError,
    RuntimeInvalidStateError,
    RuntimeJobFailureError,
)
from qiskit_ibm_runtime.executor_estimator import Estimator as ExecutorEstimator
from qiskit_ibm_runtime.executor_sampler import Sampler as ExecutorSampler

CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/official0:official-clients::"
DEVICE = "ibm_fez"
#: How long any one wait may take: jobs finish in about half a second on the test emulator.
WAIT = 30

pytestmark = [
    # SamplerV2/EstimatorV2 are deprecated in 0.50+ in favour of client-side primitives; the
    # server-side primitives are what the Runtime API (and so the emulator) runs.
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]


def control(emulator: Any, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call the emulator's control API (never a vendor route)."""
    answer = requests.request(method, f"{emulator.url}/_emulator/{path}", json=body, timeout=10)
    answer.raise_for_status()
    return answer.json() if answer.content else None


@pytest.fixture
def service(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> QiskitRuntimeService:
    """An official service bound to the (freshly reset) emulator."""
    monkeypatch.setenv("IAM_URL", emulator.url)
    monkeypatch.setenv("QISKIT_FUNCTIONS_EXPERIMENTAL", "1")
    runtime_url = f"{emulator.url}/api/v1"

    def resolve(url: str, instance: str, private_endpoint: bool | None, channel: str) -> str:
        return runtime_url

    return QiskitRuntimeService(
        channel="ibm_quantum_platform",
        token="local-emulator-key",
        instance=CRN,
        url=emulator.url,
        url_resolver=resolve,
    )


@pytest.fixture
def backend(service: QiskitRuntimeService) -> Any:
    return service.backend(DEVICE)


@pytest.fixture
def bell(backend: Any) -> QuantumCircuit:
    """A measured Bell circuit transpiled for the device (an ISA circuit)."""
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return generate_preset_pass_manager(optimization_level=1, backend=backend).run(circuit)


def assert_bell_counts(counts: dict[str, int], shots: int) -> None:
    assert set(counts) == {"00", "11"}, counts
    assert sum(counts.values()) == shots


def test_backends_are_listed_with_configuration_and_status(service):
    names = {backend.name for backend in service.backends()}
    herons = {"ibm_fez", "ibm_marrakesh", "ibm_kingston", "ibm_pittsburgh", "ibm_boston"}
    assert names == herons | {"ibm_miami"}  # a 120-qubit Nighthawk
    assert service.backend("ibm_miami").num_qubits == 120
    assert service.backends(simulator=True) == []  # IBM's cloud simulators are retired
    device = service.backend(DEVICE)
    assert device.num_qubits == 156
    assert {"cz", "rz", "sx", "x", "measure", "reset", "delay"} <= set(device.operation_names)
    assert not {"rx", "rzz"} & set(device.operation_names)  # fractional gates: off by default
    fractional = service.backend(DEVICE, use_fractional_gates=True)
    assert {"rx", "rzz"} <= set(fractional.operation_names)
    assert device.coupling_map.graph.num_edges() == 352
    assert device.target.instruction_supported("cz", (3, 16))  # a bridge of the Heron lattice
    assert not device.target.instruction_supported("cz", (0, 2))
    status = device.status()
    assert status.operational and status.backend_name == DEVICE
    assert service.least_busy(simulator=False, operational=True).name in names
    usage = service.usage()
    assert usage["instance_id"] == CRN
    assert usage["usage_limit_reached"] is False


def test_sampler_runs_a_bell_circuit(service, backend, bell):
    job = SamplerV2(mode=backend).run([bell], shots=400)
    assert job.status() in {"QUEUED", "RUNNING", "DONE"}
    assert job.backend().name == DEVICE
    assert job.primitive_id == "sampler"

    result = job.result(timeout=WAIT)

    assert job.status() == "DONE"
    assert job.done() and not job.errored()
    assert_bell_counts(result[0].data.meas.get_counts(), 400)
    assert result[0].data.meas.num_shots == 400

    metrics = job.metrics()
    assert metrics["usage"]["status"] == "complete"
    assert set(metrics["timestamps"]) >= {"created", "running", "finished"}
    assert job.job_id() in job.logs()

    # The client sends the tags through a set(): their order is not kept.
    assert sorted(job.update_tags(["official", "bell"])) == ["bell", "official"]
    assert sorted(job.tags) == ["bell", "official"]
    fetched = service.job(job.job_id())
    assert sorted(fetched.tags) == ["bell", "official"]
    assert fetched.status() == "DONE"
    assert_bell_counts(fetched.result(timeout=WAIT)[0].data.meas.get_counts(), 400)
    assert job.job_id() in {listed.job_id() for listed in service.jobs(limit=5)}
    assert job.job_id() in {listed.job_id() for listed in service.jobs(job_tags=["bell"])}


def test_estimator_measures_zz_on_a_bell_state(backend):
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(circuit)
    observables = [
        SparsePauliOp(label).apply_layout(isa.layout) for label in ("ZZ", "XX", "ZI", "IZ")
    ]

    job = EstimatorV2(mode=backend).run([(isa, observables)])
    evs = job.result(timeout=WAIT)[0].data.evs

    assert job.primitive_id == "estimator"
    assert evs[0] == pytest.approx(1.0, abs=0.1)  # <ZZ>
    assert evs[1] == pytest.approx(1.0, abs=0.1)  # <XX>
    assert evs[2] == pytest.approx(0.0, abs=0.1)  # <ZI>
    assert evs[3] == pytest.approx(0.0, abs=0.1)  # <IZ>


def textbook_bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return circuit


def test_the_client_refuses_a_non_isa_circuit_before_sending(backend, emulator):
    with pytest.raises(
        IBMInputValueError, match=r"instruction h on qubits \(0,\) is not supported"
    ):
        SamplerV2(mode=backend).run([textbook_bell()], shots=10)
    assert control(emulator, "GET", "stats")["ibm"]["jobs_submitted"] == 0


def test_a_non_isa_job_that_reaches_the_service_fails_with_code_1517(backend, monkeypatch):
    # A client without the check (before 0.20, or any other client) sends the job: the service
    # accepts it and fails it. The check is switched off for this test only.
    monkeypatch.setattr(base_primitive, "validate_isa_circuits", lambda circuits, target: None)
    job = SamplerV2(mode=backend).run([textbook_bell()], shots=10)

    with pytest.raises(RuntimeJobFailureError, match="1517") as failure:
        job.result(timeout=WAIT)

    assert "non-ISA circuits" in str(failure.value)
    assert job.status() == "ERROR"
    assert "Circuits do not match the target definition" in job.error_message()


def test_a_queued_job_is_cancelled(service, backend, bell, emulator):
    # Still queued when cancelled, however slow (a held job: only the cancel ends it).
    control(emulator, "PATCH", "config", {"queue_seconds": 3600})
    job = SamplerV2(mode=backend).run([bell], shots=10)
    assert job.status() == "QUEUED"

    job.cancel()

    assert job.status() == "CANCELLED"
    assert service.job(job.job_id()).status() == "CANCELLED"
    with pytest.raises(RuntimeInvalidStateError):
        job.result(timeout=WAIT)
    with pytest.raises(RuntimeInvalidStateError):
        job.cancel()


def test_a_failed_job_raises_the_failure_error(backend, bell, emulator):
    control(emulator, "POST", "faults/jobs", {"vendor": "ibm", "outcome": "fail"})
    job = SamplerV2(mode=backend).run([bell], shots=10)

    with pytest.raises(RuntimeJobFailureError, match="1517"):
        job.result(timeout=WAIT)

    assert job.status() == "ERROR"
    assert job.errored()
    assert "1517" in job.error_message()  # the emulator's "failed during execution" code


def test_jobs_run_in_a_session(service, backend, bell):
    with Session(backend=backend) as session:
        sampler = SamplerV2(mode=session)
        jobs = [sampler.run([bell], shots=50) for _ in range(2)]
        for job in jobs:
            assert_bell_counts(job.result(timeout=WAIT)[0].data.meas.get_counts(), 50)
            assert job.session_id == session.session_id
        details = session.details()
        assert details["id"] == session.session_id
        assert details["mode"] == "dedicated"
        assert details["backend_name"] == DEVICE
        assert details["state"] in {"open", "active"}
    assert session.status() == "Closed"
    assert session.details()["accepting_jobs"] is False
    in_session = service.jobs(session_id=session.session_id)
    assert {job.job_id() for job in in_session} == {job.job_id() for job in jobs}


def test_jobs_run_in_a_batch(backend, bell):
    with Batch(backend=backend) as batch:
        sampler = SamplerV2(mode=batch)
        jobs = [sampler.run([bell], shots=20) for _ in range(3)]
        for job in jobs:
            assert_bell_counts(job.result(timeout=WAIT)[0].data.meas.get_counts(), 20)
            assert job.session_id == batch.session_id
        assert batch.details()["mode"] == "batch"
    assert batch.details()["state"] == "closed"


# ------------------------------------------------------------------ the executor program
# qiskit-ibm-runtime 0.50+ deprecates the server-side primitives for client-side ones that send
# quantum programs to the ``executor`` program; the emulator runs it (circuit items, and samplex
# items with samplomatic beside it, which this venv has: qiskit-ibm-runtime depends on it).


def test_the_executor_runs_a_quantum_program_of_circuit_items(backend, bell):
    from qiskit.circuit import Parameter
    from qiskit_ibm_runtime import Executor, QuantumProgram

    theta = Parameter("theta")
    rotation = QuantumCircuit(1)
    rotation.ry(theta, 0)
    rotation.measure_all()
    swept = generate_preset_pass_manager(optimization_level=1, backend=backend).run(rotation)
    program = QuantumProgram(shots=200)
    program.append_circuit_item(bell)
    program.append_circuit_item(swept, circuit_arguments=np.array([[0.0], [np.pi]]))

    job = Executor(backend).run(program)
    result = job.result(timeout=WAIT)

    assert job.primitive_id == "executor"
    bell_bits, sweep_bits = (item["meas"] for item in result)
    assert bell_bits.shape == (200, 2) and bell_bits.dtype == bool
    assert np.array_equal(bell_bits[:, 0], bell_bits[:, 1])
    assert sweep_bits.shape == (2, 200, 1)
    assert not sweep_bits[0].any() and sweep_bits[1].all()  # ry(0) |0>, ry(pi) |1>


def test_the_client_side_sampler_runs_on_the_executor(backend, bell):
    job = ExecutorSampler(mode=backend).run([bell], shots=300)
    counts = job.result(timeout=WAIT)[0].data.meas.get_counts()
    assert job.primitive_id == "executor"
    assert_bell_counts(counts, 300)


@pytest.mark.parametrize("resilience_level", [0, 1])
def test_the_client_side_estimator_runs_on_the_executor(backend, resilience_level):
    """Its quantum program is samplex items (basis changes; at level 1 measurement twirling and
    a TREX calibration item), post-processed by the client into a PrimitiveResult."""
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(circuit)
    observables = [SparsePauliOp(label).apply_layout(isa.layout) for label in ("ZZ", "XX", "ZI")]
    estimator = ExecutorEstimator(mode=backend)
    estimator.options.resilience_level = resilience_level

    job = estimator.run([(isa, observables)])
    evs = job.result(timeout=4 * WAIT)[0].data.evs

    assert job.primitive_id == "executor"
    assert evs[0] == pytest.approx(1.0, abs=0.1)  # <ZZ>
    assert evs[1] == pytest.approx(1.0, abs=0.1)  # <XX>
    assert evs[2] == pytest.approx(0.0, abs=0.1)  # <ZI>


def test_an_open_plan_instance_refuses_a_session_and_runs_a_batch(emulator, monkeypatch):
    from qiskit_ibm_runtime.api.exceptions import RequestsApiError

    from airflow_quantum_emulator.config import OPEN_PLAN_CRN

    monkeypatch.setenv("IAM_URL", emulator.url)
    monkeypatch.setenv("QISKIT_FUNCTIONS_EXPERIMENTAL", "1")
    service = QiskitRuntimeService(
        channel="ibm_quantum_platform",
        token="local-emulator-key",
        instance=OPEN_PLAN_CRN,
        url=emulator.url,
        url_resolver=lambda *_: f"{emulator.url}/api/v1",
    )
    backend = service.backend(DEVICE)
    with pytest.raises(RequestsApiError, match="not authorized to run a session"):
        Session(backend=backend)
    with Batch(backend=backend) as batch:
        assert batch.details()["mode"] == "batch"


@pytest.mark.parametrize("device", ["ibm_fez", "ibm_kingston"])
def test_a_dynamic_circuit_runs_where_the_backend_lists_if_else(service, device):
    backend = service.backend(device)
    circuit = QuantumCircuit(2, 2)
    circuit.h(0)
    circuit.measure(0, 0)
    with circuit.if_test((circuit.clbits[0], 1)):
        circuit.x(1)
    circuit.measure(1, 1)
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(circuit)

    counts = SamplerV2(mode=backend).run([isa], shots=200).result(timeout=WAIT)[0].data.c
    assert set(counts.get_counts()) == {"00", "11"}  # qubit 1 follows the measured qubit 0
