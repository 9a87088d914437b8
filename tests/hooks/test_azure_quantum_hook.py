"""AzureQuantumHook against the emulator: connections, every method, sync and async faces."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from airflow_face_support import finished_once_polled
from azure_client_support import (
    BELL,
    FAST,
    QASM_BELL,
    X_ON_1,
    X_ON_1_PROBABILITIES,
    add_job_fault,
    azure_stats,
    finish,
    patch_config,
)

from airflow_quantum.clients.azure import (
    AsyncAzureQuantumClient,
    AzurePreparedJob,
    AzureQuantumClient,
)
from airflow_quantum.clients.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    InvalidStateError,
    JobFailedError,
    JobTimeoutError,
    SessionClosedError,
)
from airflow_quantum.clients.state import CancelOutcome, JobState
from airflow_quantum.get_provider_info import get_provider_info
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook

GUID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def hook(azure_connection):
    hook = AzureQuantumHook(azure_connection, retry_policy=FAST)
    yield hook
    hook.close()


@pytest.fixture
def connection_string_connection(emulator, monkeypatch) -> str:
    text = (
        f"SubscriptionId=sub;ResourceGroupName=rg;WorkspaceName=ws;ApiKey=local-emulator-key;"
        f"QuantumEndpoint={emulator.url}/;"
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_AZURE_QUANTUM_CS",
        json.dumps({"conn_type": "azure_quantum", "extra": {"connection_string": text}}),
    )
    return "azure_quantum_cs"


@pytest.fixture
def uri_connection(emulator, monkeypatch) -> str:
    url = quote(emulator.url, safe="")
    monkeypatch.setenv(
        "AIRFLOW_CONN_AZURE_QUANTUM_URI",
        f"azure-quantum://my-client:local-emulator-key@/?tenant_id=my-tenant&subscription_id=sub"
        f"&resource_group=rg&workspace=ws&endpoint={url}&authority_host={url}",
    )
    return "azure_quantum_uri"


def _connection(monkeypatch, conn_id: str, **fields) -> str:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))
    return conn_id


# ------------------------------------------------------------------ the hook and its connection


def test_hook_identity_matches_the_provider_info():
    assert AzureQuantumHook.conn_name_attr == "azure_quantum_conn_id"
    assert AzureQuantumHook.default_conn_name == "azure_quantum_default"
    assert AzureQuantumHook.conn_type == "azure_quantum"
    assert AzureQuantumHook.hook_name == "Azure Quantum"
    entry = next(
        c
        for c in get_provider_info()["connection-types"]
        if c["connection-type"] == "azure_quantum"
    )
    assert entry["hook-class-name"] == f"{AzureQuantumHook.__module__}.AzureQuantumHook"
    assert AzureQuantumHook().azure_quantum_conn_id == "azure_quantum_default"
    with pytest.raises(TypeError, match="unknown client options"):
        AzureQuantumHook(retries=3)


@pytest.mark.parametrize(
    "conn_fixture",
    [
        "azure_connection",
        "azure_entra_connection",
        "connection_string_connection",
        "uri_connection",
    ],
)
def test_every_auth_mode_connects_and_runs_a_job(request, conn_fixture, emulator):
    conn_id = request.getfixturevalue(conn_fixture)
    hook = AzureQuantumHook(conn_id, retry_policy=FAST)
    ok, message = hook.test_connection()
    assert ok, message
    assert "workspace 'ws'" in message
    job = hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit(X_ON_1, qubits=2))
    assert hook.get_job_result(job.id, timeout=30)["probabilities"] == X_ON_1_PROBABILITIES
    expected_kind = (
        "client_secret"
        if conn_fixture in ("azure_entra_connection", "uri_connection")
        else "api_key"
    )
    assert hook.settings.auth_kind == expected_kind
    hook.close()


def test_wrong_api_key_and_wrong_secret(monkeypatch, emulator):
    bad_key = _connection(
        monkeypatch,
        "az_bad_key",
        conn_type="azure_quantum",
        extra={
            "subscription_id": "sub",
            "resource_group": "rg",
            "workspace": "ws",
            "endpoint": emulator.url,
            "api_key": "not-the-key",
        },
    )
    ok, message = AzureQuantumHook(bad_key, retry_policy=FAST).test_connection()
    assert not ok and "HTTP 401" in message
    bad_secret = _connection(
        monkeypatch,
        "az_bad_secret",
        conn_type="azure_quantum",
        login="app",
        password="not-the-secret",
        extra={
            "tenant_id": "t",
            "subscription_id": "sub",
            "resource_group": "rg",
            "workspace": "ws",
            "endpoint": emulator.url,
            "authority_host": emulator.url,
        },
    )
    with pytest.raises(AuthenticationError, match="AADSTS7000215"):
        AzureQuantumHook(bad_secret, retry_policy=FAST).get_conn().get_job(GUID)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        (
            {
                "extra": {
                    "resource_group": "rg",
                    "workspace": "ws",
                    "location": "eastus",
                    "api_key": "k",
                }
            },
            "subscription_id",
        ),
        (
            {
                "extra": {
                    "subscription_id": "s",
                    "resource_group": "rg",
                    "workspace": "ws",
                    "api_key": "k",
                }
            },
            "location",
        ),
        (
            {
                "login": "app",
                "password": "pw",
                "extra": {
                    "subscription_id": "s",
                    "resource_group": "rg",
                    "workspace": "ws",
                    "location": "eastus",
                },
            },
            "tenant_id",
        ),
        ({"extra": {"connection_string": "SubscriptionId=s;ApiKey=k"}}, "ResourceGroupName"),
        (
            {
                "extra": {
                    "subscription_id": "s",
                    "resource_group": "rg",
                    "workspace": "ws",
                    "endpoint": "http://10.1.2.3",
                    "api_key": "k",
                }
            },
            "plain http",
        ),
    ],
)
def test_incomplete_connections_say_what_is_missing(monkeypatch, fields, named):
    conn_id = _connection(monkeypatch, "az_incomplete", conn_type="azure_quantum", **fields)
    with pytest.raises(ConfigurationError, match=named) as info:
        AzureQuantumHook(conn_id).get_conn().get_job(GUID)
    assert "az_incomplete" in str(info.value)
    assert AzureQuantumHook(conn_id).test_connection()[0] is False


def test_prefixed_extras_and_text_booleans(monkeypatch, emulator):
    conn_id = _connection(
        monkeypatch,
        "az_prefixed",
        conn_type="azure_quantum",
        extra={
            "extra__azure_quantum__subscription_id": "sub",
            "extra__azure_quantum__resource_group": "rg",
            "extra__azure_quantum__workspace": "ws",
            "extra__azure_quantum__endpoint": emulator.url,
            "extra__azure_quantum__api_key": "local-emulator-key",
            "allow_insecure_http": "false",
            "verify": "true",
            "api_version": "2025-12-01-preview",
        },
    )
    hook = AzureQuantumHook(conn_id, retry_policy=FAST)
    assert hook.test_connection()[0]
    assert hook.settings.api_version == "2025-12-01-preview"


# ------------------------------------------------------------------ every sync method


def test_job_methods(hook, emulator):
    patch_config(emulator.url, queue_seconds=600)  # live until ended, however slow
    raw = hook.get_conn().submit_job(
        AzurePreparedJob.input_data(
            {"qubits": 2, "circuit": BELL},
            "ionq.circuit.v1",
            "ionq.quantum-results.v1",
            "ionq",
            "ionq.simulator",
            input_params={"shots": 10},
            name="raw-bell",
            tags=["raw"],
            metadata={"qubits": "2", "team": "q"},
        )
    )
    assert (raw.name, raw.tags, raw.provider_id) == ("raw-bell", ["raw"], "ionq")
    assert not hook.get_job_status(raw.id)[0].is_final
    with finished_once_polled(emulator, "azure", [raw.id]):
        done = hook.wait_for_job(raw.id, timeout=30, poll_interval=0.2)
    assert done.done() and hook.get_job_status(raw.id)[0].is_final
    assert hook.get_conn().get_job(raw.id).state is JobState.SUCCEEDED
    assert hook.get_conn().get_job(raw.id).metadata == {"qubits": "2", "team": "q"}
    assert hook.get_job_result(raw.id)["probabilities"] == {"00": 0.5, "11": 0.5}
    assert json.loads(hook.get_conn().download_output(raw.id))["histogram"] == {"0": 0.5, "3": 0.5}

    circuit = hook.get_conn().submit_job(
        AzurePreparedJob.ionq_circuit(BELL, shots=50, tags=["ionq"])
    )
    assert hook.cancel_job(circuit.id) is CancelOutcome.CANCELLED
    assert hook.get_job_status(circuit.id) == (JobState.CANCELLED, None)
    with pytest.raises(InvalidStateError, match="JobInFinalState"):
        hook.get_conn().cancel_job(circuit.id)
    assert hook.cancel_job(circuit.id) is CancelOutcome.ALREADY_FINAL
    with pytest.raises(JobFailedError, match="cancelled"):
        hook.get_job_result(circuit.id)

    assert hook.get_conn().update_tags(raw.id, ["a", "b"]).tags == ["a", "b"]
    assert hook.get_conn().add_tags(raw.id, ["b", "c"]).tags == ["a", "b", "c"]
    assert hook.get_conn().remove_tags(raw.id, ["a"]).tags == ["b", "c"]
    renamed = hook.get_conn().update_job(raw.id, name="renamed", priority="High")
    # JobDetails carry no priority (recorded real jobs); JobUpdateOptions answers it.
    assert renamed.name == "renamed" and renamed.job_priority in (None, "Basic", "High")


def test_listing_status_quotas_and_sessions(hook, emulator):
    patch_config(emulator.url, queue_seconds=600)  # jobs live until finished, however slow
    session = hook.get_conn().open_session(
        provider_id="ionq", target="ionq.simulator", name="my-session"
    )
    assert session.name == "my-session" and session.active()
    inside = [
        hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit(BELL, session_id=session.id))
        for _ in range(2)
    ]
    client = hook.get_conn()
    outside = client.submit_job(AzurePreparedJob.quantinuum_program(QASM_BELL, name="h2-alone"))
    assert {j.id for j in client.list_session_jobs(session.id)} == {j.id for j in inside}
    assert {j.id for j in client.list_jobs(session_id=session.id)} == {j.id for j in inside}
    assert [j.id for j in client.list_jobs(name_prefix="h2-")] == [outside.id]
    assert [j.id for j in client.list_jobs(target="quantinuum.sim.h2-1e")] == [outside.id]
    finish(emulator.url, outside.id)
    assert [j.id for j in hook.get_conn().list_jobs(status="Completed")] == [outside.id]
    assert len(list(hook.get_conn().list_jobs(limit=1))) == 1
    assert hook.get_conn().get_session(session.id).id == session.id
    closed = hook.get_conn().close_session(session.id)
    assert closed.active()  # closed, but its jobs still run
    # The service answers 400 InvalidJobDefinition ("terminal state"); the client names it.
    with pytest.raises(SessionClosedError, match=f"session {session.id} accepts no more jobs"):
        hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit(BELL, session_id=session.id))
    for job in inside:
        finish(emulator.url, job.id)
    assert hook.get_conn().get_session(session.id).in_final_state()
    assert [s.id for s in hook.get_conn().list_sessions()] == [session.id]
    statuses = hook.get_conn().get_provider_status()
    ionq = next(p for p in statuses if p.id == "ionq")
    assert ionq.target("ionq.simulator").current_availability == "Available"
    quotas = hook.get_conn().get_quotas()
    assert {q.dimension for q in quotas} >= {"free_combined_job_hours", "qgs"}


def test_failed_job_and_client_side_timeout(hook, emulator):
    add_job_fault(
        emulator.url, outcome="fail", code="InvalidInputData", message="Invalid job params"
    )
    failed = hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit(X_ON_1))
    with pytest.raises(JobFailedError) as info:
        hook.get_job_result(failed.id, timeout=30)
    assert info.value.code == "InvalidInputData" and info.value.job_id == failed.id
    patch_config(emulator.url, queue_seconds=60)
    slow = hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit(X_ON_1))
    with pytest.raises(JobTimeoutError):
        hook.get_job_result(slow.id, timeout=0.3)
    with pytest.raises(JobTimeoutError):
        hook.wait_for_job(slow.id, timeout=0.3, poll_interval=0.1, backoff=False)
    assert hook.get_conn().get_job(slow.id).state is JobState.QUEUED  # not cancelled


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda h: h.get_conn().get_job("not-a-guid!"), "job_id"),
        (lambda h: h.get_job_status("")[0].is_final, "job_id"),
        (lambda h: h.cancel_job("../../x"), "job_id"),
        (lambda h: h.get_job_result("x" * 40), "job_id"),
        (lambda h: h.wait_for_job(GUID, timeout=-1), "timeout"),
        (
            lambda h: h.get_conn().submit_job(
                AzurePreparedJob.input_data(
                    {"cost_function": {}},
                    "microsoft.qio.v2",
                    None,
                    "microsoft",
                    "microsoft.tabu.cpu",
                )
            ),
            "retired",
        ),
        (
            lambda h: h.get_conn().submit_job(
                AzurePreparedJob.ionq_circuit(BELL, target="quantinuum.sim.h1-1e")
            ),
            "retired",
        ),
        (
            lambda h: h.get_conn().submit_job(AzurePreparedJob.ionq_circuit(BELL, target="")),
            "target",
        ),
        (
            lambda h: h.get_conn().submit_job(AzurePreparedJob.ionq_circuit(BELL, tags=["ok", 3])),
            r"tags\[1\]",
        ),
        (
            lambda h: h.get_conn().submit_job(
                AzurePreparedJob.ionq_circuit(BELL, tags="one-string")
            ),
            "tags",
        ),
        (
            lambda h: h.get_conn().submit_job(AzurePreparedJob.quantinuum_program("OPENQASM 3.0;")),
            "OPENQASM 2.0",
        ),
        (
            lambda h: h.get_conn().submit_job(
                AzurePreparedJob.qir(b"\xff\xfe", target="ionq.simulator")
            ),
            "bitcode",
        ),
        (
            lambda h: h.get_conn().submit_job(
                AzurePreparedJob.qir(
                    "define void @main() {}", target="microsoft.estimator", shots=5
                )
            ),
            "shots",
        ),
        (
            lambda h: h.get_conn().submit_job(
                AzurePreparedJob.ionq_circuit([{"gate": "h", "target": 5}], qubits=2)
            ),
            r"circuit\[0\]",
        ),
        (lambda h: h.get_conn().submit_job(AzurePreparedJob.ionq_circuit(BELL, shots=0)), "shots"),
        (
            lambda h: h.get_conn().submit_job(
                AzurePreparedJob.input_data({}, "f", "g", "p", "t"), job_id="bad id"
            ),
            "job_id",
        ),
        (
            lambda h: h.get_conn().submit_job(AzurePreparedJob.input_data(b"", "f", "g", "p", "t")),
            "input_data",
        ),
        (
            lambda h: h.get_conn().submit_job(
                AzurePreparedJob.input_data({"x": object()}, "f", "g", "p", "t")
            ),
            "input_data",
        ),
        (
            lambda h: h.get_conn().submit_job(AzurePreparedJob.input_data("x", "", "g", "p", "t")),
            "input_data_format",
        ),
        (
            lambda h: h.get_conn().submit_job(
                AzurePreparedJob.input_data("x", "f", "g", "p", "t", input_params=[1])
            ),
            "input_params",
        ),
        (lambda h: h.get_conn().update_tags(GUID, [None]), r"tags\[0\]"),
        (
            lambda h: h.get_conn().open_session(
                provider_id="ionq", target="ionq.simulator", job_failure_policy="Maybe"
            ),
            "policy",
        ),
        (lambda h: list(h.get_conn().list_jobs(top=5000)), "top"),
        (lambda h: list(h.get_conn().list_jobs(session_id="no good")), "session_id"),
        (lambda h: h.get_conn().get_job(42), "job"),
    ],
)
def test_bad_input_is_refused_before_any_request(hook, emulator, call, field):
    with pytest.raises(InvalidInputError, match=field):
        call(hook)
    assert azure_stats(emulator.url)["requests"] == 0


# ------------------------------------------------------------------ async twins


async def test_async_twins_read_the_connection_asynchronously(
    azure_entra_connection, emulator, monkeypatch
):
    patch_config(emulator.url, queue_seconds=600)  # "a-1" runs until the end, however slow
    sync_hook = AzureQuantumHook(azure_entra_connection, retry_policy=FAST)
    running = sync_hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit(X_ON_1, name="a-1"))
    finished = sync_hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit(BELL, name="a-2"))
    finish(emulator.url, finished.id)

    def no_sync_lookup(*args, **kwargs):
        raise AssertionError("the async path must not call the blocking get_connection")

    monkeypatch.setattr(AzureQuantumHook, "get_connection", no_sync_lookup)
    hook = AzureQuantumHook(azure_entra_connection, retry_policy=FAST)
    try:
        client = await hook.aclient()
        assert isinstance(client, AsyncAzureQuantumClient) and await hook.aclient() is client
        assert (await client.get_job(running.id)).id == running.id
        assert (await client.get_job(finished.id)).has_completed()
        assert not (await client.get_job(running.id)).has_completed()
        # Listings and results are the sync client's only: checked there.
        reader = sync_hook.get_conn()
        active = [
            j.id
            for j in reader.list_jobs(
                status=[JobState.QUEUED, JobState.RUNNING, JobState.FINISHING]
            )
        ]
        assert active == [running.id]
        assert [j.id for j in reader.list_jobs(name_prefix="a-", limit=5)] != []
        result = reader.get_results(finished.id)
        assert result["probabilities"] == {"00": 0.5, "11": 0.5}
        with pytest.raises(InvalidStateError, match="not finished"):
            reader.get_results(running.id)
        assert await hook.acancel_job(running.id) is CancelOutcome.CANCELLED
        assert (await client.get_job(running.id)).cancelled()
        with pytest.raises(InvalidStateError):
            await client.cancel_job(running.id)
        assert await hook.acancel_job(running.id) is CancelOutcome.ALREADY_FINAL  # already final
        with pytest.raises(InvalidInputError):
            await client.get_job("nope nope")
    finally:
        await hook.aclose()
    # One token for the principal, shared by the sync and the async hook.
    assert azure_stats(emulator.url)["token_requests"] == 1


def test_sync_client_is_built_once(hook):
    assert isinstance(hook.get_conn(), AzureQuantumClient)
    assert hook.get_conn() is hook.client


@pytest.mark.parametrize(
    "template",
    [
        "azure-quantum:///?subscription_id=sub&resource_group=rg&workspace=ws"
        "&endpoint={url}&api_key=local-emulator-key",
        "azure-quantum:///?connection_string=SubscriptionId%3Dsub%3BResourceGroupName%3Drg"
        "%3BWorkspaceName%3Dws%3BApiKey%3Dlocal-emulator-key%3BQuantumEndpoint%3D{url}%2F%3B",
    ],
)
def test_uri_connections_as_documented(monkeypatch, emulator, template):
    monkeypatch.setenv("AIRFLOW_CONN_AZ_URI_DOC", template.format(url=quote(emulator.url, safe="")))
    hook = AzureQuantumHook("az_uri_doc", retry_policy=FAST)
    ok, message = hook.test_connection()
    assert ok, message
    assert hook.settings.auth_kind == "api_key"
