"""The provider's exceptions: one small hierarchy for both vendors.

Messages carry the vendor's error code, message and request id, and never a credential: the
transport builds them from the error body and from URLs with their SAS signatures removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar


class QuantumError(Exception):
    """Base class of every error raised by airflow-quantum."""


class InvalidInputError(QuantumError, ValueError):
    """Input rejected before anything was sent (nothing was submitted or paid for)."""


class ConfigurationError(QuantumError, ValueError):
    """A connection or client setting is missing or wrong."""


class MissingExtraError(ConfigurationError):
    """A feature needs an optional extra that is not installed; the message names the extra."""

    def __init__(self, feature: str, extra: str, module: str) -> None:
        self.extra = extra
        super().__init__(
            f"{feature} needs the {module} package: pip install 'airflow-quantum[{extra}]'"
        )


class QuantumAPIError(QuantumError):
    """The service answered with an error (or could not be reached)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        vendor: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.request_id = request_id
        self.vendor = vendor
        self.retry_after = retry_after
        self.vendor_message = message
        super().__init__(self._render(message))

    def reworded(
        self, cls: type[APIErrorT], message: str, *, vendor: str | None = None
    ) -> APIErrorT:
        """The same answer (status, code, request id, Retry-After) as a ``cls`` saying ``message``;
        ``vendor`` names another service than this error's."""
        return cls(
            message,
            status=self.status,
            code=self.code,
            request_id=self.request_id,
            vendor=vendor or self.vendor,
            retry_after=self.retry_after,
        )

    def _render(self, message: str) -> str:
        parts = []
        if self.vendor:
            parts.append(self.vendor)
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code:
            parts.append(f"code {self.code}")
        head = " ".join(parts)
        text = f"{head}: {message}" if head else message
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


APIErrorT = TypeVar("APIErrorT", bound=QuantumAPIError)


class AuthenticationError(QuantumAPIError):
    """Credentials were refused (401/403, or the token endpoint said no)."""


class CredentialNotFoundError(AuthenticationError, InvalidInputError):
    """The service does not know the credential at all: IBM Cloud IAM's 400 ``BXNIM0415E``,
    "Provided API key could not be found". A retry cannot find it either, so, like refused
    input, it fails the task at once. Other refusals (IAM's 401/403, the runtime API's 401/403,
    e.g. while a new key's access to the instance is still being granted) stay
    ``AuthenticationError`` and are retried as usual."""


class NotFoundError(QuantumAPIError):
    """The job, session or backend does not exist (404)."""


class RateLimitedError(QuantumAPIError):
    """Too many requests (429) and the retries ran out."""


class InvalidStateError(QuantumAPIError):
    """The request does not fit the object's state, e.g. cancelling a finished job (409)."""


class QuotaExhaustedError(InvalidInputError):
    """The workspace's or instance's quota is used up: nothing was submitted."""


class SessionClosedError(InvalidStateError):
    """A job was sent to a session that is closed, failed or timed out: open a new session.

    The service answers 400 ``InvalidJobDefinition`` ("Session is already in a terminal
    state"); it is an ``InvalidStateError`` because the request was fine, the session not.
    """


class ServiceError(QuantumAPIError):
    """The service failed or was unreachable (5xx, connection errors) after all retries."""


class BadRequestError(QuantumAPIError):
    """The service refused the request as invalid (400, 413, 422)."""


class BadResponseError(QuantumAPIError):
    """The service answered something the client cannot understand."""


class JobTimeoutError(QuantumError, TimeoutError):
    """A client-side wait ran out; the job itself was not cancelled."""


class JobFailedError(QuantumError):
    """The job ended failed (or cancelled) where a result was expected."""

    def __init__(self, message: str, *, job_id: str, state: str, code: str | None = None):
        self.job_id = job_id
        self.state = state
        self.code = code
        super().__init__(message)


class RetiredTargetError(InvalidInputError):
    """The job names a target (or an input format) the service retired; nothing was sent."""


def reject_unknown_keywords(given: Mapping[str, Any], allowed: type, where: str) -> None:
    """Raise ``TypeError`` as Python would for keywords that the TypedDict ``allowed`` lacks."""
    unknown = sorted(set(given) - set(allowed.__annotations__))
    if unknown:
        raise TypeError(f"{where}() got unexpected keyword arguments: {', '.join(unknown)}")
