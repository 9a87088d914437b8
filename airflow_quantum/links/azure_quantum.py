"""Link to an Azure Quantum job in the Azure portal."""

from __future__ import annotations

from urllib.parse import quote

from airflow_quantum.links.base import QuantumJobLink

PORTAL = "https://portal.azure.com"


class AzureQuantumJobLink(QuantumJobLink):
    """Opens the job in the workspace's "Job management" blade of the Azure portal."""

    name = "Azure Quantum job"


def azure_job_url(
    subscription_id: str, resource_group: str, workspace: str, job_id: str, tenant_id: str = ""
) -> str:
    """The portal URL of one job of a workspace (its "Job management" blade, job selected).

    The same form as the Quantum Development Kit's job links:
    ``https://portal.azure.com/#@{tenant}/resource/subscriptions/{sub}/resourceGroups/{rg}/
    providers/Microsoft.Quantum/Workspaces/{ws}/job_management?microsoft_azure_quantum_jobid={id}``
    (``@{tenant}`` only when the connection names one).
    """
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
