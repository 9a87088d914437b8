"""The IBM clients against the emulator over loopback: every operation, sync and async faces."""

from __future__ import annotations

import asyncio
import math

import pendulum
import pytest
from ibm_client_support import (
    BELL,
    BELL_NO_MEASURE,
    FAST,
    RY,
    RY_NO_MEASURE,
    SEEDED,
    configure,
    finish,
    job_fault,
    settings,
    stats,
)
from job_waits import await_final, wait_final

from airflow_quantum.clients.errors import (
    InvalidInputError,
    InvalidStateError,
    JobFailedError,
    NotFoundError,
)
from airflow_quantum.clients.ibm import (
    AsyncIBMQuantumClient,
    IBMJobStatus,
    IBMPreparedJob,
    IBMQuantumClient,
    IBMQueueInfo,
)
from airflow_quantum.clients.ibm import circuits as pubs
from airflow_quantum.clients.state import JobState


@pytest.fixture
def client(emulator):
    with IBMQuantumClient(settings(emulator.url), retry_policy=FAST) as client:
        yield client


@pytest.fixture
async def aclient(emulator):
    async with AsyncIBMQuantumClient(settings(emulator.url), retry_policy=FAST) as client:
        yield client


def sampler(client, circuits, shots=None, **kwargs):
    params = pubs.primitive_params(pubs.sampler_pubs(circuits, shots), SEEDED)
    backend = kwargs.pop("backend", "ibm_fez")
    return client.run_job(IBMPreparedJob.program("sampler", backend, params, **kwargs))


def estimator(client, circuits, observables, precision=None, **kwargs):
    params = pubs.primitive_params(pubs.estimator_pubs(circuits, observables, precision), SEEDED)
    backend = kwargs.pop("backend", "ibm_fez")
    return client.run_job(IBMPreparedJob.program("estimator", backend, params, **kwargs))


def finished(client, emulator, submitted):
    finish(emulator.url, submitted.id)
    return wait_final(client, submitted.id)


# ----------------------------------------------------------------------------- results


def test_bell_sampler_counts_only_00_and_11(client, emulator):
    job = finished(client, emulator, sampler(client, [BELL], shots=400))
    assert job.status is IBMJobStatus.DONE and job.done() and job.state is JobState.SUCCEEDED
    result = client.get_results(job)
    assert result["kind"] == "sampler"
    (pub,) = result["pub_results"]
    assert pub["shots"] == 400 and pub["shape"] == []
    assert set(pub["counts"]) <= {"00", "11"} and sum(pub["counts"].values()) == 400
    assert min(pub["counts"].values()) > 100  # both outcomes, about half each
    assert pub["registers"]["c"]["num_bits"] == 2
    assert pub["registers"]["c"]["counts"] == pub["counts"]


def test_bitstrings_per_shot_on_request(client, emulator):
    job = finished(client, emulator, sampler(client, [BELL], shots=20))
    register = client.get_results(job, bitstrings=True)["pub_results"][0]["registers"]["c"]
    assert len(register["bitstrings"]) == 20 and set(register["bitstrings"]) <= {"00", "11"}
    assert register["bitstrings"].count("11") == register["counts"].get("11", 0)


def test_estimator_zz_on_bell_is_one(client, emulator):
    job = finished(client, emulator, estimator(client, [BELL_NO_MEASURE], "ZZ", precision=0.001))
    (pub,) = client.get_results(job)["pub_results"]
    assert pub["kind"] == "estimator" and pub["shape"] == []
    assert pub["evs"] == pytest.approx(1.0, abs=0.01)
    assert pub["stds"] == pytest.approx(0.001)
    assert pub["ensemble_standard_error"] == pytest.approx(0.001)


def test_parameter_sweep_keeps_the_pub_shape(client, emulator):
    thetas = [[0.0], [math.pi], [math.pi / 2]]
    job = finished(client, emulator, sampler(client, [(RY, thetas, 300)]))
    (pub,) = client.get_results(job)["pub_results"]
    assert pub["shape"] == [3]
    counts = pub["counts"]
    assert counts[0] == {"0": 300} and counts[1] == {"1": 300}
    assert set(counts[2]) == {"0", "1"}
    sweep = finished(
        client, emulator, estimator(client, [(RY_NO_MEASURE, "Z", thetas, 0.001)], None)
    )
    (pub,) = client.get_results(sweep)["pub_results"]
    assert pub["shape"] == [3]
    assert pub["evs"] == pytest.approx([1.0, -1.0, 0.0], abs=0.01)


def test_failed_job_surfaces_the_services_error_text(client, emulator):
    job_fault(emulator.url, outcome="fail", code="1517", message="Circuit too deep for us")
    job = finished(client, emulator, sampler(client, [BELL], shots=10))
    assert job.status is IBMJobStatus.ERROR and job.errored() and job.in_final_state()
    assert job.reason_code == 1517 and "too deep" in job.error_message()
    assert "too deep" in client.get_results_text(job.id)  # 200 with the error text
    with pytest.raises(JobFailedError) as caught:
        client.get_results(job)
    assert "Circuit too deep for us" in str(caught.value)
    assert caught.value.state == "failed" and caught.value.code == "1517"


def test_ran_too_long_is_a_failure_not_a_cancel(client, emulator):
    job = wait_final(client, sampler(client, [BELL], shots=10, max_execution_time=0).id)
    assert job.status is IBMJobStatus.ERROR and not job.cancelled()
    assert str(job.reason_code) == "1305"
    with pytest.raises(JobFailedError, match="1305"):
        client.get_results(job)


def test_cancelled_job_has_no_result_and_cannot_be_cancelled_twice(client, emulator):
    configure(emulator.url, queue_seconds=600)  # still cancellable, however slow
    submitted = sampler(client, [BELL], shots=10)
    client.cancel_job(submitted.id)
    job = client.get_job(submitted.id)
    assert job.status is IBMJobStatus.CANCELLED and job.cancelled()
    assert job.error_message() is None
    with pytest.raises(JobFailedError) as caught:
        client.get_results(job)
    assert caught.value.state == "cancelled"
    with pytest.raises(InvalidStateError, match="already final") as again:
        client.cancel_job(submitted.id)
    assert again.value.status == 409


def test_no_result_yet_before_the_job_ends(client, emulator):
    configure(emulator.url, queue_seconds=600)  # not ended when read, however slow
    submitted = sampler(client, [BELL], shots=10)
    assert client.get_results_text(submitted.id) is None  # 204
    with pytest.raises(InvalidStateError, match="not ready"):
        client.get_results(submitted.id)
    assert client.get_logs(submitted.id) == ""  # 404 before it runs


# ------------------------------------------------------------------------- job routes


def test_job_attributes_match_the_seed(client, emulator):
    configure(emulator.url, queue_seconds=600)  # not final when read back, however slow
    submitted = sampler(client, [BELL], shots=10, tags=["nightly", "bell"], log_level="info")
    job = client.get_job(submitted.id, exclude_params=False)
    assert job.job_id == submitted.id and job.backend_name == "ibm_fez"
    assert job.program_id == job.primitive_id == "sampler"
    assert job.creation_date.tzinfo is not None
    assert abs((pendulum.now("UTC") - job.creation_date).total_seconds()) < 60
    assert job.inputs["pubs"][0][0] == BELL and job.version == 2
    assert job.tags == ["nightly", "bell"] and job.image == ""
    assert job.usage_estimation == {"quantum_seconds": pytest.approx(0.3)}
    assert job.instance == settings(emulator.url).instance
    assert job.status in (IBMJobStatus.QUEUED, IBMJobStatus.RUNNING)
    assert not job.in_final_state() and not job.has_completed()
    assert client.get_job(submitted.id).inputs is None  # exclude_params by default


def test_logs_metrics_and_queue_information(client, emulator):
    configure(emulator.url, queue_seconds=600)  # both queued until finished, however slow
    first = sampler(client, [BELL], shots=10)
    second = sampler(client, [BELL], shots=10)
    metrics = client.get_metrics(second.id)
    info = IBMQueueInfo.from_metrics(second.id, metrics)
    assert info is not None and info.position == 2 and info.estimated_start_time is not None
    finished(client, emulator, first)
    job = finished(client, emulator, second)
    metrics = client.get_metrics(job.id)
    assert metrics.position_in_queue is None and metrics.usage.status == "complete"
    assert metrics.timestamps.finished >= metrics.timestamps.created
    assert "qiskit_version" in metrics.model_dump()
    assert f"Job {job.id}" in client.get_logs(job.id)


def test_update_tags_and_delete(client, emulator):
    job = finished(client, emulator, sampler(client, [BELL], shots=10, tags=["a"]))
    client.update_tags(job.id, ["b", "c"])
    assert client.get_job(job.id).tags == ["b", "c"]
    client.update_tags(job.id, [])
    assert client.get_job(job.id).tags == []
    client.delete_job(job.id)
    with pytest.raises(NotFoundError):
        client.get_job(job.id)


def test_listing_pages_filters_and_sorts(client, emulator):
    configure(emulator.url, queue_seconds=600)  # pending until finished below, however slow
    ids = [sampler(client, [BELL], shots=10, tags=["all", f"n{i}"]).id for i in range(5)]
    estimator_id = estimator(client, [BELL_NO_MEASURE], "ZZ", tags=["all"]).id
    listed = list(client.list_jobs(page_size=2))
    assert [job.id for job in listed] == [estimator_id, *reversed(ids)]  # newest first
    assert [j.id for j in client.list_jobs(page_size=2, sort="asc", program="sampler")] == ids
    assert [j.id for j in client.list_jobs(tags=["all", "n3"])] == [ids[3]]
    assert len(list(client.list_jobs(limit=3, page_size=2))) == 3
    page = client.list_jobs_page(limit=2, offset=1)
    assert page.count == 6 and [j.id for j in page.jobs] == [ids[4], ids[3]]
    created = client.get_job(ids[2]).created
    after = [j.id for j in client.list_jobs(created_after=created, sort="ASC")]
    assert after == [*ids[2:], estimator_id]
    before = [j.id for j in client.list_jobs(created_before=created.naive(), sort="ASC")]
    assert before == ids[:3]
    finish(emulator.url, ids[0])
    wait_final(client, ids[0])
    pending = {j.id for j in client.list_jobs(pending=True)}
    assert ids[0] not in pending and ids[1] in pending
    assert list(client.list_jobs(backend="ibm_marrakesh")) == []


def test_sessions_and_batches(client, emulator):
    assert client.open_session("ibm_fez").mode == "batch"  # what every plan allows
    session = client.open_session("ibm_fez", mode="dedicated", max_ttl=600)
    assert session.mode == "dedicated" and session.backend_name == "ibm_fez"
    params = pubs.primitive_params(pubs.sampler_pubs([BELL], 10))
    submitted = client.run_job(
        IBMPreparedJob.program("sampler", None, params, session_id=session.id)
    )  # backend from session
    assert submitted.session_id == session.id and submitted.backend == "ibm_fez"
    assert [j.id for j in client.list_jobs(session_id=session.id)] == [submitted.id]
    client.close_session(session.id)
    assert client.get_session(session.id).accepting_jobs is False
    batch = client.open_session("ibm_fez", mode="batch")
    configure(emulator.url, queue_seconds=600)  # still queued when its batch is cancelled
    queued = client.run_job(IBMPreparedJob.program("sampler", None, params, session_id=batch.id))
    client.cancel_session(batch.id)
    assert client.get_job(queued.id).status is IBMJobStatus.CANCELLED
    assert client.get_session(batch.session_id).accepting_jobs is False


def test_backends_and_instance_usage(client):
    names = {backend.name for backend in client.list_backends()}
    assert {"ibm_fez", "ibm_marrakesh", "ibm_kingston"} <= names
    status = client.get_backend_status("ibm_fez")
    assert status.operational and status.length_queue == 0
    configuration = client.get_backend_configuration("ibm_fez")
    assert configuration.n_qubits == 156 and "cz" in configuration.basis_gates
    assert "supported_instructions" in configuration.model_extra  # extras kept
    properties = client.get_backend_properties("ibm_fez")
    assert len(properties.qubits) == 156
    with pytest.raises(NotFoundError):
        client.get_backend_properties("ibm_nowhere")
    usage = client.get_instance_usage()
    assert usage.usage_limit_reached is False and usage.usage_consumed_seconds == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_job("../jobs"),
        lambda c: c.get_job(""),
        lambda c: c.cancel_job("a b"),
        lambda c: c.update_tags("abc", [f"t{i}" for i in range(9)]),
        lambda c: c.update_tags("abc", ["x" * 87]),
        lambda c: c.update_tags("abc", "one-tag"),
        lambda c: c.run_job(
            IBMPreparedJob.program("sampler", None, {"pubs": []})
        ),  # no backend and no session
        lambda c: c.run_job(IBMPreparedJob.program("sampler", "ibm/fez", {"pubs": []})),
        lambda c: c.run_job(IBMPreparedJob.program("sampler", "ibm_fez", {}, log_level="loud")),
        lambda c: c.run_job(
            IBMPreparedJob.program("sampler", "ibm_fez", {}, max_execution_time=10801)
        ),
        lambda c: c.run_job(IBMPreparedJob.program("sampler", "ibm_fez", {}, image="no-tag")),
        lambda c: c.run_job(IBMPreparedJob.program("sampler", "ibm_fez", {"x": float("nan")})),
        lambda c: c.list_jobs(sort="sideways"),
        lambda c: c.list_jobs(created_after="yesterday"),
        lambda c: c.list_jobs_page(limit=201),
        lambda c: c.open_session("ibm_fez", mode="solo"),
    ],
)
def test_bad_input_is_refused_before_anything_is_sent(client, emulator, call):
    with pytest.raises(InvalidInputError):
        call(client)
    assert stats(emulator.url)["requests"] == 0 and stats(emulator.url)["token_requests"] == 0


# -------------------------------------------------------------------------- async face


async def test_a_lifecycle_across_the_sync_and_async_clients(client, aclient, emulator):
    # The async client has only what triggers call (issue 16); the rest is the sync client's.
    configure(emulator.url, queue_seconds=600)  # pending until finished, however slow
    params = pubs.primitive_params(pubs.sampler_pubs([BELL], 100), SEEDED)
    submitted = client.run_job(IBMPreparedJob.program("sampler", "ibm_fez", params, tags=["async"]))
    assert client.get_results_text(submitted.id) is None
    assert client.get_logs(submitted.id) == ""
    finish(emulator.url, submitted.id)
    job = await await_final(aclient, submitted.id)
    result = client.get_results(job)
    assert set(result["pub_results"][0]["counts"]) <= {"00", "11"}
    assert (await aclient.get_metrics(job.id)).usage.status == "complete"
    assert [j.id for j in client.list_jobs(pending=False, tags=["async"])] == [job.id]
    client.update_tags(job.id, ["done"])
    assert (await aclient.get_job(job.id)).tags == ["done"]
    other = client.run_job(IBMPreparedJob.program("sampler", "ibm_fez", params))
    await aclient.cancel_job(other.id)
    with pytest.raises(InvalidStateError, match="already final"):
        await aclient.cancel_job(other.id)
    with pytest.raises(JobFailedError):
        client.get_results(other.id)
    session = client.open_session("ibm_fez", mode="batch")
    client.close_session(session.id)
    assert client.get_session(session.id).accepting_jobs is False
    assert client.get_instance_usage().usage_limit_reached is False
    assert len(client.list_backends()) >= 4
    client.delete_job(job.id)
    with pytest.raises(NotFoundError):
        await aclient.get_job(job.id)


async def test_async_bad_input_raises_before_sending(client, aclient, emulator):
    with pytest.raises(InvalidInputError):
        await aclient.get_job("no/slashes")
    with pytest.raises(InvalidInputError):
        client.list_jobs(tags=["t"] * 9)
    assert stats(emulator.url)["requests"] == 0


async def test_async_polls_run_concurrently(client, aclient, emulator):
    params = pubs.primitive_params(pubs.sampler_pubs([BELL], 10))
    ids = [
        client.run_job(IBMPreparedJob.program("sampler", "ibm_fez", params)).id for _ in range(3)
    ]
    jobs = await asyncio.gather(*(aclient.get_job(job_id) for job_id in ids * 5))
    assert {job.id for job in jobs} == set(ids)


def test_calibration_id_is_sent_with_the_job(client):
    submitted = sampler(client, [BELL], 10, calibration_id="cal-2026-11-30")
    job = client.get_job(submitted.id)
    assert job.model_extra["calibration_id"] == "cal-2026-11-30"
    with pytest.raises(InvalidInputError, match="calibration_id"):
        sampler(client, [BELL], 10, calibration_id="")
