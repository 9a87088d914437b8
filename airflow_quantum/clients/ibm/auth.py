"""IBM Cloud IAM: an API key exchanged for a bearer token, shared by every call of the process.

``POST {iam_url}/identity/token`` with the form
``grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=<KEY>`` answers
``{"access_token", "expires_in", "expiration", ...}``. The token goes into the shared
``TOKEN_CACHE`` (one per API key and IAM host) and is replaced at 80% of its lifetime, or at
once when the runtime API answers 401 with it.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import requests

from airflow_quantum.clients.auth import (
    BearerAuth,
    Token,
    TokenCache,
    TokenSource,
    secret_fingerprint,
)
from airflow_quantum.clients.errors import (
    AuthenticationError,
    BadResponseError,
    CredentialNotFoundError,
    QuantumAPIError,
)
from airflow_quantum.clients.ibm.settings import IBMQuantumSettings
from airflow_quantum.clients.retries import RetryPolicy
from airflow_quantum.clients.transport import AsyncTransport, Request, SyncTransport, decode_json

IAM_VENDOR = "IBM Cloud IAM"
APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey"
#: IAM's answer (400) for an API key it does not know: no retry will make it known.
KEY_NOT_FOUND = "BXNIM0415E"
#: Lifetime assumed when IAM gives neither ``expires_in`` nor ``expiration`` (tokens last 1 h).
FALLBACK_LIFETIME = 1200.0


class IAMTokenSource(TokenSource):
    """Fetches IAM tokens for one API key; usable from both the sync and the async face.

    The sync face shares the client's ``requests.Session`` when given one. The async face uses
    a short-lived ``httpx`` client per fetch: a token is fetched once per lifetime, and a
    client kept here would be bound to the event loop of its first use.
    """

    def __init__(
        self,
        settings: IBMQuantumSettings,
        *,
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self._settings = settings
        self._policy = policy
        self._session = session

    @property
    def cache_key(self) -> str:
        return "ibm-iam:" + secret_fingerprint(self._settings.iam_url, self._settings.api_key)

    def request(self) -> Request:
        """The token request (its body holds the API key: never log it)."""
        form = urlencode({"grant_type": APIKEY_GRANT, "apikey": self._settings.api_key})
        return Request(
            "POST",
            self._settings.token_url,
            content=form.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            idempotent=True,  # asking for a token twice costs nothing
            authenticated=False,
        )

    def fetch(self) -> Token:
        transport = SyncTransport(
            IAM_VENDOR, None, self._policy, session=self._session, verify=self._settings.verify
        )
        request = self.request()
        try:
            response = transport.send(request)
            payload = decode_json(IAM_VENDOR, response.text, request.method, request.url)
        except QuantumAPIError as exc:
            raise self._refused(exc) from None
        finally:
            if self._session is None:
                transport.close()
        return token_from_answer(payload)

    async def afetch(self) -> Token:
        transport = AsyncTransport(IAM_VENDOR, None, self._policy, verify=self._settings.verify)
        request = self.request()
        try:
            response = await transport.send(request)
            payload = decode_json(IAM_VENDOR, response.text, request.method, request.url)
        except QuantumAPIError as exc:
            raise self._refused(exc) from None
        finally:
            await transport.aclose()
        return token_from_answer(payload)

    def _refused(self, exc: QuantumAPIError) -> QuantumAPIError:
        """IAM's 400/401/403 become ``AuthenticationError`` with IAM's ``errorCode``; an API key
        IAM does not know (``BXNIM0415E``), ``CredentialNotFoundError``."""
        message = exc.vendor_message.replace(self._settings.api_key, "***")
        if exc.status == 400 and exc.code == KEY_NOT_FOUND:
            message = (
                f"the connection's API key (its password) was not found: {message} A retry "
                "cannot find it either: correct the key, or create a new one"
            )
            return exc.reworded(CredentialNotFoundError, message, vendor=IAM_VENDOR)
        if exc.status in (400, 401, 403):
            message = f"IBM Cloud IAM refused the API key: {message}"
            return exc.reworded(AuthenticationError, message, vendor=IAM_VENDOR)
        return exc.reworded(type(exc), message, vendor=IAM_VENDOR)

    def __repr__(self) -> str:
        return f"IAMTokenSource(iam_url={self._settings.iam_url!r})"


def token_from_answer(payload: Any, now: float | None = None) -> Token:
    """The ``Token`` of an IAM answer; its lifetime from ``expires_in`` (else ``expiration``)."""
    if not isinstance(payload, dict):
        raise BadResponseError("IAM answered no JSON object", vendor=IAM_VENDOR)
    value = payload.get("access_token")
    if not isinstance(value, str) or not value:
        raise BadResponseError("IAM's answer has no access_token", vendor=IAM_VENDOR)
    now = time.time() if now is None else now
    lifetime = _number(payload.get("expires_in"))
    if lifetime is None:
        expiration = _number(payload.get("expiration"))
        lifetime = expiration - now if expiration is not None else None
    if lifetime is None or not 0 < lifetime < 10**7:
        lifetime = FALLBACK_LIFETIME
    return Token.from_lifetime(value, lifetime, now)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def iam_authenticator(
    settings: IBMQuantumSettings,
    *,
    policy: RetryPolicy | None = None,
    session: requests.Session | None = None,
    cache: TokenCache | None = None,
) -> BearerAuth:
    """``Authorization: Bearer <IAM token>`` through the shared token cache."""
    return BearerAuth(IAMTokenSource(settings, policy=policy, session=session), cache)
