"""Link to an Azure Quantum job in the Azure portal."""

from __future__ import annotations

from urllib.parse import quote

from airflow_quantum.links.base import QuantumJobLink, emulator_job_url, on_vendor_host

PORTAL = "https://portal.azure.com"
#: Domains of the Azure Quantum endpoints (public and sovereign clouds): the portal knows their
#: jobs. Any other endpoint is taken for the emulator.
AZURE_DOMAINS = ("azure.com", "azure.us", "azure.cn")


class AzureQuantumJobLink(QuantumJobLink):
    """Opens the job in the workspace's "Job management" blade of the Azure portal."""

    name = "Azure Quantum job"


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
        f"{PORTAL}/#{tenant}/resource{resource}/job_management"
        f"?microsoft_azure_quantum_jobid={quote(job_id, safe='')}"
    )
