"""What both quantum hooks share: connection loading (sync and async) and client caching."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing
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
        self._bound_connection: Any = None

    @cached_property
    def connection(self) -> Any:
        return self.get_connection(self.conn_id)

    def bind_connection(self, conn: Any) -> None:
        """Use ``conn`` (read already, e.g. by a trigger) instead of looking it up again."""
        self._bound_connection = conn

    async def aconnection(self) -> Any:
        """The connection, read without blocking the event loop."""
        if self._bound_connection is not None:
            return self._bound_connection
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

    async def apending_job_pages(self, max_pages: int | None = None) -> AsyncIterator[list[Any]]:
        """Pages of the jobs that are not final yet, as ``ListedJob`` (the shared poller's view).

        Every job the account can list is there, other users' too; a job may be missed while
        the listing shifts under the paging, so callers confirm what they did not see.
        """
        client = await self.aclient()
        async with aclosing(client.pending_job_pages(max_pages=max_pages)) as pages:
            async for page in pages:
                yield page

    def job_from_listing(self, listed: Any) -> Any:
        """The vendor's job model of a ``ListedJob`` (after ``apending_job_pages``)."""
        return self._async_client.job_from_listing(listed)

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
