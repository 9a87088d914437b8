"""What every client has, whatever its vendor and its I/O mode: settings, transport, credentials."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Generic, TypeVar

from airflow_quantum.clients.auth import Authenticator, TokenCache
from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.clients.retries import RetryPolicy
from airflow_quantum.clients.transport import AsyncTransport, SyncTransport

S = TypeVar("S")


class QuantumClient(Generic[S]):
    """Settings (checked), retry policy, transport and authenticator.

    A vendor's protocol class (its operations, see ``calls``) derives from this and names its
    ``vendor``, ``settings_class``, ``default_retry_policy`` (the official client's) and how it
    authenticates (``make_authenticator``); the runner of the I/O mode (``calls.SyncRunner`` or
    ``calls.AsyncRunner``) names the ``transport_class``.

    :param settings: the vendor's settings (``AzureQuantumSettings``, ``IBMQuantumSettings``).
    :param retry_policy: the transport's retry policy (default: the vendor's).
    :param token_cache: where tokens are kept (default: the process-wide cache).
    :param io: the transport's own options: ``session`` (a ``requests.Session``) and ``sleep``
        for a sync client, ``client`` (an ``httpx.AsyncClient``) for an async one.
    """

    vendor: ClassVar[str]
    settings_class: ClassVar[type[Any]]
    default_retry_policy: ClassVar[RetryPolicy]
    transport_class: ClassVar[type[SyncTransport] | type[AsyncTransport]]
    transport: Any

    def __init__(
        self,
        settings: S,
        *,
        retry_policy: RetryPolicy | None = None,
        token_cache: TokenCache | None = None,
        **io: Any,
    ) -> None:
        if not isinstance(settings, self.settings_class):
            raise InvalidInputError(f"settings must be {self.settings_class.__name__}")
        self.settings: S = settings
        self.retry_policy = retry_policy or self.default_retry_policy
        # The transport comes first so that a token source may share its connections.
        self.transport = self.transport_class(
            self.vendor, None, self.retry_policy, verify=settings.verify, **io
        )
        self.authenticator = self.transport.authenticator = self.make_authenticator(token_cache)

    def listing_scope(self, job_ids: Iterable[str]) -> dict[str, Any]:
        """The options of ``pending_job_pages`` that make its listing cover ``job_ids`` (for
        the shared poller); none for a vendor whose one listing covers every job."""
        return {}

    def make_authenticator(self, token_cache: TokenCache | None) -> Authenticator:
        """The vendor's authenticator for ``self.settings``, its tokens in ``token_cache``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.settings.describe()})"  # type: ignore[attr-defined]
