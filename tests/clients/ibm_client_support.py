"""Helpers of the IBM client tests: emulator control calls, circuits, fast retry policies."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import requests

from airflow_quantum.clients.ibm import IBM_RETRY_POLICY, IBMQuantumSettings

CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/emulator:emulator::"

#: The IBM policy with tiny backoffs, so retry tests take milliseconds.
FAST = dataclasses.replace(IBM_RETRY_POLICY, backoff_base=0.01, backoff_max=0.02)

BELL = """OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
bit[2] c;
h q[0];
cx q[0], q[1];
c = measure q;
"""

BELL_NO_MEASURE = """OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
h q[0];
cx q[0], q[1];
"""

RY = """OPENQASM 3.0;
include "stdgates.inc";
input float[64] theta;
qubit[1] q;
bit[1] meas;
ry(theta) q[0];
meas[0] = measure q[0];
"""

RY_NO_MEASURE = """OPENQASM 3.0;
include "stdgates.inc";
input float[64] theta;
qubit[1] q;
ry(theta) q[0];
"""

SEEDED = {"simulator": {"seed_simulator": 7}}


def settings(url: str, api_key: str = "emulator", **extra: Any) -> IBMQuantumSettings:
    return IBMQuantumSettings(
        api_key=api_key, instance=CRN, runtime_url=f"{url}/api/v1", iam_url=url, **extra
    )


def control(url: str, method: str, route: str, body: dict[str, Any] | None = None) -> Any:
    answer = requests.request(method, f"{url}/_emulator{route}", json=body, timeout=10)
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.content else None


def fault(url: str, **rule: Any) -> None:
    control(url, "POST", "/faults", {"vendor": "ibm", **rule})


def job_fault(url: str, **rule: Any) -> None:
    control(url, "POST", "/faults/jobs", {"vendor": "ibm", **rule})


def configure(url: str, **changes: Any) -> None:
    control(url, "PATCH", "/config", changes)


def stats(url: str) -> dict[str, Any]:
    return control(url, "GET", "/stats")["ibm"]


def finish(url: str, job_id: str) -> None:
    control(url, "POST", f"/jobs/{job_id}/finish")


def route_count(url: str, route: str) -> int:
    return stats(url)["routes"].get(route, 0)


def wait_final(client: Any, job_id: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get_job(job_id)
        if job.in_final_state():
            return job
        assert time.monotonic() < deadline, f"job {job_id} not final: {job.status}"
        time.sleep(0.02)


async def await_final(client: Any, job_id: str, timeout: float = 10.0) -> Any:
    import asyncio

    deadline = time.monotonic() + timeout
    while True:
        job = await client.get_job(job_id)
        if job.in_final_state():
            return job
        assert time.monotonic() < deadline, f"job {job_id} not final: {job.status}"
        await asyncio.sleep(0.02)
