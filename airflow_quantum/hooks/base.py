"""What every quantum hook is: a connection in, typed clients out, and one vocabulary of verbs.

The hook is the one place where an Airflow connection becomes a client: ``get_conn()`` hands
out the synchronous client (one per hook), ``aclient()`` the asynchronous one (triggers). A
plain API call goes through the client (``hook.get_conn().list_jobs(...)``, as Amazon's
``hook.conn``); the hook keeps what it adds, and each verb means the same on every vendor:

- ``get_job_status(job_id)`` -> ``(JobState, message)``;
- ``wait_for_job(job_id, timeout, poll_interval)`` -> the final job (Azure's
  ``wait_until_completed``, IBM's ``wait_for_final_state``);
- ``get_job_result(job_id, timeout)`` -> the result as plain JSON, after waiting;
- ``cancel_job(job_id)`` / ``acancel_job(job_id)`` -> a ``CancelOutcome``;
- ``queue_position(job_id)`` / ``aqueue_position(job_id)`` -> position, or None;
- ``least_busy(candidates)`` -> the ``BackendChoice`` with the shortest queue;

and what the operators ask of a vendor: ``find_job`` / ``submit_job`` (by idempotency key),
``job_url``, ``job_facts``, ``raw_result``, ``check_job_id``. docs/hooks.md has the table of
the official clients' methods and their equivalents here.
"""

from __future__ import annotations

import asyncio
import time
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar

from airflow.sdk import BaseHook
from asgiref.sync import sync_to_async

from airflow_quantum import waiting
from airflow_quantum.clients.errors import InvalidStateError, QuantumError
from airflow_quantum.clients.state import CancelOutcome, JobState
from airflow_quantum.results.summary import JobFacts

C = TypeVar("C")
A = TypeVar("A")

#: Keyword options of a hook: what its sync client, its async client and the hook itself take.
SYNC_CLIENT_OPTIONS = frozenset({"retry_policy", "token_cache", "session", "sleep"})
ASYNC_CLIENT_OPTIONS = frozenset({"retry_policy", "token_cache", "client"})
HOOK_OPTIONS = frozenset({"clock", "sleep"})


class QuantumHook(BaseHook, Generic[C, A]):
    """Loads the hook's connection once and hands out cached sync/async clients of the vendor.

    A vendor's hook names its ``client_class`` and ``async_client_class``, reads its settings
    from a connection (``settings_from_connection``), and says how its seed wait polls
    (``first_poll``, growing x1.5 up to ``max_poll``). The connection is read with the async
    connection API inside an event loop (never the blocking ``get_connection``).

    :param client_options: ``retry_policy`` (a ``RetryPolicy``), ``token_cache``; for the sync
        client ``session`` (a ``requests.Session``) and ``sleep``; for the async one ``client``
        (an ``httpx.AsyncClient``); for the hook's waits ``clock`` and ``sleep``.
    """

    conn_name_attr = "conn_id"
    vendor: ClassVar[str] = "quantum"
    client_class: ClassVar[type[Any]]
    async_client_class: ClassVar[type[Any]]
    #: The seed wait's first pause and its default cap (seconds).
    first_poll: ClassVar[float] = 0.5
    max_poll: ClassVar[float] = 30.0

    def __init__(self, conn_id: str, **client_options: Any) -> None:
        unknown = sorted(
            set(client_options) - SYNC_CLIENT_OPTIONS - ASYNC_CLIENT_OPTIONS - HOOK_OPTIONS
        )
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unknown client options: {', '.join(unknown)}"
            )
        super().__init__()
        self.conn_id = conn_id
        self.client_options = client_options
        self._async_client: A | None = None
        self._bound_connection: Any = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.conn_name_attr}={self.conn_id!r})"

    # ------------------------------------------------------------- connection -> clients

    @classmethod
    def settings_from_connection(cls, conn: Any) -> Any:
        """The vendor's client settings from an Airflow connection (``ConfigurationError``)."""
        raise NotImplementedError

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

    def _options(self, names: frozenset[str]) -> dict[str, Any]:
        return {key: value for key, value in self.client_options.items() if key in names}

    @cached_property
    def client(self) -> C:
        """The synchronous vendor client (built once per hook)."""
        settings = self.settings_from_connection(self.connection)
        return self.client_class(settings, **self._options(SYNC_CLIENT_OPTIONS))

    def get_conn(self) -> C:
        """The synchronous vendor client (built once per hook): every plain API call."""
        return self.client

    async def aclient(self) -> A:
        """The asynchronous vendor client (built once per hook, used in the running loop).

        It is built in a worker thread: ``httpx.AsyncClient`` loads the CA bundle into an SSL
        context when created, which blocked the triggerer's loop for 0.2-0.5 s per trigger
        start on a busy machine.
        """
        if self._async_client is None:
            settings = self.settings_from_connection(await self.aconnection())
            options = self._options(ASYNC_CLIENT_OPTIONS)
            client = await asyncio.to_thread(self.async_client_class, settings, **options)
            if self._async_client is None:  # another coroutine may have built one meanwhile
                self._async_client = client
            else:
                await client.aclose()
        return self._async_client

    async def aclose(self) -> None:
        """Close the async client's connections."""
        if self._async_client is not None:
            await self._async_client.aclose()  # type: ignore[attr-defined]
            self._async_client = None

    def close(self) -> None:
        if "client" in self.__dict__:
            self.client.close()  # type: ignore[attr-defined]
            del self.__dict__["client"]

    @staticmethod
    def extras(conn: Any) -> dict[str, Any]:
        """The connection's extras as a dict (``{}`` when empty or not JSON)."""
        try:
            return dict(conn.extra_dejson or {})
        except (TypeError, ValueError):
            return {}

    # ------------------------------------------------------------ the verbs of every vendor

    def get_job_status(self, job_id: str) -> tuple[JobState, str | None]:
        """The job's state, and the vendor's message about it (why it failed) or None."""
        job = self.get_conn().get_job(job_id)  # type: ignore[attr-defined]
        return job.state, job.error_message()

    def wait_for_job(
        self,
        job_id: str,
        timeout: float | None = None,
        poll_interval: float | None = None,
        *,
        backoff: bool = True,
    ) -> Any:
        """Poll until the job is final and return it (the vendor's job model).

        The first look comes after ``first_poll`` seconds, each next one 1.5 times later, up
        to ``poll_interval`` (default ``max_poll``); ``backoff=False`` polls every
        ``poll_interval``. A 429, a 5xx or a lost connection is ridden out; a status the
        provider does not know is logged and polled on (it is not final). After ``timeout``
        seconds (default: no limit) ``JobTimeoutError``; the job is not cancelled.
        """
        waiting.check_wait(timeout, poll_interval)
        cap = self.max_poll if poll_interval is None else float(poll_interval)
        client = self.get_conn()
        watch = waiting.Watch(f"{self.vendor} job {job_id}", self.log, quiet_if_final=True)

        def seen(job: Any) -> None:
            if job.state is JobState.UNKNOWN and watch.changed(job.state):
                self.log.warning(
                    "%s job %s reports status %r, which the provider does not know; it is "
                    "treated as not final and polled on",
                    self.vendor,
                    job_id,
                    job.status_word,
                )
            else:
                watch.saw(job.state)

        return waiting.wait(
            lambda: client.get_job(job_id),  # type: ignore[attr-defined]
            lambda job: job.state.is_final,
            backoff=waiting.Backoff(min(self.first_poll, cap) if backoff else cap, cap),
            watch=watch,
            timeout=timeout,
            seen=seen,
            sleep=self.client_options.get("sleep", time.sleep),
            clock=self.client_options.get("clock", time.monotonic),
        )

    def get_job_result(
        self,
        job_id: str,
        timeout: float | None = None,
        poll_interval: float | None = None,
        **options: Any,
    ) -> Any:
        """Wait up to ``timeout`` seconds for the job (as ``wait_for_job``), then its result as
        plain JSON.

        ``options`` are the vendor client's ``get_results`` options. A failed or cancelled job
        raises ``JobFailedError`` with the service's code and message.
        """
        job = self.wait_for_job(job_id, timeout, poll_interval)
        return self.get_conn().get_results(job, **options)  # type: ignore[attr-defined]

    def cancel_job(self, job_id: str) -> CancelOutcome:
        """Cancel the job: ``CANCELLED``, or ``ALREADY_FINAL`` when there was nothing to cancel.
        A failure of the service raises (see ``try_cancel``)."""
        try:
            self.get_conn().cancel_job(job_id)  # type: ignore[attr-defined]
        except InvalidStateError:
            self.log.info("%s job %s is already final", self.vendor, job_id)
            return CancelOutcome.ALREADY_FINAL
        self.log.info("Cancelled %s job %s", self.vendor, job_id)
        return CancelOutcome.CANCELLED

    def try_cancel(self, job_id: str, why: str) -> CancelOutcome:
        """``cancel_job`` for a reason (logged), never raising: ``FAILED`` when it failed."""
        self.log.info("Cancelling %s job %s: %s", self.vendor, job_id, why)
        try:
            return self.cancel_job(job_id)
        except QuantumError as exc:
            self.log.warning("Could not cancel %s job %s: %s", self.vendor, job_id, exc)
            return CancelOutcome.FAILED

    async def acancel_job(self, job_id: str) -> CancelOutcome:
        """``cancel_job`` without blocking the event loop (triggers)."""
        client = await self.aclient()
        try:
            await client.cancel_job(job_id)  # type: ignore[attr-defined]
        except InvalidStateError:
            return CancelOutcome.ALREADY_FINAL
        self.log.info("Cancelled %s job %s", self.vendor, job_id)
        return CancelOutcome.CANCELLED

    def queue_position(self, job_id: str) -> int | None:
        """Position of the job in the queue; None when not queued or not known."""
        info = self.get_conn().queue_info(job_id)  # type: ignore[attr-defined]
        return None if info is None else info.position

    async def aqueue_position(self, job_id: str) -> int | None:
        """``queue_position`` without blocking the event loop (triggers)."""
        info = await (await self.aclient()).queue_info(job_id)  # type: ignore[attr-defined]
        return None if info is None else info.position

    # --------------------------------------------------------- what the operators ask

    def check_job_id(self, job_id: Any) -> str:
        """``job_id`` if it is well formed for the vendor, else ``InvalidInputError``."""
        raise NotImplementedError

    def find_job(self, key: str, job: Any = None) -> str | None:
        """A live or succeeded job this task instance already submitted under ``key``; ``job``
        is the prepared job about to be submitted (where to look, for a vendor whose jobs live
        in several places: Braket's in the region of their device)."""
        raise NotImplementedError

    def submit_job(self, job: Any, key: str) -> str:
        """Submit a prepared job under the idempotency ``key``; its id."""
        raise NotImplementedError

    def job_url(self, job_id: str) -> str:
        """The job's page: the vendor's portal, or the emulator's own page."""
        raise NotImplementedError

    def job_facts(self, job_id: str, result: Any = None) -> JobFacts:
        """What the service says about the job (and its result, when there is one)."""
        raise NotImplementedError

    def raw_result(self, job_id: str) -> bytes:
        """The vendor's result payload as downloaded, before decoding."""
        raise NotImplementedError


class TaskHook:
    """The hook of a task (operator or sensor), built once from the task's ``hook_class`` and
    the connection id in the attribute the hook names (``conn_name_attr``)."""

    def __get__(self, task: Any, owner: type) -> Any:
        if task is None:
            return self
        hook = task.__dict__.get("_hook")
        if hook is None:
            hook_class = task.hook_class
            conn_id = getattr(task, hook_class.conn_name_attr)
            hook = task.__dict__["_hook"] = hook_class(**{hook_class.conn_name_attr: conn_id})
        return hook
