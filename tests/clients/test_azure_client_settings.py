"""Azure workspace settings: validation, endpoints, credentials and connection strings."""

from __future__ import annotations

import pytest

from airflow_quantum.clients.azure.credentials import ApiKeyCredential, ClientSecretCredential
from airflow_quantum.clients.azure.settings import (
    DEFAULT_API_VERSION,
    AzureQuantumSettings,
    parse_connection_string,
)
from airflow_quantum.clients.errors import ConfigurationError

BASE = {"subscription_id": "sub", "resource_group": "rg", "workspace": "ws"}


def test_location_sets_the_endpoint_and_defaults():
    settings = AzureQuantumSettings.create(**BASE, location="East US", api_key="k")
    assert settings.endpoint == "https://eastus.quantum.azure.com"
    assert settings.location == "eastus"
    assert settings.api_version == DEFAULT_API_VERSION == "2026-01-15-preview"
    assert settings.verify is True and settings.allow_insecure_http is False
    assert settings.workspace_url == (
        "https://eastus.quantum.azure.com/subscriptions/sub/resourceGroups/rg"
        "/providers/Microsoft.Quantum/workspaces/ws"
    )
    assert isinstance(settings.credential, ApiKeyCredential)


def test_client_secret_credential_with_default_authority():
    settings = AzureQuantumSettings.create(
        **BASE, location="westeurope", tenant_id="t", client_id="c", client_secret="s"
    )
    credential = settings.credential
    assert isinstance(credential, ClientSecretCredential)
    assert credential.authority_host == "https://login.microsoftonline.com"
    assert settings.auth_kind == "client_secret"


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"subscription_id": None}, "subscription_id"),
        ({"resource_group": ""}, "resource_group"),
        ({"workspace": "  "}, "workspace"),
        ({"workspace": "a/b"}, "workspace"),
        ({"location": None}, "location"),
        ({"location": "east_us!"}, "location"),
        ({"api_version": "latest"}, "api_version"),
        ({"api_key": None}, "no credential"),
        ({"client_secret": "s"}, "keep only one credential"),
        ({"api_key": None, "client_secret": "s"}, "tenant_id"),
        ({"api_key": None, "client_secret": "s", "tenant_id": "t"}, "client_id"),
        ({"allow_insecure_http": "maybe"}, "allow_insecure_http"),
        ({"endpoint": "ftp://example.com"}, "endpoint"),
        ({"endpoint": "https://example.com/?x=1"}, "endpoint"),
    ],
)
def test_bad_settings_name_the_field(changes, named):
    values = {**BASE, "location": "eastus", "api_key": "k", **changes}
    with pytest.raises(ConfigurationError, match=named):
        AzureQuantumSettings.create(**values)


def test_plain_http_only_to_loopback_unless_allowed():
    local = AzureQuantumSettings.create(**BASE, endpoint="http://127.0.0.1:8765/", api_key="k")
    assert local.endpoint == "http://127.0.0.1:8765"
    assert AzureQuantumSettings.create(**BASE, endpoint="http://localhost:1", api_key="k")
    with pytest.raises(ConfigurationError, match="plain http"):
        AzureQuantumSettings.create(**BASE, endpoint="http://quantum.example.com", api_key="k")
    allowed = AzureQuantumSettings.create(
        **BASE, endpoint="http://quantum.example.com", api_key="k", allow_insecure_http="true"
    )
    assert allowed.allow_insecure_http is True
    with pytest.raises(ConfigurationError, match="authority_host"):
        AzureQuantumSettings.create(
            **BASE,
            location="eastus",
            tenant_id="t",
            client_id="c",
            client_secret="s",
            authority_host="http://login.example.com",
        )


def test_verify_accepts_booleans_text_and_bundle_paths():
    make = lambda v: AzureQuantumSettings.create(**BASE, location="x", api_key="k", verify=v)  # noqa: E731
    assert make("false").verify is False
    assert make(None).verify is True
    assert make("/etc/ssl/ca.pem").verify == "/etc/ssl/ca.pem"


def test_connection_string_in_any_order_and_case():
    text = (
        " quantumendpoint=https://westus.quantum.azure.com/ ; ApiKey=abc==;"
        "WorkspaceName=ws;resourcegroupname=rg;SubscriptionId=sub"
    )
    values = parse_connection_string(text)
    assert values == {
        "endpoint": "https://westus.quantum.azure.com/",
        "api_key": "abc==",
        "workspace": "ws",
        "resource_group": "rg",
        "subscription_id": "sub",
    }
    settings = AzureQuantumSettings.from_connection_string(text)
    assert settings.endpoint == "https://westus.quantum.azure.com"
    assert settings.location == "westus"
    assert settings.credential == ApiKeyCredential("abc==")


def test_connection_string_with_emulator_endpoint():
    settings = AzureQuantumSettings.from_connection_string(
        "SubscriptionId=s;ResourceGroupName=r;WorkspaceName=w;ApiKey=k;"
        "QuantumEndpoint=http://127.0.0.1:8765/;",
        api_version="2024-10-01-preview",
    )
    assert settings.endpoint == "http://127.0.0.1:8765" and settings.location is None
    assert settings.api_version == "2024-10-01-preview"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("SubscriptionId=s;ResourceGroupName=r;WorkspaceName=w;ApiKey=k", "QuantumEndpoint"),
        ("SubscriptionId=s;ApiKey=k;QuantumEndpoint=https://x.quantum.azure.com/", "WorkspaceName"),
        (
            "SubscriptionId=s;ResourceGroupName=r;WorkspaceName=w;ApiKey=;QuantumEndpoint=x",
            "ApiKey",
        ),
        ("SubscriptionId=s;garbage;ApiKey=k", "segment 2"),
        ("SubscriptionId=a;SubscriptionId=b", "twice"),
    ],
)
def test_bad_connection_strings_name_what_is_missing(text, message):
    with pytest.raises(ConfigurationError, match=message):
        parse_connection_string(text)


def test_connection_string_errors_never_echo_the_key():
    with pytest.raises(ConfigurationError) as info:
        parse_connection_string("ApiKey=TOPSECRETKEY;this is not a pair")
    assert "TOPSECRETKEY" not in str(info.value)


def test_reprs_hide_secrets():
    settings = AzureQuantumSettings.create(
        **BASE, location="eastus", tenant_id="t", client_id="c", client_secret="hunter2-secret"
    )
    assert "hunter2-secret" not in repr(settings)
    assert "hunter2-secret" not in settings.describe()
    keyed = AzureQuantumSettings.create(**BASE, location="eastus", api_key="the-api-key-123")
    assert "the-api-key-123" not in repr(keyed) and "***" in repr(keyed)
