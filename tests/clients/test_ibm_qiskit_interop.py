"""qiskit interop: qiskit objects in (OpenQASM 3, Pauli dicts), qiskit result objects out.

The results are decoded from payloads the emulator really produced, so ``to_primitive_result``
is checked against the wire, not against hand-written dicts. Without qiskit (made unimportable
here), every qiskit path fails with a message naming the extra, and the rest still works.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from ibm_circuits import ISA_BELL_NO_MEASURE, qiskit_isa_rotation
from ibm_client_support import finish, settings
from job_waits import wait_final

from airflow_quantum.clients.errors import InvalidInputError, MissingExtraError
from airflow_quantum.clients.ibm import IBMPreparedJob, IBMQuantumClient, circuits, qiskit_interop
from airflow_quantum.clients.ibm.results import decode_result

qiskit = pytest.importorskip("qiskit")
from qiskit import QuantumCircuit  # noqa: E402
from qiskit.primitives import BitArray, PrimitiveResult, PubResult, SamplerPubResult  # noqa: E402
from qiskit.quantum_info import SparsePauliOp  # noqa: E402

BELL = ISA_BELL_NO_MEASURE


@pytest.fixture
def ibm_results(emulator):
    """Runs pubs on the emulator and returns the raw ``GET /jobs/{id}/results`` text."""
    client = IBMQuantumClient(settings(emulator.url))

    def run(program: str, pubs: list) -> str:
        params = circuits.primitive_params(pubs)
        job_id = client.run_job(IBMPreparedJob.program(program, "ibm_fez", params)).id
        finish(emulator.url, job_id)
        wait_final(client, job_id)
        return client.get_results_text(job_id)

    yield run
    client.close()


def rotation() -> QuantumCircuit:
    """ry(theta) on qubit 0, then cx(0, 1), as an ISA circuit of ibm_fez (pair (0, 1))."""
    return qiskit_isa_rotation("c")


def test_plain_inputs_turn_qiskit_and_numpy_into_json():
    circuit = rotation()
    plain = circuits.plain_inputs(
        [(circuit, np.array([[0.0], [np.pi]]), 100), {"ZZ": 1.0}, SparsePauliOp(["ZZ", "XX"])],
        "circuits",
    )
    assert json.loads(json.dumps(plain)) == plain
    qasm, values, shots = plain[0]
    assert qasm == qiskit.qasm3.dumps(circuit) and "input float[64] theta;" in qasm
    assert values == [[0.0], [np.pi]] and shots == 100
    assert plain[1] == {"ZZ": 1.0}
    assert plain[2] == {"ZZ": 1.0, "XX": 1.0}


def test_plain_inputs_leave_templates_and_unknown_objects_alone():
    marker = object()
    assert circuits.plain_inputs("{{ ti.xcom_pull('build') }}", "circuits").startswith("{{")
    assert circuits.plain_inputs(marker, "circuits") is marker
    assert circuits.plain_inputs([marker], "circuits")[0] is marker


def test_a_circuit_qiskit_cannot_export_is_refused_naming_the_pub():
    circuit = QuantumCircuit(1)
    circuit.initialize([0, 1], 0)  # no OpenQASM 3 form
    with pytest.raises(InvalidInputError, match=r"circuits\[1\]: qiskit could not export"):
        circuits.plain_inputs([BELL, circuit], "circuits")


def test_complex_coefficients_are_refused():
    with pytest.raises(InvalidInputError, match=r"observables\[0\].*Hermitian"):
        circuits.plain_inputs([SparsePauliOp(["ZZ"], [1j])], "observables")


def test_sampler_results_become_bit_arrays_with_the_same_shots_in_order(ibm_results):
    payload = ibm_results("sampler", [[qiskit.qasm3.dumps(rotation()), [[0.0], [3.0]], 64]])
    decoded = decode_result(payload, bitstrings=True)
    result = qiskit_interop.to_primitive_result(decoded)
    assert isinstance(result, PrimitiveResult) and isinstance(result[0], SamplerPubResult)
    bits = result[0].data.c
    assert isinstance(bits, BitArray) and bits.shape == (2,) and bits.num_shots == 64
    register = decoded["pub_results"][0]["registers"]["c"]
    for index in range(2):
        assert bits.get_counts(index) == register["counts"][index]
        assert bits.get_bitstrings(index) == register["bitstrings"][index]
    assert result.metadata == decoded["metadata"]


def test_sampler_results_from_counts_only_keep_the_counts(ibm_results):
    payload = ibm_results("sampler", [[qiskit.qasm3.dumps(rotation()), [[1.0]], 50]])
    decoded = decode_result(payload)  # what XCom holds by default: counts, no bitstrings
    bits = qiskit_interop.to_primitive_result(json.loads(json.dumps(decoded)))[0].data.c
    assert bits.get_counts(0) == decoded["pub_results"][0]["counts"][0]


def test_estimator_results_become_pub_results_with_evs_and_stds(ibm_results):
    payload = ibm_results(
        "estimator", [[BELL, [{"ZZ": 1.0}, {"XX": 1.0}, {"YY": 1.0}], None, 0.05]]
    )
    decoded = decode_result(payload)
    (pub,) = qiskit_interop.to_primitive_result(decoded)
    assert isinstance(pub, PubResult) and not isinstance(pub, SamplerPubResult)
    assert pub.data.shape == (3,)
    np.testing.assert_allclose(pub.data.evs, decoded["pub_results"][0]["evs"])
    np.testing.assert_allclose(pub.data.stds, decoded["pub_results"][0]["stds"])
    assert pub.data.evs[2] == pytest.approx(-1.0, abs=0.2)


def test_a_result_that_is_no_primitive_result_is_refused():
    with pytest.raises(InvalidInputError, match="pub_results"):
        qiskit_interop.to_primitive_result({"kind": "unknown", "value": 1})


# ------------------------------------------------------------------------ without qiskit


@pytest.fixture
def no_qiskit(monkeypatch):
    """qiskit made unimportable, as on a machine without the extra."""
    for name in [name for name in sys.modules if name == "qiskit" or name.startswith("qiskit.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "qiskit", None)


def test_without_qiskit_the_extra_is_named_and_strings_still_work(no_qiskit):
    class QuantumCircuit:  # what a user's object is to us without qiskit
        pass

    with pytest.raises(InvalidInputError, match=r"circuits\[0\].*airflow-quantum\[qiskit\]"):
        circuits.sampler_pubs([QuantumCircuit()])
    with pytest.raises(InvalidInputError, match=r"observables.*airflow-quantum\[qiskit\]"):
        circuits.observables(QuantumCircuit(), "observables")
    with pytest.raises(MissingExtraError, match=r"airflow-quantum\[qiskit\]"):
        qiskit_interop.to_primitive_result({"pub_results": []})
    assert circuits.sampler_pubs([BELL], 10) == [[BELL, None, 10]]
    assert circuits.plain_inputs([BELL, {"ZZ": 1}], "circuits") == [BELL, {"ZZ": 1}]
