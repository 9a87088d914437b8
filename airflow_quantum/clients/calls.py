"""Operations written once (sans-IO); the sync and async client methods are derived from them.

A vendor's protocol class defines each operation once, as a method decorated with
:class:`operation` (or :class:`listing`): it checks its arguments, builds the request and says
how to read the answer, returning

- a ``Call`` (one request, how to read its answer, and, for a few, how to read an error answer),
- a ``Flow``: a generator that yields calls and receives what each one parsed to, for operations
  of several requests (an Azure submission: SAS, blob upload, ``PUT``). A failed call is thrown
  into the flow as the provider's exception, where ``try``/``except`` around the ``yield``
  recovers from it;
- or, for a ``listing``, a ``Pager`` that hands out the call of each next page until there is none.

The vendor's clients are that protocol class run by a ``SyncRunner`` (``requests``) or an
``AsyncRunner`` (``httpx``): ``client.get_job(job_id)`` returns the job on a sync client and an
awaitable of it on an async one, with the operation's signature and docstring. The call an
operation builds, without sending it, is ``client.get_job.call(job_id)``. A single call runs
without a generator driver; neither runner waits for a job (``airflow_quantum.waiting`` does).
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import AsyncIterator, Callable, Coroutine, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import (
    Any,
    Concatenate,
    Generic,
    ParamSpec,
    Protocol,
    Self,
    TypeVar,
    overload,
)

from airflow_quantum.clients.errors import QuantumAPIError, QuantumError
from airflow_quantum.clients.transport import AsyncTransport, Request, SyncTransport, decode_json

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
U = TypeVar("U")
P = ParamSpec("P")


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


class Pager(Protocol[T_co]):
    """A listing: the call of each next page (its value: the page's items), None when done."""

    def next_call(self) -> Call[list[T_co]] | None: ...  # type: ignore[misc]


class Steps(Generic[T]):
    """A flow driven step by step, whatever does its I/O: send ``call``, then ``give`` its
    value or ``fail`` with its error, until ``call`` is None and ``value`` is the result.

    Used as a context manager, the flow is closed however the driving ends.
    """

    def __init__(self, flow: Flow[T]) -> None:
        self._flow = flow
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


# ------------------------------------------------------------------------ the derived faces


class SyncOperation(Protocol[P, T_co]):
    """An operation on a sync client: call it for its value; ``.call(...)`` builds it unsent."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> T_co: ...

    def call(self, *args: P.args, **kwargs: P.kwargs) -> Call[Any] | Flow[Any]: ...


class AsyncOperation(Protocol[P, T_co]):
    """An operation on an async client: await it for its value; ``.call(...)`` builds it."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Coroutine[Any, Any, T_co]: ...

    def call(self, *args: P.args, **kwargs: P.kwargs) -> Call[Any] | Flow[Any]: ...


SyncFace = TypeVar("SyncFace")
AsyncFace = TypeVar("AsyncFace")


class _ClientMethod(Generic[SyncFace, AsyncFace]):
    """What ``operation`` and ``listing`` share: the client method of ``build`` keeps its name,
    docstring and signature (``returns`` says what a built ``Call``/``Flow``/``Pager`` of ``X``
    gives), and is made once per client."""

    returns = "{}"

    def __init__(self, build: Callable[..., Any]) -> None:
        self.build = build
        self.name = build.__name__
        self.signature = client_signature(build, self.returns)
        functools.update_wrapper(self, build)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def bind(self, client: Any) -> Any:
        raise NotImplementedError

    @overload
    def __get__(self, client: None, owner: type) -> Self: ...
    @overload
    def __get__(self, client: SyncRunner, owner: type) -> SyncFace: ...
    @overload
    def __get__(self, client: AsyncRunner, owner: type) -> AsyncFace: ...
    def __get__(self, client: Any, owner: type) -> Any:
        if client is None:
            return self
        method = self.bind(client)
        method.__signature__ = self.signature
        client.__dict__[self.name] = method
        return method


class operation(_ClientMethod[SyncOperation[P, T], AsyncOperation[P, T]]):
    """Decorator of a protocol method that builds a ``Call[T]`` or a ``Flow[T]``.

    On a sync client the method returns ``T``; on an async client, a coroutine of ``T``;
    ``.call(...)`` gives the unsent call (or flow).
    """

    def __init__(self, build: Callable[Concatenate[Any, P], Call[T] | Flow[T]]) -> None:
        super().__init__(build)

    def bind(self, client: Any) -> Any:
        return client.bind(self.build)


class SyncListing(Protocol[P, T_co]):
    """A listing on a sync client: an iterator of items, pages fetched as it is consumed."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Iterator[T_co]: ...


class AsyncListing(Protocol[P, T_co]):
    """A listing on an async client: an async iterator of items."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> AsyncIterator[T_co]: ...


class listing(_ClientMethod[SyncListing[P, T], AsyncListing[P, T]]):
    """Decorator of a protocol method that builds a ``Pager[T]``.

    Its arguments are checked when it is called; pages are fetched as the items are consumed.
    """

    returns = "Iterator[{}]"

    def __init__(self, build: Callable[Concatenate[Any, P], Pager[T]]) -> None:
        super().__init__(build)

    def bind(self, client: Any) -> Any:
        build = self.build

        @functools.wraps(build)
        def method(*args: Any, **kwargs: Any) -> Any:
            return client.items(build(client, *args, **kwargs))

        return method


_BUILT = re.compile(r"^(?:Call|Flow|Pager)\[(.*)\]$")


def client_signature(build: Callable[..., Any], returns: str) -> inspect.Signature:
    """The signature of the client method of ``build``: no ``self``, and what the call
    gives (``Call[X]`` -> ``X``; a pager's ``Pager[X]`` -> ``returns`` with ``X``)."""
    signature = inspect.signature(build)
    annotation = signature.return_annotation
    if isinstance(annotation, str) and (match := _BUILT.match(annotation)):
        annotation = returns.format(match.group(1))
    return signature.replace(
        parameters=list(signature.parameters.values())[1:], return_annotation=annotation
    )


class SyncRunner:
    """Runs calls, flows and pagers with a ``SyncTransport`` (``requests``)."""

    transport: SyncTransport
    transport_class = SyncTransport

    def bind(self, build: Callable[..., Any]) -> Any:
        """The client method of an operation."""

        @functools.wraps(build)
        def method(*args: Any, **kwargs: Any) -> Any:
            return self.run(build(self, *args, **kwargs))

        method.call = functools.partial(build, self)  # type: ignore[attr-defined]
        return method

    def run(self, operation: Call[T] | Flow[T]) -> T:
        """Send a call and read its answer; or drive a flow through its calls."""
        if isinstance(operation, Call):
            try:
                answer = self.transport.send(operation.request)
            except QuantumAPIError as exc:
                return operation.recover(exc)
            return operation.parse(answer)
        with Steps(operation) as steps:
            while steps.call is not None:
                try:
                    value = self.run(steps.call)
                except QuantumError as exc:
                    steps.fail(exc)
                else:
                    steps.give(value)
            return steps.value

    def items(self, pager: Pager[T]) -> Iterator[T]:
        """The items of every page, each page fetched when the one before is used up."""
        while (call := pager.next_call()) is not None:
            yield from self.run(call)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()


class AsyncRunner:
    """Runs calls, flows and pagers with an ``AsyncTransport`` (``httpx``); never blocks."""

    transport: AsyncTransport
    transport_class = AsyncTransport

    def bind(self, build: Callable[..., Any]) -> Any:
        """The client method of an operation (a coroutine function)."""

        @functools.wraps(build)
        async def method(*args: Any, **kwargs: Any) -> Any:
            return await self.run(build(self, *args, **kwargs))

        method.call = functools.partial(build, self)  # type: ignore[attr-defined]
        return method

    async def run(self, operation: Call[T] | Flow[T]) -> T:
        """Send a call and read its answer; or drive a flow through its calls."""
        if isinstance(operation, Call):
            try:
                answer = await self.transport.send(operation.request)
            except QuantumAPIError as exc:
                return operation.recover(exc)
            return operation.parse(answer)
        with Steps(operation) as steps:
            while steps.call is not None:
                try:
                    value = await self.run(steps.call)
                except QuantumError as exc:
                    steps.fail(exc)
                else:
                    steps.give(value)
            return steps.value

    async def items(self, pager: Pager[T]) -> AsyncIterator[T]:
        """The items of every page, each page fetched when the one before is used up."""
        while (call := pager.next_call()) is not None:
            for item in await self.run(call):
                yield item

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.transport.aclose()


def collect(pager: Pager[T]) -> Flow[list[T]]:
    """A flow that reads every page of ``pager``: all of its items."""
    items: list[T] = []
    while (call := pager.next_call()) is not None:
        items.extend((yield call))
    return items


def pages_of(pager: Pager[T]) -> Pager[list[T]]:
    """A pager whose items are the pages of ``pager`` (for readers that work page by page)."""
    return _PagesOf(pager)


class _PagesOf(Generic[T]):
    def __init__(self, pager: Pager[T]) -> None:
        self.pager = pager

    def next_call(self) -> Call[list[list[T]]] | None:
        call = self.pager.next_call()
        return None if call is None else call.then(lambda page: [page])
