"""The emulated App Service managed-identity endpoint, on the wire (``GET /msi/token``)."""

from __future__ import annotations

import time

import pytest
import requests

RESOURCE = "https://quantum.microsoft.com"
WORKSPACE = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Quantum/workspaces/ws"


def ask(emulator, header="local-emulator-key", **params):
    query = {"api-version": "2019-08-01", "resource": RESOURCE, **params}
    headers = {} if header is None else {"X-IDENTITY-HEADER": header}
    return requests.get(f"{emulator.url}/msi/token", params=query, headers=headers, timeout=5)


def test_a_token_for_the_quantum_resource_opens_the_workspace(emulator):
    answer = ask(emulator, client_id="uami")
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["client_id"] == "uami"
    assert body["resource"] == RESOURCE
    assert 86000 < int(body["expires_on"]) - time.time() <= 86400
    jobs = requests.get(
        f"{emulator.url}{WORKSPACE}/jobs",
        params={"api-version": "2026-01-15-preview"},
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=5,
    )
    assert jobs.status_code == 200


@pytest.mark.parametrize(
    ("header", "params", "status", "words"),
    [
        (None, {}, 400, "X-IDENTITY-HEADER"),
        ("wrong", {}, 401, "does not match"),
        ("local-emulator-key", {"api-version": "2017-09-01"}, 400, "api-version"),
        ("local-emulator-key", {"resource": "https://vault.azure.net"}, 400, "vault.azure.net"),
        ("local-emulator-key", {"client_id": "a", "object_id": "b"}, 400, "only one of"),
    ],
)
def test_refusals_have_app_services_error_shape(emulator, header, params, status, words):
    answer = ask(emulator, header, **params)
    assert answer.status_code == status
    body = answer.json()
    assert body["statusCode"] == status and words in body["message"] and body["correlationId"]
