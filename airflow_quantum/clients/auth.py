"""Credentials: API-key headers and bearer tokens with one shared, refreshing cache.

A bearer token is fetched once per credential and shared by every client in the process (sync
and async alike): a triggerer holding thousands of waits asks the identity service once per
token lifetime, not once per poll. Tokens are refreshed when 80% of their lifetime has passed,
and dropped at once when the service answers 401 with them.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Share of a token's lifetime after which a new one is fetched.
REFRESH_AT = 0.8


@dataclass(frozen=True)
class Token:
    """A bearer token and when to replace it."""

    value: str
    expires_at: float
    refresh_at: float

    @classmethod
    def from_lifetime(cls, value: str, lifetime: float, now: float | None = None) -> Token:
        now = time.time() if now is None else now
        return cls(value, now + lifetime, now + REFRESH_AT * lifetime)

    def usable(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) < self.refresh_at

    def __repr__(self) -> str:  # never show the token itself
        return f"Token(expires_at={self.expires_at:.0f})"


class Authenticator(ABC):
    """Adds credentials to a request."""

    #: Whether a 401 can be cured by fetching a new credential.
    refreshable: bool = False

    @abstractmethod
    def headers(self) -> dict[str, str]:
        """Headers for a synchronous request (may fetch a token, blocking)."""

    @abstractmethod
    async def aheaders(self) -> dict[str, str]:
        """Headers for an asynchronous request (fetches without blocking the loop)."""

    def invalidate(self, used: Mapping[str, str] | None = None) -> None:  # noqa: B027
        """Forget the credential that ``used`` carried (after a 401); a no-op by default."""


class StaticHeaderAuth(Authenticator):
    """A fixed header, e.g. Azure's ``x-ms-quantum-api-key``."""

    def __init__(self, header: str, value: str) -> None:
        self._header = header
        self._value = value

    def headers(self) -> dict[str, str]:
        return {self._header: self._value}

    async def aheaders(self) -> dict[str, str]:
        return {self._header: self._value}

    def __repr__(self) -> str:
        return f"StaticHeaderAuth({self._header}=***)"


class TokenSource(ABC):
    """Fetches bearer tokens from an identity service."""

    @property
    @abstractmethod
    def cache_key(self) -> str:
        """Identifies the credential (endpoint + identity + a hash of the secret)."""

    @abstractmethod
    def fetch(self) -> Token:
        """Fetch a new token (blocking)."""

    @abstractmethod
    async def afetch(self) -> Token:
        """Fetch a new token without blocking the event loop."""


def secret_fingerprint(*parts: str) -> str:
    """A stable, non-reversible key for a credential."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


class TokenCache:
    """Process-wide store of bearer tokens, one per credential.

    Fetches are single-flight: threads wait on a lock, and coroutines of one event loop share
    one in-flight fetch (a task), so 10,000 waits that start together cause one token request.
    A failed fetch fails all its waiters alike; the next caller tries again.
    """

    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}
        self._thread_locks: dict[str, threading.Lock] = {}
        self._flights: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[str, asyncio.Task[Token]]
        ] = weakref.WeakKeyDictionary()
        self._guard = threading.Lock()
        self.fetches = 0

    def get(self, source: TokenSource) -> Token:
        key = source.cache_key
        token = self._tokens.get(key)
        if token is not None and token.usable():
            return token
        with self._thread_lock(key):
            token = self._tokens.get(key)
            if token is None or not token.usable():
                token = source.fetch()
                self.fetches += 1
                self._tokens[key] = token
        return token

    async def aget(self, source: TokenSource) -> Token:
        key = source.cache_key
        token = self._tokens.get(key)
        if token is not None and token.usable():
            return token
        loop = asyncio.get_running_loop()
        with self._guard:
            flights = self._flights.setdefault(loop, {})
        flight = flights.get(key)
        if flight is None:
            flight = loop.create_task(self._afetch(source, key))
            flights[key] = flight
            flight.add_done_callback(lambda done: _landed(flights, key, done))
        # shield: a waiter that is cancelled must not cancel the fetch the others wait for.
        return await asyncio.shield(flight)

    async def _afetch(self, source: TokenSource, key: str) -> Token:
        token = self._tokens.get(key)  # another thread may have fetched it meanwhile
        if token is None or not token.usable():
            token = await source.afetch()
            self.fetches += 1
            self._tokens[key] = token
        return token

    def drop(self, key: str, value: str | None = None) -> None:
        """Forget the token of ``key`` (only if it is still ``value``, when given)."""
        token = self._tokens.get(key)
        if token is not None and (value is None or token.value == value):
            self._tokens.pop(key, None)

    def clear(self) -> None:
        self._tokens.clear()
        self.fetches = 0

    def _thread_lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._thread_locks.setdefault(key, threading.Lock())


def _landed(flights: dict[str, asyncio.Task[Token]], key: str, flight: asyncio.Task[Token]) -> None:
    if flights.get(key) is flight:
        del flights[key]
    if not flight.cancelled():
        flight.exception()  # its waiters got it; never "exception was never retrieved"


#: The cache every client of this process shares.
TOKEN_CACHE = TokenCache()


class BearerAuth(Authenticator):
    """``Authorization: Bearer <token>`` from a ``TokenSource`` through the shared cache."""

    refreshable = True

    def __init__(self, source: TokenSource, cache: TokenCache | None = None) -> None:
        self.source = source
        self.cache = cache or TOKEN_CACHE

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.cache.get(self.source).value}"}

    async def aheaders(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {(await self.cache.aget(self.source)).value}"}

    def invalidate(self, used: Mapping[str, str] | None = None) -> None:
        value = None
        if used is not None:
            header: Any = used.get("Authorization", "")
            value = header.removeprefix("Bearer ") or None
        self.cache.drop(self.source.cache_key, value)

    def __repr__(self) -> str:
        return f"BearerAuth({type(self.source).__name__})"
