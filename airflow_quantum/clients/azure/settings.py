"""Where an Azure Quantum workspace lives and how to authenticate to it: ``AzureQuantumSettings``,
from plain values (no Airflow here) or from a workspace connection string
(``SubscriptionId=..;ResourceGroupName=..;WorkspaceName=..;ApiKey=..;QuantumEndpoint=..;``).

Every check raises ``ConfigurationError`` naming the field; no message ever repeats a secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from airflow_quantum.clients.azure import credentials
from airflow_quantum.clients.azure.credentials import Credential
from airflow_quantum.clients.config import given, parse_bool, parse_verify
from airflow_quantum.clients.errors import ConfigurationError
from airflow_quantum.clients.transport import check_secure_url

#: The newest data-plane api-version; older ones can be configured.
DEFAULT_API_VERSION = "2026-01-15-preview"

_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")
_LOCATION = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_ENDPOINT_HOST = re.compile(r"^(?P<location>[a-z0-9-]+?)(?:-v2)?\.quantum\.azure\.com$")

#: Connection-string keys (matched in any case) -> settings field.
CONNECTION_STRING_KEYS = {
    "SubscriptionId": "subscription_id",
    "ResourceGroupName": "resource_group",
    "WorkspaceName": "workspace",
    "ApiKey": "api_key",
    "QuantumEndpoint": "endpoint",
}
_KEY_OF = {key.lower(): key for key in CONNECTION_STRING_KEYS}


@dataclass(frozen=True)
class AzureQuantumSettings:
    """A workspace, its endpoint, and the credential to call it with.

    Build it with ``AzureQuantumSettings.create(...)`` (checks everything and derives the
    endpoint from the location) or ``from_connection_string(...)``.
    """

    subscription_id: str
    resource_group: str
    workspace: str
    endpoint: str
    credential: Credential
    location: str | None = None
    api_version: str = DEFAULT_API_VERSION
    verify: bool | str = True
    allow_insecure_http: bool = False

    @classmethod
    def create(
        cls,
        *,
        subscription_id: str | None,
        resource_group: str | None,
        workspace: str | None,
        location: str | None = None,
        endpoint: str | None = None,
        tenant_id: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        authority_host: str | None = None,
        api_key: str | None = None,
        api_version: str | None = None,
        verify: bool | str | None = True,
        allow_insecure_http: bool | str | None = False,
        credential: str | None = None,
        token_file: str | None = None,
    ) -> AzureQuantumSettings:
        """Check every value and build the settings; ``ConfigurationError`` names what is wrong.

        ``credential`` picks an azure-identity credential (one of ``IDENTITY_METHODS``) instead
        of a client secret or an API key.
        """
        insecure = parse_bool(allow_insecure_http, "allow_insecure_http", default=False)
        checked_verify = parse_verify(verify)
        given_coordinates = {
            "subscription_id": subscription_id,
            "resource_group": resource_group,
            "workspace": workspace,
        }
        coordinates = {k: credentials.required(v, k) for k, v in given_coordinates.items()}
        for name, value in coordinates.items():
            if "/" in value or any(ch.isspace() for ch in value):
                raise ConfigurationError(f"{name} {value!r} may not contain '/' or whitespace")
        normalized_location = normalize_location(location) if given(location) else None
        if given(endpoint):
            base = check_secure_url(
                str(endpoint).strip(), allow_insecure_http=insecure, what="endpoint"
            )
            if urlsplit(base).query or urlsplit(base).fragment:
                raise ConfigurationError("endpoint may not carry a query or fragment")
        elif normalized_location:
            base = f"https://{normalized_location}.quantum.azure.com"
        else:
            raise ConfigurationError(
                "location is required (it sets the endpoint https://{location}.quantum.azure.com);"
                " or give endpoint"
            )
        if normalized_location is None:
            normalized_location = location_of_endpoint(base)
        version = (str(api_version).strip() if given(api_version) else "") or DEFAULT_API_VERSION
        if not _API_VERSION.match(version):
            raise ConfigurationError(
                f"api_version {version!r} is not a data-plane version such as "
                f"{DEFAULT_API_VERSION!r}"
            )
        secrets = (tenant_id, client_id, client_secret, authority_host, api_key)
        if given(credential):
            chosen: Credential = credentials.identity(credential, *secrets, token_file, insecure)
        else:
            chosen = credentials.secret_or_key(*secrets, insecure)
        return cls(
            **coordinates,
            endpoint=base,
            credential=chosen,
            location=normalized_location,
            api_version=version,
            verify=checked_verify,
            allow_insecure_http=insecure,
        )

    @classmethod
    def from_connection_string(
        cls,
        connection_string: str,
        *,
        api_version: str | None = None,
        verify: bool | str | None = True,
        allow_insecure_http: bool | str | None = False,
    ) -> AzureQuantumSettings:
        """Settings from a workspace connection string (API-key authentication)."""
        values = parse_connection_string(connection_string)
        return cls.create(
            subscription_id=values["subscription_id"],
            resource_group=values["resource_group"],
            workspace=values["workspace"],
            endpoint=values["endpoint"],
            api_key=values["api_key"],
            api_version=api_version,
            verify=verify,
            allow_insecure_http=allow_insecure_http,
        )

    @property
    def workspace_url(self) -> str:
        """``{endpoint}/subscriptions/../resourceGroups/../providers/Microsoft.Quantum/workspaces/..``."""
        return (
            f"{self.endpoint}/subscriptions/{quote(self.subscription_id, safe='')}"
            f"/resourceGroups/{quote(self.resource_group, safe='')}"
            f"/providers/Microsoft.Quantum/workspaces/{quote(self.workspace, safe='')}"
        )

    @property
    def auth_kind(self) -> str:
        """``client_secret``, ``api_key`` or an azure-identity method (``managed_identity``...)."""
        return self.credential.kind

    def describe(self) -> str:
        """A one-line, secret-free description (for logs and test_connection)."""
        return (
            f"workspace {self.workspace!r} (resource group {self.resource_group!r}, subscription "
            f"{self.subscription_id!r}) at {self.endpoint} with {self.auth_kind.replace('_', ' ')}"
        )


def normalize_location(location: Any) -> str:
    """``"East US"`` -> ``"eastus"`` (the official client does the same)."""
    if not isinstance(location, str):
        raise ConfigurationError(f"location must be a string, got {type(location).__name__}")
    text = re.sub(r"\s+", "", location).lower()
    if not _LOCATION.match(text):
        raise ConfigurationError(f"location {location!r} is not an Azure region such as 'eastus'")
    return text


def location_of_endpoint(endpoint: str) -> str | None:
    """The region of ``https://{location}[-v2].quantum.azure.com`` (None for other hosts)."""
    match = _ENDPOINT_HOST.match(urlsplit(endpoint).hostname or "")
    return match.group("location") if match else None


def parse_connection_string(text: Any) -> dict[str, str]:
    """The fields of a workspace connection string.

    Tolerant of order, case of the keys, whitespace, a missing trailing ``;`` and ``=`` inside
    values (base64 keys end with ``=``); unknown keys are ignored. A missing key raises
    ``ConfigurationError`` naming it (and never echoing the API key).
    """
    if not isinstance(text, str) or not text.strip():
        raise ConfigurationError("connection_string is empty")
    values: dict[str, str] = {}
    for position, segment in enumerate(text.split(";"), start=1):
        segment = segment.strip()
        if not segment:
            continue
        key, sep, value = segment.partition("=")
        if not sep:
            raise ConfigurationError(
                f"connection_string segment {position} is not Key=Value "
                "(expected SubscriptionId=..;ResourceGroupName=..;WorkspaceName=..;ApiKey=..;"
                "QuantumEndpoint=..;)"
            )
        canonical = _KEY_OF.get(key.strip().lower())
        if canonical is None:
            continue
        name = CONNECTION_STRING_KEYS[canonical]
        if name in values:
            raise ConfigurationError(f"connection_string sets {canonical} twice")
        values[name] = value.strip()
    missing = [key for key, name in CONNECTION_STRING_KEYS.items() if not values.get(name)]
    if missing:
        raise ConfigurationError(f"connection_string is missing {', '.join(missing)}")
    return values
