"""What both quantum hooks share: connection loading (sync and async) and client caching."""

from __future__ import annotations

import asyncio
from functools import cached_property
from typing import Any

from asgiref.sync import sync_to_async

try:
    from airflow.sdk import BaseHook
except ImportError:  # pragma: no cover - Airflow < 3 is not supported
    from airflow.hooks.base import BaseHook  # type: ignore[no-redef]


class QuantumBaseHook(BaseHook):
    """Loads the hook's connection once and hands out cached sync/async clients.

    Subclasses implement ``_client_from_connection(conn)`` and
    ``_async_client_from_connection(conn)``; the connection is read with the async connection
    API inside an event loop (never the blocking ``get_connection``).
    """

    conn_name_attr = "conn_id"

    def __init__(self, conn_id: str, **client_options: Any) -> None:
        super().__init__()
        self.conn_id = conn_id
        self.client_options = client_options
        self._async_client: Any = None

    @cached_property
    def connection(self) -> Any:
        return self.get_connection(self.conn_id)

    async def aconnection(self) -> Any:
        """The connection, read without blocking the event loop."""
        getter = getattr(type(self), "aget_connection", None)
        if getter is not None:
            return await getter(self.conn_id)
        return await sync_to_async(self.get_connection)(self.conn_id)

    @cached_property
    def client(self) -> Any:
        """The synchronous vendor client (built once per hook)."""
        return self._client_from_connection(self.connection)

    def get_conn(self) -> Any:
        """Airflow's conventional accessor: the synchronous client."""
        return self.client

    async def aclient(self) -> Any:
        """The asynchronous vendor client (built once per hook, used in the running loop).

        It is built in a worker thread: ``httpx.AsyncClient`` loads the CA bundle into an SSL
        context when created, which blocked the triggerer's loop for 0.2-0.5 s per trigger
        start on a busy machine.
        """
        if self._async_client is None:
            conn = await self.aconnection()
            client = await asyncio.to_thread(self._async_client_from_connection, conn)
            if self._async_client is None:  # another coroutine may have built one meanwhile
                self._async_client = client
            else:
                await client.aclose()
        return self._async_client

    async def aclose(self) -> None:
        """Close the async client's connections."""
        if self._async_client is not None:
            await self._async_client.aclose()
            self._async_client = None

    def close(self) -> None:
        if "client" in self.__dict__:
            self.client.close()
            del self.__dict__["client"]

    def _client_from_connection(self, conn: Any) -> Any:
        raise NotImplementedError

    def _async_client_from_connection(self, conn: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def extras(conn: Any) -> dict[str, Any]:
        """The connection's extras as a dict (``{}`` when empty or not JSON)."""
        try:
            return dict(conn.extra_dejson or {})
        except (TypeError, ValueError):
            return {}
