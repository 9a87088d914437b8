"""Operations written once (sans-IO), run by one sync and one async executor for both vendors.

An operation is a ``Call`` (one request, how to read its answer, and, for a few, how to read an
error answer) or a ``Flow``: a generator that yields calls and receives what each one parsed to,
for operations of several requests (an Azure submission: SAS, blob upload, ``PUT``). A failed
call is thrown into the flow as the provider's exception, where ``try``/``except`` around the
``yield`` recovers from it. Listings are ``Pager`` objects that hand out the call of the next
page until there is none.

``SyncCaller`` runs them with a ``SyncTransport`` (``requests``), ``AsyncCaller`` with an
``AsyncTransport`` (``httpx``); these two are the only places where an operation meets I/O, so
request building, parsing and the error reading of each operation exist once. Neither waits for
a job: waiting is ``airflow_quantum.waiting``'s (the clients only read).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, Self, TypeVar

from airflow_quantum.clients.errors import QuantumAPIError, QuantumError
from airflow_quantum.clients.transport import AsyncTransport, Request, SyncTransport, decode_json

T = TypeVar("T")
U = TypeVar("U")


class Answer(Protocol):
    """What both ``requests.Response`` and ``httpx.Response`` offer."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    @property
    def content(self) -> bytes: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request, how to read its answer, and (optionally) what an error answer stands for."""

    request: Request
    parse: Callable[[Answer], T]
    on_error: Callable[[QuantumAPIError], T] | None = field(default=None)

    def recover(self, error: QuantumAPIError) -> T:
        """The value an error answer stands for (e.g. no logs: ``""``), or the error again."""
        if self.on_error is None:
            raise error
        return self.on_error(error)

    def then(self, read: Callable[[T], U]) -> Call[U]:
        """The same call, its value passed through ``read``."""
        parse, on_error = self.parse, self.on_error
        return Call(
            self.request,
            lambda answer: read(parse(answer)),
            None if on_error is None else (lambda error: read(on_error(error))),
        )


#: Several calls in a row: yields calls, receives their values, returns the operation's value.
Flow = Generator[Call[Any], Any, T]


def json_call(vendor: str, request: Request, read: Callable[[Any], T]) -> Call[T]:
    """A call whose answer is JSON, read by ``read`` (garbage: ``BadResponseError``)."""

    def parse(answer: Answer) -> T:
        return read(decode_json(vendor, answer.text, request.method, request.url))

    return Call(request, parse)


def json_of(vendor: str, answer: Answer, request: Request) -> Any:
    """The JSON body of an answer (None when empty)."""
    return decode_json(vendor, answer.text, request.method, request.url)


class Pager(Protocol[T]):
    """A listing: the call of each next page (its value: the page's items), None when done."""

    def next_call(self) -> Call[list[T]] | None: ...


class Steps(Generic[T]):
    """One operation driven step by step, whatever does its I/O: send ``call``, then ``give``
    its value or ``fail`` with its error, until ``call`` is None and ``value`` is the result.

    A single ``Call`` is a flow of one step. Used as a context manager, the flow is closed
    however the driving ends.
    """

    def __init__(self, operation: Call[T] | Flow[T]) -> None:
        self._flow = _one(operation) if isinstance(operation, Call) else operation
        self.value: T
        self.call: Call[Any] | None = self._step(self._flow.send, None)

    def give(self, value: Any) -> None:
        """Send the last call's value into the flow."""
        self.call = self._step(self._flow.send, value)

    def fail(self, error: QuantumError) -> None:
        """Throw the last call's error into the flow (which may recover from it)."""
        self.call = self._step(self._flow.throw, error)

    def _step(self, resume: Callable[[Any], Call[Any]], outcome: Any) -> Call[Any] | None:
        try:
            return resume(outcome)
        except StopIteration as stop:
            self.value = stop.value
            return None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._flow.close()


def _one(call: Call[T]) -> Flow[T]:
    return (yield call)


# ------------------------------------------------------------------------------ executors


class SyncCaller:
    """Runs calls, flows and pagers with a ``SyncTransport``; base of the sync clients."""

    transport: SyncTransport
    transport_class = SyncTransport

    def _call(self, call: Call[T]) -> T:
        try:
            answer = self.transport.send(call.request)
        except QuantumAPIError as exc:
            return call.recover(exc)
        return call.parse(answer)

    def _run(self, operation: Call[T] | Flow[T]) -> T:
        with Steps(operation) as steps:
            while steps.call is not None:
                try:
                    value = self._call(steps.call)
                except QuantumError as exc:
                    steps.fail(exc)
                else:
                    steps.give(value)
            return steps.value

    def _pages(self, pager: Pager[T]) -> Iterator[list[T]]:
        while (call := pager.next_call()) is not None:
            yield self._call(call)

    def _items(self, pager: Pager[T], limit: int | None = None) -> Iterator[T]:
        count = 0
        for page in self._pages(pager):
            for item in page:
                if limit is not None and count >= limit:
                    return
                count += 1
                yield item
            if limit is not None and count >= limit:
                return

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()


class AsyncCaller:
    """Runs calls, flows and pagers with an ``AsyncTransport``; base of the async clients."""

    transport: AsyncTransport
    transport_class = AsyncTransport

    async def _call(self, call: Call[T]) -> T:
        try:
            answer = await self.transport.send(call.request)
        except QuantumAPIError as exc:
            return call.recover(exc)
        return call.parse(answer)

    async def _run(self, operation: Call[T] | Flow[T]) -> T:
        with Steps(operation) as steps:
            while steps.call is not None:
                try:
                    value = await self._call(steps.call)
                except QuantumError as exc:
                    steps.fail(exc)
                else:
                    steps.give(value)
            return steps.value

    async def _pages(self, pager: Pager[T]) -> AsyncIterator[list[T]]:
        while (call := pager.next_call()) is not None:
            yield await self._call(call)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.transport.aclose()
