"""The Azure clients (sync and async) against the emulator over real loopback HTTP."""

from __future__ import annotations

import json
import math
import time

import pytest
from azure_client_support import (
    BELL,
    FAST,
    ISING_TERMS,
    QASM_BELL,
    X0,
    add_fault,
    add_job_fault,
    advance_clock,
    api_key_settings,
    azure_stats,
    bell_qir,
    brute_force_minimum,
    calls,
    connection_string_settings,
    entra_settings,
    finish,
    ising_cost,
    patch_config,
    plant_qio,
    requests_log,
    results_when_done,
)
from job_waits import wait_final

from airflow_quantum.clients.azure import (
    AsyncAzureQuantumClient,
    AzurePreparedJob,
    AzureQuantumClient,
)
from airflow_quantum.clients.errors import (
    AuthenticationError,
    InvalidInputError,
    InvalidStateError,
    JobFailedError,
    NotFoundError,
    RetiredTargetError,
    ServiceError,
)
from airflow_quantum.clients.state import JobState


@pytest.fixture
def client(emulator):
    with AzureQuantumClient(api_key_settings(emulator.url), retry_policy=FAST) as client:
        yield client


@pytest.fixture
def entra_client(emulator):
    with AzureQuantumClient(entra_settings(emulator.url), retry_policy=FAST) as client:
        yield client


# ------------------------------------------------------------------ lifecycles and results


def test_historic_qio_job_serves_its_stored_optimum(client, emulator):
    job = client.get_job(
        plant_qio(emulator.url, ISING_TERMS, input_params={"seed": 7}, tags=["qio"])
    )
    assert job.state is JobState.SUCCEEDED and job.tags == ["qio"]
    assert job.input_data_format == "microsoft.qio.v2"
    assert job.target == "microsoft.simulatedannealing.cpu"
    result = results_when_done(client, job.id)
    assert result["format"] == "microsoft.qio-results.v2"
    assert result["cost"] == brute_force_minimum(ISING_TERMS)
    assert ising_cost(ISING_TERMS, result["configuration"]) == result["cost"]
    assert all(
        ising_cost(ISING_TERMS, s["configuration"]) == s["cost"] for s in result["solutions"]
    )
    assert job.done() and job.end_execution_time >= job.begin_execution_time


async def test_qio_submissions_are_refused_before_anything_is_sent(client, emulator):
    with pytest.raises(RetiredTargetError, match="retired") as raised:
        client.submit_job(
            AzurePreparedJob.input_data(
                {"cost_function": {"type": "ising", "terms": ISING_TERMS}},
                "microsoft.qio.v2",
                "microsoft.qio-results.v2",
                "microsoft",
                "microsoft.simulatedannealing.cpu",
            )
        )
    assert "ionq.simulator" in str(raised.value)
    with pytest.raises(RetiredTargetError, match="h2-1e"):
        client.submit_job(
            AzurePreparedJob.input_data(
                QASM_BELL, "honeywell.openqasm.v1", None, "quantinuum", "quantinuum.sim.h1-1e"
            )
        )
    with pytest.raises(RetiredTargetError):
        client.open_session(provider_id="microsoft", target="microsoft.tabu.cpu")
    assert azure_stats(emulator.url)["requests"] == 0


@pytest.mark.parametrize("bitcode", [True, False], ids=["bitcode", "llvm-text"])
def test_qir_bell_job_on_ionq_and_quantinuum(client, emulator, bitcode):
    for target in ("ionq.simulator", "quantinuum.sim.h2-1e"):
        job = client.submit_job(
            AzurePreparedJob.qir(bell_qir(bitcode=bitcode), target=target, shots=50)
        )
        assert job.input_data_format == "qir.v1"
        assert job.output_data_format == "microsoft.quantum-results.v2"
        assert job.input_params == {"arguments": [], "shots": 50}
        assert job.provider_id == target.split(".")[0]
        result = results_when_done(client, job.id)
        assert set(result["counts"]) <= {"[0, 0]", "[1, 1]"} and result["shots"] == 50
    # Each program went up once, as a block blob with If-None-Match.
    assert calls(emulator.url, "PUT", "/inputData", 201) == 2


def test_rigetti_quil_through_submit_job(client, emulator):
    quil = "DECLARE ro BIT[2]\nX 1\nMEASURE 0 ro[0]\nMEASURE 1 ro[1]\n"
    job = client.submit_job(
        AzurePreparedJob.input_data(
            quil, "rigetti.quil.v1", None, "rigetti", "rigetti.sim.qvm", input_params={"shots": 8}
        )
    )
    assert job.output_data_format == "rigetti.quil-results.v1"
    result = results_when_done(client, job.id)
    assert result["counts"] == {"ro": {"10": 8}} and result["readout"]["ro"] == [[0, 1]] * 8
    assert calls(emulator.url, "PUT", "/inputData", 201) == 1  # the program, uploaded once


def test_the_resource_estimator_through_the_client(client):
    job = client.submit_job(
        AzurePreparedJob.qir(
            bell_qir(), target="microsoft.estimator", input_params={"errorBudget": 0.01}
        )
    )
    assert job.provider_id == "microsoft-qc"
    assert job.output_data_format == "microsoft.resource-estimates.v1"
    result = results_when_done(client, job.id)
    assert result["format"] == "microsoft.resource-estimates.v1"
    assert result["logical_qubits"] == 2 * 2 + 4 + 1
    assert result["physical_qubits"] == result["estimate"]["physicalCounts"]["physicalQubits"]
    assert result["estimate"]["jobParams"]["errorBudget"] == 0.01
    with pytest.raises(InvalidInputError, match="no shots"):
        client.submit_job(AzurePreparedJob.qir(bell_qir(), target="microsoft.estimator", shots=10))


def test_ionq_bell_state(client):
    job = client.submit_job(AzurePreparedJob.ionq_circuit(BELL, shots=100))
    assert job.metadata == {"qubits": "2"} and job.input_params == {"shots": 100}
    result = results_when_done(client, job.id)
    assert result["probabilities"] == {"00": 0.5, "11": 0.5}
    assert result["histogram"] == {"0": 0.5, "3": 0.5}


def test_microsoft_result_formats_v1_and_v2(client):
    v1 = client.submit_job(
        AzurePreparedJob.ionq_circuit(BELL, output_data_format="microsoft.quantum-results.v1")
    )
    v2 = client.submit_job(
        AzurePreparedJob.ionq_circuit(
            BELL, shots=64, output_data_format="microsoft.quantum-results.v2"
        )
    )
    first = results_when_done(client, v1.id)
    assert first["probabilities"] == {"[0, 0]": 0.5, "[1, 1]": 0.5}
    second = results_when_done(client, v2.id)
    assert set(second["counts"]) <= {"[0, 0]", "[1, 1]"} and second["shots"] == 64
    assert sum(second["counts"].values()) == 64


def test_quantinuum_counts_from_an_openqasm_job(client):
    job = client.submit_job(
        AzurePreparedJob.input_data(
            QASM_BELL,
            "honeywell.openqasm.v1",
            "honeywell.quantum-results.v1",
            "quantinuum",
            "quantinuum.sim.h2-1e",
            input_params={"count": 40},
        )
    )
    result = results_when_done(client, job.id)
    assert result["shots"] == 40
    assert set(result["counts"]["c0"]) <= {"00", "11"}
    assert sum(result["counts"]["c0"].values()) == 40


async def test_lifecycle_with_entra_token_shared_by_the_sync_and_async_clients(emulator):
    settings = entra_settings(emulator.url)
    with AzureQuantumClient(settings, retry_policy=FAST) as client:
        job = client.submit_job(AzurePreparedJob.ionq_circuit(BELL, name="bell-async"))
        done = wait_final(client, job.id)
        assert done.has_completed() and done.name == "bell-async"
        result = client.get_results(done)
        assert result["probabilities"] == {"00": 0.5, "11": 0.5}
        assert [j.id for j in client.list_jobs(name_prefix="bell-")] == [job.id]
        patch_config(emulator.url, queue_seconds=600)  # still cancellable, however slow
        other = client.submit_job(AzurePreparedJob.ionq_circuit(X0))
        async with AsyncAzureQuantumClient(settings, retry_policy=FAST) as aclient:
            assert (await aclient.get_job(job.id)).has_completed()
            cancelled = await aclient.cancel_job(other.id)
            assert cancelled.cancelled()
            with pytest.raises(InvalidStateError):
                await aclient.cancel_job(other.id)
        paged = [j.id for j in client.list_jobs(top=1, orderby="CreationTime asc")]
        assert paged == [job.id, other.id]  # two pages of one, through nextLink
        session = client.open_session(provider_id="ionq", target="ionq.simulator")
        assert client.get_session(session.id).active()
        assert client.close_session(session.id).in_final_state()
        assert [s.id for s in client.list_sessions()] == [session.id]
        assert any(p.id == "ionq" for p in client.get_provider_status())
        assert client.get_quotas()
        tagged = client.add_tags(job.id, ["x", "y"])
        assert client.remove_tags(tagged.id, ["x"]).tags == ["y"]
    assert azure_stats(emulator.url)["token_requests"] == 1


def test_connection_string_client(emulator):
    with AzureQuantumClient(connection_string_settings(emulator.url)) as client:
        job = client.submit_job(AzurePreparedJob.ionq_circuit(BELL))
        assert client.get_job(job.id).id == job.id


def test_wrong_credentials_are_authentication_errors(emulator):
    keyed = AzureQuantumClient(api_key_settings(emulator.url, key="wrong"), retry_policy=FAST)
    # The service's 401 has an empty body (recorded): no error code to show, only the status.
    with keyed, pytest.raises(AuthenticationError, match="HTTP 401") as info:
        list(keyed.list_jobs())
    assert info.value.status == 401
    entra = AzureQuantumClient(entra_settings(emulator.url, secret="wrong"), retry_policy=FAST)
    with entra, pytest.raises(AuthenticationError, match="AADSTS7000215"):
        entra.get_job("00000000-0000-0000-0000-000000000000")


def test_missing_job_is_not_found(client):
    with pytest.raises(NotFoundError, match="JobNotFound"):
        client.get_job("00000000-0000-0000-0000-000000000000")


# ------------------------------------------------------------------ tokens


def test_short_lived_tokens_are_fetched_once_per_lifetime_not_per_call(emulator):
    patch_config(emulator.url, azure_token_lifetime=2)
    with AzureQuantumClient(entra_settings(emulator.url), retry_policy=FAST) as client:
        job = client.submit_job(AzurePreparedJob.ionq_circuit(X0))
        started, polls = time.monotonic(), 0
        while time.monotonic() - started < 4.2:
            client.get_job(job.id)
            polls += 1
            time.sleep(0.02)  # short: a loaded machine, whose calls come slower, still makes 20
    stats = azure_stats(emulator.url)
    # Refreshed at 80% of 2 s: t=0, 1.6, 3.2 (and perhaps one more at the edge).
    assert 3 <= stats["token_requests"] <= 4, stats
    assert polls > 20
    assert "401" not in stats["statuses"]


def test_token_expired_on_the_server_is_refreshed_once(entra_client, emulator):
    job = entra_client.submit_job(AzurePreparedJob.ionq_circuit(X0))
    advance_clock(emulator.url, 90_000)  # past the 86399 s lifetime, server side only
    assert entra_client.get_job(job.id).id == job.id
    stats = azure_stats(emulator.url)
    assert stats["token_requests"] == 2 and stats["statuses"]["401"] == 1


async def test_async_token_expired_on_the_server_is_refreshed_once(emulator):
    with AzureQuantumClient(entra_settings(emulator.url), retry_policy=FAST) as sync_client:
        job = sync_client.submit_job(AzurePreparedJob.ionq_circuit(X0))
    async with AsyncAzureQuantumClient(entra_settings(emulator.url), retry_policy=FAST) as client:
        advance_clock(emulator.url, 90_000)
        assert (await client.get_job(job.id)).id == job.id
    stats = azure_stats(emulator.url)
    assert stats["token_requests"] == 2 and stats["statuses"]["401"] == 1


# ------------------------------------------------------------------ SAS links


def test_output_sas_expiring_soon_is_renewed_before_download(client, emulator):
    patch_config(emulator.url, sas_lifetime=60)  # less than the five-minute margin
    job = client.submit_job(AzurePreparedJob.ionq_circuit(X0))
    finish(emulator.url, job.id)
    done = client.get_job(job.id)
    advance_clock(emulator.url, 120)  # the link in `done` is now expired on the server
    before = calls(emulator.url, "POST", "/storage/sasUri")
    assert client.get_results(done)["probabilities"] == {"1": 1.0}
    assert calls(emulator.url, "POST", "/storage/sasUri") == before + 1
    assert calls(emulator.url, "GET", "/rawOutputData", 403) == 0


def test_output_sas_refused_by_storage_is_renewed_once(client, emulator):
    job = client.submit_job(AzurePreparedJob.ionq_circuit(X0))
    finish(emulator.url, job.id)
    done = client.get_job(job.id)  # link valid for an hour by the client's clock
    advance_clock(emulator.url, 7200)  # ...but expired by the storage's clock
    assert client.download_output(done).startswith(b"{")
    assert calls(emulator.url, "GET", "/rawOutputData", 403) == 1
    assert calls(emulator.url, "GET", "/rawOutputData", 200) == 1


# ------------------------------------------------------------------ injected faults


@pytest.mark.parametrize(
    ("retry_after", "fmt", "at_least"),
    [(1, "seconds", 0.95), (0.4, "ms", 0.38), (2, "http-date", 0.9)],
)
def test_429_retry_after_is_obeyed(client, emulator, retry_after, fmt, at_least):
    add_fault(
        emulator.url,
        kind="status",
        status=429,
        retry_after=retry_after,
        retry_after_format=fmt,
        count=1,
        path="/jobs$",
    )
    started = time.monotonic()
    assert list(client.list_jobs()) == []
    assert time.monotonic() - started >= at_least
    assert calls(emulator.url, "GET", "/jobs", 429) == 1


async def test_async_429_retry_after_is_obeyed(emulator):
    add_fault(emulator.url, kind="status", status=429, retry_after=1, count=1, path="/jobs$")
    async with AsyncAzureQuantumClient(api_key_settings(emulator.url), retry_policy=FAST) as c:
        started = time.monotonic()
        assert [item async for page in c.pending_job_pages() for item in page] == []
        assert time.monotonic() - started >= 0.95


def test_5xx_burst_is_retried(client, emulator):
    job = client.submit_job(AzurePreparedJob.ionq_circuit(X0))
    add_fault(emulator.url, kind="status", status=503, count=3, path=f"/jobs/{job.id}$")
    assert client.get_job(job.id).id == job.id
    assert calls(emulator.url, "GET", f"/jobs/{job.id}", 503) == 3


def test_gives_up_after_the_limit_with_a_clear_error(client, emulator):
    job = client.submit_job(AzurePreparedJob.ionq_circuit(X0))
    add_fault(emulator.url, kind="status", status=503, count=10, path=f"/jobs/{job.id}$")
    with pytest.raises(ServiceError) as info:
        client.get_job(job.id)
    text = str(info.value)
    assert "HTTP 503" in text and "ServiceUnavailable" in text and "request id" in text
    assert info.value.request_id
    assert calls(emulator.url, "GET", f"/jobs/{job.id}") == 1 + FAST.max_retries


def test_dropped_connection_on_get_is_retried(client, emulator):
    job = client.submit_job(AzurePreparedJob.ionq_circuit(X0))
    add_fault(emulator.url, kind="drop", count=2, path=f"/jobs/{job.id}$")
    assert client.get_job(job.id).id == job.id


async def test_async_dropped_connection_and_5xx_are_retried(emulator):
    with AzureQuantumClient(api_key_settings(emulator.url), retry_policy=FAST) as sync_client:
        job = sync_client.submit_job(AzurePreparedJob.ionq_circuit(X0))
    async with AsyncAzureQuantumClient(api_key_settings(emulator.url), retry_policy=FAST) as c:
        add_fault(emulator.url, kind="drop", count=1, path=f"/jobs/{job.id}$")
        add_fault(emulator.url, kind="status", status=500, count=1, path=f"/jobs/{job.id}$")
        assert (await c.get_job(job.id)).id == job.id


def test_post_is_not_retried_on_502_without_retry_after(client, emulator):
    job = client.submit_job(AzurePreparedJob.ionq_circuit(X0))
    add_fault(emulator.url, kind="status", status=502, count=1, method="POST", path=":cancel$")
    with pytest.raises(ServiceError, match="HTTP 502"):
        client.cancel_job(job.id)
    assert calls(emulator.url, "POST", f"/jobs/{job.id}:cancel") == 1
    # ...but it is retried on 503, and on 502 when the answer says when.
    add_fault(emulator.url, kind="status", status=503, count=1, method="POST", path="sasUri$")
    add_fault(
        emulator.url,
        kind="status",
        status=502,
        retry_after=0,
        count=1,
        method="POST",
        path="sasUri",
    )
    assert client.submit_job(AzurePreparedJob.ionq_circuit(X0)).id
    assert calls(emulator.url, "POST", "/storage/sasUri") == 2 + 2


def test_job_put_is_retried_with_the_same_id_and_creates_one_job(client, emulator):
    add_fault(emulator.url, kind="status", status=500, count=1, method="PUT", path="/jobs/")
    add_fault(emulator.url, kind="drop", count=1, method="PUT", path="/jobs/")
    job = client.submit_job(AzurePreparedJob.ionq_circuit(X0))
    puts = [r for r in requests_log(emulator.url) if r["method"] == "PUT" and "/jobs/" in r["path"]]
    assert len(puts) == 3 and {r["path"] for r in puts} == {puts[0]["path"]}
    assert puts[0]["path"].endswith(job.id)
    assert azure_stats(emulator.url)["jobs_submitted"] == 1


def test_resubmitting_with_the_same_id_finds_the_existing_job(client, emulator):
    job_id = "9a9a9a9a-0000-4000-8000-000000000001"
    first = client.submit_job(AzurePreparedJob.ionq_circuit(X0), job_id=job_id)
    again = client.submit_job(AzurePreparedJob.ionq_circuit(X0), job_id=job_id)
    assert again.id == first.id == job_id
    assert azure_stats(emulator.url)["jobs_submitted"] == 1
    with pytest.raises(InvalidStateError, match="JobAlreadyExists"):
        client.submit_job(AzurePreparedJob.quantinuum_program(QASM_BELL), job_id=job_id)


# ------------------------------------------------------------------ waiting, failures, listing


def test_failed_job_raises_job_failed_error_with_the_service_code(client, emulator):
    add_job_fault(emulator.url, outcome="fail", code="InvalidInputData", message="bad params")
    job = client.submit_job(AzurePreparedJob.ionq_circuit(X0))
    with pytest.raises(JobFailedError, match="InvalidInputData: bad params") as info:
        results_when_done(client, job.id)
    assert info.value.code == "InvalidInputData" and info.value.state == "failed"


def test_listing_follows_next_links_and_filters(client, emulator):
    patch_config(emulator.url, queue_seconds=600)  # active until finished, however slow
    ids = [
        client.submit_job(AzurePreparedJob.ionq_circuit(X0, name=f"batch-{i}")).id for i in range(5)
    ]
    other = client.submit_job(AzurePreparedJob.quantinuum_program(QASM_BELL, name="other"))
    for job_id in ids[:2]:
        finish(emulator.url, job_id)
    listed = [job.id for job in client.list_jobs(name_prefix="batch-", top=2)]
    assert sorted(listed) == sorted(ids)
    assert calls(emulator.url, "GET", "/jobs") == 3  # three pages of two
    done = {j.id for j in client.list_jobs(status=JobState.SUCCEEDED)}
    assert done == set(ids[:2])
    active = {j.id for j in client.list_jobs(status=[JobState.QUEUED, JobState.RUNNING])}
    assert active == set(ids[2:]) | {other.id}
    assert [j.id for j in client.list_jobs(provider="quantinuum")] == [other.id]
    assert len(list(client.list_jobs(limit=3, orderby="CreationTime desc"))) == 3


def test_older_api_version_cancels_with_delete_and_patches_with_json_patch(emulator):
    patch_config(emulator.url, queue_seconds=600)  # still cancellable, however slow
    settings = api_key_settings(emulator.url, api_version="2024-10-01-preview")
    with AzureQuantumClient(settings, retry_policy=FAST) as client:
        job = client.submit_job(AzurePreparedJob.ionq_circuit(X0))
        assert job.status == "Waiting" and job.is_cancelling is False
        assert client.update_tags(job.id, ["a", "b"]).tags == ["a", "b"]
        assert client.cancel_job(job.id).status == "Cancelled"
        finished = client.submit_job(AzurePreparedJob.ionq_circuit(X0))
        finish(emulator.url, finished.id)
        assert [j.id for j in client.list_jobs(status=JobState.SUCCEEDED)] == [finished.id]
    assert calls(emulator.url, "DELETE", f"/jobs/{job.id}") == 1


def test_a_pulser_sequence_through_submit_job(client, emulator):
    # The official client's input blob: the abstract representation as a JSON string.
    sequence = {
        "version": "1",
        "register": [{"name": "q0", "x": 0.0, "y": 0.0}, {"name": "q1", "x": 50.0, "y": 0.0}],
        "channels": {"ch": "rydberg_global"},
        "variables": {},
        "measurement": None,
        "operations": [
            {
                "op": "pulse",
                "channel": "ch",
                "amplitude": {"kind": "constant", "duration": 1000, "value": math.pi},
                "detuning": {"kind": "constant", "duration": 1000, "value": 0.0},
                "phase": 0.0,
                "post_phase_shift": 0.0,
            }
        ],
    }
    job = client.submit_job(
        AzurePreparedJob.input_data(
            {"sequence_builder": json.dumps(sequence)},
            "pasqal.pulser.v1",
            None,
            "pasqal",
            "pasqal.sim.emu-tn",
            input_params={"shots": 30},
        )
    )
    assert job.output_data_format == "pasqal.pulser-results.v1"
    result = results_when_done(client, job.id)
    assert result == {"format": "pasqal.pulser-results.v1", "counts": {"11": 30}, "shots": 30}
