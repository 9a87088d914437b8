"""What the waits of one connection share inside one event loop.

A triggerer runs thousands of waits on one event loop. Per connection they share one
``ConnectionScope``: the connection (read once with the async API, however many waits start
together), one hook with one HTTP client and so one bearer token, a bound on concurrent
requests, and the shared poller. Scopes are keyed per event loop (an HTTP client belongs to
the loop it was made in; tests run many loops) and per connection id *and content*: once a
connection is edited, waits that start afterwards get a new scope, while the running ones
finish on the old one. The last wait to leave a scope closes its client.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from airflow_quantum.clients.auth import secret_fingerprint
from airflow_quantum.clients.config import parse_bool
from airflow_quantum.clients.errors import ConfigurationError
from airflow_quantum.clients.transport import POOL_SIZE
from airflow_quantum.hooks.base import QuantumHook
from airflow_quantum.triggers.poller import SharedPoller

#: How long a connection read serves the waits that start after it (a triggerer restart
#: starts thousands within seconds). An edited connection is seen by waits starting later.
CONNECTION_TTL = 5.0
#: Requests one scope has in flight at most; more wait their turn (in order). One per pooled
#: connection of the client: beyond that, httpx spends its time managing its pool.
MAX_CONCURRENT_REQUESTS = POOL_SIZE
#: The connection extra that turns shared polling off (``false``) for every wait using it.
SHARED_POLLING_EXTRA = "shared_polling"

_CONNECTION_FIELDS = ("conn_type", "host", "schema", "login", "password", "port", "extra")


class ConnectionScope:
    """One connection's shared hook, request slots and poller, in one event loop."""

    def __init__(self, key: tuple[str, str, str], hook: Any, shared_polling: bool) -> None:
        self.key = key
        self.hook = hook
        #: The connection's own choice (extra ``shared_polling``, default on).
        self.shared_polling = shared_polling
        self.slots = asyncio.Semaphore(MAX_CONCURRENT_REQUESTS)
        self.users = 0
        self._poller: SharedPoller | None = None

    @property
    def conn_id(self) -> str:
        return self.key[1]

    def poller(self, vendor: str) -> SharedPoller:
        """The scope's shared poller (made on first use)."""
        if self._poller is None:
            self._poller = SharedPoller(self.hook, vendor)
        return self._poller

    async def close(self) -> None:
        if self._poller is not None:
            await self._poller.stop()
        await self.hook.aclose()

    def __repr__(self) -> str:  # never the fingerprint: it is derived from secrets
        return f"ConnectionScope(conn_id={self.conn_id!r}, users={self.users})"


@dataclass
class _LoopScopes:
    """The scopes and recent connection reads of one event loop."""

    scopes: dict[tuple[str, str, str], ConnectionScope] = field(default_factory=dict)
    #: Scopes being made (their client is built in a worker thread).
    making: dict[tuple[str, str, str], asyncio.Task[ConnectionScope]] = field(default_factory=dict)
    #: conn_id -> (when read, the read in flight or the connection it found)
    reads: dict[str, tuple[float, Any]] = field(default_factory=dict)


_LOOPS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopScopes] = (
    weakref.WeakKeyDictionary()
)


def _loop_scopes() -> _LoopScopes:
    loop = asyncio.get_running_loop()
    scopes = _LOOPS.get(loop)
    if scopes is None:
        scopes = _LOOPS[loop] = _LoopScopes()
    return scopes


async def acquire(kind: str, conn_id: str, make_hook: Callable[[], Any]) -> ConnectionScope:
    """The scope of ``conn_id`` for waits of ``kind`` (made on first use); release it after.

    Raises what reading the connection raises, and ``ConfigurationError`` for a connection
    the vendor's client cannot use. Waits starting together share one scope being made.
    """
    loop_scopes = _loop_scopes()
    conn = await read_connection(conn_id)
    key = (kind, conn_id, _fingerprint(conn))
    scope = loop_scopes.scopes.get(key)
    if scope is None:
        making = loop_scopes.making.get(key)
        if making is None:
            making = asyncio.get_running_loop().create_task(
                _make_scope(loop_scopes, key, conn, make_hook)
            )
            loop_scopes.making[key] = making
            making.add_done_callback(lambda _: loop_scopes.making.pop(key, None))
        scope = await asyncio.shield(making)
    scope.users += 1
    return scope


async def _make_scope(
    loop_scopes: _LoopScopes, key: tuple[str, str, str], conn: Any, make_hook: Callable[[], Any]
) -> ConnectionScope:
    try:
        shared = parse_bool(
            QuantumHook.extras(conn).get(SHARED_POLLING_EXTRA),
            SHARED_POLLING_EXTRA,
            default=True,
        )
    except ConfigurationError as exc:
        raise ConfigurationError(f"connection {key[1]!r}: extra {exc}") from None
    hook = make_hook()
    hook.bind_connection(conn)
    await hook.aclient()  # a connection the client cannot use fails here, once
    scope = loop_scopes.scopes[key] = ConnectionScope(key, hook, shared)
    return scope


async def release(scope: ConnectionScope) -> None:
    """One wait left the scope; the last one closes it."""
    scope.users -= 1
    if scope.users > 0:
        return
    loop_scopes = _loop_scopes()
    if loop_scopes.scopes.get(scope.key) is scope:
        del loop_scopes.scopes[scope.key]
    await scope.close()


async def read_connection(conn_id: str) -> Any:
    """The connection, read with the async API; waits starting together share one read."""
    reads = _loop_scopes().reads
    now = time.monotonic()
    entry = reads.get(conn_id)
    if entry is not None:
        read_at, value = entry
        if isinstance(value, asyncio.Task):
            return await asyncio.shield(value)
        if now - read_at <= CONNECTION_TTL:
            return value
    task = asyncio.get_running_loop().create_task(QuantumHook.aget_connection(conn_id))
    reads[conn_id] = (now, task)
    task.add_done_callback(lambda done: _read_done(reads, conn_id, done))
    return await asyncio.shield(task)


def _read_done(reads: dict[str, tuple[float, Any]], conn_id: str, task: Any) -> None:
    """Keep the connection a read found (not the task: it would pin the event loop)."""
    entry = reads.get(conn_id)
    if entry is None or entry[1] is not task:
        return
    if task.cancelled() or task.exception() is not None:
        del reads[conn_id]
    else:
        reads[conn_id] = (entry[0], task.result())


def _fingerprint(conn: Any) -> str:
    return secret_fingerprint(*(str(getattr(conn, name, None)) for name in _CONNECTION_FIELDS))


def live_scopes() -> list[ConnectionScope]:
    """The scopes of the running event loop (for tests and diagnostics)."""
    return list(_loop_scopes().scopes.values())
