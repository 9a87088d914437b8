"""A thin wire-level Amazon Braket client for the emulator's tests: ``requests``, signed by
botocore's own ``SigV4Auth``, so that the tests check the emulator's signature verification
against AWS's signer rather than against the emulator's own code."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote, urlencode

import requests
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY = "AKIALOCALEMULATOR000"
SECRET = "local-emulator-key"
ACCOUNT = "123456789012"
REGION = "us-east-1"
SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
DM1 = "arn:aws:braket:::device/quantum-simulator/amazon/dm1"
FORTE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"
GARNET = "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet"
AQUILA = "arn:aws:braket:us-east-1::device/qpu/quera/Aquila"
BUCKET = "amazon-braket-emulator-tests"
FINAL = ("COMPLETED", "FAILED", "CANCELLED")

BELL = (
    "OPENQASM 3.0;\nbit[2] b;\nqubit[2] q;\nh q[0];\ncnot q[0], q[1];\nb[0] = measure q[0];\n"
    "b[1] = measure q[1];"
)


def program(source: str = BELL, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "braketSchemaHeader": {"name": "braket.ir.openqasm.program", "version": "1"},
        "source": source,
    }
    if inputs is not None:
        body["inputs"] = inputs
    return body


class BraketWire:
    """Signed requests to the emulator's Braket routes (``service="s3"``: its S3 subset)."""

    def __init__(
        self,
        url: str,
        region: str = REGION,
        secret: str = SECRET,
        access_key: str = ACCESS_KEY,
        service: str = "braket",
    ) -> None:
        self.url = url
        self.region = region
        self.service = service
        self.credentials = Credentials(access_key, secret)
        self.http = requests.Session()
        self._tokens = 0

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
        sign: bool = True,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """``path`` is sent as given (callers quote ARNs with ``quote(arn, safe='')``)."""
        url = self.url + ("/s3" if self.service == "s3" else "") + path
        if query:
            url += "?" + urlencode(query, doseq=True, quote_via=quote)
        data = (
            body
            if isinstance(body, bytes)
            else (b"" if body is None else json.dumps(body).encode())
        )
        request = AWSRequest(method=method, url=url, data=data, headers=dict(headers or {}))
        if body is not None and not isinstance(body, bytes):
            request.headers["Content-Type"] = "application/x-amz-json-1.1"
        if sign:
            signer = S3SigV4Auth if self.service == "s3" else SigV4Auth
            signer(self.credentials, self.service, self.region).add_auth(request)
        prepared = request.prepare()
        return self.http.request(
            method, prepared.url, data=data, headers=dict(prepared.headers), timeout=60
        )

    # --------------------------------------------------------------- operations, asserted

    def token(self) -> str:
        self._tokens += 1
        return f"test-token-{time.monotonic_ns()}-{self._tokens}"

    def create_body(
        self,
        device: str = SV1,
        action: dict[str, Any] | None = None,
        shots: int = 100,
        **extra: Any,
    ) -> dict[str, Any]:
        return {
            "clientToken": self.token(),
            "deviceArn": device,
            "shots": shots,
            "outputS3Bucket": BUCKET,
            "outputS3KeyPrefix": "tasks",
            "action": json.dumps(action or program()),
            **extra,
        }

    def create(self, device: str = SV1, **kwargs: Any) -> requests.Response:
        return self.request("POST", "/quantum-task", self.create_body(device, **kwargs))

    def submit(self, device: str = SV1, **kwargs: Any) -> str:
        answer = self.create(device, **kwargs)
        assert answer.status_code == 201, answer.text
        return answer.json()["quantumTaskArn"]

    def get(self, arn: str, queue_info: bool = False) -> requests.Response:
        query = {"additionalAttributeNames": "QueueInfo"} if queue_info else None
        return self.request("GET", f"/quantum-task/{quote(arn, safe='')}", query=query)

    def task(self, arn: str, queue_info: bool = False) -> dict[str, Any]:
        answer = self.get(arn, queue_info)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def cancel(self, arn: str) -> requests.Response:
        return self.request(
            "PUT", f"/quantum-task/{quote(arn, safe='')}/cancel", {"clientToken": self.token()}
        )

    def search(self, filters: list[dict[str, Any]], **extra: Any) -> requests.Response:
        return self.request("POST", "/quantum-tasks", {"filters": filters, **extra})

    def wait(self, arn: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            task = self.task(arn)
            if task["status"] in FINAL:
                return task
            assert time.monotonic() < deadline, f"task {arn} not final: {task['status']}"
            time.sleep(0.03)

    def finished(self, arn: str) -> dict[str, Any]:
        """End the task now through the control API and read it back."""
        control(self.url, "POST", f"jobs/{task_id(arn)}/finish")
        return self.wait(arn)

    def results(self, task: dict[str, Any]) -> dict[str, Any]:
        s3 = BraketWire(self.url, self.region, service="s3")
        answer = s3.request(
            "GET", f"/{task['outputS3Bucket']}/{task['outputS3Directory']}/results.json"
        )
        assert answer.status_code == 200, answer.text
        return answer.json()


def task_id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def control(url: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    answer = requests.request(method, f"{url}/_emulator/{path}", json=body, timeout=30)
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.content else None


def aws_error(answer: requests.Response) -> tuple[str, str]:
    """(error code, message) of an AWS rest-json error, read as botocore reads it."""
    assert answer.headers["content-type"].startswith("application/json"), answer.headers
    return answer.headers["x-amzn-ErrorType"].split(":")[0], answer.json()["message"]


def counts(document: dict[str, Any]) -> dict[str, int]:
    """Bitstring counts of a gate-model result's ``measurements``."""
    tally: dict[str, int] = {}
    for shot in document["measurements"]:
        key = "".join(str(bit) for bit in shot)
        tally[key] = tally.get(key, 0) + 1
    return tally
