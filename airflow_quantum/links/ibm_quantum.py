"""Link to an IBM Quantum job on the IBM Quantum Platform (or the emulator's page of it)."""

from __future__ import annotations

from airflow_quantum.links.base import QuantumJobLink


class IBMQuantumJobLink(QuantumJobLink):
    """Opens the IBM Quantum Platform "Workloads" page, filtered to the job."""

    name = "IBM Quantum job"
