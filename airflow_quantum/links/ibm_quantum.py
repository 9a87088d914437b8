"""Link to an IBM Quantum job on the IBM Quantum Platform workloads page."""

from __future__ import annotations

from urllib.parse import quote

from airflow_quantum.links.base import QuantumJobLink

PLATFORM = "https://quantum.cloud.ibm.com"


class IBMQuantumJobLink(QuantumJobLink):
    """Opens the IBM Quantum Platform "Workloads" page, filtered to the job."""

    name = "IBM Quantum job"


def ibm_job_url(job_id: str) -> str:
    """The workloads page searched for one job id (it lists the job; a click opens it)."""
    return f"{PLATFORM}/workloads?search={quote(job_id, safe='')}"
