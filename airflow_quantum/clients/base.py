"""The constructor every client shares, whatever its vendor and its I/O mode."""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from airflow_quantum.clients.auth import Authenticator, TokenCache
from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.clients.transport import AsyncTransport, RetryPolicy, SyncTransport

S = TypeVar("S")
P = TypeVar("P", bound="VendorProtocol")


class VendorProtocol:
    """Base of a vendor's wire protocol (sans-IO requests and parsing), built from its settings.

    Each names its vendor and its settings class as class keywords, e.g.
    ``class IBMProtocol(VendorProtocol, vendor="IBM Quantum", settings=IBMQuantumSettings)``.
    """

    vendor: ClassVar[str]
    settings_class: ClassVar[type[Any]]

    def __init_subclass__(cls, *, vendor: str, settings: type[Any], **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.vendor = vendor
        cls.settings_class = settings


class QuantumClient(Generic[S, P]):
    """Settings (checked), the vendor's protocol, retry policy, transport and authenticator.

    A vendor's client base names its ``protocol_class`` (a ``VendorProtocol``: it knows the
    vendor and its settings class), its ``default_retry_policy`` (the official client's) and
    how it authenticates (``make_authenticator``); the executor of the I/O mode
    (``calls.SyncCaller`` or ``calls.AsyncCaller``) names the ``transport_class``.

    :param settings: the vendor's settings (``AzureQuantumSettings``, ``IBMQuantumSettings``).
    :param retry_policy: the transport's retry policy (default: the vendor's).
    :param token_cache: where tokens are kept (default: the process-wide cache).
    :param io: the transport's own options: ``session`` (a ``requests.Session``) and ``sleep``
        for a sync client, ``client`` (an ``httpx.AsyncClient``) for an async one.
    """

    protocol_class: type[P]
    default_retry_policy: ClassVar[RetryPolicy]
    transport_class: ClassVar[type[SyncTransport] | type[AsyncTransport]]
    transport: SyncTransport | AsyncTransport

    def __init__(
        self,
        settings: S,
        *,
        retry_policy: RetryPolicy | None = None,
        token_cache: TokenCache | None = None,
        **io: Any,
    ) -> None:
        protocol_class = self.protocol_class
        if not isinstance(settings, protocol_class.settings_class):
            raise InvalidInputError(f"settings must be {protocol_class.settings_class.__name__}")
        self.settings = settings
        self.protocol: P = protocol_class(settings)
        self.retry_policy = retry_policy or self.default_retry_policy
        # The transport comes first so that a token source may share its connections.
        self.transport = self.transport_class(
            protocol_class.vendor, None, self.retry_policy, verify=settings.verify, **io
        )
        self.authenticator = self.transport.authenticator = self.make_authenticator(token_cache)

    def make_authenticator(self, token_cache: TokenCache | None) -> Authenticator:
        """The vendor's authenticator for ``self.settings``, its tokens in ``token_cache``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.settings.describe()})"
