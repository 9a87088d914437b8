"""The managed-identity endpoint of Azure App Service / Functions, as azure-identity calls it.

A process with a managed identity finds ``IDENTITY_ENDPOINT`` and ``IDENTITY_HEADER`` in its
environment and asks ``GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=...`` with the
header ``X-IDENTITY-HEADER: {IDENTITY_HEADER}``; a user-assigned identity adds ``client_id``,
``object_id`` or ``mi_res_id``. The answer carries ``expires_on`` in epoch seconds (wall clock:
clients compare it with theirs). Errors are ``{"statusCode", "message", "correlationId"}``.

Point ``IDENTITY_ENDPOINT`` at ``{emulator}/msi/token`` and ``IDENTITY_HEADER`` at the
configured ``azure_identity_header`` (``local-emulator-key``); its tokens open every workspace
route.
"""

from __future__ import annotations

import hmac
import time

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from airflow_quantum_emulator.azure.auth import QUANTUM_RESOURCE
from airflow_quantum_emulator.azure.store import AzureStore
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.state import EmulatorState

API_VERSION = "2019-08-01"
#: The system-assigned identity's client id in tokens (user-assigned ones use their own id).
SYSTEM_IDENTITY = "00000000-0000-0000-0000-00000000a11d"
_USER_ASSIGNED = ("client_id", "object_id", "mi_res_id")


def build_managed_identity_router(state: EmulatorState, store: AzureStore) -> APIRouter:
    """``GET /msi/token``: App Service managed-identity tokens for the quantum resource."""
    router = APIRouter(tags=["azure managed identity"])

    @router.get("/msi/token")
    async def token(request: Request) -> JSONResponse:
        header = request.headers.get("x-identity-header")
        if header is None:
            raise VendorError(400, "The X-IDENTITY-HEADER header is missing.")
        if not hmac.compare_digest(header.encode(), state.config.azure_identity_header.encode()):
            raise VendorError(401, "The X-IDENTITY-HEADER value does not match IDENTITY_HEADER.")
        query = request.query_params
        if query.get("api-version") != API_VERSION:
            raise VendorError(
                400, f"api-version must be {API_VERSION}, got {query.get('api-version')!r}."
            )
        resource = (query.get("resource") or "").rstrip("/")
        if not resource:
            raise VendorError(400, "The resource query parameter is required.")
        if resource != QUANTUM_RESOURCE:
            raise VendorError(
                400, f"No token for resource {resource!r}: this emulator serves {QUANTUM_RESOURCE}."
            )
        chosen = [name for name in _USER_ASSIGNED if query.get(name)]
        if len(chosen) > 1:
            raise VendorError(400, f"Give only one of {', '.join(_USER_ASSIGNED)}.")
        identity = query.get(chosen[0]) if chosen else SYSTEM_IDENTITY
        lifetime = state.config.azure_token_lifetime
        issued = state.tokens.issue("azure", identity, state.now(), lifetime)
        store.token_subjects[issued.token] = identity
        state.stats.token_issued("azure")
        return JSONResponse(
            {
                "access_token": issued.token,
                "expires_on": str(int(time.time() + lifetime)),
                "resource": query.get("resource"),
                "token_type": "Bearer",
                "client_id": identity,
            }
        )

    return router
