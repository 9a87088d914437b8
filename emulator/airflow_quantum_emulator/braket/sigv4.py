"""AWS Signature Version 4, checked the way AWS checks it, for the Braket and S3 routes.

The emulator recomputes the signature of each request from what arrived on the wire (the raw
path, the query string, the signed headers, the body's SHA-256) and the one key pair it knows
(``braket_access_key_id`` / ``braket_secret_access_key``), or temporary credentials the control
API issued (``POST /_emulator/braket/credentials``). What it answers when that fails is
what AWS answers (403): ``MissingAuthenticationTokenException`` without an ``Authorization``
header, ``UnrecognizedClientException`` for an unknown access key id,
``InvalidSignatureException`` for a signature that does not match, a credential scoped to
another service, or a request dated more than five minutes away from now,
``ExpiredTokenException`` for temporary credentials past their expiration (on the emulator's
clock, so tests advance it); S3 answers ``AccessDenied``, ``InvalidAccessKeyId``,
``SignatureDoesNotMatch`` and (400) ``ExpiredToken`` in its XML instead.

Services other than S3 sign the path URI-encoded twice (botocore encodes the already encoded
path again); S3 signs it as sent. With the long-term key pair, a session token
(``X-Amz-Security-Token``) is signed like any header and not checked (there is no STS).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote, unquote

from starlette.requests import Request

from airflow_quantum_emulator.config import EmulatorConfig
from airflow_quantum_emulator.errors import VendorError

ALGORITHM = "AWS4-HMAC-SHA256"
#: How far a request's X-Amz-Date may be from the emulator's wall clock (AWS: 5 minutes).
MAX_SKEW_SECONDS = 300.0
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Caller:
    """Who signed a request, and for which region."""

    access_key_id: str
    region: str


@dataclass(frozen=True)
class TemporaryCredentials:
    """A key pair with a session token that expires (what STS would issue)."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expires_at: float


def new_temporary_credentials(expires_at: float) -> TemporaryCredentials:
    alphabet = string.ascii_uppercase + string.digits
    key = "ASIA" + "".join(secrets.choice(alphabet) for _ in range(16))
    return TemporaryCredentials(
        key, secrets.token_urlsafe(30), secrets.token_urlsafe(96), expires_at
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The SigV4 key for one day, region and service (the HMAC chain AWS documents)."""
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def canonical_request(
    method: str,
    raw_path: str,
    query_string: str,
    headers: dict[str, str],
    signed_headers: list[str],
    payload_hash: str,
    service: str,
) -> str:
    """The canonical request of SigV4 for what arrived on the wire."""
    path = raw_path or "/"
    uri = path if service == "s3" else quote(path, safe="/~")
    # AWS decodes each name and value and encodes them again (RFC 3986): a '+' is a plus.
    pairs = sorted(
        (quote(unquote(key), safe="-_.~"), quote(unquote(value), safe="-_.~"))
        for key, _, value in (item.partition("=") for item in query_string.split("&") if item)
    )
    query = "&".join(f"{key}={value}" for key, value in pairs)
    canonical_headers = "".join(
        f"{name}:{_SPACES.sub(' ', headers.get(name, '').strip())}\n" for name in signed_headers
    )
    return "\n".join(
        [method, uri, query, canonical_headers, ";".join(signed_headers), payload_hash]
    )


class SigV4Verifier:
    """Checks the SigV4 signature of requests to one service (``braket`` or ``s3``)."""

    def __init__(
        self,
        config: EmulatorConfig,
        service: str,
        temporary: Callable[[str], TemporaryCredentials | None] = lambda key: None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self.service = service
        self._temporary = temporary
        self._now = now

    async def __call__(self, request: Request) -> Caller:
        headers = {name.lower(): value for name, value in request.headers.items()}
        authorization = headers.get("authorization")
        if not authorization:
            raise self._refuse(
                "MissingAuthenticationTokenException",
                "AccessDenied",
                "Missing Authentication Token",
            )
        match = _AUTHORIZATION.match(authorization.strip())
        if match is None:
            raise self._refuse(
                "IncompleteSignatureException",
                "AuthorizationHeaderMalformed",
                "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' "
                f"parameters of the {ALGORITHM} algorithm.",
            )
        parts = match["credential"].split("/")
        if len(parts) != 5 or parts[4] != "aws4_request":
            raise self._refuse(
                "IncompleteSignatureException",
                "AuthorizationHeaderMalformed",
                "Credential must have the form <key>/<date>/<region>/<service>/aws4_request.",
            )
        key_id, date, region, service, _ = parts
        temporary = self._temporary(key_id)
        secret = self._config.braket_secret_access_key
        if temporary is not None:
            secret = temporary.secret_access_key
            if headers.get("x-amz-security-token") != temporary.session_token:
                raise self._refuse(
                    "UnrecognizedClientException",
                    "InvalidToken",
                    "The security token included in the request is invalid.",
                )
        elif key_id != self._config.braket_access_key_id:
            raise self._refuse(
                "UnrecognizedClientException",
                "InvalidAccessKeyId",
                "The security token included in the request is invalid."
                if self.service != "s3"
                else "The AWS Access Key Id you provided does not exist in our records.",
            )
        if service != self.service:
            raise self._refuse(
                "InvalidSignatureException",
                "SignatureDoesNotMatch",
                f"Credential should be scoped to correct service: '{self.service}'.",
            )
        amz_date = headers.get("x-amz-date", "")
        self._check_date(amz_date, date)
        body = await request.body()
        payload_hash = headers.get("x-amz-content-sha256") or sha256_hex(body)
        if (
            payload_hash not in ("UNSIGNED-PAYLOAD",)
            and not payload_hash.startswith("STREAMING-")
            and payload_hash != sha256_hex(body)
        ):
            raise self._refuse(
                "InvalidSignatureException",
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            )
        signed = match["signed"].split(";")
        raw_path = request.scope.get("raw_path", b"").decode("latin-1") or request.url.path
        canonical = canonical_request(
            request.method,
            raw_path,
            request.scope.get("query_string", b"").decode("latin-1"),
            headers,
            signed,
            payload_hash,
            self.service,
        )
        scope = f"{date}/{region}/{service}/aws4_request"
        to_sign = "\n".join([ALGORITHM, amz_date, scope, sha256_hex(canonical.encode())])
        key = signing_key(secret, date, region, service)
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, match["signature"]):
            raise self._refuse(
                "InvalidSignatureException",
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you "
                "provided. Check your AWS Secret Access Key and signing method. Consult the "
                "service documentation for details.",
            )
        if temporary is not None and self._now() >= temporary.expires_at:
            if self.service == "s3":
                raise VendorError(400, "The provided token has expired.", "ExpiredToken")
            raise self._refuse(
                "ExpiredTokenException",
                "ExpiredToken",
                "The security token included in the request is expired",
            )
        return Caller(key_id, region)

    def _check_date(self, amz_date: str, scope_date: str) -> None:
        try:
            moment = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            raise self._refuse(
                "IncompleteSignatureException",
                "AccessDenied",
                "Authorization header requires existence of either a 'X-Amz-Date' or a "
                "'Date' header.",
            ) from None
        if not amz_date.startswith(scope_date):
            raise self._refuse(
                "InvalidSignatureException",
                "SignatureDoesNotMatch",
                f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                f"date from HTTP: '{scope_date}' != '{amz_date[:8]}'.",
            )
        # The wall clock, not the emulator's: tests advance that one, never the client's.
        if abs(time.time() - moment.timestamp()) > MAX_SKEW_SECONDS:
            raise self._refuse(
                "InvalidSignatureException",
                "RequestTimeTooSkewed",
                f"Signature expired: {amz_date} is now earlier or later than the allowed "
                "5 minutes from the server's time.",
            )

    def _refuse(self, code: str, s3_code: str, message: str) -> VendorError:
        return VendorError(403, message, s3_code if self.service == "s3" else code)
