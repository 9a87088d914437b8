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
    """The portal URL of one job of a workspace."""
    tenant = f"@{quote(tenant_id)}" if tenant_id else ""
    resource = (
        f"/subscriptions/{quote(subscription_id)}/resourceGroups/{quote(resource_group)}"
        f"/providers/Microsoft.Quantum/Workspaces/{quote(workspace)}"
    )
    return f"{PORTAL}/#{tenant}/resource{resource}/jobs/{quote(job_id)}"
