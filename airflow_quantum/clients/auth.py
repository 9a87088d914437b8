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
from abc import ABC, abstractmethod
from collections.abc import Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_quantum.clients.errors import QuantumError

if TYPE_CHECKING:
    from airflow_quantum.clients.transport import Request

#: Share of a token's lifetime after which a new one is fetched.
REFRESH_AT = 0.8
#: Seconds a thread waits for another caller's token fetch before fetching on its own.
FLIGHT_TIMEOUT = 300.0


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
    def headers(self, request: Request | None = None) -> dict[str, str]:
        """Headers for a synchronous request (may fetch a token, blocking). ``request`` is the
        request about to be sent, for authenticators that sign it (AWS SigV4)."""

    @abstractmethod
    async def aheaders(self, request: Request | None = None) -> dict[str, str]:
        """Headers for an asynchronous request (fetches without blocking the loop)."""

    def invalidate(self, used: Mapping[str, str] | None = None) -> None:  # noqa: B027
        """Forget the credential that ``used`` carried (after a 401); a no-op by default."""


class StaticHeaderAuth(Authenticator):
    """A fixed header, e.g. Azure's ``x-ms-quantum-api-key``."""

    def __init__(self, header: str, value: str) -> None:
        self._header = header
        self._value = value

    def headers(self, request: Request | None = None) -> dict[str, str]:
        return {self._header: self._value}

    async def aheaders(self, request: Request | None = None) -> dict[str, str]:
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
    """Process-wide store of bearer tokens, one per credential (keyed by its fingerprint).

    Fetches are single-flight across threads *and* event loops: the first caller that finds no
    usable token starts the fetch and publishes it as a ``concurrent.futures.Future``; threads
    wait on it (blocking, as sync callers may), coroutines await it without blocking their loop.
    So a sync hook and a trigger of one connection that start together cause one token
    request, as do 10,000 waits in one triggerer. A failed fetch fails all its waiters alike;
    the next caller tries again.
    """

    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}
        self._flights: dict[str, _Flight] = {}
        self._guard = threading.Lock()
        self.fetches = 0

    def _usable(self, key: str) -> Token | None:
        token = self._tokens.get(key)
        return token if token is not None and token.usable() else None

    def _join(self, key: str, loop: asyncio.AbstractEventLoop | None) -> tuple[_Flight, bool]:
        """The flight of ``key`` and whether the caller owns it (must fetch)."""
        with self._guard:
            flight = self._flights.get(key)
            if flight is not None:
                return flight, False
            flight = self._flights[key] = _Flight(Future(), loop, threading.get_ident())
            return flight, True

    def _land(self, key: str, flight: _Flight, token: Token | None, error: BaseException | None):
        with self._guard:
            if token is not None:
                self._tokens[key] = token
            if self._flights.get(key) is flight:
                del self._flights[key]
        if error is not None:
            flight.future.set_exception(error)
        else:
            flight.future.set_result(token)

    def get(self, source: TokenSource) -> Token:
        key = source.cache_key
        token = self._usable(key)
        if token is not None:
            return token
        flight, owner = self._join(key, None)
        if not owner and flight.thread == threading.get_ident() and flight.loop is not None:
            # A sync call on the thread of the loop that is fetching: waiting would deadlock.
            return source.fetch()
        if owner:
            token = self._usable(key)  # another flight may have landed meanwhile
            try:
                if token is None:
                    token = source.fetch()
                    self.fetches += 1
            except BaseException as exc:
                self._land(key, flight, None, exc)
                raise
            self._land(key, flight, token, None)
        try:
            return flight.future.result(timeout=FLIGHT_TIMEOUT)
        except FutureTimeout:
            return source.fetch()  # the fetching loop stalled or is gone: do not hang with it

    async def aget(self, source: TokenSource) -> Token:
        key = source.cache_key
        token = self._usable(key)
        if token is not None:
            return token
        loop = asyncio.get_running_loop()
        flight, owner = self._join(key, loop)
        if owner:
            # A task: a waiter that is cancelled must not cancel the fetch the others wait for.
            task = loop.create_task(self._afetch(source, key, flight))
            task.add_done_callback(lambda done: self._settled(key, flight, done))
        # shield: the wrapper of the shared future must not be cancelled with one waiter.
        return await asyncio.shield(asyncio.wrap_future(flight.future))

    async def _afetch(self, source: TokenSource, key: str, flight: _Flight) -> None:
        try:
            token = self._usable(key)
            if token is None:
                token = await source.afetch()
                self.fetches += 1
        except BaseException as exc:
            self._land(key, flight, None, exc)
            if not isinstance(exc, Exception):
                raise
            return
        self._land(key, flight, token, None)

    def _settled(self, key: str, flight: _Flight, task: asyncio.Task[None]) -> None:
        """A fetch task that was cancelled before it ran must not leave its waiters hanging."""
        if not flight.future.done():
            cancelled = QuantumError("the token fetch was cancelled before it finished; try again")
            self._land(key, flight, None, cancelled)
        if not task.cancelled():
            task.exception()  # its waiters got it; never "exception was never retrieved"

    def drop(self, key: str, value: str | None = None) -> None:
        """Forget the token of ``key`` (only if it is still ``value``, when given)."""
        with self._guard:
            token = self._tokens.get(key)
            if token is not None and (value is None or token.value == value):
                self._tokens.pop(key, None)

    def clear(self) -> None:
        with self._guard:
            self._tokens.clear()
            self.fetches = 0


@dataclass(frozen=True)
class _Flight:
    """A token fetch in progress: its result, and where it runs (a loop, or a thread)."""

    future: Future[Token]
    loop: asyncio.AbstractEventLoop | None
    thread: int


#: The cache every client of this process shares.
TOKEN_CACHE = TokenCache()


class BearerAuth(Authenticator):
    """``Authorization: Bearer <token>`` from a ``TokenSource`` through the shared cache."""

    refreshable = True

    def __init__(self, source: TokenSource, cache: TokenCache | None = None) -> None:
        self.source = source
        self.cache = cache or TOKEN_CACHE

    def headers(self, request: Request | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.cache.get(self.source).value}"}

    async def aheaders(self, request: Request | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {(await self.cache.aget(self.source)).value}"}

    def invalidate(self, used: Mapping[str, str] | None = None) -> None:
        value = None
        if used is not None:
            header: Any = used.get("Authorization", "")
            value = header.removeprefix("Bearer ") or None
        self.cache.drop(self.source.cache_key, value)

    def __repr__(self) -> str:
        return f"BearerAuth({type(self.source).__name__})"
