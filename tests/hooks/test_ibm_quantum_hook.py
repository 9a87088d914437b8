"""IBMQuantumHook against the emulator: connection forms, every method, sync and async."""

from __future__ import annotations

import dataclasses
import json
import math
from urllib.parse import urlencode

import pytest
import requests
from ibm_circuits import ISA_BELL, ISA_RY_SWEEP, qiskit_isa_bell

from airflow_quantum.clients.errors import (
    ConfigurationError,
    InvalidInputError,
    InvalidStateError,
    JobFailedError,
    JobTimeoutError,
    NotFoundError,
)
from airflow_quantum.clients.ibm import (
    IBM_RETRY_POLICY,
    IBMJob,
    IBMJobStatus,
    IBMPreparedJob,
    IBMQueueInfo,
)
from airflow_quantum.clients.state import CancelOutcome
from airflow_quantum.get_provider_info import get_provider_info
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook

FAST = dataclasses.replace(IBM_RETRY_POLICY, backoff_base=0.01, backoff_max=0.02)
CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/emulator:emulator::"
#: IBM backends run only ISA circuits (see tests/ibm_circuits.py); BELL declares ``c``
#: without measuring it (an estimator circuit).
BELL = ISA_BELL.replace("c = measure q;\n", "")
BELL_MEASURED = ISA_BELL
RY = ISA_RY_SWEEP.replace("bit[1] meas;", "bit[1] m;").replace("meas[0] =", "m[0] =")
SEEDED = {"simulator": {"seed_simulator": 11}}


def control(emulator, method: str, route: str, body=None):
    answer = requests.request(method, f"{emulator.url}/_emulator{route}", json=body, timeout=10)
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.content else None


def ibm_stats(emulator) -> dict:
    return control(emulator, "GET", "/stats")["ibm"]


def finish(emulator, job_id: str) -> None:
    control(emulator, "POST", f"/jobs/{job_id}/finish")


@pytest.fixture
def hook(ibm_connection):
    hook = IBMQuantumHook(ibm_connection, retry_policy=FAST)
    yield hook
    hook.close()


def quick_result(hook, emulator, job_id, **kwargs):
    finish(emulator, job_id)
    return hook.get_job_result(job_id, timeout=10, poll_interval=0.02, **kwargs)


# --------------------------------------------------------------------------- connection


def test_hook_identity_matches_the_provider_info():
    (declared,) = [
        c for c in get_provider_info()["connection-types"] if c["connection-type"] == "ibm_quantum"
    ]
    assert declared["hook-class-name"] == "airflow_quantum.hooks.ibm_quantum.IBMQuantumHook"
    assert IBMQuantumHook.conn_type == "ibm_quantum"
    assert IBMQuantumHook.conn_name_attr == "ibm_quantum_conn_id"
    assert IBMQuantumHook.default_conn_name == "ibm_quantum_default"
    assert IBMQuantumHook.hook_name == "IBM Quantum"
    assert IBMQuantumHook().ibm_quantum_conn_id == "ibm_quantum_default"
    assert set(declared["conn-fields"]) <= {
        "instance", "runtime_url", "iam_url", "api_version", "private_endpoint", "verify",
        "allow_insecure_http",
        "shared_polling",  # read by the triggers (triggers/scope.py), not the hook
    }  # fmt: skip
    from airflow_quantum.triggers.scope import SHARED_POLLING_EXTRA

    assert SHARED_POLLING_EXTRA in declared["conn-fields"]


def test_json_connection_gives_the_settings(hook, emulator):
    settings = hook.client.settings
    assert settings.instance == CRN and settings.runtime_url == f"{emulator.url}/api/v1"
    assert settings.iam_url == emulator.url and settings.api_version == "2026-04-15"
    assert hook.get_conn() is hook.client


def test_uri_connection_works_end_to_end(emulator, monkeypatch):
    query = urlencode(
        {"instance": CRN, "runtime_url": f"{emulator.url}/api/v1", "iam_url": emulator.url}
    )
    monkeypatch.setenv("AIRFLOW_CONN_IBM_URI", f"ibm-quantum://:local-emulator-key@/?{query}")
    ok, message = IBMQuantumHook("ibm_uri").test_connection()
    assert ok, message
    assert CRN in message


def test_legacy_prefixed_extras_and_text_booleans(emulator, monkeypatch):
    extra = {
        "extra__ibm_quantum__instance": CRN,
        "extra__ibm_quantum__runtime_url": f"{emulator.url}/api/v1",
        "extra__ibm_quantum__iam_url": emulator.url,
        "private_endpoint": "false",
        "verify": "true",
    }
    monkeypatch.setenv(
        "AIRFLOW_CONN_IBM_OLD",
        json.dumps({"conn_type": "ibm_quantum", "password": "local-emulator-key", "extra": extra}),
    )
    assert IBMQuantumHook("ibm_old").test_connection()[0]


@pytest.mark.parametrize(
    ("connection", "field"),
    [
        ({"extra": {"instance": CRN}}, "password"),
        ({"password": "local-emulator-key", "extra": {}}, "instance"),
        ({"password": "local-emulator-key", "extra": {"instance": "crn:v1:nope"}}, "instance"),
        (
            {
                "password": "local-emulator-key",
                "extra": {"instance": CRN, "runtime_url": "http://q.example"},
            },
            "runtime_url",
        ),
        (
            {"password": "local-emulator-key", "extra": {"instance": CRN, "api_version": "v2"}},
            "api_version",
        ),
    ],
)
def test_bad_connections_name_the_field(monkeypatch, connection, field):
    monkeypatch.setenv(
        "AIRFLOW_CONN_IBM_BAD", json.dumps({"conn_type": "ibm_quantum", **connection})
    )
    hook = IBMQuantumHook("ibm_bad")
    with pytest.raises(ConfigurationError, match=field) as caught:
        _ = hook.client
    assert "ibm_bad" in str(caught.value)
    ok, message = hook.test_connection()
    assert not ok and field in message


def test_test_connection(hook, emulator):
    ok, message = hook.test_connection()
    assert ok and "usage 0" in message
    assert ibm_stats(emulator)["token_requests"] == 1


def test_test_connection_with_a_wrong_key(emulator, monkeypatch):
    extra = {"instance": CRN, "runtime_url": f"{emulator.url}/api/v1", "iam_url": emulator.url}
    monkeypatch.setenv(
        "AIRFLOW_CONN_IBM_WRONG",
        json.dumps({"conn_type": "ibm_quantum", "password": "wrong-key-42", "extra": extra}),
    )
    ok, message = IBMQuantumHook("ibm_wrong").test_connection()
    assert not ok and "BXNIM0415E" in message and "wrong-key-42" not in message


# ------------------------------------------------------------------------------ running


def test_sampler_result_bell(hook, emulator):
    control(emulator, "PATCH", "/config", {"queue_seconds": 600})  # until finished, however slow
    job_id = (
        hook.get_conn()
        .run_job(
            IBMPreparedJob.sampler(
                [BELL_MEASURED], "ibm_fez", shots=300, options=SEEDED, tags=["t1"]
            )
        )
        .id
    )
    assert hook.get_conn().get_job(job_id).status is IBMJobStatus.QUEUED
    result = quick_result(hook, emulator, job_id)
    counts = result["pub_results"][0]["counts"]
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == 300
    assert hook.get_conn().get_job(job_id).status is IBMJobStatus.DONE
    assert hook.get_conn().get_job(job_id).tags == ["t1"]
    json.dumps(result)  # fit for XCom


def test_estimator_result_zz_on_bell(hook, emulator):
    job_id = (
        hook.get_conn()
        .run_job(IBMPreparedJob.estimator([BELL], "ZZ", "ibm_fez", precision=0.001, options=SEEDED))
        .id
    )
    (pub,) = quick_result(hook, emulator, job_id)["pub_results"]
    assert pub["evs"] == pytest.approx(1.0, abs=0.01)


def test_parameter_sweep_and_bitstrings(hook, emulator):
    job_id = (
        hook.get_conn().run_job(IBMPreparedJob.sampler([(RY, [[0.0], [math.pi]], 5)], "ibm_fez")).id
    )
    (pub,) = quick_result(hook, emulator, job_id, bitstrings=True)["pub_results"]
    assert pub["shape"] == [2] and pub["counts"] == [{"0": 5}, {"1": 5}]
    assert pub["registers"]["m"]["bitstrings"] == [["0"] * 5, ["1"] * 5]


def test_run_job_with_raw_params_and_job_options(hook, emulator):
    params = {"pubs": [[BELL_MEASURED, None, 10]], "options": {}, "version": 2}
    client = hook.get_conn()
    job_id = client.run_job(
        IBMPreparedJob.program("sampler", "ibm_fez", params, tags=["raw"], log_level="debug")
    ).id
    job = client.get_job(job_id, exclude_params=False)
    assert job.inputs["pubs"][0][2] == 10 and job.log_level == "DEBUG"
    assert job.program_id == "sampler" and job.backend_name == "ibm_fez"


def test_wait_times_out_without_cancelling(hook, emulator):
    control(emulator, "PATCH", "/config", {"queue_seconds": 60})
    job_id = (
        hook.get_conn().run_job(IBMPreparedJob.sampler([BELL_MEASURED], "ibm_fez", shots=10)).id
    )
    with pytest.raises(JobTimeoutError, match="not cancelled"):
        hook.get_job_result(job_id, timeout=0.3, poll_interval=0.05)
    assert hook.get_conn().get_job(job_id).status is IBMJobStatus.QUEUED
    assert "POST /api/v1/jobs/{job_id}/cancel" not in ibm_stats(emulator)["routes"]


def test_failed_job(hook, emulator):
    control(
        emulator,
        "POST",
        "/faults/jobs",
        {"vendor": "ibm", "outcome": "fail", "code": "1517", "message": "Qubit 3 is broken"},
    )
    job_id = (
        hook.get_conn().run_job(IBMPreparedJob.sampler([BELL_MEASURED], "ibm_fez", shots=10)).id
    )
    with pytest.raises(JobFailedError, match="Qubit 3 is broken") as caught:
        quick_result(hook, emulator, job_id)
    assert caught.value.job_id == job_id and caught.value.state == "failed"
    assert "Qubit 3 is broken" in hook.get_job_status(job_id)[1]
    assert hook.get_conn().get_job(job_id).status is IBMJobStatus.ERROR


def test_cancelled_job(hook, emulator):
    control(emulator, "PATCH", "/config", {"queue_seconds": 600})  # cancellable, however slow
    job_id = (
        hook.get_conn().run_job(IBMPreparedJob.sampler([BELL_MEASURED], "ibm_fez", shots=10)).id
    )
    assert hook.get_job_status(job_id)[1] is None
    assert hook.cancel_job(job_id) is CancelOutcome.CANCELLED
    with pytest.raises(JobFailedError, match="cancelled"):
        hook.get_job_result(job_id, timeout=5, poll_interval=0.02)
    with pytest.raises(InvalidStateError, match="already final"):
        hook.get_conn().cancel_job(job_id)
    assert hook.cancel_job(job_id) is CancelOutcome.ALREADY_FINAL


def test_logs_metrics_usage_and_queue(hook, emulator):
    control(emulator, "PATCH", "/config", {"queue_seconds": 600})  # queued until finished
    first = hook.get_conn().run_job(IBMPreparedJob.sampler([BELL_MEASURED], "ibm_fez", shots=10)).id
    second = (
        hook.get_conn().run_job(IBMPreparedJob.sampler([BELL_MEASURED], "ibm_fez", shots=10)).id
    )
    assert hook.get_conn().get_logs(second) == ""
    assert hook.queue_position(second) == 2
    info = hook.get_conn().queue_info(second)
    assert isinstance(info, IBMQueueInfo) and info.position == 2 and info.job_id == second
    assert hook.get_conn().get_job(second).usage_estimation == {
        "quantum_seconds": pytest.approx(0.3)
    }
    quick_result(hook, emulator, first)
    quick_result(hook, emulator, second)
    assert hook.queue_position(second) is None
    assert f"Job {second}" in hook.get_conn().get_logs(second)
    metrics = hook.get_conn().get_metrics(second).model_dump(mode="json")
    assert metrics["usage"]["status"] == "complete" and metrics["timestamps"]["finished"]
    json.dumps(metrics)


def test_tags_listing_and_deletion(hook, emulator):
    control(emulator, "PATCH", "/config", {"queue_seconds": 600})  # pending until finished
    ids = [
        hook.get_conn()
        .run_job(IBMPreparedJob.sampler([BELL_MEASURED], "ibm_fez", 10, tags=["dag-x"]))
        .id
        for _ in range(3)
    ]
    assert list(hook.get_conn().update_tags(ids[0], ["dag-x", "first"]).tags) == ["dag-x", "first"]
    client = hook.get_conn()
    assert [job.id for job in client.list_jobs(tags=["dag-x", "first"])] == [ids[0]]
    assert [job.id for job in client.list_jobs(limit=None, sort="ASC")] == ids
    assert len(list(client.list_jobs(limit=2))) == 2
    assert {job.id for job in client.list_jobs(pending=True)} == set(ids)
    quick_result(hook, emulator, ids[0])
    hook.get_conn().delete_job(ids[0])
    with pytest.raises(NotFoundError):
        hook.get_conn().get_job(ids[0])


def test_sessions(hook, emulator):
    control(emulator, "PATCH", "/config", {"queue_seconds": 600})  # queued until ended
    session_id = hook.get_conn().open_session("ibm_fez", mode="batch", max_ttl=300).id
    job_id = (
        hook.get_conn()
        .run_job(IBMPreparedJob.sampler([BELL_MEASURED], None, 10, session_id=session_id))
        .id
    )
    assert hook.get_conn().get_job(job_id).session_id == session_id
    assert hook.get_conn().get_session(session_id).mode == "batch"
    hook.get_conn().close_session(session_id)
    assert hook.get_conn().get_session(session_id).accepting_jobs is False
    quick_result(hook, emulator, job_id)  # closing lets queued jobs run
    dedicated = hook.get_conn().open_session("ibm_fez").id
    queued = (
        hook.get_conn()
        .run_job(IBMPreparedJob.sampler([BELL_MEASURED], None, 10, session_id=dedicated))
        .id
    )
    hook.get_conn().cancel_session(dedicated)
    assert hook.get_conn().get_job(queued).status is IBMJobStatus.CANCELLED


def test_backends_and_usage(hook):
    assert "ibm_fez" in {backend.name for backend in hook.get_conn().list_backends()}
    assert hook.get_conn().get_backend_configuration("ibm_marrakesh").n_qubits == 156
    assert len(hook.get_conn().get_backend_properties("ibm_fez").qubits) == 156
    assert len(hook.get_conn().get_backend_properties("ibm_boston").gates) > 156
    assert hook.get_conn().get_backend_status("ibm_fez").operational
    assert hook.get_conn().get_instance_usage().usage_limit_reached is False


def test_qiskit_objects_when_qiskit_is_installed(hook, emulator):
    qiskit = pytest.importorskip("qiskit")
    from qiskit.quantum_info import SparsePauliOp

    bell = qiskit_isa_bell()
    measured = qiskit_isa_bell(measure=True)
    assert isinstance(bell, qiskit.QuantumCircuit)
    job_id = hook.get_conn().run_job(IBMPreparedJob.sampler([measured], "ibm_fez", shots=100)).id
    counts = quick_result(hook, emulator, job_id)["pub_results"][0]["counts"]
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == 100
    observable = SparsePauliOp.from_list([("ZZ", 0.5), ("XX", 0.5)])
    job_id = (
        hook.get_conn()
        .run_job(IBMPreparedJob.estimator([bell], observable, "ibm_fez", precision=0.001))
        .id
    )
    (pub,) = quick_result(hook, emulator, job_id)["pub_results"]
    assert pub["evs"] == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (
            lambda h: h.get_conn().run_job(IBMPreparedJob.sampler(["bell.qasm"], "ibm_fez")).id,
            r"circuits\[0\]",
        ),
        (
            lambda h: (
                h.get_conn()
                .run_job(IBMPreparedJob.sampler([(BELL_MEASURED, None, 10, 5)], "ibm_fez"))
                .id
            ),
            r"circuits\[0\]",
        ),
        (
            lambda h: h.get_conn().run_job(IBMPreparedJob.sampler([BELL_MEASURED], None)).id,
            "backend",
        ),
        (
            lambda h: (
                h.get_conn()
                .run_job(IBMPreparedJob.sampler([BELL_MEASURED], "ibm_fez", tags=list("abcdefghi")))
                .id
            ),
            "tags",
        ),
        (
            lambda h: h.get_conn().run_job(IBMPreparedJob.estimator([BELL], None, "ibm_fez")).id,
            "observables",
        ),
        (
            lambda h: h.get_conn().run_job(IBMPreparedJob.estimator([BELL], "ZQ", "ibm_fez")).id,
            "observables",
        ),
        (lambda h: h.get_conn().get_job("job/../../x"), "job_id"),
        (lambda h: h.get_conn().get_job("bad id").status, "job_id"),
        (lambda h: list(h.get_conn().update_tags("abc", ["x" * 90]).tags), "tags"),
        (lambda h: h.get_job_result("abc", timeout=-1), "timeout"),
        (lambda h: h.wait_for_job("abc", poll_interval=0), "poll_interval"),
        (lambda h: h.get_conn().open_session("ibm_fez", mode="exclusive"), "mode"),
        (lambda h: h.get_conn().list_jobs(created_after=12), "created_after"),
    ],
)
def test_bad_input_is_refused_before_any_request(hook, emulator, call, field):
    with pytest.raises(InvalidInputError, match=field):
        call(hook)
    assert ibm_stats(emulator)["requests"] == 0


def test_unknown_statuses_are_polled_with_a_warning(hook, monkeypatch, capsys):
    answers = iter(
        IBMJob.from_wire({"id": "j1", "state": {"status": word}})
        for word in ("Queued", "Archiving", "Archiving", "Completed")
    )
    monkeypatch.setattr(hook.get_conn(), "get_job", lambda job_id: next(answers))
    job = hook.wait_for_job("j1", poll_interval=0.01)
    assert job.done()
    # Airflow 3 hooks log through structlog (to stdout here), not through stdlib logging.
    lines = [line for line in capsys.readouterr().out.splitlines() if "Archiving" in line]
    assert len(lines) == 1 and "warning" in lines[0] and "not final" in lines[0]


# --------------------------------------------------------------------------------- async


async def test_async_twins(ibm_connection, emulator, monkeypatch):
    control(emulator, "PATCH", "/config", {"queue_seconds": 600})  # pending until finished
    hook = IBMQuantumHook(ibm_connection, retry_policy=FAST)
    sync_hook = IBMQuantumHook(ibm_connection, retry_policy=FAST)
    done = (
        sync_hook.get_conn()
        .run_job(IBMPreparedJob.sampler([BELL_MEASURED], "ibm_fez", shots=50))
        .id
    )
    waiting = (
        sync_hook.get_conn()
        .run_job(IBMPreparedJob.sampler([BELL_MEASURED], "ibm_fez", shots=50))
        .id
    )
    finish(emulator, done)
    sync_hook.wait_for_job(done, timeout=5, poll_interval=0.02)
    # Listings and results are the sync client's only: checked there.
    reader = sync_hook.get_conn()
    assert [job.id for job in reader.list_jobs(pending=True)] == [waiting]
    assert len(list(reader.list_jobs(limit=None))) == 2
    assert "00" in reader.get_results_text(done) or "11" in reader.get_results_text(done)
    assert reader.get_results_text(waiting) is None
    result = reader.get_results(done)
    assert set(result["pub_results"][0]["counts"]) <= {"00", "11"}
    with pytest.raises(InvalidStateError, match="not ready"):
        reader.get_results(waiting)

    def no_blocking_lookup(*args, **kwargs):
        raise AssertionError("the async paths must not call the blocking get_connection")

    monkeypatch.setattr(IBMQuantumHook, "get_connection", no_blocking_lookup)
    try:
        client = await hook.aclient()
        assert (await client.get_job(done)).done() and await hook.aclient() is client
        assert (await client.get_job(done)).status is IBMJobStatus.DONE
        assert (await client.get_metrics(done)).model_dump(mode="json")["usage"]["status"] == (
            "complete"
        )
        assert await hook.aqueue_position(done) is None
        assert await hook.acancel_job(waiting) is CancelOutcome.CANCELLED
        assert (await client.get_job(waiting)).status is IBMJobStatus.CANCELLED
        assert await hook.acancel_job(waiting) is CancelOutcome.ALREADY_FINAL  # already final
        with pytest.raises(JobFailedError, match="cancelled"):
            reader.get_results(waiting)
        with pytest.raises(InvalidInputError):
            await client.get_job("x/y")
    finally:
        await hook.aclose()
        sync_hook.close()
