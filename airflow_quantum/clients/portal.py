"""Where a person sees a job: its page in the vendor's portal, or the emulator's own page.

An endpoint on a vendor's domains gets the portal's page of the job; any other endpoint is
taken for the local emulator, whose pages the portal does not know.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

#: The emulator's read-only page of one job (``airflow_quantum_emulator.pages`` serves it).
EMULATOR_JOB_PAGE = "/_emulator/jobs/{job_id}/page"


def on_vendor_host(url: str | None, domains: tuple[str, ...]) -> bool:
    """Whether ``url`` is a host of one of the vendor's ``domains`` (or no URL: the default)."""
    if not url:
        return True
    host = (urlsplit(url).hostname or "").lower()
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def emulator_job_url(service_url: str, job_id: str) -> str:
    """The emulator's own page of a job, on the host and port ``service_url`` points at."""
    parts = urlsplit(service_url)
    page = EMULATOR_JOB_PAGE.format(job_id=quote(job_id, safe=""))
    return f"{parts.scheme}://{parts.netloc}{page}"


AZURE_PORTAL = "https://portal.azure.com"
#: Domains of the Azure Quantum endpoints (public and sovereign clouds): the portal knows their
#: jobs. Any other endpoint is taken for the emulator.
AZURE_DOMAINS = ("azure.com", "azure.us", "azure.cn")


def azure_job_url(
    subscription_id: str,
    resource_group: str,
    workspace: str,
    job_id: str,
    tenant_id: str = "",
    endpoint: str | None = None,
) -> str:
    """The portal URL of one job of a workspace (its "Job management" blade, job selected).

    When ``endpoint`` is not an Azure host (the local emulator), the emulator's own page of
    the job instead: the portal does not know emulated jobs.

    The same form as the Quantum Development Kit's job links:
    ``https://portal.azure.com/#@{tenant}/resource/subscriptions/{sub}/resourceGroups/{rg}/
    providers/Microsoft.Quantum/Workspaces/{ws}/job_management?microsoft_azure_quantum_jobid={id}``
    (``@{tenant}`` only when the connection names one).
    """
    if not on_vendor_host(endpoint, AZURE_DOMAINS):
        return emulator_job_url(str(endpoint), job_id)
    tenant = f"@{quote(tenant_id, safe='')}" if tenant_id else ""
    resource = (
        f"/subscriptions/{quote(subscription_id, safe='')}"
        f"/resourceGroups/{quote(resource_group, safe='')}"
        f"/providers/Microsoft.Quantum/Workspaces/{quote(workspace, safe='')}"
    )
    return (
        f"{AZURE_PORTAL}/#{tenant}/resource{resource}/job_management"
        f"?microsoft_azure_quantum_jobid={quote(job_id, safe='')}"
    )


IBM_PLATFORM = "https://quantum.cloud.ibm.com"
#: Domain of the Qiskit Runtime API in every region; any other runtime URL is the emulator.
IBM_DOMAINS = ("cloud.ibm.com",)


def ibm_job_url(job_id: str, runtime_url: str | None = None) -> str:
    """The workloads page searched for one job id (it lists the job; a click opens it).

    When ``runtime_url`` is not an IBM Cloud host (the local emulator), the emulator's own page
    of the job instead: the platform does not know emulated jobs.
    """
    if not on_vendor_host(runtime_url, IBM_DOMAINS):
        return emulator_job_url(str(runtime_url), job_id)
    return f"{IBM_PLATFORM}/workloads?search={quote(job_id, safe='')}"


#: Domain of the Braket endpoints; any other endpoint is the emulator.
AWS_DOMAINS = ("amazonaws.com", "amazonaws.com.cn")


def braket_job_url(task_arn: str, region: str, endpoint: str | None = None) -> str:
    """The Braket console's page of a quantum task (in its region).

    When ``endpoint`` is not an AWS host (the local emulator), the emulator's own page of the
    task instead: the console does not know emulated tasks.
    """
    if not on_vendor_host(endpoint, AWS_DOMAINS):
        # The emulator knows a task by its id, the last part of its ARN.
        return emulator_job_url(str(endpoint), task_arn.rsplit("/", 1)[-1])
    return (
        f"https://{region}.console.aws.amazon.com/braket/home?region={region}"
        f"#/tasks/{quote(task_arn, safe='')}"
    )
