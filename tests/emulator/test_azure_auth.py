"""Authentication: Entra client-credentials tokens, bearer and API-key calls, api-version."""

from __future__ import annotations

import base64
import json

import pytest
import requests
from azure_support import (
    BELL,
    IONQ,
    AzureWire,
    advance_clock,
    azure_error,
    entra_token,
    patch_config,
)


@pytest.fixture
def wire(emulator) -> AzureWire:
    return AzureWire(emulator.url)


def entra_error(response: requests.Response) -> tuple[int, str]:
    body = response.json()
    assert body["error_description"].startswith("AADSTS")
    assert isinstance(body["error_codes"], list) and body["trace_id"] and body["correlation_id"]
    return response.status_code, body["error"]


def test_client_credentials_token_for_any_tenant_and_client(emulator):
    response = entra_token(emulator.url, tenant="72f988bf-86f1-41af-91ab-2d7cd011db47")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 86399 and body["ext_expires_in"] == 86399
    claims = body["access_token"].split(".")[1]
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert decoded["sub"] == "my-app" and decoded["exp"] - decoded["iat"] == 86399


def test_bearer_token_authorises_workspace_calls_and_names_the_creator(emulator):
    token = entra_token(emulator.url).json()["access_token"]
    wire = AzureWire(emulator.url, token=token)
    details = wire.submit(IONQ, BELL)
    assert details["createdBy"] == "my-app" and details["createdByType"] == "Application"


def test_token_requests_are_counted(emulator):
    for _ in range(3):
        entra_token(emulator.url)
    entra_token(emulator.url, secret="wrong")
    stats = requests.get(f"{emulator.url}/_emulator/stats", timeout=5).json()["azure"]
    assert stats["token_requests"] == 3
    assert stats["routes"]["POST /{tenant}/oauth2/v2.0/token"] == 4


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": ""}, 400, "unsupported_grant_type"),
        ({"scope": "https://quantum.microsoft.com/user_impersonation"}, 400, "invalid_scope"),
        ({"client_id": ""}, 400, "invalid_request"),
    ],
)
def test_entra_errors_use_the_oauth2_shape(emulator, overrides, status, error):
    response = entra_token(emulator.url, **overrides)
    assert entra_error(response) == (status, error)


def test_entra_needs_form_fields(emulator):
    missing_scope = requests.post(
        f"{emulator.url}/t/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "a",
            "client_secret": "local-emulator-key",
        },
        timeout=5,
    )
    assert entra_error(missing_scope) == (400, "invalid_request")
    as_json = requests.post(
        f"{emulator.url}/t/oauth2/v2.0/token", json={"grant_type": "x"}, timeout=5
    )
    assert entra_error(as_json) == (400, "invalid_request")


def test_client_secret_basic_is_accepted(emulator):
    response = requests.post(
        f"{emulator.url}/t/oauth2/v2.0/token",
        data={"grant_type": "client_credentials", "scope": "api://x/.default"},
        auth=("my-app", "local-emulator-key"),
        timeout=5,
    )
    assert response.status_code == 200


def test_wrong_entra_secret_after_config_change(emulator):
    patch_config(emulator.url, azure_client_secret="rotated")
    assert entra_error(entra_token(emulator.url)) == (401, "invalid_client")
    assert entra_token(emulator.url, secret="rotated").status_code == 200


def assert_recorded_401(response) -> None:
    """The service's 401 (recorded): an empty body, only the bearer challenge."""
    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert "x-ms-error-code" not in response.headers


def test_missing_credentials_are_401(wire):
    assert_recorded_401(wire.call("GET", "/jobs", auth=False))


def test_wrong_api_key_is_401(wire):
    assert_recorded_401(wire.call("GET", "/jobs", headers={"x-ms-quantum-api-key": "nope"}))


def test_api_key_follows_the_config(wire, emulator):
    patch_config(emulator.url, azure_api_key="new-key")
    assert wire.call("GET", "/jobs").status_code == 401
    assert wire.call("GET", "/jobs", headers={"x-ms-quantum-api-key": "new-key"}).status_code == 200


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer ", "Basic abc", "token"])
def test_bad_bearer_tokens_are_401(wire, header):
    assert_recorded_401(wire.call("GET", "/jobs", auth=False, headers={"Authorization": header}))


def test_expired_bearer_token_is_401(emulator):
    patch_config(emulator.url, azure_token_lifetime=5)
    body = entra_token(emulator.url).json()
    assert body["expires_in"] == 5
    wire = AzureWire(emulator.url, token=body["access_token"])
    assert wire.call("GET", "/jobs").status_code == 200
    advance_clock(emulator.url, 6)
    assert_recorded_401(wire.call("GET", "/jobs"))
    renewed = AzureWire(emulator.url, token=entra_token(emulator.url).json()["access_token"])
    assert renewed.call("GET", "/jobs").status_code == 200


def test_api_version_is_required_and_must_be_known(wire):
    missing = requests.get(f"{wire.workspace_url}/jobs", headers=wire.headers(), timeout=5)
    assert azure_error(missing)[:2] == (400, "MissingApiVersionParameter")
    unknown = wire.call("GET", "/jobs", api_version="2019-11-04-preview")
    status, code, message = azure_error(unknown)
    assert (status, code) == (400, "UnsupportedApiVersion") and "2026-01-15-preview" in message
    # No spec and no official client has 2026-08-01-preview: never advertised as a version.
    assert "2026-08-01-preview" not in message


@pytest.mark.parametrize(
    "version",
    [
        "2022-09-12-preview",
        "2024-03-01-preview",
        "2024-10-01-preview",
        "2025-12-01-preview",
        "2026-01-15-preview",
    ],
)
def test_every_version_seen_in_use_is_accepted(wire, version):
    assert wire.call("GET", "/jobs", api_version=version).status_code == 200


def test_the_newest_published_version_is_2026_01_15_and_2026_08_is_only_answered():
    from airflow_quantum_emulator.azure import versions

    assert versions.LATEST_API_VERSION == "2026-01-15-preview"
    assert "2026-08-01-preview" not in versions.SUPPORTED_API_VERSIONS
    # A client that asks for it (the queue position is keyed to it) is still answered.
    assert versions.check_api_version("2026-08-01-preview") == "2026-08-01-preview"


def test_any_subscription_resource_group_and_workspace_name_work(emulator):
    wire = AzureWire(emulator.url, workspace="Another-WS", resource_group="some.group")
    assert wire.list()["value"] == []


def _jwt(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2ln"


FEDERATED = {"iss": "https://issuer.test", "sub": "sa", "aud": ["api://AzureADTokenExchange"]}


@pytest.mark.parametrize(
    ("assertion", "assertion_type", "status", "words"),
    [
        (_jwt({**FEDERATED, "exp": 4102444800}), None, 200, "access_token"),
        (_jwt({**FEDERATED, "exp": 4102444800}), "urn:other", 400, "client_assertion_type"),
        ("not-a-jwt", None, 400, "not a JWT"),
        (_jwt({**FEDERATED, "exp": 1}), None, 401, "expired"),
        (_jwt({**FEDERATED, "aud": "api://elsewhere", "exp": 4102444800}), None, 401, "audience"),
        (_jwt({"aud": FEDERATED["aud"], "exp": 4102444800}), None, 400, "iss or sub"),
    ],
)
def test_federated_client_assertions_workload_identity(
    emulator, assertion, assertion_type, status, words
):
    response = requests.post(
        f"{emulator.url}/t/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "app",
            "scope": "https://quantum.microsoft.com/.default",
            "client_assertion_type": assertion_type
            or "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
        timeout=5,
    )
    assert response.status_code == status
    assert words in response.text


def test_openid_configuration_points_at_the_token_endpoint(emulator):
    config = requests.get(
        f"{emulator.url}/my-tenant/v2.0/.well-known/openid-configuration", timeout=5
    ).json()
    assert config["token_endpoint"] == f"{emulator.url}/my-tenant/oauth2/v2.0/token"
    assert config["issuer"] == f"{emulator.url}/my-tenant/v2.0"
