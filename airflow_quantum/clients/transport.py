"""One HTTP policy for both vendors, with a synchronous and an asynchronous face.

Timeouts, retries with exponential backoff and jitter, ``Retry-After`` (seconds, HTTP date or
``retry-after-ms``), one token refresh on 401, error mapping, and secret-safe messages. The
decisions are plain functions shared by ``SyncTransport`` (``requests.Session``) and
``AsyncTransport`` (``httpx.AsyncClient``), so the policy is written once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import requests

from airflow_quantum import __version__
from airflow_quantum.clients.auth import Authenticator
from airflow_quantum.clients.errors import (
    AuthenticationError,
    BadRequestError,
    BadResponseError,
    InvalidStateError,
    NotFoundError,
    QuantumAPIError,
    RateLimitedError,
    ServiceError,
)
from airflow_quantum.clients.retries import RetryPolicy, decide, parse_retry_after
from airflow_quantum.clients.urls import (
    RedactingFilter,
    check_secure_url,
    install_log_redaction,
    is_loopback,
    redact_url,
)

__all__ = [
    "AsyncTransport",
    "RedactingFilter",
    "Request",
    "SyncTransport",
    "api_error",
    "check_secure_url",
    "decode_json",
    "install_log_redaction",
    "is_loopback",
    "parse_error_body",
    "redact_url",
]

log = logging.getLogger(__name__)

USER_AGENT = f"airflow-quantum/{__version__}"
#: Connections one async client keeps open at most (all of them reused: see AsyncTransport).
POOL_SIZE = 16
#: Seconds an idle pooled connection is kept (below the servers' usual 5 s).
KEEPALIVE_EXPIRY = 4.0


@dataclass(frozen=True)
class Request:
    """A request to send; ``idempotent`` decides which failures may be retried."""

    method: str
    url: str
    params: Any = None
    json_body: Any = None
    content: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    idempotent: bool | None = None
    authenticated: bool = True
    ok_statuses: frozenset[int] = frozenset()
    #: What a signing authenticator signs the request for (AWS SigV4: service and region).
    signing: tuple[str, str] | None = None

    @property
    def safe_to_repeat(self) -> bool:
        if self.idempotent is not None:
            return self.idempotent
        return self.method.upper() in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")


# ----------------------------------------------------------------------------------- helpers


def parse_error_body(
    content: bytes, headers: Mapping[str, str]
) -> tuple[str | None, str, str | None]:
    """``(code, message, request_id)`` from any of the vendors' error shapes."""
    lowered = {key.lower(): value for key, value in headers.items()}
    request_id = (
        lowered.get("x-ms-request-id")
        or lowered.get("x-request-id")
        or lowered.get("x-amzn-requestid")
        or lowered.get("x-amz-request-id")
    )
    # AWS: "ValidationException:http://internal.amazon.com/coral/..." (the type before ":").
    aws_type = (lowered.get("x-amzn-errortype") or "").split(":", 1)[0]
    code = lowered.get("x-ms-error-code") or aws_type or None
    # Azure Storage starts its XML errors with a byte-order mark (recorded real traffic).
    text = content.decode("utf-8", "replace").lstrip("\ufeff").strip()
    # An empty 401 says why in WWW-Authenticate (Azure: Bearer error="invalid_token").
    challenge = lowered.get("www-authenticate")
    message = text[:500] or (f"refused: {challenge}" if challenge else "(no error message)")
    try:
        body = json.loads(text) if text else None
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, dict):
        if isinstance(body.get("errors"), list) and body["errors"]:
            first = body["errors"][0] if isinstance(body["errors"][0], dict) else {}
            code = _text(first.get("code")) or code
            message = _text(first.get("message")) or message
            if solution := _text(first.get("solution")):  # IBM's hint of what to do
                message = f"{message} ({solution})"
            request_id = _text(body.get("trace")) or request_id
        elif isinstance(body.get("error"), dict):
            code = _text(body["error"].get("code")) or code
            message = _text(body["error"].get("message")) or message
        elif "errorCode" in body or "errorMessage" in body:
            code = _text(body.get("errorCode")) or code
            message = _text(body.get("errorMessage")) or message
            context = body.get("context")
            if isinstance(context, dict):
                request_id = _text(context.get("requestId")) or request_id
        elif isinstance(body.get("error"), str):
            code = body["error"]
            message = _text(body.get("error_description")) or message
            request_id = _text(body.get("trace_id")) or request_id
        elif "detail" in body:
            message = _text(body.get("detail")) or message
        elif "message" in body or "Message" in body:  # AWS rest-json
            message = _text(body.get("message")) or _text(body.get("Message")) or message
            code = code or (_text(body.get("__type")) or "").rpartition("#")[2] or None
            if failures := body.get("programSetValidationFailures"):  # Braket's program sets
                message = f"{message}; programSetValidationFailures: {json.dumps(failures)[:400]}"
    elif text.startswith("<?xml") or text.startswith("<Error"):
        code = _between(text, "<Code>", "</Code>") or code
        message = (_between(text, "<Message>", "</Message>") or message).split("\n")[0]
    return code, message, request_id


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _between(text: str, start: str, end: str) -> str | None:
    if start in text and end in text:
        return text.split(start, 1)[1].split(end, 1)[0]
    return None


def api_error(
    vendor: str, status: int, headers: Mapping[str, str], content: bytes, method: str, url: str
) -> QuantumAPIError:
    """The provider's exception for an error answer."""
    code, message, request_id = parse_error_body(content, headers)
    message = f"{message} [{method} {redact_url(url)}]"
    kwargs = dict(
        status=status,
        code=code,
        request_id=request_id,
        vendor=vendor,
        retry_after=parse_retry_after(headers),
    )
    if status in (401, 403):
        return AuthenticationError(message, **kwargs)
    if status == 404:
        return NotFoundError(message, **kwargs)
    if status == 409:
        return InvalidStateError(message, **kwargs)
    if status == 429:
        return RateLimitedError(message, **kwargs)
    if status >= 500:
        return ServiceError(message, **kwargs)
    if status in (400, 405, 411, 413, 414, 415, 422):
        return BadRequestError(message, **kwargs)
    return QuantumAPIError(message, **kwargs)


def unreachable_error(vendor: str, method: str, url: str, exc: BaseException) -> ServiceError:
    return ServiceError(
        f"could not reach the service: {type(exc).__name__} [{method} {redact_url(url)}]",
        vendor=vendor,
    )


def decode_json(vendor: str, response_text: str, method: str, url: str) -> Any:
    """Parse a JSON answer, turning garbage into ``BadResponseError``."""
    try:
        return json.loads(response_text) if response_text.strip() else None
    except (ValueError, RecursionError) as exc:
        raise BadResponseError(
            f"the answer is not JSON ({exc}) [{method} {redact_url(url)}]", vendor=vendor
        ) from exc


def _base_headers(request: Request) -> dict[str, str]:
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    headers.update(request.headers)
    return headers


# ------------------------------------------------------------------------------------ faces


class _Attempts:
    """The retry bookkeeping of one request; both faces drive it, only the I/O differs."""

    def __init__(self, transport: SyncTransport | AsyncTransport, request: Request) -> None:
        self.transport = transport
        self.request = request
        self.attempt = 0
        self.refreshed = False
        self.sent: dict[str, str] = {}

    def start(self, auth_headers: Mapping[str, str]) -> dict[str, str]:
        """Headers for the next attempt."""
        self.attempt += 1
        self.sent = _base_headers(self.request)
        self.sent.update(auth_headers)
        self.sent["x-ms-client-request-id"] = str(uuid.uuid4())
        return self.sent

    def after_failure(self, exc: Exception, connect_error: bool) -> float:
        """No answer came: the wait before the next attempt, or the provider's error."""
        transport, request = self.transport, self.request
        decision = decide(
            transport.policy, request, self.attempt, status=None, connect_error=connect_error
        )
        if not decision.retry:
            raise unreachable_error(transport.vendor, request.method, request.url, exc) from exc
        self._log_retry(None, decision.delay)
        return decision.delay

    def after_answer(self, status: int, headers: Mapping[str, str], content: bytes) -> float | None:
        """None when the answer is the result; else the wait before trying again."""
        transport, request = self.transport, self.request
        if 200 <= status < 300 or status in request.ok_statuses:
            return None
        authenticator = transport.authenticator
        decision = decide(
            transport.policy,
            request,
            self.attempt,
            status=status,
            headers=headers,
            auth_refreshed=self.refreshed,
            auth_refreshable=bool(authenticator and authenticator.refreshable),
        )
        if not decision.retry:
            raise api_error(transport.vendor, status, headers, content, request.method, request.url)
        if decision.refresh_auth and authenticator is not None:
            self.refreshed = True
            authenticator.invalidate(self.sent)
            self.attempt -= 1  # a token refresh is not a retry
            return 0.0
        self._log_retry(status, decision.delay)
        return decision.delay

    def _log_retry(self, status: int | None, delay: float) -> None:
        log.info(
            "%s %s %s -> %s; retry %d in %.2fs",
            self.transport.vendor,
            self.request.method,
            redact_url(self.request.url),
            status or "no answer",
            self.attempt,
            delay,
        )


class SyncTransport:
    """Sends requests with ``requests.Session`` (pooled connections) under the policy."""

    def __init__(
        self,
        vendor: str,
        authenticator: Authenticator | None,
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        verify: bool | str = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.vendor = vendor
        self.authenticator = authenticator
        self.policy = policy or RetryPolicy()
        self._owns_session = session is None
        self.session = session or requests.Session()
        self.verify = verify
        self._sleep = sleep

    def send(self, request: Request) -> requests.Response:
        """Send ``request``; return the successful response or raise the provider's error."""
        attempts = _Attempts(self, request)
        authenticator = self.authenticator if request.authenticated else None
        while True:
            auth = authenticator.headers(request) if authenticator is not None else {}
            try:
                response = self.session.request(
                    request.method,
                    request.url,
                    params=request.params,
                    json=request.json_body,
                    data=request.content,
                    headers=attempts.start(auth),
                    timeout=(self.policy.connect_timeout, self.policy.read_timeout),
                    verify=self.verify,
                    # As httpx: no redirects. requests would carry custom credential headers
                    # (x-ms-quantum-api-key, Service-CRN) to whatever host a 3xx names.
                    allow_redirects=False,
                )
            except requests.exceptions.RequestException as exc:
                connect_error = isinstance(exc, requests.exceptions.ConnectTimeout) or (
                    isinstance(exc, requests.exceptions.ConnectionError)
                    and _is_connect_failure(exc)
                )
                self._sleep(attempts.after_failure(exc, connect_error))
                continue
            delay = attempts.after_answer(response.status_code, response.headers, response.content)
            if delay is None:
                return response
            if delay:
                self._sleep(delay)

    def json(self, request: Request) -> Any:
        response = self.send(request)
        return decode_json(self.vendor, response.text, request.method, request.url)

    def close(self) -> None:
        if self._owns_session:
            self.session.close()


class AsyncTransport:
    """Sends requests with ``httpx.AsyncClient`` under the same policy; never blocks the loop."""

    def __init__(
        self,
        vendor: str,
        authenticator: Authenticator | None,
        policy: RetryPolicy | None = None,
        client: httpx.AsyncClient | None = None,
        verify: bool | str = True,
    ) -> None:
        self.vendor = vendor
        self.authenticator = authenticator
        self.policy = policy or RetryPolicy()
        self._owns_client = client is None
        self.client = client or httpx.AsyncClient(
            verify=verify,
            timeout=httpx.Timeout(self.policy.read_timeout, connect=self.policy.connect_timeout),
            # httpx keeps only 20 idle connections by default: a client shared by many
            # coroutines would open and close a connection for most requests beyond that.
            # Idle ones are dropped before common servers' 5 s keep-alive timeout (uvicorn's),
            # so a request is never sent on a connection the server is closing.
            limits=httpx.Limits(
                max_connections=POOL_SIZE,
                max_keepalive_connections=POOL_SIZE,
                keepalive_expiry=KEEPALIVE_EXPIRY,
            ),
        )

    async def send(self, request: Request) -> httpx.Response:
        """Send ``request``; return the successful response or raise the provider's error."""
        attempts = _Attempts(self, request)
        authenticator = self.authenticator if request.authenticated else None
        while True:
            auth = await authenticator.aheaders(request) if authenticator is not None else {}
            try:
                response = await self.client.request(
                    request.method,
                    request.url,
                    params=request.params,
                    json=request.json_body,
                    content=request.content,
                    headers=attempts.start(auth),
                )
            except httpx.HTTPError as exc:
                connect_error = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                await asyncio.sleep(attempts.after_failure(exc, connect_error))
                continue
            delay = attempts.after_answer(response.status_code, response.headers, response.content)
            if delay is None:
                return response
            if delay:
                await asyncio.sleep(delay)

    async def json(self, request: Request) -> Any:
        response = await self.send(request)
        return decode_json(self.vendor, response.text, request.method, request.url)

    async def aclose(self) -> None:
        if self._owns_client:
            await self.client.aclose()


def _is_connect_failure(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the connection never opened (so nothing reached the server)."""
    text = repr(exc)
    return any(
        marker in text
        for marker in ("NewConnectionError", "Connection refused", "Failed to establish")
    )
