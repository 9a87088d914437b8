"""Airflow hook for IBM Quantum (Qiskit Runtime): an Airflow connection in, a ready client out.

Connection contract (``conn_type`` ``ibm_quantum``):

- ``password``: the IBM Cloud API key;
- extras: ``instance`` (the instance CRN, required), and optionally ``runtime_url``,
  ``iam_url``, ``api_version``, ``private_endpoint``, ``verify``, ``allow_insecure_http``.

The hook mirrors the official ``RuntimeJob`` (``status``, ``result``, ``wait_for_final_state``,
``cancel``, ``logs``, ``metrics``, ``queue_info``, ``update_tags``, ...) with job ids instead of
job objects, plus sessions, backends and instance usage. Its ``a``-prefixed coroutines are the
read paths triggers need; they read the connection with the async connection API and use the
``httpx`` client, so they never block the event loop.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from airflow_quantum.clients.errors import (
    ConfigurationError,
    InvalidInputError,
    JobTimeoutError,
    NotFoundError,
    QuantumError,
)
from airflow_quantum.clients.ibm import circuits as pubs
from airflow_quantum.clients.ibm import qiskit_interop, transpile
from airflow_quantum.clients.ibm.client import AsyncIBMQuantumClient, IBMQuantumClient
from airflow_quantum.clients.ibm.models import (
    IBMBackend,
    IBMBackendConfiguration,
    IBMBackendProperties,
    IBMBackendStatus,
    IBMInstanceUsage,
    IBMJob,
    IBMJobStatus,
    IBMQueueInfo,
    IBMSession,
)
from airflow_quantum.clients.ibm.settings import IBMQuantumSettings
from airflow_quantum.hooks.base import QuantumBaseHook

#: Connection extras the hook reads (also accepted with Airflow's old ``extra__ibm_quantum__``
#: prefix).
EXTRA_FIELDS = (
    "instance",
    "runtime_url",
    "iam_url",
    "api_version",
    "private_endpoint",
    "verify",
    "allow_insecure_http",
)


class IBMQuantumHook(QuantumBaseHook):
    """Runs and follows Qiskit Runtime jobs on an IBM Quantum instance.

    :param ibm_quantum_conn_id: the ``ibm_quantum`` connection to use.
    :param client_options: passed to the clients: ``retry_policy``, ``token_cache``, and
        ``session`` (a ``requests.Session``, sync client) or ``client`` (an
        ``httpx.AsyncClient``, async client).
    """

    conn_name_attr = "ibm_quantum_conn_id"
    default_conn_name = "ibm_quantum_default"
    conn_type = "ibm_quantum"
    hook_name = "IBM Quantum"

    def __init__(self, ibm_quantum_conn_id: str = default_conn_name, **client_options: Any) -> None:
        super().__init__(ibm_quantum_conn_id, **client_options)
        self.ibm_quantum_conn_id = ibm_quantum_conn_id
        #: qiskit Targets of the backends this hook transpiled for (built once each).
        self._qiskit_targets: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(ibm_quantum_conn_id={self.ibm_quantum_conn_id!r})"

    # ------------------------------------------------------------------ connection

    @classmethod
    def settings_from_connection(cls, conn: Any) -> IBMQuantumSettings:
        """``IBMQuantumSettings`` from an Airflow connection (JSON or URI form)."""
        extras = cls.extras(conn)
        values = {
            name: extras.get(name, extras.get(f"extra__ibm_quantum__{name}"))
            for name in EXTRA_FIELDS
        }
        conn_id = getattr(conn, "conn_id", None) or "?"
        if not conn.password:
            raise ConfigurationError(
                f"IBM Quantum connection {conn_id!r}: the password (the IBM Cloud API key) is empty"
            )
        try:
            return IBMQuantumSettings(api_key=conn.password, **values)
        except ConfigurationError as exc:
            raise ConfigurationError(f"IBM Quantum connection {conn_id!r}: {exc}") from None

    def _client_from_connection(self, conn: Any) -> IBMQuantumClient:
        options = {k: v for k, v in self.client_options.items() if k != "client"}
        return IBMQuantumClient(self.settings_from_connection(conn), **options)

    def _async_client_from_connection(self, conn: Any) -> AsyncIBMQuantumClient:
        options = {k: v for k, v in self.client_options.items() if k != "session"}
        return AsyncIBMQuantumClient(self.settings_from_connection(conn), **options)

    def test_connection(self) -> tuple[bool, str]:
        """Fetch an IAM token and read the instance usage: ``(ok, message)``."""
        try:
            client = self.client
            client.authenticate()
            usage = client.get_instance_usage()
        except QuantumError as exc:
            return False, str(exc)
        used, limit = _seconds(usage.usage_consumed_seconds), _seconds(usage.usage_limit_seconds)
        return True, f"Connected to {client.settings.describe()}; usage {used} s of {limit} s"

    # --------------------------------------------------------------------- running

    def run_job(
        self,
        program_id: str,
        backend: str | None,
        params: Mapping[str, Any],
        session_id: str | None = None,
        tags: Iterable[str] | None = None,
        *,
        log_level: str | None = None,
        max_execution_time: int | None = None,
        image: str | None = None,
        private: bool | None = None,
    ) -> str:
        """Submit a runtime job; returns its id. ``backend`` may be None inside a session."""
        submitted = self.client.run_job(
            program_id,
            backend,
            params,
            session_id,
            tags,
            log_level=log_level,
            max_execution_time=max_execution_time,
            image=image,
            private=private,
        )
        self.log.info(
            "Submitted IBM Quantum %s job %s on %s", program_id, submitted.id, submitted.backend
        )
        return submitted.id

    def run_sampler(
        self,
        circuits: Any,
        backend: str | None,
        shots: int | None = None,
        *,
        options: Mapping[str, Any] | None = None,
        session_id: str | None = None,
        tags: Iterable[str] | None = None,
        optimization_level: int | None = None,
        **job_options: Any,
    ) -> str:
        """Run the Sampler V2 primitive; returns the job id.

        ``circuits``: OpenQASM 3 strings (or QuantumCircuits with qiskit installed), or
        ``(circuit, parameter_values, shots)`` tuples. ``shots`` applies to pubs without their
        own. ``options`` are the primitive's options (e.g. ``{"default_shots": 1000}``);
        ``job_options`` are ``log_level``, ``max_execution_time``, ``image``, ``private``,
        ``calibration_id``. IBM backends run only ISA circuits: ``optimization_level`` (0-3,
        needs the ``qiskit`` extra) transpiles the circuits for the backend first.
        """
        built = pubs.sampler_pubs(circuits, shots)
        built = self._isa_pubs("sampler", built, backend, session_id, optimization_level)
        params = pubs.primitive_params(built, options)
        return self.run_job("sampler", backend, params, session_id, tags, **job_options)

    def run_estimator(
        self,
        circuits: Any,
        observables: Any,
        backend: str | None,
        precision: float | None = None,
        *,
        options: Mapping[str, Any] | None = None,
        session_id: str | None = None,
        tags: Iterable[str] | None = None,
        optimization_level: int | None = None,
        **job_options: Any,
    ) -> str:
        """Run the Estimator V2 primitive; returns the job id.

        ``observables``: one observable for every circuit (``"ZZ"``, ``{"ZZ": 1, "XX": 0.5}``,
        a SparsePauliOp) or a list with one entry per circuit; or None when ``circuits`` are
        ``(circuit, observables, parameter_values, precision)`` tuples. With
        ``optimization_level`` the circuits are transpiled for the backend and the
        observables follow their layout onto the physical qubits.
        """
        built = pubs.estimator_pubs(circuits, observables, precision)
        built = self._isa_pubs("estimator", built, backend, session_id, optimization_level)
        params = pubs.primitive_params(built, options)
        return self.run_job("estimator", backend, params, session_id, tags, **job_options)

    def _isa_pubs(
        self,
        program_id: str,
        built: list[list[Any]],
        backend: str | None,
        session_id: str | None,
        level: int | None,
    ) -> list[list[Any]]:
        """``built`` transpiled for the backend at ``level`` (unchanged when it is None)."""
        if transpile.optimization_level(level) is None:
            return built
        qiskit_interop.require_qiskit("optimization_level")
        name = backend or (self.get_session(session_id).backend_name if session_id else None)
        if name is None:
            raise InvalidInputError("optimization_level needs a backend to transpile for")
        target = self._qiskit_targets.get(name)
        if target is None:
            configuration = self.client.cached_configuration(name)
            target = transpile.backend_target(configuration, self.properties(name))
            self._qiskit_targets[name] = target
        return transpile.isa_pubs(program_id, built, target, level)

    # ---------------------------------------------------------------- job queries

    def get_job(self, job_id: str, *, include_params: bool = False) -> IBMJob:
        """The job as the service sees it now (``inputs`` only with ``include_params``)."""
        return self.client.get_job(job_id, exclude_params=not include_params)

    def status(self, job_id: str) -> IBMJobStatus:
        """``QUEUED``, ``RUNNING``, ``DONE``, ``ERROR``, ``CANCELLED`` (or ``UNKNOWN``)."""
        return self.get_job(job_id).status

    def wait_for_final_state(
        self, job_id: str, timeout: float | None = None, poll_interval: float = 0.5
    ) -> IBMJob:
        """Poll until the job is final and return it.

        ``JobTimeoutError`` after ``timeout`` seconds; the job is NOT cancelled then. A status
        the provider does not know is logged as a warning and polled (it is not final).
        """
        _check_wait(timeout, poll_interval)
        deadline = None if timeout is None else time.monotonic() + timeout
        seen: str | None = None
        seen_before = False
        while True:
            job = self.get_job(job_id)
            if job.status_word != seen:
                seen = job.status_word
                if job.status is IBMJobStatus.UNKNOWN:
                    self.log.warning(
                        "IBM Quantum job %s reports status %r, which the provider does not "
                        "know; it is treated as not final and polled on",
                        job_id,
                        seen,
                    )
                elif seen_before or not job.in_final_state():
                    # A job already final at the first look (results fetched after a wait
                    # elsewhere) logs nothing: its state was reported where it was seen.
                    self.log.info("IBM Quantum job %s: %s", job_id, job.state.value)
            seen_before = True
            if job.in_final_state():
                return job
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                raise JobTimeoutError(
                    f"IBM Quantum job {job_id} is still {job.status.value} after {timeout} s; "
                    "it was not cancelled"
                )
            time.sleep(poll_interval if deadline is None else min(poll_interval, deadline - now))

    def result(
        self,
        job_id: str,
        timeout: float | None = None,
        *,
        poll_interval: float = 0.5,
        bitstrings: bool = False,
        as_qiskit: bool = False,
    ) -> Any:
        """Wait for the job, then return its result as plain JSON (see ``decode_result``).

        ``as_qiskit=True`` returns qiskit's ``PrimitiveResult`` instead (``SamplerPubResult``
        with a ``BitArray`` per register, or ``PubResult`` with ``evs``/``stds``), built from
        the decoded result; it needs the ``qiskit`` extra (checked before any request).
        ``JobFailedError`` with the service's message if the job failed or was cancelled;
        ``JobTimeoutError`` (job not cancelled) after ``timeout`` seconds.
        """
        if as_qiskit:
            qiskit_interop.require_qiskit("as_qiskit=True")
        job = self.wait_for_final_state(job_id, timeout, poll_interval)
        decoded = self.client.get_results(job, bitstrings=bitstrings or as_qiskit)
        return qiskit_interop.to_primitive_result(decoded) if as_qiskit else decoded

    def error_message(self, job_id: str) -> str | None:
        """Why the job failed (the service's results text, else its reason); None otherwise."""
        job = self.get_job(job_id)
        if not job.errored():
            return None
        text = (self.client.get_results_text(job_id) or "").strip()
        return text or job.error_message()

    def logs(self, job_id: str) -> str:
        """The job's logs (``""`` before it has any)."""
        return self.client.get_logs(job_id)

    def metrics(self, job_id: str) -> dict[str, Any]:
        """The job's metrics as plain JSON (timestamps, usage, ...)."""
        return self.client.get_metrics(job_id).model_dump(mode="json")

    def usage_estimation(self, job_id: str) -> dict[str, Any]:
        """``{"quantum_seconds": <estimated running time>}``."""
        return self.get_job(job_id).usage_estimation

    def queue_info(self, job_id: str) -> IBMQueueInfo | None:
        """Queue position and estimated start/end, or None where the server gives none."""
        return IBMQueueInfo.from_metrics(job_id, self.client.get_metrics(job_id))

    def queue_position(self, job_id: str) -> int | None:
        """Position in the queue, or None when unknown or not queued."""
        return self.client.get_metrics(job_id).position_in_queue

    def list_jobs(
        self,
        limit: int | None = 10,
        offset: int = 0,
        *,
        pending: bool | None = None,
        program: str | None = None,
        backend: str | None = None,
        created_after: datetime | str | None = None,
        created_before: datetime | str | None = None,
        sort: str | None = None,
        tags: Iterable[str] | None = None,
        session_id: str | None = None,
    ) -> list[IBMJob]:
        """Jobs matching all the filters, newest first by default (``limit=None``: all)."""
        return list(
            self.client.list_jobs(
                limit=limit,
                offset=offset,
                pending=pending,
                program=program,
                backend=backend,
                created_after=created_after,
                created_before=created_before,
                sort=sort,
                tags=tags,
                session_id=session_id,
            )
        )

    # ------------------------------------------------------------ job management

    def cancel_job(self, job_id: str) -> None:
        """Cancel the job (``InvalidStateError`` if it is already final)."""
        self.client.cancel_job(job_id)
        self.log.info("Cancelled IBM Quantum job %s", job_id)

    def delete_job(self, job_id: str) -> None:
        """Delete a final job and its data."""
        self.client.delete_job(job_id)

    def update_tags(self, job_id: str, tags: Iterable[str]) -> list[str]:
        """Replace the job's tags; returns them as the service now has them."""
        self.client.update_tags(job_id, tags)
        return list(self.get_job(job_id).tags)

    # --------------------------------------------------------------------- sessions

    def open_session(
        self, backend: str, mode: str = "dedicated", max_ttl: int | None = None
    ) -> str:
        """Open a ``dedicated`` session or a ``batch`` on ``backend``; returns its id."""
        session = self.client.create_session(backend, mode=mode, max_ttl=max_ttl)
        self.log.info("Opened IBM Quantum %s session %s on %s", mode, session.id, backend)
        return session.id

    def get_session(self, session_id: str) -> IBMSession:
        return self.client.get_session(session_id)

    def close_session(self, session_id: str) -> None:
        """Accept no more jobs; the queued and running ones still run."""
        self.client.close_session(session_id)

    def cancel_session(self, session_id: str) -> None:
        """Close the session now: its queued jobs will not run."""
        self.client.cancel_session(session_id)

    # ------------------------------------------------------------- backends, usage

    def list_backends(self) -> list[IBMBackend]:
        return self.client.list_backends()

    def backend(self, name: str) -> IBMBackendConfiguration:
        """The backend's configuration (qubits, basis gates, coupling map, ...)."""
        return self.client.get_backend_configuration(name)

    def properties(self, name: str) -> IBMBackendProperties | None:
        """The backend's calibration data, or None when it has none (simulators)."""
        try:
            return self.client.get_backend_properties(name)
        except NotFoundError:
            return None

    def get_backend_status(self, name: str) -> IBMBackendStatus:
        return self.client.get_backend_status(name)

    def get_instance_usage(self) -> IBMInstanceUsage:
        return self.client.get_instance_usage()

    # -------------------------------------------------------------- async (triggers)

    async def aget_job(self, job_id: str) -> IBMJob:
        client = await self.aclient()
        return await client.get_job(job_id)

    async def acancel_job(self, job_id: str) -> None:
        client = await self.aclient()
        await client.cancel_job(job_id)

    async def ametrics(self, job_id: str) -> dict[str, Any]:
        client = await self.aclient()
        return (await client.get_metrics(job_id)).model_dump(mode="json")


def _check_wait(timeout: float | None, poll_interval: float) -> None:
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0
    ):
        raise InvalidInputError(f"timeout must be a number of seconds >= 0, got {timeout!r:.40}")
    if (
        isinstance(poll_interval, bool)
        or not isinstance(poll_interval, int | float)
        or (poll_interval <= 0)
    ):
        raise InvalidInputError(
            f"poll_interval must be a number of seconds > 0, got {poll_interval!r:.40}"
        )


def _seconds(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
