"""The emulator's ASGI application: every vendor's routes, the control API, error shapes."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from airflow_quantum_emulator._version import __version__
from airflow_quantum_emulator.control import build_control_router
from airflow_quantum_emulator.errors import VendorError, error_response, surface_for
from airflow_quantum_emulator.middleware import (
    BodyTooLarge,
    EmulatorMiddleware,
    InjectedDrop,
    hide_injected_drops_from_logs,
)
from airflow_quantum_emulator.pages import build_page_router
from airflow_quantum_emulator.state import EmulatorState

log = logging.getLogger(__name__)


def create_app(state: EmulatorState | None = None) -> FastAPI:
    """Build the emulator app around ``state`` (a new one when not given)."""
    from airflow_quantum_emulator.azure import build_router as build_azure_router
    from airflow_quantum_emulator.braket import build_router as build_braket_router
    from airflow_quantum_emulator.ibm import build_router as build_ibm_router

    state = state or EmulatorState()
    hide_injected_drops_from_logs()
    app = FastAPI(
        title="airflow-quantum emulator",
        version=__version__,
        description="Local emulator of Azure Quantum, IBM Quantum (Qiskit Runtime), Amazon Braket.",
        docs_url="/_emulator/docs",
        openapi_url="/_emulator/openapi.json",
        redoc_url=None,
    )
    app.state.emulator = state
    app.include_router(build_control_router(state))
    app.include_router(build_page_router(state))
    app.include_router(build_ibm_router(state))
    app.include_router(build_azure_router(state))
    app.include_router(build_braket_router(state))
    app.add_middleware(EmulatorMiddleware, state=state)
    _install_error_handlers(app, state)
    return app


def _surface(request: Request, state: EmulatorState) -> str:
    return surface_for(request.url.path, state.config.storage_account)


def _install_error_handlers(app: FastAPI, state: EmulatorState) -> None:
    @app.exception_handler(VendorError)
    async def vendor_error(request: Request, exc: VendorError) -> Response:
        return error_response(
            _surface(request, state),
            exc.status,
            exc.message,
            exc.code,
            exc.headers,
            exc.solution,
            exc.members,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err.get('loc', ())) or 'request'}: {err.get('msg')}"
            for err in exc.errors()
        )
        return error_response(_surface(request, state), 400, f"Invalid request: {problems}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            message = f"No such resource: {request.method} {request.url.path}"
        elif exc.status_code == 405:
            message = f"Method {request.method} is not allowed on {request.url.path}"
        else:
            message = str(exc.detail)
        return error_response(_surface(request, state), exc.status_code, message)

    @app.exception_handler(BodyTooLarge)
    async def body_too_large(request: Request, exc: BodyTooLarge) -> Response:
        return error_response(_surface(request, state), 413, str(exc), "RequestBodyTooLarge")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        if isinstance(exc, InjectedDrop):  # the response has started; nothing will be sent
            return Response(status_code=500)
        log.exception("emulator bug while answering %s %s", request.method, request.url.path)
        return error_response(
            _surface(request, state),
            500,
            f"The emulator failed unexpectedly ({type(exc).__name__}); see its log.",
        )
