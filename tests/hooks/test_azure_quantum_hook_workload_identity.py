"""Workload identity and environment credentials through azure-identity, over https.

azure-identity only talks to https authorities, so this test serves the emulator over TLS with a
certificate made here (``cryptography``) and trusted through ``REQUESTS_CA_BUNDLE``. The
workload identity credential posts the federated token file as a client assertion; the
environment credential's client secret goes through MSAL, which first reads the emulator's
OpenID configuration. Either way the emulator's Entra endpoint issues the workspace token.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import time
from pathlib import Path

import pytest
import requests

from airflow_quantum.clients.azure import AzurePreparedJob
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum_emulator import EmulatorConfig, EmulatorServer

pytest.importorskip("azure.identity")
x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

X_ON_1 = [{"gate": "x", "target": 1}]  # a deterministic job: qubit 1 set
WORKSPACE = {"subscription_id": "sub", "resource_group": "rg", "workspace": "ws"}


def _certificate(subject, issuer, public_key, signing_key, *, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        names = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


@pytest.fixture(scope="module")
def tls_emulator(tmp_path_factory):
    """An emulator on https with a throwaway CA; yields (server, CA bundle path)."""
    folder = tmp_path_factory.mktemp("tls")
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "airflow-quantum test CA")])
    leaf_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    ca = _certificate(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True)
    leaf = _certificate(leaf_name, ca_name, key.public_key(), ca_key, ca=False)
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "cert.pem").write_bytes(leaf.public_bytes(pem))
    (folder / "key.pem").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    config = EmulatorConfig(queue_seconds=0.1, run_seconds=0.1, seed=1)
    server = EmulatorServer(
        config, ssl_certfile=str(folder / "cert.pem"), ssl_keyfile=str(folder / "key.pem")
    )
    with server:
        yield server, str(folder / "ca.pem")


@pytest.fixture
def https(tls_emulator, monkeypatch):
    server, bundle = tls_emulator
    server.state.reset()
    for name in (
        "AZURE_CLIENT_ID",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_FEDERATED_TOKEN_FILE",
        "AZURE_AUTHORITY_HOST",
        "IDENTITY_ENDPOINT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", bundle)  # azure-identity's HTTP stack trusts it
    return server, bundle


def federated_token(path: Path, audience: str = "api://AzureADTokenExchange") -> str:
    """A service-account token as Kubernetes projects it (unsigned: the emulator trusts any)."""

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    claims = {
        "iss": "https://oidc.example.test/cluster",
        "sub": "system:serviceaccount:airflow:worker",
        "aud": [audience],
        "exp": int(time.time()) + 3600,
    }
    path.write_text(f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2ln")
    return str(path)


def hook_for(monkeypatch, server, bundle, login=None, **extra) -> AzureQuantumHook:
    conn = {
        "conn_type": "azure_quantum",
        "login": login,
        "extra": {
            **WORKSPACE,
            "endpoint": server.url,
            "authority_host": server.url,
            "verify": bundle,
            **extra,
        },
    }
    monkeypatch.setenv("AIRFLOW_CONN_AZURE_QUANTUM_DEFAULT", json.dumps(conn))
    return AzureQuantumHook()


def token_calls(server, bundle) -> dict[str, int]:
    stats = requests.get(f"{server.url}/_emulator/stats", timeout=5, verify=bundle).json()
    return {k: v for k, v in stats["azure"]["routes"].items() if "/{tenant}/" in k}


def workload_hook(https, monkeypatch, token_file: str) -> AzureQuantumHook:
    server, bundle = https
    return hook_for(
        monkeypatch,
        server,
        bundle,
        login="workload-app-id",
        credential="workload_identity",
        tenant_id="my-tenant",
        token_file=token_file,
    )


def test_workload_identity_exchanges_the_federated_token_file(https, monkeypatch, tmp_path):
    server, bundle = https
    hook = workload_hook(https, monkeypatch, federated_token(tmp_path / "token"))
    ok, message = hook.test_connection()
    assert ok, message
    job = hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit(X_ON_1, qubits=2))
    assert job.created_by == "workload-app-id"
    assert hook.get_job_result(job.id, timeout=10)["probabilities"] == {"10": 1.0}
    assert token_calls(server, bundle) == {"POST /{tenant}/oauth2/v2.0/token": 1}


def test_a_token_file_for_another_audience_is_refused(https, monkeypatch, tmp_path):
    token_file = federated_token(tmp_path / "token", audience="api://somewhere-else")
    hook = workload_hook(https, monkeypatch, token_file)
    ok, message = hook.test_connection()
    assert not ok
    assert "workload_identity" in message and "AzureADTokenExchange" in message


def test_environment_credential_signs_in_with_the_client_secret_it_finds(https, monkeypatch):
    server, bundle = https
    monkeypatch.setenv("AZURE_TENANT_ID", "my-tenant")
    monkeypatch.setenv("AZURE_CLIENT_ID", "env-app-id")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", server.state.config.azure_client_secret)
    hook = hook_for(monkeypatch, server, bundle, credential="environment")
    ok, message = hook.test_connection()
    assert ok, message
    assert (
        hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit(X_ON_1)).created_by == "env-app-id"
    )
    # ClientSecretCredential goes through MSAL, which reads the OpenID configuration first.
    assert token_calls(server, bundle) == {
        "GET /{tenant}/v2.0/.well-known/openid-configuration": 1,
        "POST /{tenant}/oauth2/v2.0/token": 1,
    }
