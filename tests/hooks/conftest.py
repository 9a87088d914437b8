"""Airflow connections pointing at the test emulator, given as AIRFLOW_CONN_* variables."""

from __future__ import annotations

import json

import pytest

#: A well-formed instance CRN (region us-east); the emulator accepts any.
IBM_CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/emulator:emulator::"


@pytest.fixture
def ibm_connection(emulator, monkeypatch) -> str:
    """``ibm_quantum_default`` with the emulator's API key, IAM URL and runtime URL."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_IBM_QUANTUM_DEFAULT",
        json.dumps(
            {
                "conn_type": "ibm_quantum",
                "password": "emulator",
                "extra": {
                    "instance": IBM_CRN,
                    "runtime_url": f"{emulator.url}/api/v1",
                    "iam_url": emulator.url,
                },
            }
        ),
    )
    return "ibm_quantum_default"


@pytest.fixture
def azure_connection(emulator, monkeypatch) -> str:
    """``azure_quantum_default`` with the emulator's workspace API key."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_AZURE_QUANTUM_DEFAULT",
        json.dumps(
            {
                "conn_type": "azure_quantum",
                "extra": {
                    "subscription_id": "sub",
                    "resource_group": "rg",
                    "workspace": "ws",
                    "location": "eastus",
                    "endpoint": emulator.url,
                    "api_key": "emulator",
                },
            }
        ),
    )
    return "azure_quantum_default"


@pytest.fixture
def azure_entra_connection(emulator, monkeypatch) -> str:
    """``azure_quantum_entra``: a service principal (client credentials) at the emulator."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_AZURE_QUANTUM_ENTRA",
        json.dumps(
            {
                "conn_type": "azure_quantum",
                "login": "my-client-id",
                "password": "emulator",
                "extra": {
                    "tenant_id": "my-tenant",
                    "subscription_id": "sub",
                    "resource_group": "rg",
                    "workspace": "ws",
                    "location": "eastus",
                    "endpoint": emulator.url,
                    "authority_host": emulator.url,
                },
            }
        ),
    )
    return "azure_quantum_entra"
