"""The context of one workspace call (who, which workspace, which api-version) and replies."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.responses import JSONResponse, Response

from airflow_quantum_emulator.azure.auth import Principal, authenticate
from airflow_quantum_emulator.azure.store import AzureStore
from airflow_quantum_emulator.azure.versions import check_api_version
from airflow_quantum_emulator.bodies import read_json
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.state import EmulatorState

WORKSPACE_PREFIX = (
    "/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
    "/providers/Microsoft.Quantum/workspaces/{workspace}"
)


@dataclass(frozen=True)
class Workspace:
    """An authenticated call on a workspace.

    ``key`` identifies the workspace (Azure names are case-insensitive); ``base_url`` is the
    scheme and authority the client used, so that the URLs handed back reach this emulator.
    """

    key: str
    api_version: str
    base_url: str
    principal: Principal


def workspace_call(request: Request, state: EmulatorState, store: AzureStore) -> Workspace:
    """Authenticate a workspace call and check its api-version (in that order)."""
    principal = authenticate(request, state, store)
    api_version = check_api_version(request.query_params.get("api-version"))
    params = request.path_params
    key = "/".join(
        str(params.get(name, "")).lower()
        for name in ("subscription_id", "resource_group", "workspace")
    )
    return Workspace(key, api_version, str(request.base_url).rstrip("/"), principal)


async def read_body(request: Request) -> Any:
    """The JSON body (400 if missing or invalid), refusing NaN and Infinity, which are not JSON
    and could not be sent back."""
    body = await read_json(request)
    _check_finite(body, "body")
    return body


def _check_finite(value: Any, where: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise VendorError(400, f"{where} contains {value}, which is not a JSON number.")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_finite(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_finite(item, f"{where}[{index}]")


def reply(request: Request, body: Any, status: int = 200) -> JSONResponse:
    """A JSON answer with the request-id headers Azure services send."""
    return JSONResponse(body, status, headers=_ids(request))


def empty(request: Request, status: int = 204) -> Response:
    return Response(status_code=status, headers=_ids(request))


def _ids(request: Request) -> dict[str, str]:
    headers = {"x-ms-request-id": str(uuid.uuid4())}
    client_id = request.headers.get("x-ms-client-request-id")
    if client_id:
        headers["x-ms-client-request-id"] = client_id[:256]
    return headers
