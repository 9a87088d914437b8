"""Helpers of the IBM client tests: emulator control calls, circuits, fast retry policies."""

from __future__ import annotations

import dataclasses
from typing import Any

import requests
from ibm_circuits import ISA_BELL, ISA_BELL_NO_MEASURE, ISA_RY_NO_MEASURE, ISA_RY_SWEEP

from airflow_quantum.clients.ibm import IBM_RETRY_POLICY, IBMQuantumSettings

CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/emulator:emulator::"

#: The IBM policy with tiny backoffs, so retry tests take milliseconds.
FAST = dataclasses.replace(IBM_RETRY_POLICY, backoff_base=0.01, backoff_max=0.02)

#: IBM backends run only ISA circuits: the client tests' circuits are written in Heron's basis.
BELL = ISA_BELL
BELL_NO_MEASURE = ISA_BELL_NO_MEASURE
RY = ISA_RY_SWEEP
RY_NO_MEASURE = ISA_RY_NO_MEASURE

SEEDED = {"simulator": {"seed_simulator": 7}}


def settings(url: str, api_key: str = "local-emulator-key", **extra: Any) -> IBMQuantumSettings:
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
