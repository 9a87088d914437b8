"""Link to an Azure Quantum job in the Azure portal (or the emulator's page of it)."""

from __future__ import annotations

from airflow_quantum.links.base import QuantumJobLink


class AzureQuantumJobLink(QuantumJobLink):
    """Opens the job in the workspace's "Job management" blade of the Azure portal."""

    name = "Azure Quantum job"
