"""azure-identity credentials on an ``azure_quantum`` connection, really through azure-identity.

The emulator serves App Service's managed-identity endpoint (``GET /msi/token``); pointing
``IDENTITY_ENDPOINT``/``IDENTITY_HEADER`` at it makes azure-identity's own
``ManagedIdentityCredential`` (alone, or found by ``DefaultAzureCredential``) fetch the token
that then opens the workspace routes. Sync and async share one token through ``TOKEN_CACHE``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading

import pytest
import requests

from airflow_quantum.clients.azure import AzurePreparedJob
from airflow_quantum.clients.azure.credentials import AzureIdentityCredential
from airflow_quantum.clients.azure.identity import AzureIdentitySource, build_identity_credential
from airflow_quantum.clients.azure.settings import AzureQuantumSettings
from airflow_quantum.clients.errors import ConfigurationError, MissingExtraError
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook

identity = pytest.importorskip("azure.identity")

X_ON_1 = [{"gate": "x", "target": 1}]  # a deterministic job: qubit 1 set
WORKSPACE = {"subscription_id": "sub", "resource_group": "rg", "workspace": "ws"}
#: azure-identity reads these; a developer's shell must not change which credential answers.
AZURE_ENV = (
    "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_USERNAME",
    "AZURE_FEDERATED_TOKEN_FILE",
    "MSI_ENDPOINT",
    "IMDS_ENDPOINT",
)


@pytest.fixture
def managed_identity(emulator, monkeypatch):
    """An App Service environment whose managed-identity endpoint is the emulator's."""
    for name in AZURE_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IDENTITY_ENDPOINT", f"{emulator.url}/msi/token")
    monkeypatch.setenv("IDENTITY_HEADER", emulator.state.config.azure_identity_header)
    return emulator


def connect(monkeypatch, emulator, login=None, **extra) -> AzureQuantumHook:
    conn = {
        "conn_type": "azure_quantum",
        "login": login,
        "extra": {**WORKSPACE, "endpoint": emulator.url, **extra},
    }
    monkeypatch.setenv("AIRFLOW_CONN_AZURE_QUANTUM_DEFAULT", json.dumps(conn))
    return AzureQuantumHook()


def routes(emulator) -> dict[str, int]:
    return requests.get(f"{emulator.url}/_emulator/stats", timeout=5).json()["azure"]["routes"]


def test_user_assigned_managed_identity_runs_a_job_sync_and_async(managed_identity, monkeypatch):
    emulator = managed_identity
    hook = connect(monkeypatch, emulator, login="uami-client-id", credential="managed_identity")
    ok, message = hook.test_connection()
    assert ok, message
    assert "with managed identity" in message
    job = hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit(X_ON_1, qubits=2))
    assert job.created_by == "uami-client-id"  # the identity the emulator issued the token to
    assert hook.get_job_result(job.id, timeout=10)["probabilities"] == {"10": 1.0}

    async def poll():
        async_hook = AzureQuantumHook()
        try:
            return await (await async_hook.aclient()).get_job(job.id)
        finally:
            await async_hook.aclose()

    assert asyncio.run(poll()).has_completed()
    assert routes(emulator)["GET /msi/token"] == 1  # one token for the sync and async clients


def test_default_azure_credential_finds_the_managed_identity(managed_identity, monkeypatch):
    hook = connect(monkeypatch, managed_identity, credential="default")
    ok, message = hook.test_connection()
    assert ok, message
    job = hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit(X_ON_1))
    assert job.created_by == "00000000-0000-0000-0000-00000000a11d"  # system-assigned
    assert routes(managed_identity)["GET /msi/token"] == 1


def test_the_async_fetch_runs_the_credential_off_the_event_loop(managed_identity):
    source = AzureIdentitySource(AzureIdentityCredential("managed_identity"))
    loop_thread = []
    fetch_threads = []
    original = source.fetch

    def fetch():
        fetch_threads.append(threading.current_thread())
        return original()

    source.fetch = fetch  # type: ignore[method-assign]

    async def main():
        loop_thread.append(threading.current_thread())
        return await source.afetch()

    token = asyncio.run(main())
    source.close()
    assert token.value and token.usable()
    assert fetch_threads and fetch_threads[0] is not loop_thread[0]


def test_a_wrong_identity_header_is_an_authentication_failure_without_the_header(
    managed_identity, monkeypatch
):
    monkeypatch.setenv("IDENTITY_HEADER", "not-the-header-value")
    hook = connect(monkeypatch, managed_identity, credential="managed_identity")
    ok, message = hook.test_connection()
    assert not ok
    assert "managed_identity" in message and "IDENTITY_HEADER" in message
    assert "not-the-header-value" not in message


@pytest.mark.parametrize(
    ("settings", "cls"),
    [
        (AzureIdentityCredential("managed_identity", client_id="c"), "ManagedIdentityCredential"),
        (
            AzureIdentityCredential("workload_identity", "t", "c", None, "/var/run/token"),
            "WorkloadIdentityCredential",
        ),
        (AzureIdentityCredential("environment"), "EnvironmentCredential"),
        (AzureIdentityCredential("azure_cli", tenant_id="t"), "AzureCliCredential"),
        (AzureIdentityCredential("default", client_id="c"), "DefaultAzureCredential"),
    ],
)
def test_each_method_builds_its_azure_identity_credential(settings, cls, managed_identity):
    credential = build_identity_credential(settings)
    try:
        assert type(credential).__name__ == cls
        assert isinstance(credential, getattr(identity, cls))
    finally:
        credential.close()


@pytest.mark.parametrize(
    ("extra", "login", "match"),
    [
        ({"credential": "keyvault"}, None, "credential 'keyvault' is not one of"),
        ({"credential": "default", "api_key": "k"}, None, "keep only one credential"),
        ({"credential": 3}, None, "credential"),
        ({"credential": "workload_identity", "token_file": 7}, None, "token_file"),
    ],
)
def test_bad_identity_settings_are_refused_naming_the_field(extra, login, match):
    with pytest.raises(ConfigurationError, match=match):
        AzureQuantumSettings.create(**WORKSPACE, endpoint="http://127.0.0.1:1", **extra)


def test_without_azure_identity_the_error_names_the_extra(monkeypatch, emulator):
    monkeypatch.setitem(sys.modules, "azure.identity", None)
    hook = connect(monkeypatch, emulator, credential="managed_identity")
    with pytest.raises(ConfigurationError, match=r"airflow-quantum\[azure\]") as error:
        hook.get_conn().get_job("00000000-0000-0000-0000-000000000000")
    assert "azure-identity" in str(error.value)
    with pytest.raises(MissingExtraError):
        AzureQuantumSettings.create(**WORKSPACE, endpoint=emulator.url, credential="default")
    assert routes(emulator) == {}
