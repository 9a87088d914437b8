"""Which credential an Azure Quantum connection gives, checked: a service principal's client
secret (Entra ID client credentials), the workspace API key, or an azure-identity credential
(managed identity, workload identity, environment, Azure CLI, or the DefaultAzureCredential
chain; the ``azure`` extra). No message ever repeats a secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.util import find_spec
from typing import Any, ClassVar

from airflow_quantum.clients.config import given
from airflow_quantum.clients.errors import ConfigurationError, MissingExtraError
from airflow_quantum.clients.transport import check_secure_url

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
#: The scope of Azure Quantum bearer tokens.
QUANTUM_SCOPE = "https://quantum.microsoft.com/.default"
API_KEY_HEADER = "x-ms-quantum-api-key"


@dataclass(frozen=True)
class ClientSecretCredential:
    """An Entra ID service principal: tenant, application (client) id and client secret."""

    tenant_id: str
    client_id: str
    client_secret: str = field(repr=False)
    authority_host: str = DEFAULT_AUTHORITY_HOST
    kind: ClassVar[str] = "client_secret"

    def __repr__(self) -> str:
        return (
            f"ClientSecretCredential(tenant_id={self.tenant_id!r}, client_id={self.client_id!r}, "
            f"client_secret=***, authority_host={self.authority_host!r})"
        )


@dataclass(frozen=True)
class ApiKeyCredential:
    """The workspace API key, sent as ``x-ms-quantum-api-key``."""

    api_key: str = field(repr=False)
    kind: ClassVar[str] = "api_key"

    def __repr__(self) -> str:
        return "ApiKeyCredential(api_key=***)"


#: azure-identity credentials a connection can choose with ``credential``.
IDENTITY_METHODS = ("default", "managed_identity", "workload_identity", "environment", "azure_cli")


@dataclass(frozen=True)
class AzureIdentityCredential:
    """A credential of the ``azure-identity`` package, chosen by ``method``.

    ``client_id`` is a user-assigned managed identity's client id or the workload identity's
    application id; ``tenant_id``, ``client_id`` and ``token_file`` default to azure-identity's
    environment variables (``AZURE_TENANT_ID``, ``AZURE_CLIENT_ID``,
    ``AZURE_FEDERATED_TOKEN_FILE``). No secret is held here.
    """

    method: str
    tenant_id: str | None = None
    client_id: str | None = None
    authority_host: str | None = None
    token_file: str | None = None

    @property
    def kind(self) -> str:
        return self.method


Credential = ClientSecretCredential | ApiKeyCredential | AzureIdentityCredential


def required(value: Any, name: str) -> str:
    if not given(value):
        raise ConfigurationError(f"{name} is required")
    if not isinstance(value, str):
        raise ConfigurationError(f"{name} must be a string, got {type(value).__name__}")
    return value.strip()


def secret_or_key(
    tenant_id: Any,
    client_id: Any,
    client_secret: Any,
    authority_host: Any,
    api_key: Any,
    insecure: bool,
) -> Credential:
    has_secret = given(client_secret)
    has_key = given(api_key)
    if has_secret and has_key:
        raise ConfigurationError(
            "both a client secret (password) and api_key are set; keep only one credential"
        )
    if has_key:
        if not isinstance(api_key, str):
            raise ConfigurationError("api_key must be a string")
        return ApiKeyCredential(api_key.strip())
    if not has_secret:
        raise ConfigurationError(
            "no credential: set a client secret (password) with client_id (login) and "
            "tenant_id, or api_key, or connection_string"
        )
    if not isinstance(client_secret, str):
        raise ConfigurationError("the client secret must be a string")
    tenant = required(tenant_id, "tenant_id")
    client = required(client_id, "client_id (the connection's login)")
    for name, value in (("tenant_id", tenant), ("client_id", client)):
        if set(value) & set("/?#"):
            raise ConfigurationError(f"{name} {value!r} may not contain '/', '?' or '#'")
    authority = str(authority_host).strip() if given(authority_host) else DEFAULT_AUTHORITY_HOST
    authority = check_secure_url(authority, allow_insecure_http=insecure, what="authority_host")
    return ClientSecretCredential(tenant, client, client_secret, authority)


def identity(
    method: Any,
    tenant_id: Any,
    client_id: Any,
    client_secret: Any,
    authority_host: Any,
    api_key: Any,
    token_file: Any,
    insecure: bool,
) -> AzureIdentityCredential:
    if not isinstance(method, str) or method.strip().lower() not in IDENTITY_METHODS:
        raise ConfigurationError(
            f"credential {str(method)[:40]!r} is not one of {', '.join(IDENTITY_METHODS)}"
        )
    method = method.strip().lower()
    if given(client_secret) or given(api_key):
        raise ConfigurationError(
            f"credential {method!r} takes no client secret (password) or api_key; "
            "keep only one credential"
        )
    if find_spec("azure") is None or find_spec("azure.identity") is None:
        raise MissingExtraError(f"credential {method!r}", "azure", "azure-identity")
    values = {}
    optional = {"tenant_id": tenant_id, "client_id": client_id, "token_file": token_file}
    for name, value in optional.items():
        if given(value):
            if not isinstance(value, str):
                raise ConfigurationError(f"{name} must be a string")
            values[name] = value.strip()
    authority = None
    if given(authority_host):
        authority = check_secure_url(
            str(authority_host).strip(), allow_insecure_http=insecure, what="authority_host"
        )
    return AzureIdentityCredential(method, authority_host=authority, **values)
