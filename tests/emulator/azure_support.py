"""A thin wire-level Azure Quantum client for the conformance tests (plain ``requests``).

It knows only what the wire page says: the workspace path, ``api-version``, the API key or
bearer header, ``POST /storage/sasUri``, block-blob uploads with SAS, JobDetails JSON. It never
imports the emulator's Azure package, so the tests check the wire, not the implementation.
"""

from __future__ import annotations

import gzip
import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from qio_support import stored_qio_result

SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
LATEST = "2026-01-15-preview"
CLASSIC = "2024-10-01-preview"  # Waiting / Executing / Succeeded vocabulary
FIRST_NEW = "2025-12-01-preview"  # Queued / Finishing / Completed vocabulary
API_KEY = "local-emulator-key"
FINAL = {"Succeeded", "Completed", "Failed", "Cancelled"}

BELL = {
    "qubits": 2,
    "circuit": [{"gate": "h", "target": 0}, {"gate": "cnot", "control": 0, "target": 1}],
}
GHZ3 = {
    "qubits": 3,
    "circuit": [
        {"gate": "h", "target": 0},
        {"gate": "cnot", "control": 0, "target": 1},
        {"gate": "cnot", "control": 1, "target": 2},
    ],
}
#: 3 x0 x1 - 2 x2 + x1 x2 (Ising): the optimum is x0=1, x1=-1, x2=1 with cost -6.
ISING = {
    "metadata": {"name": "three spins"},
    "cost_function": {
        "version": "1.0",
        "type": "ising",
        "terms": [{"c": 3, "ids": [0, 1]}, {"c": -2, "ids": [2]}, {"c": 1, "ids": [1, 2]}],
    },
}
QASM_BELL = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c0[2];
creg c1[1];
h q[0];
cx q[0],q[1];
x q[1];
measure q[0] -> c0[0];
measure q[1] -> c0[1];
measure q[1] -> c1[0];
"""

IONQ = ("ionq", "ionq.simulator", "ionq.circuit.v1", "ionq.quantum-results.v1")
#: Retired (submissions are refused); historic jobs are planted with ``AzureWire.plant_qio``.
QIO = (
    "Microsoft",
    "microsoft.simulatedannealing.cpu",
    "microsoft.qio.v2",
    "microsoft.qio-results.v2",
)
QUANTINUUM = (
    "quantinuum",
    "quantinuum.sim.h2-1e",
    "honeywell.openqasm.v1",
    "honeywell.quantum-results.v1",
)
IONQ_QIR = ("ionq", "ionq.simulator", "qir.v1", "microsoft.quantum-results.v2")
QUANTINUUM_QIR = ("quantinuum", "quantinuum.sim.h2-1e", "qir.v1", "microsoft.quantum-results.v2")
ESTIMATOR = ("microsoft-qc", "microsoft.estimator", "qir.v1", "microsoft.resource-estimates.v1")


def bell_qir(*, bitcode: bool = True, rotations: int = 0, ccx: bool = False) -> bytes:
    """A base-profile Bell program (plus optional rotations / a Toffoli) built with pyqir."""
    from pyqir import BasicQisBuilder, SimpleModule

    module = SimpleModule("bell", num_qubits=3, num_results=2)
    qis = BasicQisBuilder(module.builder)
    q, r = module.qubits, module.results
    qis.h(q[0])
    qis.cx(q[0], q[1])
    for i in range(rotations):
        qis.rz(0.1 * (i + 1), q[2])
    if ccx:
        qis.h(q[2])
        qis.t(q[2])
        qis.cx(q[0], q[2])
    qis.mz(q[0], r[0])
    qis.mz(q[1], r[1])
    return module.bitcode() if bitcode else module.ir().encode()


def new_id() -> str:
    return str(uuid.uuid4())


def sas_fields(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def strip_sas(url: str) -> str:
    return url.split("?", 1)[0]


def azure_error(response: requests.Response) -> tuple[int, str, str]:
    """(status, code, message) of an Azure JSON error; asserts the shape and the header."""
    body = response.json()
    assert set(body) == {"error"}, body
    code, message = body["error"]["code"], body["error"]["message"]
    assert response.headers["x-ms-error-code"] == code
    assert message
    return response.status_code, code, message


def storage_error(response: requests.Response) -> tuple[int, str]:
    """(status, code) of an Azure Storage XML error."""
    assert response.headers["content-type"].startswith("application/xml"), response.text
    text = response.content.decode("utf-8")  # .text may drop the byte-order mark
    assert text.startswith('\ufeff<?xml version="1.0" encoding="utf-8"?><Error><Code>'), text
    code = text.split("<Code>", 1)[1].split("</Code>", 1)[0]
    assert response.headers["x-ms-error-code"] == code
    return response.status_code, code


class AzureWire:
    """Calls one emulated workspace over HTTP like a client would."""

    def __init__(
        self,
        url: str,
        workspace: str = "ws",
        api_version: str = LATEST,
        token: str | None = None,
        resource_group: str = "rg",
    ) -> None:
        self.url = url
        self.api_version = api_version
        self.token = token
        self.session = requests.Session()
        self.workspace_url = (
            f"{url}/subscriptions/{SUBSCRIPTION}/resourceGroups/{resource_group}"
            f"/providers/Microsoft.Quantum/workspaces/{workspace}"
        )

    def with_version(self, api_version: str) -> AzureWire:
        other = AzureWire.__new__(AzureWire)
        other.__dict__.update(self.__dict__)
        other.api_version = api_version
        return other

    # ------------------------------------------------------------ raw calls

    def headers(self) -> dict[str, str]:
        if self.token is not None:
            return {"Authorization": f"Bearer {self.token}"}
        return {"x-ms-quantum-api-key": API_KEY}

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
        api_version: str | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        query = {"api-version": api_version or self.api_version, **(params or {})}
        merged = {**(self.headers() if auth else {}), **(headers or {})}
        return self.session.request(
            method,
            f"{self.workspace_url}{path}",
            params=query,
            headers=merged,
            timeout=10,
            **kwargs,
        )

    def get_job(self, job_id: str) -> dict[str, Any]:
        response = self.call("GET", f"/jobs/{job_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def list(self, path: str = "/jobs", **params: Any) -> dict[str, Any]:
        response = self.call("GET", path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    # ------------------------------------------------------------ storage

    def sas_uri(self, container: str, blob: str | None = None) -> str:
        body = (
            {"containerName": container}
            if blob is None
            else {"containerName": container, "blobName": blob}
        )
        response = self.call("POST", "/storage/sasUri", json=body)
        assert response.status_code == 200, response.text
        return response.json()["sasUri"]

    def ensure_container(self, container_sas: str) -> None:
        """What the official client did before 2026-01-15-preview (recorded): GET the
        container, and on 404 ContainerNotFound create it."""
        base, query = container_sas.split("?", 1)
        url = f"{base}?restype=container&{query}"
        if requests.get(url, timeout=10).status_code == 404:
            assert requests.put(url, timeout=10).status_code == 201

    def upload(
        self,
        container_sas: str,
        data: bytes,
        blob: str = "inputData",
        *,
        compress: bool = True,
        content_type: str = "application/json",
    ) -> requests.Response:
        base, query = container_sas.split("?", 1)
        headers = {
            "x-ms-blob-type": "BlockBlob",
            "x-ms-blob-content-type": content_type,
            "x-ms-version": "2023-11-03",
            "If-None-Match": "*",
        }
        if compress:
            data = gzip.compress(data)
            headers["x-ms-blob-content-encoding"] = "gzip"
        return requests.put(f"{base}/{blob}?{query}", data=data, headers=headers, timeout=10)

    def download(self, uri: str) -> requests.Response:
        return requests.get(uri, headers={"x-ms-range": "bytes=0-33554431"}, timeout=10)

    # ------------------------------------------------------------ jobs

    def job_body(
        self,
        kind: tuple[str, str, str, str],
        container_sas: str,
        input_params: dict[str, Any] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        provider, target, input_format, output_format = kind
        container = strip_sas(container_sas)
        return {
            "name": extra.pop("name", "job"),
            "containerUri": container_sas,
            "inputDataUri": f"{container}/inputData",
            "inputDataFormat": input_format,
            "outputDataFormat": output_format,
            "providerId": provider,
            "target": target,
            "inputParams": input_params if input_params is not None else {},
            "itemType": "Job",
            **extra,
        }

    def submit(
        self,
        kind: tuple[str, str, str, str],
        payload: Any,
        input_params: dict[str, Any] | None = None,
        *,
        job_id: str | None = None,
        expect: int = 200,
        **extra: Any,
    ) -> dict[str, Any]:
        """The official client's submit: SAS, gzip upload, PUT job; returns JobDetails."""
        job_id = job_id or new_id()
        container_sas = self.sas_uri(f"job-{job_id}")
        self.ensure_container(container_sas)
        if isinstance(payload, bytes):  # QIR, sent as the official client sends it
            data, compress, content_type = payload, False, "qir.v1"
        elif isinstance(payload, str):
            data, compress, content_type = payload.encode(), False, "application/qasm"
        else:
            data, compress, content_type = json.dumps(payload).encode(), True, "application/json"
        uploaded = self.upload(container_sas, data, compress=compress, content_type=content_type)
        assert uploaded.status_code == 201, uploaded.text
        body = self.job_body(kind, container_sas, input_params, **extra)
        response = self.call("PUT", f"/jobs/{job_id}", json=body)
        assert response.status_code == expect, response.text
        return response.json()

    def plant_qio(
        self, problem: Any, input_params: dict[str, Any] | None = None, **extra: Any
    ) -> str:
        """A finished historic QIO job in this workspace (control API); returns its id.

        It keeps the optimum as its stored result, unless ``extra`` gives its ``error``.
        """
        ws = self.workspace_url.split("/subscriptions/", 1)[1].split("/")
        body = {
            "subscription_id": ws[0],
            "resource_group": ws[2],
            "workspace": ws[6],
            "input": problem,
            "input_params": input_params or {},
            **({} if "error" in extra else {"output": stored_qio_result(problem, input_params)}),
            **extra,
        }
        response = requests.post(f"{self.url}/_emulator/azure/historic-jobs", json=body, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["id"]

    def finish(self, job_id: str) -> None:
        requests.post(f"{self.url}/_emulator/jobs/{job_id}/finish", timeout=10)

    def wait(self, job_id: str, finish: bool = True, timeout: float = 10.0) -> dict[str, Any]:
        """Poll (after asking the emulator to end the job now) until the job is final."""
        if finish:
            self.finish(job_id)
        deadline = time.monotonic() + timeout
        while True:
            details = self.get_job(job_id)
            if details["status"] in FINAL:
                return details
            assert time.monotonic() < deadline, f"job {job_id} still {details['status']}"
            time.sleep(0.02)

    def fails(
        self,
        kind: tuple[str, str, str, str],
        payload: Any,
        params: dict | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Submit a job the service accepts (200) and then fails: its errorData."""
        details = self.wait(self.submit(kind, payload, params, **extra)["id"])
        assert details["status"] == "Failed", details
        return details["errorData"]

    def result(self, details: dict[str, Any]) -> Any:
        response = self.download(details["outputDataUri"])
        assert response.status_code == 206, response.text
        return response.json()

    def run(
        self,
        kind: tuple[str, str, str, str],
        payload: Any,
        params: dict | None = None,
        **extra: Any,
    ):
        """Submit, wait and download: (final JobDetails, decoded result)."""
        details = self.wait(self.submit(kind, payload, params, **extra)["id"])
        assert details["status"] in ("Succeeded", "Completed"), details
        return details, self.result(details)


def failed_job(wire: AzureWire, job_id: str, response: requests.Response) -> dict[str, Any]:
    """The errorData of a job the service accepted (200, Waiting, no error) and then failed."""
    assert response.status_code == 200, response.text
    created = response.json()
    assert (created["status"], created["errorData"]) == ("Waiting", None), created
    details = wire.wait(job_id)
    assert details["status"] == "Failed", details
    return details["errorData"]


def advance_clock(url: str, seconds: float) -> None:
    response = requests.post(f"{url}/_emulator/clock/advance", json={"seconds": seconds}, timeout=5)
    assert response.status_code == 200, response.text


def patch_config(url: str, **changes: Any) -> None:
    response = requests.patch(f"{url}/_emulator/config", json=changes, timeout=5)
    assert response.status_code == 200, response.text


def entra_token(
    url: str, secret: str = API_KEY, tenant: str = "my-tenant", **overrides: str
) -> requests.Response:
    form = {
        "grant_type": "client_credentials",
        "client_id": "my-app",
        "client_secret": secret,
        "scope": "https://quantum.microsoft.com/.default",
        **overrides,
    }
    return requests.post(f"{url}/{tenant}/oauth2/v2.0/token", data=form, timeout=5)
