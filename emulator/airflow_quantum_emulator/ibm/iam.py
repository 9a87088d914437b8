"""IBM Cloud IAM: ``POST /identity/token`` exchanges an API key for a bearer token."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request

from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.state import EmulatorState

APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey"

#: The identity tokens are issued to (IAM's ``sub`` for an API key of a service id).
SUBJECT = "iam-ServiceId-emulator"


def build_iam_router(state: EmulatorState) -> APIRouter:
    """The IAM token route, bound to ``state``."""
    router = APIRouter(tags=["IBM Cloud IAM"])

    @router.post("/identity/token")
    async def issue_token(request: Request) -> dict[str, Any]:
        form = await _read_form(request)
        grant = form.get("grant_type")
        if not grant:
            raise VendorError(400, "Property missing or empty: grant_type.", "BXNIM0109E")
        if grant != APIKEY_GRANT:
            raise VendorError(
                400,
                f"Unsupported grant_type {grant!r}; the emulator supports {APIKEY_GRANT}.",
                "BXNIM0103E",
            )
        apikey = form.get("apikey")
        if not apikey:
            raise VendorError(400, "Property missing or empty: apikey.", "BXNIM0109E")
        if apikey != state.config.ibm_api_key:
            raise VendorError(400, "Provided API key could not be found.", "BXNIM0415E")
        response_type = form.get("response_type")
        if response_type is not None and response_type not in ("cloud_iam", "uaa"):
            raise VendorError(400, f"Unsupported response_type {response_type!r}.", "BXNIM0109E")
        lifetime = state.config.ibm_token_lifetime
        issued = state.tokens.issue("ibm", SUBJECT, state.now(), lifetime)
        state.stats.token_issued("ibm")
        return {
            "access_token": issued.token,
            "refresh_token": "not_supported",
            "token_type": "Bearer",
            "expires_in": int(lifetime),
            "expiration": int(issued.expires_at),
            "scope": "ibm_openid",
        }

    return router


async def _read_form(request: Request) -> dict[str, str]:
    """The url-encoded form body (IAM accepts nothing else)."""
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    if "application/x-www-form-urlencoded" not in content_type and not (not content_type and body):
        raise VendorError(
            400,
            "The body must be a form (Content-Type: application/x-www-form-urlencoded) with "
            f"grant_type and apikey; got Content-Type {content_type or 'none'!r}.",
            "BXNIM0109E",
        )
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as exc:
        raise VendorError(400, f"The form body is not UTF-8: {exc}", "BXNIM0109E") from exc
    return {key: values[-1] for key, values in parsed.items()}
