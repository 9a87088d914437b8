"""ASGI middleware: counts every request, injects faults, and bounds request bodies."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airflow_quantum_emulator.errors import error_response, surface_for, vendor_of
from airflow_quantum_emulator.faults import FaultRule
from airflow_quantum_emulator.state import EmulatorState
from airflow_quantum_emulator.stats import RequestRecord


class BodyTooLarge(Exception):
    """The request body is larger than ``config.max_body_bytes``."""


class InjectedDrop(Exception):
    """Raised mid-response on purpose: the server then closes the connection."""


class _HideInjectedDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], InjectedDrop))


_DROP_FILTER = _HideInjectedDrops()


def hide_injected_drops_from_logs() -> None:
    """Keep uvicorn from logging a traceback for every injected connection drop."""
    logger = logging.getLogger("uvicorn.error")
    if _DROP_FILTER not in logger.filters:
        logger.addFilter(_DROP_FILTER)


class EmulatorMiddleware:
    """Wraps the whole app; vendor paths get stats and faults, ``/_emulator`` only stats."""

    def __init__(self, app: ASGIApp, state: EmulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = self.state
        path: str = scope["path"]
        method: str = scope["method"]
        surface = surface_for(path, state.config.storage_account)
        vendor = vendor_of(surface)
        counted = vendor not in ("azure", "ibm", "braket")

        def count(status: int) -> None:
            nonlocal counted
            if counted:
                return
            counted = True
            route = scope.get("route")
            template = getattr(route, "path", None) or path
            state.stats.record_request(
                RequestRecord(state.now(), vendor, method, template, path, status)
            )

        late = 0.0

        async def send_wrapper(message: Message) -> None:
            # Count before the answer leaves, so a client that reads the stats right after
            # its last answer always sees that request counted.
            if message["type"] == "http.response.start":
                count(message["status"])
                if late:
                    await asyncio.sleep(late)  # handled already; the answer comes late
            await send(message)

        try:
            if not counted:
                plan = state.faults.plan(vendor, method, path, state.now())
                late = plan.late
                if plan.delay:
                    await asyncio.sleep(plan.delay)
                if plan.drop:
                    await _drop_connection(send_wrapper)
                    return
                if plan.status_rule is not None:
                    response = _fault_response(surface, plan.status_rule)
                    await response(scope, receive, send_wrapper)
                    return
            too_large = _declared_too_large(scope, state.config.max_body_bytes)
            if too_large:
                response = error_response(surface, 413, too_large, "RequestBodyTooLarge")
                await response(scope, receive, send_wrapper)
                return
            await self.app(scope, _bounded(receive, state.config.max_body_bytes), send_wrapper)
        finally:
            count(500)  # no answer was started: the request failed inside the app


def _fault_response(surface: str, rule: FaultRule) -> Any:
    headers: dict[str, str] = {}
    if rule.retry_after is not None:
        if rule.retry_after_format == "http-date":
            import time

            headers["Retry-After"] = email.utils.formatdate(
                time.time() + rule.retry_after, usegmt=True
            )
        elif rule.retry_after_format == "ms":
            headers["retry-after-ms"] = str(int(rule.retry_after * 1000))
        else:
            headers["Retry-After"] = str(math.ceil(rule.retry_after))
    message = rule.message or f"Injected fault: HTTP {rule.status} from the emulator."
    return error_response(surface, rule.status, message, rule.code, headers)


async def _drop_connection(send: Send) -> None:
    """Start a response and abort it: the server closes the connection mid-response."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", b"1048576"), (b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": b"{", "more_body": True})
    raise InjectedDrop("connection dropped by an injected fault")


def _declared_too_large(scope: Scope, limit: int) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                size = int(value)
            except ValueError:
                return "Content-Length is not a number."
            if size > limit:
                return f"The request body has {size} bytes; the limit is {limit} bytes."
    return None


def _bounded(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def bounded_receive() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(f"The request body is larger than the limit of {limit} bytes.")
        return message

    return bounded_receive
