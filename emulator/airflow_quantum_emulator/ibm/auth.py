"""Who is calling ``/api/v1``: the bearer token (or API key) and the instance CRN."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.state import EmulatorState
from airflow_quantum_emulator.tokens import TokenCheck

#: ``crn:v1:bluemix:public:quantum-computing:us-east:a/<account>:<instance guid>::``
CRN_PATTERN = re.compile(
    r"^crn:v1:(?P<cname>[A-Za-z0-9-]+):(?P<ctype>[A-Za-z0-9-]+):quantum-computing:"
    r"(?P<region>[A-Za-z0-9-]+):a/(?P<account>[A-Za-z0-9-]+):(?P<guid>[A-Za-z0-9-]+)"
    r":[^:]*:[^:]*$"
)
_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")

#: The IBMid every emulated user has.
USER_ID = "IBMid-emulator0001"


@dataclass(frozen=True)
class Caller:
    """An authenticated request: its instance CRN (jobs and sessions are scoped by it)."""

    instance: str
    region: str
    account: str
    user_id: str = USER_ID


def caller_dependency(state: EmulatorState) -> Callable[[Request], Caller]:
    """A FastAPI dependency that authenticates a runtime API request or raises 401/403/400."""

    async def authenticate(request: Request) -> Caller:
        _check_credentials(request, state)
        version = request.headers.get("ibm-api-version")
        if version is not None and not _API_VERSION.match(version.strip()):
            raise VendorError(
                400, f"IBM-API-Version must be a date such as 2025-05-01, got {version!r}."
            )
        crn = request.headers.get("service-crn")
        if crn is None or not crn.strip():
            raise VendorError(
                403,
                "The Service-CRN header is missing: send the CRN of your Qiskit Runtime "
                "instance (crn:v1:bluemix:public:quantum-computing:<region>:a/<account>:<id>::).",
            )
        match = CRN_PATTERN.match(crn.strip())
        if match is None:
            raise VendorError(
                403,
                f"The Service-CRN header {crn[:200]!r} is not the CRN of a Qiskit Runtime "
                "instance (expected crn:v1:<cname>:<ctype>:quantum-computing:<region>:"
                "a/<account>:<instance id>::).",
            )
        return Caller(crn.strip(), match["region"], match["account"])

    return authenticate


def _check_credentials(request: Request, state: EmulatorState) -> None:
    header = request.headers.get("authorization")
    if header is None or not header.strip():
        raise VendorError(
            401,
            "Missing Authorization header: send 'Bearer <IAM access token>' "
            "(POST /identity/token exchanges an API key for one).",
        )
    scheme, _, credential = header.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() == "bearer" and credential:
        check = state.tokens.check("ibm", credential, state.now())
        if check is TokenCheck.VALID:
            return
        if check is TokenCheck.EXPIRED:
            raise VendorError(401, "The IAM access token has expired; request a new one.")
        raise VendorError(401, "The IAM access token is not valid (unknown token).")
    if scheme.lower() == "apikey" and credential:
        if credential == state.config.ibm_api_key:
            return
        raise VendorError(401, "The API key is not valid.")
    raise VendorError(
        401, "The Authorization header must be 'Bearer <IAM access token>' or 'apikey <API key>'."
    )
