"""Errors in each vendor's own shape.

Every surface of the emulator answers errors the way the real service does, so a client's
error handling can be tested against it:

- ``azure``: ``{"error": {"code", "message"}}`` plus ``x-ms-error-code``; a 401 is an empty body
  with ``WWW-Authenticate: Bearer error="invalid_token"`` only (recorded), its reason logged
- ``azure_blob``: Azure Storage's XML ``<Error><Code/><Message/></Error>``
- ``entra``: OAuth2 ``{"error", "error_description": "AADSTS...", "error_codes", ...}``
- ``ibm``: ``{"errors": [{"code", "message", "solution", "more_info"}], "trace"}``
- ``ibm_iam``: ``{"errorCode": "BXNIM...", "errorMessage", "context": {"requestId"}}``
- ``braket``: AWS rest-json, ``{"message", ...}`` plus ``x-amzn-ErrorType`` and
  ``x-amzn-RequestId`` (extra members such as ``programSetValidationFailures`` beside)
- ``braket_s3``: S3's XML ``<Error><Code/><Message/><RequestId/></Error>``
- ``control``: ``{"detail": message}`` (the emulator's own API)
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from xml.sax.saxutils import escape

from starlette.responses import Response

log = logging.getLogger(__name__)

#: Default error codes per HTTP status, used when a caller gives none.
AZURE_CODES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "RequestEntityTooLarge",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}
IBM_CODES = {
    400: 1211,
    401: 1219,
    403: 1217,
    404: 1291,
    405: 1222,
    409: 1232,
    413: 1213,
    429: 1255,
    500: 1200,
    502: 1208,
    503: 1209,
    504: 1210,
}
#: The solution IBM's error registry gives, by kind of failure, when a caller gives none.
IBM_RETRY_SOLUTION = (
    "Retry the action. If it happens again, contact IBM Quantum via Slack for help."
)
IBM_REQUEST_SOLUTION = (
    "Check the request against the Qiskit Runtime API reference and send it again."
)
IBM_AUTH_SOLUTION = "Check your API key and instance CRN, then get a new IAM access token."
IAM_CODES = {400: "BXNIM0109E", 401: "BXNIM0415E", 429: "BXNIM0429E", 500: "BXNIM0001E"}
ENTRA_CODES = {400: ("invalid_request", 900144), 401: ("invalid_client", 7000215)}
#: The challenge of every workspace 401 (recorded: no body, no x-ms-error-code).
AZURE_CHALLENGE = 'Bearer error="invalid_token"'

_IBM_SURFACE = re.compile(r"^/api/")
_IAM_SURFACE = re.compile(r"^/identity/")
_ENTRA_SURFACE = re.compile(r"^/[^/]+/(?:oauth2/|v2\.0/\.well-known/)")
_MSI_SURFACE = re.compile(r"^/msi/")
_AZURE_SURFACE = re.compile(r"^/subscriptions/")
#: Braket's routes sit at the root of the emulator, as on ``braket.<region>.amazonaws.com``.
_BRAKET_SURFACE = re.compile(r"^/(?:quantum-tasks?|devices?|spending-limits?|tags|jobs?)(?:/|$)")
_S3_SURFACE = re.compile(r"^/s3(?:/|$)")
#: Default AWS error codes per HTTP status (botocore's Braket model), used when a caller gives none.
AWS_CODES = {
    400: "ValidationException",
    402: "ServiceQuotaExceededException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    405: "UnknownOperationException",
    409: "ConflictException",
    410: "DeviceRetiredException",
    413: "ValidationException",
    424: "DeviceOfflineException",
    429: "ThrottlingException",
    500: "InternalServiceException",
    503: "ServiceUnavailableException",
}
S3_CODES = {
    400: "InvalidRequest",
    403: "AccessDenied",
    404: "NoSuchKey",
    405: "MethodNotAllowed",
    413: "EntityTooLarge",
    429: "SlowDown",
    500: "InternalError",
    503: "SlowDown",
}


def surface_for(path: str, storage_account: str) -> str:
    """Which vendor surface a request path belongs to (decides the error shape)."""
    if path.startswith("/_emulator"):
        return "control"
    if _IBM_SURFACE.match(path):
        return "ibm"
    if _BRAKET_SURFACE.match(path):
        return "braket"
    if _S3_SURFACE.match(path):
        return "braket_s3"
    if _IAM_SURFACE.match(path):
        return "ibm_iam"
    if _AZURE_SURFACE.match(path):
        return "azure"
    if path.startswith(f"/{storage_account}/") or path == f"/{storage_account}":
        return "azure_blob"
    if _ENTRA_SURFACE.match(path):
        return "entra"
    if _MSI_SURFACE.match(path):
        return "azure_msi"
    return "unknown"


def vendor_of(surface: str) -> str:
    """The vendor (``azure``, ``ibm``, ``braket``) or ``control`` a surface belongs to."""
    if surface.startswith("azure") or surface == "entra":
        return "azure"
    if surface.startswith("ibm"):
        return "ibm"
    if surface.startswith("braket"):
        return "braket"
    return surface


class VendorError(Exception):
    """An error the emulator answers in the shape of the surface that was called."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | int | None = None,
        headers: dict[str, str] | None = None,
        solution: str | None = None,
        members: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}
        #: What the user can do (IBM's ``solution``; other surfaces have no such field).
        self.solution = solution
        #: Members of the error body beside the message (AWS: ``reason``,
        #: ``programSetValidationFailures``); other surfaces have none.
        self.members = members or {}


def error_response(
    surface: str,
    status: int,
    message: str,
    code: str | int | None = None,
    headers: dict[str, str] | None = None,
    solution: str | None = None,
    members: dict[str, object] | None = None,
) -> Response:
    """Build the error response a real service would send for ``surface``."""
    request_id = str(uuid.uuid4())
    extra = dict(headers or {})
    if surface == "braket":
        code = str(code or AWS_CODES.get(status, "InternalServiceException"))
        extra["x-amzn-ErrorType"] = code
        extra.setdefault("x-amzn-RequestId", request_id)
        return _json({"message": message, **(members or {})}, status, extra)
    if surface == "braket_s3":
        code = str(code or S3_CODES.get(status, "InternalError"))
        extra.setdefault("x-amz-request-id", request_id)
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error>'
            f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        )
        return Response(xml, status, headers=extra, media_type="application/xml")
    if surface in ("azure", "azure_blob", "entra"):
        extra.setdefault("x-ms-request-id", request_id)
    if surface == "azure_msi":  # App Service's managed-identity endpoint
        return _json(
            {"statusCode": status, "message": message, "correlationId": request_id}, status, extra
        )
    if surface == "azure" and status == 401:
        log.info("Azure workspace call refused (401 %s): %s", code or "", message)
        extra.setdefault("WWW-Authenticate", AZURE_CHALLENGE)
        return Response(b"", 401, headers=extra)
    if surface == "azure":
        code = code or AZURE_CODES.get(status, "Error")
        extra["x-ms-error-code"] = str(code)
        body = {"error": {"code": code, "message": message}}
        return _json(body, status, extra)
    if surface == "azure_blob":
        code = code or AZURE_CODES.get(status, "Error")
        extra["x-ms-error-code"] = str(code)
        xml = (  # with the byte-order mark real Storage errors start with (recorded)
            '\ufeff<?xml version="1.0" encoding="utf-8"?><Error>'
            f"<Code>{escape(str(code))}</Code>"
            f"<Message>{escape(message)}\nRequestId:{request_id}\n"
            f"Time:{time.strftime('%Y-%m-%dT%H:%M:%S.0000000Z', time.gmtime())}</Message>"
            "</Error>"
        )
        return Response(xml, status, headers=extra, media_type="application/xml")
    if surface == "entra":
        error, number = ENTRA_CODES.get(status, ("temporarily_unavailable", 50001))
        body = {
            "error": code or error,
            "error_description": f"AADSTS{number}: {message}",
            "error_codes": [number],
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
            "trace_id": request_id,
            "correlation_id": str(uuid.uuid4()),
        }
        return _json(body, status, extra)
    if surface == "ibm_iam":
        body = {
            "errorCode": code or IAM_CODES.get(status, "BXNIM0001E"),
            "errorMessage": message,
            "context": {"requestId": request_id},
        }
        return _json(body, status, extra)
    if surface == "ibm":
        body = {
            "errors": [
                {
                    "code": code if code is not None else IBM_CODES.get(status, 1200),
                    "message": message,
                    "solution": solution or _ibm_solution(status),
                    "more_info": "https://quantum.cloud.ibm.com/docs/errors",
                }
            ],
            "trace": request_id,
        }
        return _json(body, status, extra)
    return _json({"detail": message}, status, extra)


def _ibm_solution(status: int) -> str:
    if status in (401, 403):
        return IBM_AUTH_SOLUTION
    return IBM_RETRY_SOLUTION if status >= 500 or status == 429 else IBM_REQUEST_SOLUTION


def _json(body: object, status: int, headers: dict[str, str]) -> Response:
    return Response(json.dumps(body), status, headers=headers, media_type="application/json")
