"""``optimization_level``: textbook circuits transpiled for the backend with qiskit, then run.

Without it, the same circuits are refused before any job exists (IBM runs only ISA circuits);
with it, the hook builds the backend's qiskit Target from its configuration and properties
(once per backend), transpiles with the preset pass manager and lays the estimator's
observables out on the physical qubits.
"""

from __future__ import annotations

import dataclasses
import logging
import sys

import pytest
import requests
from ibm_circuits import TEXTBOOK_BELL

from airflow_quantum.clients.errors import InvalidInputError, MissingExtraError
from airflow_quantum.clients.ibm import IBM_RETRY_POLICY, IBMPreparedJob
from airflow_quantum.clients.ibm.isa import NonISACircuitError, scan
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook

FAST = dataclasses.replace(IBM_RETRY_POLICY, backoff_base=0.01, backoff_max=0.02)
TEXTBOOK_BELL_STATE = TEXTBOOK_BELL.replace("c = measure q;\n", "")
GHZ_ON_0_AND_2 = (
    'OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[3] q;\nbit[3] c;\nh q[0];\ncx q[0], q[2];\n'
    "cx q[0], q[1];\nc = measure q;\n"
)


@pytest.fixture
def hook(ibm_connection):
    hook = IBMQuantumHook(ibm_connection, retry_policy=FAST)
    yield hook
    hook.close()


def _control(emulator, method: str, route: str):
    answer = requests.request(method, f"{emulator.url}/_emulator{route}", timeout=10)
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.content else None


def _result(hook, emulator, job_id):
    _control(emulator, "POST", f"/jobs/{job_id}/finish")
    return hook.get_job_result(job_id, timeout=10, poll_interval=0.02)


def _submitted_circuit(hook, job_id: str, index: int = 0):
    return hook.get_conn().get_job(job_id, exclude_params=False).inputs["pubs"][index]


def test_textbook_circuits_are_refused_without_optimization_level(hook, emulator):
    with pytest.raises(NonISACircuitError, match=r"h on qubits \(0,\)"):
        hook.get_conn().run_job(IBMPreparedJob.sampler([TEXTBOOK_BELL], "ibm_fez", 100))
    assert _control(emulator, "GET", "/stats")["ibm"]["jobs_submitted"] == 0


@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_the_sampler_transpiles_and_keeps_the_bell_counts(hook, emulator, level):
    job_id = (
        hook.get_conn()
        .run_job(IBMPreparedJob.sampler([TEXTBOOK_BELL], "ibm_fez", 200, optimization_level=level))
        .id
    )
    counts = _result(hook, emulator, job_id)["pub_results"][0]["counts"]
    assert set(counts) == {"00", "11"} and sum(counts.values()) == 200
    program, _ = scan(_submitted_circuit(hook, job_id)[0])
    assert {item.name for item in program} <= {"rz", "sx", "x", "cz", "measure", "id"}


def test_a_circuit_on_uncoupled_qubits_is_routed(hook, emulator):
    job_id = (
        hook.get_conn()
        .run_job(
            IBMPreparedJob.sampler([GHZ_ON_0_AND_2], "ibm_marrakesh", 100, optimization_level=1)
        )
        .id
    )
    counts = _result(hook, emulator, job_id)["pub_results"][0]["counts"]
    assert set(counts) == {"000", "111"}


def test_estimator_observables_follow_the_layout(hook, emulator):
    job_id = (
        hook.get_conn()
        .run_job(
            IBMPreparedJob.estimator(
                [TEXTBOOK_BELL_STATE],
                [[{"ZZ": 1.0}, {"XX": 1.0}, {"ZI": 1.0}]],
                "ibm_kingston",
                precision=0.001,
                optimization_level=2,
            )
        )
        .id
    )
    (pub,) = _result(hook, emulator, job_id)["pub_results"]
    assert pub["evs"] == pytest.approx([1.0, 1.0, 0.0], abs=0.02)
    observables = _submitted_circuit(hook, job_id)[1]
    assert all(len(label) == 156 for terms in observables for label in terms)


def test_the_target_is_built_once_per_backend(hook, emulator):
    for _ in range(2):
        hook.get_conn().run_job(
            IBMPreparedJob.sampler([TEXTBOOK_BELL], "ibm_fez", 10, optimization_level=1)
        )
    routes = _control(emulator, "GET", "/stats")["ibm"]["routes"]
    assert routes["GET /api/v1/backends/{name}/configuration"] == 1
    assert routes["GET /api/v1/backends/{name}/properties"] == 1


@pytest.mark.parametrize("level", [4, -1, "1", True, 1.5])
def test_a_bad_level_is_refused(hook, level):
    with pytest.raises(InvalidInputError, match="optimization_level must be 0, 1, 2 or 3"):
        hook.get_conn().run_job(
            IBMPreparedJob.sampler([TEXTBOOK_BELL], "ibm_fez", 10, optimization_level=level)
        )


def test_an_unknown_backend_is_named(hook):
    with pytest.raises(InvalidInputError, match="'ibm_nowhere' does not exist"):
        hook.get_conn().run_job(
            IBMPreparedJob.sampler([TEXTBOOK_BELL], "ibm_nowhere", 10, optimization_level=1)
        )


def test_without_qiskit_the_error_names_the_extra(hook, emulator, monkeypatch):
    for name in [name for name in sys.modules if name.split(".")[0] == "qiskit"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "qiskit", None)
    with pytest.raises(MissingExtraError, match=r"optimization_level.*airflow-quantum\[qiskit\]"):
        hook.get_conn().run_job(
            IBMPreparedJob.sampler([TEXTBOOK_BELL], "ibm_fez", 10, optimization_level=1)
        )
    assert _control(emulator, "GET", "/stats")["ibm"]["jobs_submitted"] == 0


def test_without_the_openqasm_importer_the_error_names_the_extra(hook, emulator, monkeypatch):
    from qiskit import qasm3
    from qiskit.exceptions import MissingOptionalLibraryError

    def without_importer(text):
        raise MissingOptionalLibraryError("qiskit-qasm3-import", "loads")

    monkeypatch.setattr(qasm3, "loads", without_importer)  # as qiskit does when it is missing
    with pytest.raises(MissingExtraError, match=r"qiskit-qasm3-import.*airflow-quantum\[qiskit\]"):
        hook.get_conn().run_job(
            IBMPreparedJob.sampler([TEXTBOOK_BELL], "ibm_fez", 10, optimization_level=1)
        )
    assert _control(emulator, "GET", "/stats")["ibm"]["jobs_submitted"] == 0


def test_an_unreadable_circuit_is_named(hook):
    broken = TEXTBOOK_BELL.replace("h q[0];", "nothing q[0];")
    with pytest.raises(InvalidInputError, match="pub 0: qiskit could not read the circuit"):
        hook.get_conn().run_job(
            IBMPreparedJob.sampler([broken], "ibm_fez", 10, optimization_level=1)
        )


@pytest.mark.parametrize(
    ("configured", "passes_logged"), [(logging.NOTSET, False), (logging.INFO, True)]
)
def test_the_transpilers_pass_timings_stay_out_of_the_task_log(
    hook, emulator, caplog, configured, passes_logged
):
    """qiskit logs each pass's timing at INFO ("Pass: ... (ms)", 30-38 lines per circuit):
    quiet unless the deployment set qiskit's log level itself."""
    qiskit_logger = logging.getLogger("qiskit")
    level = qiskit_logger.level
    qiskit_logger.setLevel(configured)  # NOTSET: as in a fresh task process
    try:
        with caplog.at_level(logging.INFO):
            job = IBMPreparedJob.sampler(
                [TEXTBOOK_BELL, GHZ_ON_0_AND_2], "ibm_fez", 100, optimization_level=1
            )
            hook.get_conn().run_job(job)
        kept = qiskit_logger.level
    finally:
        qiskit_logger.setLevel(level)
    passes = [r for r in caplog.records if r.getMessage().startswith("Pass: ")]
    assert bool(passes) is passes_logged, len(passes)
    assert kept == (logging.WARNING if configured == logging.NOTSET else configured)
