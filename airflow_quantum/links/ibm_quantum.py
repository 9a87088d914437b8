"""Link to an IBM Quantum job on the IBM Quantum Platform workloads page."""

from __future__ import annotations

from urllib.parse import quote

from airflow_quantum.links.base import QuantumJobLink

PLATFORM = "https://quantum.cloud.ibm.com"


class IBMQuantumJobLink(QuantumJobLink):
    """Opens the job on the IBM Quantum Platform "Workloads" page."""

    name = "IBM Quantum job"


def ibm_job_url(job_id: str, instance_crn: str | None = None) -> str:
    """The workloads URL of one job (scoped to the instance when known)."""
    url = f"{PLATFORM}/workloads/{quote(job_id)}"
    if instance_crn:
        url += f"?instance={quote(instance_crn, safe='')}"
    return url
