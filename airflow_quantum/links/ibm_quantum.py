"""Link to an IBM Quantum job on the IBM Quantum Platform workloads page."""

from __future__ import annotations

from urllib.parse import quote

from airflow_quantum.links.base import QuantumJobLink, emulator_job_url, on_vendor_host

PLATFORM = "https://quantum.cloud.ibm.com"
#: Domain of the Qiskit Runtime API in every region; any other runtime URL is the emulator.
IBM_DOMAINS = ("cloud.ibm.com",)


class IBMQuantumJobLink(QuantumJobLink):
    """Opens the IBM Quantum Platform "Workloads" page, filtered to the job."""

    name = "IBM Quantum job"


def ibm_job_url(job_id: str, runtime_url: str | None = None) -> str:
    """The workloads page searched for one job id (it lists the job; a click opens it).

    When ``runtime_url`` is not an IBM Cloud host (the local emulator), the emulator's own page
    of the job instead: the platform does not know emulated jobs.
    """
    if not on_vendor_host(runtime_url, IBM_DOMAINS):
        return emulator_job_url(str(runtime_url), job_id)
    return f"{PLATFORM}/workloads?search={quote(job_id, safe='')}"
