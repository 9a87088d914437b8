"""The one constructor of every client (``clients.base.QuantumClient``): what each face gets."""

from __future__ import annotations

import httpx
import pytest
import requests

from airflow_quantum.clients.azure import AZURE_RETRY_POLICY, AzureQuantumSettings
from airflow_quantum.clients.azure.client import AsyncAzureQuantumClient, AzureQuantumClient
from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.clients.ibm import IBM_RETRY_POLICY, IBMQuantumSettings
from airflow_quantum.clients.ibm.client import AsyncIBMQuantumClient, IBMQuantumClient
from airflow_quantum.clients.retries import RetryPolicy
from airflow_quantum.clients.transport import AsyncTransport, SyncTransport

AZURE = AzureQuantumSettings.create(
    subscription_id="sub", resource_group="rg", workspace="ws", location="eastus", api_key="k"
)
IBM = IBMQuantumSettings(
    api_key="key",
    instance="crn:v1:bluemix:public:quantum-computing:us-east:a/x:y::",
    runtime_url="https://quantum.cloud.ibm.com/api/v1",
)
CLIENTS = [
    (AzureQuantumClient, AZURE, AZURE_RETRY_POLICY, SyncTransport),
    (AsyncAzureQuantumClient, AZURE, AZURE_RETRY_POLICY, AsyncTransport),
    (IBMQuantumClient, IBM, IBM_RETRY_POLICY, SyncTransport),
    (AsyncIBMQuantumClient, IBM, IBM_RETRY_POLICY, AsyncTransport),
]


@pytest.mark.parametrize(("cls", "settings", "policy", "transport"), CLIENTS)
def test_every_client_is_built_alike(cls, settings, policy, transport):
    client = cls(settings)
    assert isinstance(client.transport, transport)
    assert client.retry_policy is policy is client.transport.policy
    assert client.transport.authenticator is client.authenticator
    assert client.settings is settings
    assert repr(client) == f"{cls.__name__}({settings.describe()})"
    own = RetryPolicy(max_retries=1)
    assert cls(settings, retry_policy=own).transport.policy is own


@pytest.mark.parametrize(("cls", "settings", "policy", "transport"), CLIENTS)
def test_settings_of_the_other_vendor_are_refused(cls, settings, policy, transport):
    other = IBM if settings is AZURE else AZURE
    with pytest.raises(InvalidInputError, match=type(settings).__name__):
        cls(other)


def test_a_sync_client_closes_only_a_session_it_opened():
    given = requests.Session()
    closed: list[str] = []
    given.close = lambda: closed.append("given")  # type: ignore[method-assign]
    for cls, settings in ((AzureQuantumClient, AZURE), (IBMQuantumClient, IBM)):
        with cls(settings, session=given) as client:
            assert client.transport.session is given
        own = cls(settings)
        own.transport.session.close = lambda: closed.append("own")  # type: ignore[method-assign]
        own.close()
    assert closed == ["own", "own"]


def test_ibm_iam_requests_share_the_sync_clients_session():
    client = IBMQuantumClient(IBM)
    assert client.authenticator is client.authenticator
    assert client.authenticator.source._session is client.transport.session

    def nap(seconds: float) -> None:
        pass

    assert IBMQuantumClient(IBM, sleep=nap).transport._sleep is nap


async def test_an_async_client_keeps_the_httpx_client_it_was_given():
    given = httpx.AsyncClient()
    try:
        for cls, settings in ((AsyncAzureQuantumClient, AZURE), (AsyncIBMQuantumClient, IBM)):
            async with cls(settings, client=given) as client:
                assert client.transport.client is given
        assert not given.is_closed
    finally:
        await given.aclose()
