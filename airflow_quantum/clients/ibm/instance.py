"""What an IBM Quantum instance is, beside its jobs: auth, requests, sessions, backends, usage.

``IBMInstance`` is the base of the IBM protocol (``protocol.IBMProtocol`` adds the job
operations): its settings, IAM credentials and request helpers, and the operations on the
instance itself, each defined once (see ``calls``). Backend configurations and qiskit targets
are read once per client.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from airflow_quantum.clients.auth import Authenticator, TokenCache
from airflow_quantum.clients.base import QuantumClient
from airflow_quantum.clients.calls import Call, Flow, json_call, operation
from airflow_quantum.clients.errors import (
    BadResponseError,
    InvalidInputError,
    NotFoundError,
    QuantumAPIError,
)
from airflow_quantum.clients.ibm import backend_models, models, transpile
from airflow_quantum.clients.ibm import validation as check
from airflow_quantum.clients.ibm.auth import iam_authenticator
from airflow_quantum.clients.ibm.settings import IBMQuantumSettings
from airflow_quantum.clients.retries import RetryPolicy
from airflow_quantum.clients.transport import Request

VENDOR = "IBM Quantum"
T = TypeVar("T")

#: The official client's retry rules: 5xx (Cloudflare's 52x included) retried on every method,
#: POST included (the API documents those retries as safe); 429 and 413 only on other methods
#: and only with Retry-After; at most 5 retries with exponential backoff and jitter.
IBM_RETRY_POLICY = RetryPolicy(
    max_retries=5,
    backoff_base=0.5,
    backoff_factor=2.0,
    backoff_max=16.0,
    jitter=0.5,
    retry_statuses=frozenset({408, 413, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524}),
    unsafe_retry_statuses=frozenset({500, 502, 503, 504, 520, 521, 522, 523, 524}),
    unsafe_retry_with_retry_after=False,
    retry_after_required=frozenset({413, 429}),
)


class IBMInstance(QuantumClient[IBMQuantumSettings]):
    """One instance (its runtime URL, CRN and API version): its sessions, backends and usage.
    Built as ``QuantumClient`` (``IBMQuantumClient(settings, session=...)``)."""

    vendor = VENDOR
    settings_class = IBMQuantumSettings
    default_retry_policy = IBM_RETRY_POLICY

    def __init__(self, settings: IBMQuantumSettings, **options: Any) -> None:
        super().__init__(settings, **options)
        self.base = settings.runtime_url
        self.headers = {"Service-CRN": settings.instance, "IBM-API-Version": settings.api_version}
        #: Backend configurations and qiskit Targets, read once per client.
        self._configurations: dict[str, backend_models.IBMBackendConfiguration] = {}
        self._qiskit_targets: dict[str, Any] = {}

    def make_authenticator(self, token_cache: TokenCache | None) -> Authenticator:
        # The sync face's IAM requests share its session (the async face has none).
        session = getattr(self.transport, "session", None)
        return iam_authenticator(
            self.settings, policy=self.retry_policy, session=session, cache=token_cache
        )

    def request(self, method: str, path: str, *, body: Any = None, **options: Any) -> Request:
        """A request to the runtime API; ``options`` are ``Request``'s (``params``, ...)."""
        headers = dict(self.headers)
        content = None
        if body is not None:
            try:
                content = json.dumps(body, allow_nan=False).encode()
            except (TypeError, ValueError) as exc:
                raise InvalidInputError(f"the request body is not valid JSON: {exc}") from exc
            headers["Content-Type"] = "application/json"
        return Request(method, f"{self.base}{path}", content=content, headers=headers, **options)

    @staticmethod
    def _read(what: str, model: type[T]) -> Callable[[Any], T]:
        return lambda payload: model.from_wire(payload, what)  # type: ignore[attr-defined]

    def _get(self, path: str, what: str, model: type[T], params: Any = None) -> Call[T]:
        request = self.request("GET", path, params=params)
        return json_call(VENDOR, request, self._read(what, model))

    @staticmethod
    def _empty(
        request: Request, on_error: Callable[[QuantumAPIError], None] | None = None
    ) -> Call[None]:
        return Call(request, lambda answer: None, on_error)

    @staticmethod
    def _session_path(session_id: str, suffix: str = "") -> str:
        return f"/sessions/{quote(check.session_id(session_id), safe='')}{suffix}"

    @staticmethod
    def _backend_path(name: str, suffix: str) -> str:
        return f"/backends/{quote(check.backend(name), safe='')}{suffix}"

    # ------------------------------------------------------------------------ sessions

    @operation
    def open_session(
        self, backend: str, *, mode: str = "batch", max_ttl: int | None = None
    ) -> Call[models.IBMSession]:
        """Open a ``batch`` (the default; the Open plan allows only this) or a ``dedicated``
        session on ``backend`` -> ``IBMSession``."""
        body: dict[str, Any] = {"mode": check.session_mode(mode), "backend": check.backend(backend)}
        if max_ttl is not None:
            body["max_ttl"] = check.count(max_ttl, "max_ttl", minimum=1)
        request = self.request("POST", "/sessions", body=body)
        return json_call(VENDOR, request, self._read("session", models.IBMSession))

    @operation
    def get_session(self, session_id: str) -> Call[models.IBMSession]:
        """``GET /sessions/{id}`` -> ``IBMSession``."""
        return self._get(self._session_path(session_id), "session", models.IBMSession)

    @operation
    def close_session(self, session_id: str) -> Call[None]:
        """Stop accepting jobs; queued and running jobs still run."""
        body = {"accepting_jobs": False}
        request = self.request("PATCH", self._session_path(session_id), body=body, idempotent=True)
        return self._empty(request)

    @operation
    def cancel_session(self, session_id: str) -> Call[None]:
        """Close the session now: its queued jobs will not run."""
        return self._empty(self.request("DELETE", self._session_path(session_id, "/close")))

    # ------------------------------------------------------------- backends and usage

    @operation
    def list_backends(self) -> Call[list[backend_models.IBMBackend]]:
        """``GET /backends`` -> ``list[IBMBackend]``."""

        def read(payload: Any) -> list[backend_models.IBMBackend]:
            devices = payload.get("devices") if isinstance(payload, dict) else None
            if not isinstance(devices, list):
                raise BadResponseError("the backend list has no devices list", vendor=VENDOR)
            return [backend_models.IBMBackend.from_wire(device, "backend") for device in devices]

        return json_call(VENDOR, self.request("GET", "/backends"), read)

    @operation
    def get_backend_status(self, name: str) -> Call[backend_models.IBMBackendStatus]:
        """``GET /backends/{name}/status`` -> ``IBMBackendStatus``."""
        path = self._backend_path(name, "/status")
        return self._get(path, "backend status", backend_models.IBMBackendStatus)

    @operation
    def get_backend_configuration(self, name: str) -> Call[backend_models.IBMBackendConfiguration]:
        """``GET /backends/{name}/configuration`` -> ``IBMBackendConfiguration``."""
        path = self._backend_path(name, "/configuration")
        return self._get(path, "backend configuration", backend_models.IBMBackendConfiguration)

    @operation
    def get_backend_properties(self, name: str) -> Call[backend_models.IBMBackendProperties]:
        """Calibration data (``RuntimeJob.properties``); ``NotFoundError`` for simulators (they
        have none)."""
        path = self._backend_path(name, "/properties")
        return self._get(path, "backend properties", backend_models.IBMBackendProperties)

    @operation
    def get_instance_usage(self) -> Call[backend_models.IBMInstanceUsage]:
        """``GET /instances/usage`` -> ``IBMInstanceUsage`` (quantum seconds used and allowed)."""
        return self._get("/instances/usage", "instance usage", backend_models.IBMInstanceUsage)

    def _configuration(self, name: str) -> Flow[backend_models.IBMBackendConfiguration]:
        """The backend's configuration, read once per client; ``InvalidInputError`` naming the
        instance's backends when it has no such backend."""
        configuration = self._configurations.get(name)
        if configuration is None:
            try:
                configuration = yield self.get_backend_configuration.call(name)
            except NotFoundError:
                devices = yield self.list_backends.call()
                names = ", ".join(sorted(b.name for b in devices)) or "no backends"
                raise InvalidInputError(
                    f"backend {name!r} does not exist on this instance; it has {names}"
                ) from None
            self._configurations[name] = configuration
        return configuration

    def _qiskit_target(self, name: str, configuration: Any) -> Flow[Any]:
        """The backend's qiskit ``Target`` (calibrated errors included), built once per client."""
        target = self._qiskit_targets.get(name)
        if target is None:
            try:
                properties = yield self.get_backend_properties.call(name)
            except NotFoundError:  # a simulator: no calibration to weigh the gates by
                properties = None
            target = transpile.backend_target(configuration, properties)
            self._qiskit_targets[name] = target
        return target
