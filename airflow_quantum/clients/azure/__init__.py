"""Azure Quantum data-plane client (no Airflow imports): settings, auth, models, the prepared
job, the protocol (every operation once), storage, inputs, result decoding, and the sync and
async clients."""

from airflow_quantum.clients.azure.client import AsyncAzureQuantumClient, AzureQuantumClient
from airflow_quantum.clients.azure.credentials import ApiKeyCredential, ClientSecretCredential
from airflow_quantum.clients.azure.models import (
    CostEstimate,
    ErrorData,
    JobDetails,
    ProviderStatus,
    Quota,
    SessionDetails,
    TargetStatus,
)
from airflow_quantum.clients.azure.prepared import AzurePreparedJob
from airflow_quantum.clients.azure.settings import (
    DEFAULT_API_VERSION,
    AzureQuantumSettings,
    parse_connection_string,
)
from airflow_quantum.clients.azure.workspace import AZURE_RETRY_POLICY

__all__ = [
    "AZURE_RETRY_POLICY",
    "DEFAULT_API_VERSION",
    "ApiKeyCredential",
    "AsyncAzureQuantumClient",
    "AzurePreparedJob",
    "AzureQuantumClient",
    "AzureQuantumSettings",
    "ClientSecretCredential",
    "CostEstimate",
    "ErrorData",
    "JobDetails",
    "ProviderStatus",
    "Quota",
    "SessionDetails",
    "TargetStatus",
    "parse_connection_string",
]
