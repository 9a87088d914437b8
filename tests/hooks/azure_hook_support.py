"""Helpers of the Azure hook tests: emulator control calls and a fast retry policy."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from airflow_quantum.clients.retries import RetryPolicy

FAST = RetryPolicy(max_retries=3, backoff_base=0.01, backoff_factor=2.0, backoff_max=0.05)
BELL = [{"gate": "h", "target": 0}, {"gate": "cnot", "control": 0, "target": 1}]
#: X on qubit 1 of two: the deterministic job these tests run when any job will do.
X_ON_1 = [{"gate": "x", "target": 1}]
#: Its result: qubit 1 set, written highest qubit first.
X_ON_1_PROBABILITIES = {"10": 1.0}
#: An OpenQASM 2 Bell program for the Quantinuum targets.
QASM_BELL = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
h q[0];
cx q[0],q[1];
measure q -> c;
"""


def control(verb: str, url: str, route: str, body: dict[str, Any] | None = None) -> Any:
    response = requests.request(verb, f"{url}/_emulator{route}", json=body, timeout=5)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def add_fault(url: str, **rule: Any) -> None:
    control("POST", url, "/faults", {"vendor": "azure", **rule})


def add_job_fault(url: str, **fault: Any) -> None:
    control("POST", url, "/faults/jobs", {"vendor": "azure", **fault})


def patch_config(url: str, **changes: Any) -> None:
    control("PATCH", url, "/config", changes)


def finish(url: str, job_id: str) -> None:
    control("POST", url, f"/jobs/{job_id}/finish")


def azure_stats(url: str) -> dict[str, Any]:
    return control("GET", url, "/stats")["azure"]


def emulator_connection(
    url: str, monkeypatch: pytest.MonkeyPatch, conn_id: str, api_version: str | None = None
) -> str:
    """An ``azure_quantum`` connection ``conn_id`` to the emulator (API key), at
    ``api_version`` (None: the connection's default, the newest)."""
    extra = {
        "subscription_id": "sub",
        "resource_group": "rg",
        "workspace": "ws",
        "endpoint": url,
        "api_key": "local-emulator-key",
    }
    if api_version:
        extra["api_version"] = api_version
    conn = json.dumps({"conn_type": "azure_quantum", "extra": extra})
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", conn)
    return conn_id
