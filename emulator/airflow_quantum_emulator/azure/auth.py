"""Authentication: the emulated Entra ID token endpoint and the checks on workspace calls.

Workspace calls authenticate with the workspace API key (``x-ms-quantum-api-key``) or with a
bearer token issued by ``POST /{tenant}/oauth2/v2.0/token`` (client credentials, with a client
secret or a federated client assertion as workload identity sends). MSAL-based clients first
read ``GET /{tenant}/v2.0/.well-known/openid-configuration``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from airflow_quantum_emulator.azure.store import AzureStore
from airflow_quantum_emulator.clock import iso_utc
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.state import EmulatorState
from airflow_quantum_emulator.tokens import TokenCheck

#: The resource whose ``/.default`` scope the official client asks for.
QUANTUM_RESOURCE = "https://quantum.microsoft.com"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: The audience of federated tokens exchanged with Entra ID (workload identity).
FEDERATED_AUDIENCE = "api://AzureADTokenExchange"


@dataclass(frozen=True)
class Principal:
    """Who made a workspace call (the ``createdBy`` of what it creates)."""

    name: str
    kind: str


def build_entra_router(state: EmulatorState, store: AzureStore) -> APIRouter:
    """``POST /{tenant}/oauth2/v2.0/token``: client-credentials tokens for any tenant."""
    router = APIRouter(tags=["azure entra id"])

    @router.get("/{tenant}/v2.0/.well-known/openid-configuration")
    async def openid_configuration(request: Request, tenant: str) -> JSONResponse:
        base = f"{str(request.base_url).rstrip('/')}/{tenant}"
        return JSONResponse(
            {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "response_types_supported": ["code", "id_token", "code id_token", "token"],
                "grant_types_supported": ["client_credentials"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "client_secret_basic",
                    "private_key_jwt",
                ],
            }
        )

    @router.post("/{tenant}/oauth2/v2.0/token")
    async def token(request: Request, tenant: str) -> JSONResponse:
        form = _form(await request.body(), request.headers.get("content-type", ""))
        grant_type = _one(form, "grant_type")
        if grant_type is None:
            raise _entra(
                400, "The request body must contain the following parameter: 'grant_type'."
            )
        if grant_type != "client_credentials":
            raise _entra(
                400,
                f"The provided grant_type {grant_type!r} is not supported; "
                "this endpoint issues tokens for client_credentials only.",
                "unsupported_grant_type",
            )
        client_id, client_secret = _client_credentials(request, form)
        if not client_id:
            raise _entra(400, "The request body must contain the following parameter: 'client_id'.")
        scope = _one(form, "scope")
        if scope is None:
            raise _entra(400, "The request body must contain the following parameter: 'scope'.")
        _check_scope(scope)
        assertion = _one(form, "client_assertion")
        if assertion is not None:
            _check_assertion(_one(form, "client_assertion_type"), assertion)
        elif client_secret is None:
            raise _entra(
                401,
                "The request body must contain the following parameter: 'client_assertion' or "
                "'client_secret'.",
                "invalid_client",
            )
        elif not hmac.compare_digest(
            client_secret.encode(), state.config.azure_client_secret.encode()
        ):
            raise _entra(
                401,
                f"Invalid client secret provided. Ensure the secret being sent in the request is "
                f"the client secret value, not the client secret ID, for a secret added to app "
                f"'{client_id}'.",
                "invalid_client",
            )
        lifetime = state.config.azure_token_lifetime
        issued = state.tokens.issue("azure", client_id, state.now(), lifetime)
        store.token_subjects[issued.token] = client_id
        state.stats.token_issued("azure")
        seconds = max(1, int(lifetime))
        return JSONResponse(
            {
                "token_type": "Bearer",
                "expires_in": seconds,
                "ext_expires_in": seconds,
                "access_token": issued.token,
            },
            headers={"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"},
        )

    return router


def authenticate(request: Request, state: EmulatorState, store: AzureStore) -> Principal:
    """The caller of a workspace route, or the 401 the service answers.

    The service's 401 has an empty body and ``WWW-Authenticate: Bearer error="invalid_token"``
    (``errors``); the code and message here only go to the emulator's log.
    """
    api_key = request.headers.get("x-ms-quantum-api-key")
    if api_key is not None:
        if hmac.compare_digest(api_key.encode(), state.config.azure_api_key.encode()):
            return Principal("ApiKey", "Key")
        raise VendorError(
            401,
            "The workspace API key in x-ms-quantum-api-key is not valid for this workspace.",
            "AuthenticationFailed",
        )
    header = request.headers.get("authorization")
    if not header:
        raise VendorError(
            401,
            "Authentication failed. The 'Authorization' header is missing; send a bearer token "
            "or the workspace API key in x-ms-quantum-api-key.",
            "AuthenticationFailed",
        )
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise VendorError(
            401,
            "Authentication failed. The 'Authorization' header must be 'Bearer <access token>'.",
            "InvalidAuthenticationToken",
        )
    now = state.now()
    check = state.tokens.check("azure", token, now)
    if check is TokenCheck.EXPIRED:
        raise VendorError(
            401,
            f"The access token expired before {iso_utc(now, 0)}; get a new one and retry.",
            "ExpiredAuthenticationToken",
        )
    if check is not TokenCheck.VALID:
        raise VendorError(
            401,
            "The access token is invalid: it was not issued by this service's token endpoint.",
            "InvalidAuthenticationToken",
        )
    return Principal(store.token_subjects.get(token, "unknown"), "Application")


def _form(body: bytes, content_type: str) -> dict[str, list[str]]:
    if "application/x-www-form-urlencoded" not in content_type.lower() and body.lstrip()[:1] in (
        b"{",
        b"[",
    ):
        raise _entra(
            400,
            "The request body must be application/x-www-form-urlencoded, not JSON.",
        )
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise _entra(400, "The request body is not valid UTF-8 form data.") from None


def _one(form: dict[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise _entra(400, f"The parameter '{name}' is duplicated in the request body.")
    return values[0]


def _client_credentials(
    request: Request, form: dict[str, list[str]]
) -> tuple[str | None, str | None]:
    """client_id/client_secret from the form, or from HTTP Basic auth (client_secret_basic)."""
    client_id, client_secret = _one(form, "client_id"), _one(form, "client_secret")
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise _entra(400, "The Basic authorization header is not valid base64.") from None
        basic_id, _, basic_secret = decoded.partition(":")
        client_id = client_id or basic_id
        client_secret = client_secret if client_secret is not None else basic_secret
    return client_id, client_secret


def _check_assertion(assertion_type: str | None, assertion: str) -> None:
    """A federated token (workload identity): a JWT for Entra's token exchange, not expired.

    Any issuer and subject are trusted (a real app lists them as federated credentials); the
    signature is not checked.
    """
    if assertion_type != JWT_BEARER:
        raise _entra(400, f"client_assertion_type must be {JWT_BEARER}.")
    try:
        payload = assertion.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        raise _entra(400, "The client assertion is not a JWT.", "invalid_client") from None
    if not isinstance(claims, dict) or not all(
        isinstance(claims.get(name), str) and claims[name] for name in ("iss", "sub")
    ):
        raise _entra(400, "The client assertion has no iss or sub claim.", "invalid_client")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if FEDERATED_AUDIENCE not in audiences:
        raise _entra(
            401,
            f"No matching federated identity record found for presented assertion audience "
            f"{audience!r}; expected {FEDERATED_AUDIENCE}.",
            "invalid_client",
        )
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires <= time.time():
        raise _entra(401, "The client assertion is expired or has no exp claim.", "invalid_client")


def _check_scope(scope: str) -> None:
    items = scope.split()
    if not items:
        raise _entra(400, "The scope parameter is empty.", "invalid_scope")
    for item in items:
        if not item.endswith("/.default"):
            raise _entra(
                400,
                f"The provided value for scope {item} is not valid. Client credential flows must "
                f"have a scope value with /.default suffixed to the resource identifier "
                f"(application ID URI), e.g. {QUANTUM_RESOURCE}/.default.",
                "invalid_scope",
            )


def _entra(status: int, message: str, code: str = "invalid_request") -> VendorError:
    return VendorError(status, message, code)
