"""A thin wire-level IBM Quantum client for the conformance tests (plain ``requests``).

It knows only what the wire page says: IAM exchange, the headers, the tagged result JSON. It
decodes results itself (base64 -> zlib -> ``np.load`` -> bits) so that the tests check the
emulator's encoding, not the emulator's own decoder.
"""

from __future__ import annotations

import base64
import io
import time
import zlib
from typing import Any

import numpy as np
import requests
from ibm_circuits import ISA_BELL, ISA_RY_SWEEP

APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey"
CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/0123456789abcdef:1a2b3c4d-instance::"
OTHER_CRN = "crn:v1:bluemix:public:quantum-computing:eu-de:a/fedcba9876543210:other-instance::"
API_VERSION = "2026-04-15"

#: IBM backends run only ISA circuits: the tests' Bell and ry sweep are written in the Heron
#: basis (see tests/ibm_circuits.py).
BELL = ISA_BELL
RY_SWEEP = ISA_RY_SWEEP

FINAL = ("Completed", "Failed", "Cancelled")


def iam_token(url: str, apikey: str = "local-emulator-key") -> dict[str, Any]:
    answer = requests.post(
        f"{url}/identity/token",
        data={"grant_type": APIKEY_GRANT, "apikey": apikey, "response_type": "cloud_iam"},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()


class IBMWire:
    """Requests to ``{url}/api/v1`` with a fresh IAM token and the instance CRN."""

    def __init__(self, url: str, crn: str = CRN) -> None:
        self.url = url
        self.base = f"{url}/api/v1"
        self.http = requests.Session()
        self.http.headers.update(
            {
                "Authorization": f"Bearer {iam_token(url)['access_token']}",
                "Service-CRN": crn,
                "IBM-API-Version": API_VERSION,
                "Accept": "application/json",
            }
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(f"{self.base}{path}", timeout=10, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.post(f"{self.base}{path}", timeout=10, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.put(f"{self.base}{path}", timeout=10, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.patch(f"{self.base}{path}", timeout=10, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.delete(f"{self.base}{path}", timeout=10, **kwargs)

    def run(self, program_id: str, pubs: list[Any], backend: str | None = "ibm_fez", **extra: Any):
        body: dict[str, Any] = {
            "program_id": program_id,
            "params": {"pubs": pubs, "options": extra.pop("options", {}), "version": 2},
            **extra,
        }
        if backend is not None:
            body["backend"] = backend
        return self.post("/jobs", json=body)

    def submit(self, program_id: str, pubs: list[Any], **extra: Any) -> str:
        answer = self.run(program_id, pubs, **extra)
        assert answer.status_code == 200, answer.text
        return answer.json()["id"]

    def job(self, job_id: str) -> dict[str, Any]:
        answer = self.get(f"/jobs/{job_id}")
        assert answer.status_code == 200, answer.text
        return answer.json()

    def finish(self, job_id: str) -> None:
        """Ask the emulator to end the job now (skips the rest of its queue and run time)."""
        answer = requests.post(f"{self.url}/_emulator/jobs/{job_id}/finish", timeout=10)
        assert answer.status_code == 200, answer.text

    def wait(self, job_id: str, timeout: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job["state"]["status"] in FINAL:
                return job
            assert time.monotonic() < deadline, f"job {job_id} not final: {job['state']}"
            time.sleep(0.03)

    def finished(self, job_id: str) -> dict[str, Any]:
        self.finish(job_id)
        return self.wait(job_id)

    def results(self, job_id: str) -> dict[str, Any]:
        answer = self.get(f"/jobs/{job_id}/results")
        assert answer.status_code == 200, answer.text
        return answer.json()


def advance_clock(url: str, seconds: float) -> None:
    answer = requests.post(f"{url}/_emulator/clock/advance", json={"seconds": seconds}, timeout=5)
    assert answer.status_code == 200, answer.text


def untag(value: dict[str, Any], type_name: str) -> Any:
    assert value["__type__"] == type_name, value.get("__type__")
    return value["__value__"]


def ndarray(value: dict[str, Any]) -> np.ndarray:
    """A tagged ndarray, decoded as the wire page says: base64 -> zlib -> numpy.save bytes."""
    text = untag(value, "ndarray")
    return np.load(io.BytesIO(zlib.decompress(base64.b64decode(text))), allow_pickle=False)


def bitarray_counts(value: dict[str, Any]) -> tuple[np.ndarray, dict[str, int]]:
    """(raw bytes array, counts over all shots) of a tagged BitArray, bitstrings MSB first."""
    inner = untag(value, "BitArray")
    array = ndarray(inner["array"])
    num_bits = inner["num_bits"]
    bits = np.unpackbits(array.reshape(-1, array.shape[-1]), axis=-1)[:, -num_bits:]
    counts: dict[str, int] = {}
    for row in bits:
        key = "".join(str(int(b)) for b in row)
        counts[key] = counts.get(key, 0) + 1
    return array, counts


def pub_data(result: dict[str, Any], index: int = 0) -> dict[str, Any]:
    """The DataBin value of pub ``index`` of a PrimitiveResult."""
    pub = untag(result, "PrimitiveResult")["pub_results"][index]
    assert pub["__type__"] in ("SamplerPubResult", "PubResult")
    return untag(pub["__value__"]["data"], "DataBin")


def ibm_error(answer: requests.Response) -> dict[str, Any]:
    """The single error of an IBM-shaped error body (checks the shape on the way)."""
    body = answer.json()
    # The service's shape (qiskit-ibm-runtime 73514f06, IBM's docs): no status_code.
    assert set(body) == {"trace", "errors"}, body
    (error,) = body["errors"]
    assert set(error) == {"code", "message", "solution", "more_info"}
    assert error["message"] and error["solution"]
    return error
