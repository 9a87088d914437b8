"""What both quantum hooks share: the connection, the clients, and the vendor-neutral verbs.

The hook is the one place where an Airflow connection becomes a client: ``get_conn()`` hands
out the synchronous client (one per hook), ``aclient()`` the asynchronous one (triggers).
A plain API call goes through the client (``hook.get_conn().submit_job(...)``, as Amazon's
``hook.conn``); the hook keeps only what it adds: connection parsing, ``test_connection``, the
seed methods that wait or convert, and the verbs both vendors mean the same by:

- ``get_job_status(job_id)`` -> ``(JobState, message)``;
- ``get_job_result(job_id, timeout)`` -> the result as plain JSON (waiting up to ``timeout``);
- ``cancel_job(job_id)`` / ``acancel_job(job_id)`` -> True, or False when it was already final;
- ``queue_position(job_id)`` / ``aqueue_position(job_id)`` -> position, or None.
"""

from __future__ import annotations

import asyncio
from functools import cached_property
from typing import Any, ClassVar

from asgiref.sync import sync_to_async

from airflow_quantum.clients.errors import InvalidStateError
from airflow_quantum.clients.state import JobState

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
    vendor: ClassVar[str] = "quantum"

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
        """The synchronous vendor client (built once per hook): every plain API call."""
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

    # ------------------------------------------------------------ the verbs of both vendors

    def get_job_status(self, job_id: str) -> tuple[JobState, str | None]:
        """The job's state, and the vendor's message about it (why it failed) or None."""
        job = self.get_conn().get_job(job_id)
        return job.state, job.error_message()

    def get_job_result(self, job_id: str, timeout: float | None = None, **options: Any) -> Any:
        """Wait up to ``timeout`` seconds for the job, then its result as plain JSON."""
        raise NotImplementedError

    def cancel_job(self, job_id: str) -> bool:
        """Cancel the job: True, or False when it was already final (nothing to cancel)."""
        try:
            self.get_conn().cancel_job(job_id)
        except InvalidStateError:
            self.log.info("%s job %s is already final", self.vendor, job_id)
            return False
        self.log.info("Cancelled %s job %s", self.vendor, job_id)
        return True

    async def acancel_job(self, job_id: str) -> bool:
        """``cancel_job`` without blocking the event loop (triggers)."""
        client = await self.aclient()
        try:
            await client.cancel_job(job_id)
        except InvalidStateError:
            return False
        self.log.info("Cancelled %s job %s", self.vendor, job_id)
        return True

    def queue_position(self, job_id: str) -> int | None:
        """Position of the job in the queue; None when not queued or not known."""
        raise NotImplementedError

    async def aqueue_position(self, job_id: str) -> int | None:
        """``queue_position`` without blocking the event loop (triggers)."""
        raise NotImplementedError


class UsesHook:
    """What a task of one vendor needs to reach its hook (operators and sensors alike).

    The vendor class names ``hook_class``; the task's connection id is the attribute the hook
    class names (``conn_name_attr``, e.g. ``azure_quantum_conn_id``); the hook is built once.
    """

    hook_class: ClassVar[type[QuantumBaseHook]]

    @property
    def conn_id(self) -> str:
        return getattr(self, self.hook_class.conn_name_attr)

    @cached_property
    def hook(self) -> Any:
        return self.hook_class(**{self.hook_class.conn_name_attr: self.conn_id})
