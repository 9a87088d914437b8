"""Bearer tokens from the ``azure-identity`` package (the ``azure`` extra).

``AzureIdentitySource`` adapts one azure-identity credential (managed identity, workload
identity, environment, Azure CLI, or the ``DefaultAzureCredential`` chain) to the provider's
``TokenSource``: its tokens go through the process-wide ``TOKEN_CACHE`` like client-secret
tokens, so azure-identity is asked once per token lifetime, not once per request.

The async side runs the *sync* credential in a worker thread (``asyncio.to_thread``) rather than
using ``azure.identity.aio``: that needs aiohttp, and its credentials hold a session bound to the
event loop they were first used on. A token is fetched once per lifetime, so a thread hop per
fetch costs nothing, and the triggerer's loop never blocks (the Azure CLI credential even runs a
subprocess).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from airflow_quantum.clients.auth import Token, TokenSource, secret_fingerprint
from airflow_quantum.clients.azure.credentials import QUANTUM_SCOPE, AzureIdentityCredential
from airflow_quantum.clients.errors import AuthenticationError, BadResponseError

IDENTITY_VENDOR = "Entra ID (azure-identity)"
#: Authority hosts Microsoft's instance discovery knows (azure-identity's public constants).
_MICROSOFT_AUTHORITIES = frozenset(
    {"login.microsoftonline.com", "login.chinacloudapi.cn", "login.microsoftonline.us"}
)
#: azure-core logs every request and response header at INFO: too chatty for task logs.
_HTTP_LOGGER = "azure.core.pipeline.policies.http_logging_policy"


def build_identity_credential(settings: AzureIdentityCredential) -> Any:
    """The azure-identity credential object for ``settings.method``."""
    import azure.identity as identity

    http_logger = logging.getLogger(_HTTP_LOGGER)
    if http_logger.level == logging.NOTSET:  # unless the deployment configured it
        http_logger.setLevel(logging.WARNING)
    common: dict[str, Any] = {}
    if settings.authority_host:
        common["authority"] = settings.authority_host
        host = (urlsplit(settings.authority_host).hostname or "").lower()
        if host not in _MICROSOFT_AUTHORITIES:
            # Instance discovery asks login.microsoftonline.com about the authority: a private
            # cloud, Azure Stack or the emulator is unknown there (or it is unreachable).
            common["disable_instance_discovery"] = True
    method = settings.method
    if method == "managed_identity":
        return identity.ManagedIdentityCredential(client_id=settings.client_id)
    if method == "workload_identity":
        return identity.WorkloadIdentityCredential(
            tenant_id=settings.tenant_id,
            client_id=settings.client_id,
            token_file_path=settings.token_file,
            **common,
        )
    if method == "environment":
        return identity.EnvironmentCredential(**common)
    if method == "azure_cli":
        return identity.AzureCliCredential(tenant_id=settings.tenant_id or "")
    chain: dict[str, Any] = dict(common)
    if settings.client_id:
        chain["managed_identity_client_id"] = settings.client_id
        chain["workload_identity_client_id"] = settings.client_id
    if settings.tenant_id:
        chain["workload_identity_tenant_id"] = settings.tenant_id
    return identity.DefaultAzureCredential(**chain)


class AzureIdentitySource(TokenSource):
    """Tokens for the Azure Quantum scope from an azure-identity credential (built lazily)."""

    def __init__(self, settings: AzureIdentityCredential, *, scope: str = QUANTUM_SCOPE) -> None:
        self.settings = settings
        self.scope = scope
        self._credential: Any = None
        self._lock = threading.Lock()
        self._key = "azure-identity:" + secret_fingerprint(
            settings.method,
            settings.tenant_id or "",
            settings.client_id or "",
            settings.authority_host or "",
            settings.token_file or "",
            scope,
        )

    @property
    def cache_key(self) -> str:
        return self._key

    def _identity(self) -> Any:
        with self._lock:
            if self._credential is None:
                self._credential = build_identity_credential(self.settings)
            return self._credential

    def fetch(self) -> Token:
        from azure.core.exceptions import ClientAuthenticationError

        try:
            access = self._identity().get_token(self.scope)
        except ClientAuthenticationError as exc:
            raise AuthenticationError(
                f"azure-identity {self.settings.method} credential: {exc.message}",
                vendor=IDENTITY_VENDOR,
            ) from None
        lifetime = access.expires_on - time.time()
        if not access.token or lifetime <= 0:
            raise BadResponseError(
                f"azure-identity {self.settings.method} credential gave an expired or empty token",
                vendor=IDENTITY_VENDOR,
            )
        return Token.from_lifetime(access.token, lifetime)

    async def afetch(self) -> Token:
        return await asyncio.to_thread(self.fetch)

    def close(self) -> None:
        with self._lock:
            if self._credential is not None:
                self._credential.close()
                self._credential = None

    def __repr__(self) -> str:
        return f"AzureIdentitySource(method={self.settings.method!r})"
