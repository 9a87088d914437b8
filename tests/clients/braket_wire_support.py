"""The real Braket and S3 APIs as the client tests stand in for them (the cloud is the one thing
mocked): every request is checked to carry a valid SigV4 signature over exactly what was sent,
then answered by a handler of the test."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import requests
import responses
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from airflow_quantum.clients.braket import (
    AsyncBraketClient,
    BraketClient,
    BraketSettings,
    CredentialSource,
)
from airflow_quantum.clients.braket.protocol import BRAKET_RETRY_POLICY

KEY_ID = "AKIALOCALEMULATOR000"
SECRET = "local-emulator-key"
ENDPOINT = "https://braket.test"
S3_ENDPOINT = "https://s3.test"
SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
GARNET = "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet"
TASK = "arn:aws:braket:us-east-1:123456789012:quantum-task/6a1b2c3d-0000-4000-8000-000000000001"
EU_TASK = "arn:aws:braket:eu-north-1:123456789012:quantum-task/6a1b2c3d-0000-4000-8000-000000000002"
#: The secret of each access key id the stand-in service knows (tests may add keys).
SECRETS = {KEY_ID: SECRET}
BELL = "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncnot q[0], q[1];\nc = measure q;\n"

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, SignedHeaders=(?P<signed>[^,]+), "
    r"Signature=(?P<sig>[0-9a-f]+)$"
)


@dataclass
class Seen:
    """One request as the service saw it, with the scope it was signed for."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    service: str
    region: str

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def json(self) -> Any:
        import json

        return json.loads(self.body)


def verify_signature(method: str, url: str, headers: dict[str, str], body: bytes) -> Seen:
    """The request, if its SigV4 signature is valid for the test's secret; AssertionError else."""
    lowered = {k.lower(): v for k, v in headers.items()}
    match = _AUTH.match(lowered.get("authorization", ""))
    assert match, f"no SigV4 Authorization header: {lowered.get('authorization')!r}"
    assert match["key"] in SECRETS, f"unknown access key id {match['key']}"
    names = match["signed"].split(";")
    assert "host" in names and "x-amz-date" in names
    signed = {name: lowered[name] for name in names if name != "host"}
    request = AWSRequest(method=method, url=url, data=body, headers=signed)
    request.context["timestamp"] = lowered["x-amz-date"]
    signer_class = S3SigV4Auth if match["service"] == "s3" else SigV4Auth
    token = lowered.get("x-amz-security-token")
    credentials = Credentials(match["key"], SECRETS[match["key"]], token)
    signer = signer_class(credentials, match["service"], match["region"])
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    assert expected == match["sig"], f"bad signature for {method} {url}"
    return Seen(method, url, dict(headers), body, match["service"], match["region"])


Handler = Callable[[Seen], tuple[int, dict[str, str], bytes | str | dict | list | None]]


@dataclass
class FakeAWS:
    """Answers signed requests with ``handler``; keeps what it saw."""

    handler: Handler
    seen: list[Seen] = field(default_factory=list)

    def answer(self, method: str, url: str, headers: dict[str, str], body: bytes):
        seen = verify_signature(method, url, headers, body)
        self.seen.append(seen)
        status, out_headers, payload = self.handler(seen)
        if isinstance(payload, dict | list):
            import json

            payload = json.dumps(payload)
            out_headers = {"Content-Type": "application/json", **out_headers}
        data = payload.encode() if isinstance(payload, str) else (payload or b"")
        return status, out_headers, data


def settings(**overrides: Any) -> BraketSettings:
    values: dict[str, Any] = {
        "region": "us-east-1",
        "credentials": CredentialSource.static(KEY_ID, SECRET),
        "endpoint_url": ENDPOINT,
        "s3_endpoint_url": S3_ENDPOINT,
    }
    values.update(overrides)
    return BraketSettings(**values)


#: Braket's policy (what it retries, and for which requests), without the waits.
FAST = dataclasses.replace(BRAKET_RETRY_POLICY, max_retries=2, backoff_base=0.0, jitter=0.0)


def sync_client(fake: FakeAWS, rsps: responses.RequestsMock, **overrides: Any) -> BraketClient:
    """A sync client whose every request to any host is answered by ``fake``."""

    def callback(request: requests.PreparedRequest):
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        return fake.answer(request.method, request.url, dict(request.headers), body)

    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        rsps.add_callback(method, re.compile(r"https://.*"), callback=callback)
    return BraketClient(settings(**overrides), retry_policy=FAST, sleep=lambda _: None)


def async_client(fake: FakeAWS, **overrides: Any) -> AsyncBraketClient:
    def handler(request: httpx.Request) -> httpx.Response:
        status, headers, data = fake.answer(
            request.method, str(request.url), dict(request.headers), request.content
        )
        return httpx.Response(status, headers=headers, content=data)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return AsyncBraketClient(settings(**overrides), retry_policy=FAST, client=client)


def aws_error(status: int, kind: str, message: str, **more: Any):
    """An error answer as AWS's rest-json services give it."""
    return (
        status,
        {"x-amzn-ErrorType": f"{kind}:http://internal.amazon.com/coral/"},
        {
            "message": message,
            **more,
        },
    )


def task_payload(arn: str = TASK, status: str = "QUEUED", **more: Any) -> dict[str, Any]:
    return {
        "quantumTaskArn": arn,
        "status": status,
        "deviceArn": SV1,
        "deviceParameters": "{}",
        "shots": 100,
        "outputS3Bucket": "amazon-braket-results",
        "outputS3Directory": f"tasks/{arn.rsplit('/', 1)[1]}",
        "createdAt": "2026-12-07T20:00:00.000Z",
        **more,
    }
