"""Bearer tokens issued by the emulated Entra ID and IBM Cloud IAM endpoints.

Tokens are unsigned-but-decodable JWTs (the official IBM client decodes ``exp`` and ``iat``);
the emulator remembers each one it issued and rejects unknown or expired ones.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from enum import Enum


class TokenCheck(str, Enum):
    """Outcome of validating a bearer token."""

    VALID = "valid"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class IssuedToken:
    """A token the emulator handed out."""

    token: str
    vendor: str
    issued_at: float
    expires_at: float


def _b64(data: dict[str, object]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class TokenStore:
    """Issues and validates the bearer tokens of both vendors."""

    def __init__(self) -> None:
        self._tokens: dict[str, IssuedToken] = {}

    def issue(self, vendor: str, subject: str, now: float, lifetime: float) -> IssuedToken:
        claims = {
            "iss": f"airflow-quantum-emulator/{vendor}",
            "sub": subject,
            "iat": int(now),
            "exp": int(now + lifetime),
            "jti": secrets.token_hex(12),
        }
        token = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}.{secrets.token_urlsafe(24)}"
        issued = IssuedToken(token, vendor, now, now + lifetime)
        self._prune(now)
        self._tokens[token] = issued
        return issued

    def check(self, vendor: str, token: str, now: float) -> TokenCheck:
        issued = self._tokens.get(token)
        if issued is None or issued.vendor != vendor:
            return TokenCheck.UNKNOWN
        if issued.expires_at <= now:
            return TokenCheck.EXPIRED
        return TokenCheck.VALID

    def issued(self, vendor: str | None = None) -> list[IssuedToken]:
        """Every token still remembered (of one vendor if given): tests hunt them in logs."""
        return [t for t in self._tokens.values() if vendor is None or t.vendor == vendor]

    def reset(self) -> None:
        self._tokens.clear()

    def _prune(self, now: float) -> None:
        # Keep expired tokens for an hour so that clients get "expired", not "unknown".
        if len(self._tokens) < 10_000:
            return
        cutoff = now - 3600
        self._tokens = {k: v for k, v in self._tokens.items() if v.expires_at > cutoff}
