"""Helpers of the Azure client and hook tests: settings and connections for the auth modes,
emulator control calls, and small problems with known answers."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
import requests
from job_waits import wait_final
from qio_support import stored_qio_result

from airflow_quantum.clients.azure import AzureQuantumSettings
from airflow_quantum.clients.retries import RetryPolicy

#: Tiny delays so that retry tests take milliseconds (Retry-After is still obeyed).
FAST = RetryPolicy(max_retries=3, backoff_base=0.01, backoff_factor=2.0, backoff_max=0.05)

BELL = [{"gate": "h", "target": 0}, {"gate": "cnot", "control": 0, "target": 1}]
#: X on qubit 1 of two: the deterministic job these tests run when any job will do.
X_ON_1 = [{"gate": "x", "target": 1}]
#: Its result: qubit 1 set, written highest qubit first.
X_ON_1_PROBABILITIES = {"10": 1.0}
#: A frustrated four-spin ring with a field: small enough to brute-force.
ISING_TERMS = [(3, [0, 1]), (-2, [2]), (1, [1, 2]), (2, [2, 3]), (-1, [3, 0])]
QASM_BELL = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c0[2];
h q[0];
cx q[0],q[1];
measure q[0] -> c0[0];
measure q[1] -> c0[1];
"""


def ising_cost(terms: list[tuple[float, list[int]]], config: dict[str, int]) -> float:
    total = 0.0
    for c, ids in terms:
        product = 1
        for i in ids:
            product *= config[str(i)]
        total += c * product
    return total


def brute_force_minimum(terms: list[tuple[float, list[int]]]) -> float:
    variables = sorted({i for _, ids in terms for i in ids})
    best = None
    for spins in itertools.product((-1, 1), repeat=len(variables)):
        config = {str(v): s for v, s in zip(variables, spins, strict=True)}
        cost = ising_cost(terms, config)
        best = cost if best is None else min(best, cost)
    return best


def workspace_settings(url: str, **auth: Any) -> AzureQuantumSettings:
    """Settings of the emulator's workspace ``sub/rg/ws``, signing in as ``auth`` says."""
    return AzureQuantumSettings.create(
        subscription_id="sub", resource_group="rg", workspace="ws", endpoint=url, **auth
    )


def api_key_settings(
    url: str, key: str = "local-emulator-key", **extra: Any
) -> AzureQuantumSettings:
    return workspace_settings(url, api_key=key, **extra)


def entra_settings(
    url: str, secret: str = "local-emulator-key", **extra: Any
) -> AzureQuantumSettings:
    return workspace_settings(
        url,
        tenant_id="my-tenant",
        client_id="my-client",
        client_secret=secret,
        authority_host=url,
        **extra,
    )


def connection_string_settings(url: str, key: str = "local-emulator-key") -> AzureQuantumSettings:
    return AzureQuantumSettings.from_connection_string(
        f"SubscriptionId=sub;ResourceGroupName=rg;WorkspaceName=ws;ApiKey={key};"
        f"QuantumEndpoint={url}/;"
    )


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


def control(verb: str, url: str, route: str, body: dict[str, Any] | None = None) -> Any:
    # A loaded machine (two cores, the slow tests beside) can hold a request for seconds.
    response = requests.request(verb, f"{url}/_emulator{route}", json=body, timeout=30)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def add_fault(url: str, **rule: Any) -> None:
    control("POST", url, "/faults", {"vendor": "azure", **rule})


def add_job_fault(url: str, **fault: Any) -> None:
    control("POST", url, "/faults/jobs", {"vendor": "azure", **fault})


def patch_config(url: str, **changes: Any) -> None:
    control("PATCH", url, "/config", changes)


def advance_clock(url: str, seconds: float) -> None:
    control("POST", url, "/clock/advance", {"seconds": seconds})


def finish(url: str, job_id: str) -> None:
    control("POST", url, f"/jobs/{job_id}/finish")


def azure_stats(url: str) -> dict[str, Any]:
    return control("GET", url, "/stats")["azure"]


def requests_log(url: str) -> list[dict[str, Any]]:
    return control("GET", url, "/requests?vendor=azure")["requests"]


def calls(url: str, method: str, path_suffix: str, status: int | None = None) -> int:
    """How many azure requests ``METHOD ...path_suffix`` the emulator saw (with ``status``)."""
    return sum(
        1
        for record in requests_log(url)
        if record["method"] == method
        and record["path"].endswith(path_suffix)
        and (status is None or record["status"] == status)
    )


#: A one-gate IonQ job: what these tests submit when any job will do (QIO is retired).
X0 = [{"gate": "x", "target": 0}]


def plant_qio(
    url: str,
    terms: list[tuple[float, list[int]]],
    workspace: tuple[str, str, str] = ("sub", "rg", "ws"),
    **extra: Any,
) -> str:
    """A finished historic QIO job in ``workspace`` (the emulator's control API); its id.

    It keeps the optimum as its stored result (the emulator runs no retired solver).
    """
    problem = {
        "cost_function": {
            "version": "1.0",
            "type": "ising",
            "terms": [{"c": c, "ids": ids} for c, ids in terms],
        }
    }
    subscription, group, name = workspace
    body = {
        "subscription_id": subscription,
        "resource_group": group,
        "workspace": name,
        "input": problem,
        "output": stored_qio_result(problem, extra.get("input_params")),
        **extra,
    }
    return control("POST", url, "/azure/historic-jobs", body)["id"]


def bell_qir(*, bitcode: bool = True) -> bytes | str:
    """A base-profile Bell program built with pyqir (bitcode, or its LLVM text)."""
    from pyqir import BasicQisBuilder, SimpleModule

    module = SimpleModule("bell", num_qubits=2, num_results=2)
    qis = BasicQisBuilder(module.builder)
    qis.h(module.qubits[0])
    qis.cx(module.qubits[0], module.qubits[1])
    qis.mz(module.qubits[0], module.results[0])
    qis.mz(module.qubits[1], module.results[1])
    return module.bitcode() if bitcode else module.ir()


def results_when_done(client: Any, job_id: str, timeout: float = 30.0, **options: Any) -> Any:
    """``client.get_results`` of the job once it is final."""
    return client.get_results(wait_final(client, job_id, timeout), **options)
