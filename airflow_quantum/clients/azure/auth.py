"""Azure Quantum credentials: Entra ID tokens (client secret, or azure-identity), or the API key.

Tokens go through the process-wide ``TOKEN_CACHE``: one token per service principal, shared by
every client and hook (sync and async), replaced at 80% of its lifetime and dropped after a 401.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from airflow_quantum.clients.auth import (
    Authenticator,
    BearerAuth,
    StaticHeaderAuth,
    Token,
    TokenCache,
    TokenSource,
    secret_fingerprint,
)
from airflow_quantum.clients.azure.credentials import (
    API_KEY_HEADER,
    QUANTUM_SCOPE,
    ApiKeyCredential,
    AzureIdentityCredential,
    ClientSecretCredential,
)
from airflow_quantum.clients.azure.settings import AzureQuantumSettings
from airflow_quantum.clients.errors import AuthenticationError, BadResponseError, QuantumAPIError
from airflow_quantum.clients.retries import RetryPolicy
from airflow_quantum.clients.transport import AsyncTransport, Request, SyncTransport, decode_json

ENTRA_VENDOR = "Entra ID"


class EntraClientSecretSource(TokenSource):
    """``POST {authority}/{tenant}/oauth2/v2.0/token`` with ``grant_type=client_credentials``."""

    def __init__(
        self,
        credential: ClientSecretCredential,
        *,
        scope: str = QUANTUM_SCOPE,
        verify: bool | str = True,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._credential = credential
        self.scope = scope
        self.verify = verify
        self.policy = policy or RetryPolicy()
        self._sync: SyncTransport | None = None
        self._key = "azure-entra:" + secret_fingerprint(
            credential.authority_host,
            credential.tenant_id,
            credential.client_id,
            credential.client_secret,
            scope,
        )

    @property
    def token_url(self) -> str:
        tenant = quote(self._credential.tenant_id, safe="")
        return f"{self._credential.authority_host}/{tenant}/oauth2/v2.0/token"

    @property
    def cache_key(self) -> str:
        return self._key

    def _request(self) -> Request:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._credential.client_id,
            "client_secret": self._credential.client_secret,
            "scope": self.scope,
        }
        return Request(
            "POST",
            self.token_url,
            content=urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            # Asking for a token has no side effect: safe to send again after any failure.
            idempotent=True,
            authenticated=False,
        )

    def fetch(self) -> Token:
        if self._sync is None:
            self._sync = SyncTransport(ENTRA_VENDOR, None, self.policy, verify=self.verify)
        request = self._request()
        try:
            response = self._sync.send(request)
        except QuantumAPIError as exc:
            raise _auth_error(exc) from exc
        return _token(decode_json(ENTRA_VENDOR, response.text, "POST", request.url))

    async def afetch(self) -> Token:
        # A short-lived client per fetch: tokens are fetched once per lifetime, and a client
        # kept here would be tied to the event loop of its first use.
        transport = AsyncTransport(ENTRA_VENDOR, None, self.policy, verify=self.verify)
        request = self._request()
        try:
            response = await transport.send(request)
            payload = decode_json(ENTRA_VENDOR, response.text, "POST", request.url)
        except QuantumAPIError as exc:
            raise _auth_error(exc) from exc
        finally:
            await transport.aclose()
        return _token(payload)

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()
            self._sync = None

    def __repr__(self) -> str:
        return (
            f"EntraClientSecretSource(tenant_id={self._credential.tenant_id!r}, "
            f"client_id={self._credential.client_id!r})"
        )


def _auth_error(exc: QuantumAPIError) -> QuantumAPIError:
    """OAuth2 refusals (4xx) become ``AuthenticationError`` with the AADSTS text."""
    if isinstance(exc, AuthenticationError) or exc.status in (None, 429) or exc.status >= 500:
        return exc
    return exc.reworded(
        AuthenticationError,
        f"the token request was refused: {exc.vendor_message}",
        vendor=ENTRA_VENDOR,
    )


def _token(payload: Any) -> Token:
    if not isinstance(payload, dict):
        raise BadResponseError("the token endpoint answered no JSON object", vendor=ENTRA_VENDOR)
    value = payload.get("access_token")
    if not isinstance(value, str) or not value:
        raise BadResponseError(
            "the token endpoint's answer has no access_token", vendor=ENTRA_VENDOR
        )
    token_type = payload.get("token_type", "Bearer")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise BadResponseError(
            f"the token endpoint issued a {token_type!r:.20} token, not a Bearer token",
            vendor=ENTRA_VENDOR,
        )
    lifetime = payload.get("expires_in", 3600)
    try:
        seconds = float(lifetime)
    except (TypeError, ValueError):
        raise BadResponseError(
            f"expires_in {lifetime!r:.20} is not a number", vendor=ENTRA_VENDOR
        ) from None
    if not 0 < seconds < 10**8:
        raise BadResponseError(f"expires_in {seconds} is out of range", vendor=ENTRA_VENDOR)
    return Token.from_lifetime(value, seconds)


def build_authenticator(
    settings: AzureQuantumSettings,
    *,
    policy: RetryPolicy | None = None,
    cache: TokenCache | None = None,
) -> Authenticator:
    """The authenticator for the settings' credential."""
    credential = settings.credential
    if isinstance(credential, ApiKeyCredential):
        return StaticHeaderAuth(API_KEY_HEADER, credential.api_key)
    if isinstance(credential, AzureIdentityCredential):
        from airflow_quantum.clients.azure.identity import AzureIdentitySource

        return BearerAuth(AzureIdentitySource(credential), cache)
    source = EntraClientSecretSource(credential, verify=settings.verify, policy=policy)
    return BearerAuth(source, cache)
