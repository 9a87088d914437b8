"""Provider metadata read by Airflow through the ``apache_airflow_provider`` entry point."""

from __future__ import annotations

from typing import Any

from airflow_quantum import __version__


def get_provider_info() -> dict[str, Any]:
    """Describe the provider to Airflow (``airflow providers list``)."""
    return {
        "package-name": "airflow-quantum",
        "name": "Quantum (Azure Quantum, IBM Quantum)",
        "description": "Run Azure Quantum and IBM Quantum (Qiskit Runtime) jobs from Airflow.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "Azure Quantum",
                "external-doc-url": "https://learn.microsoft.com/azure/quantum/",
                "tags": ["azure"],
            },
            {
                "integration-name": "IBM Quantum",
                "external-doc-url": "https://quantum.cloud.ibm.com/docs",
                "tags": ["software"],
            },
        ],
    }
