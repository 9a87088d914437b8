"""Transport security from an Airflow connection to the wire, and where the emulator listens.

- TLS certificates are verified by default, by both faces (``requests`` and ``httpx``): an
  HTTPS service with a certificate nobody vouches for gets no request at all (so no API key),
  unless the connection says ``verify: false`` or names the CA bundle that signs it.
- Credentials never travel over plain http to a host other than loopback unless the
  connection sets ``allow_insecure_http``: the hook refuses such a connection, naming the field.
- The emulator (which accepts well-known credentials) binds loopback unless told otherwise.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from airflow_quantum.clients.errors import ConfigurationError, QuantumError
from airflow_quantum.clients.retries import RetryPolicy
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook
from airflow_quantum_emulator import EmulatorServer

IBM_CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/emulator:emulator::"
API_KEY = "TLS-7c1e5a9d-api-key"
ONE_TRY = RetryPolicy(max_retries=0, connect_timeout=5, read_timeout=5)
WORKSPACE = {"subscription_id": "s", "resource_group": "r", "workspace": "w"}
#: A job id both vendors accept (Azure takes GUIDs only); the request never gets an answer.
JOB_ID = "00000000-0000-0000-0000-000000000001"


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that no system CA bundle knows, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class CountingTLSServer:
    """An HTTPS server on loopback that answers 503 to everything and counts the requests."""

    def __init__(self, cert: Path, key: Path) -> None:
        seen: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                seen.append(f"{self.command} {self.path}")
                body = b'{"error": "test server"}'
                self.send_response(503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.requests = seen
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> CountingTLSServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def tls(tmp_path: Path) -> Iterator[tuple[CountingTLSServer, Path]]:
    cert, key = self_signed(tmp_path)
    with CountingTLSServer(cert, key) as server:
        yield server, cert


def connect(monkeypatch: pytest.MonkeyPatch, vendor: str, url: str, **extra: Any) -> Any:
    """A hook whose connection points every URL at ``url``, with ``extra`` added."""
    if vendor == "ibm":
        fields = {
            "conn_type": "ibm_quantum",
            "password": API_KEY,
            "extra": {"instance": IBM_CRN, "runtime_url": f"{url}/api/v1", "iam_url": url, **extra},
        }
        monkeypatch.setenv("AIRFLOW_CONN_TLS_CHECK", json.dumps(fields))
        return IBMQuantumHook("tls_check", retry_policy=ONE_TRY)
    fields = {
        "conn_type": "azure_quantum",
        "extra": {"endpoint": url, "api_key": API_KEY, **WORKSPACE, **extra},
    }
    monkeypatch.setenv("AIRFLOW_CONN_TLS_CHECK", json.dumps(fields))
    return AzureQuantumHook("tls_check", retry_policy=ONE_TRY)


@pytest.mark.parametrize("vendor", ["ibm", "azure"])
def test_untrusted_certificate_is_refused_by_default_sync(tls, monkeypatch, vendor):
    server, _ = tls
    hook = connect(monkeypatch, vendor, server.url)
    with pytest.raises(QuantumError) as caught:
        hook.get_conn().get_job(JOB_ID)
    assert "certificate" in str(caught.value).lower() or "ssl" in str(caught.value).lower()
    assert API_KEY not in str(caught.value)
    assert server.requests == []  # the TLS handshake failed: nothing, no key, was sent


@pytest.mark.parametrize("vendor", ["ibm", "azure"])
async def test_untrusted_certificate_is_refused_by_default_async(tls, monkeypatch, vendor):
    server, _ = tls
    hook = connect(monkeypatch, vendor, server.url)
    with pytest.raises(QuantumError) as caught:
        await (await hook.aclient()).get_job(JOB_ID)
    assert API_KEY not in str(caught.value)
    assert server.requests == []


@pytest.mark.filterwarnings("ignore:Unverified HTTPS request")  # verify=false: as asked
@pytest.mark.parametrize("vendor", ["ibm", "azure"])
@pytest.mark.parametrize("trust", ["false", "bundle"])
def test_verify_false_or_the_signing_bundle_reach_the_service(tls, monkeypatch, vendor, trust):
    server, cert = tls
    hook = connect(
        monkeypatch, vendor, server.url, verify=str(cert) if trust == "bundle" else trust
    )
    with pytest.raises(QuantumError):  # the test server answers 503 to everything
        hook.get_conn().get_job(JOB_ID)
    assert server.requests  # the connection's choice reached the wire


@pytest.mark.parametrize("vendor", ["ibm", "azure"])
def test_plain_http_to_another_host_is_refused_naming_the_field(monkeypatch, vendor):
    hook = connect(monkeypatch, vendor, "http://quantum.example.com")
    with pytest.raises(ConfigurationError, match="allow_insecure_http") as caught:
        hook.get_conn()
    assert "'tls_check'" in str(caught.value) and API_KEY not in str(caught.value)


@pytest.mark.parametrize("vendor", ["ibm", "azure"])
def test_plain_http_to_another_host_only_when_explicitly_allowed(monkeypatch, vendor):
    hook = connect(monkeypatch, vendor, "http://quantum.example.com", allow_insecure_http="true")
    assert hook.get_conn().settings.allow_insecure_http is True


def test_the_emulator_binds_loopback_by_default():
    with EmulatorServer() as emulator:
        bound = emulator._server.servers[0].sockets[0].getsockname()[0]
        assert bound == "127.0.0.1"
        assert emulator.url.startswith("http://127.0.0.1:")


def test_the_emulator_command_defaults_to_loopback(monkeypatch):
    from airflow_quantum_emulator import cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(cli, "_run_emulator", lambda args: seen.setdefault("host", args.host) and 0)
    cli.main(["serve"])
    assert seen["host"] == "127.0.0.1"
