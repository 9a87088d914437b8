"""Airflow hook for IBM Quantum (Qiskit Runtime): an Airflow connection in, a ready client out.

Connection contract (``conn_type`` ``ibm_quantum``):

- ``password``: the IBM Cloud API key;
- extras: ``instance`` (the instance CRN, required), and optionally ``runtime_url``,
  ``iam_url``, ``api_version``, ``private_endpoint``, ``verify``, ``allow_insecure_http``.

Plain API calls (any program, job listing, logs, sessions, backends, usage, ...) go through the
client the hook hands out: ``hook.get_conn().create_session(...)``. The hook keeps what it adds:
the primitives with their pubs and ISA transpilation (``run_sampler``, ``run_estimator``), the
official ``RuntimeJob`` methods that wait or convert (``status``, ``wait_for_final_state``,
``result``, ``error_message``, ``metrics``, ``usage_estimation``, ``queue_info``,
``queue_position``, ``update_tags``), a backend's ``properties``, and the verbs both hooks share
(``get_job_status``, ``get_job_result``, ``cancel_job`` and the async twins for triggers).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from airflow_quantum import waiting
from airflow_quantum.clients.errors import (
    ConfigurationError,
    InvalidInputError,
    NotFoundError,
    QuantumError,
)
from airflow_quantum.clients.ibm import circuits as pubs
from airflow_quantum.clients.ibm import qiskit_interop, transpile
from airflow_quantum.clients.ibm.client import AsyncIBMQuantumClient, IBMQuantumClient
from airflow_quantum.clients.ibm.models import (
    IBMBackendProperties,
    IBMJob,
    IBMJobStatus,
    IBMQueueInfo,
)
from airflow_quantum.clients.ibm.settings import IBMQuantumSettings
from airflow_quantum.hooks.base import QuantumBaseHook
from airflow_quantum.spending import ibm_backends, ibm_usage
from airflow_quantum.spending.ibm_usage import IBMUsageEstimate, seconds_text

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
    vendor = "IBM Quantum"

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
        used = seconds_text(usage.usage_consumed_seconds)
        limit = seconds_text(usage.usage_limit_seconds)
        return True, f"Connected to {client.settings.describe()}; usage {used} s of {limit} s"

    # ------------------------------------------------------------------ spending

    def estimate_cost(self, job_id: str | None = None) -> IBMUsageEstimate:
        """What a job may spend, in quantum seconds (``IBMUsageEstimate``).

        Before submit (no ``job_id``): the instance's usage, limit, remaining seconds and
        whether the limit is reached (``GET /instances/usage``). With ``job_id``: also the
        service's estimate of that job (``usage_estimation``; None until it estimated it).
        """
        job = self.client.get_job(job_id) if job_id is not None else None
        return ibm_usage.usage_estimate(self.client.get_instance_usage(), job)

    def least_busy(
        self, min_qubits: int = 0, names: Iterable[str] | None = None
    ) -> ibm_backends.BackendChoice:
        """The online, operational, non-simulator backend with at least ``min_qubits`` and
        the shortest queue, among ``names`` (None: all of the instance's); see
        ``spending.ibm_backends``."""
        client = self.client
        listed = None if names is None else list(names)
        return ibm_backends.choose(
            client.list_backends(), client.get_backend_status, min_qubits, listed
        )

    # --------------------------------------------------------------------- running

    def _submitted(self, program_id: str, submitted: Any) -> str:
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
        return self._submitted(
            "sampler",
            self.client.run_job(
                "sampler", backend, params, session_id=session_id, tags=tags, **job_options
            ),
        )

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
        return self._submitted(
            "estimator",
            self.client.run_job(
                "estimator", backend, params, session_id=session_id, tags=tags, **job_options
            ),
        )

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
        name = backend or (self.client.get_session(session_id).backend_name if session_id else None)
        if name is None:
            raise InvalidInputError("optimization_level needs a backend to transpile for")
        target = self._qiskit_targets.get(name)
        if target is None:
            configuration = self.client.cached_configuration(name)
            target = transpile.backend_target(configuration, self.properties(name))
            self._qiskit_targets[name] = target
        return transpile.isa_pubs(program_id, built, target, level)

    # ------------------------------------------------------------- the seed's RuntimeJob

    def status(self, job_id: str) -> IBMJobStatus:
        """``QUEUED``, ``RUNNING``, ``DONE``, ``ERROR``, ``CANCELLED`` (or ``UNKNOWN``)."""
        return self.client.get_job(job_id).status

    def wait_for_final_state(
        self, job_id: str, timeout: float | None = None, poll_interval: float = 0.5
    ) -> IBMJob:
        """Poll every ``poll_interval`` seconds until the job is final and return it.

        A 429, a 5xx or a lost connection is ridden out. ``JobTimeoutError`` after ``timeout``
        seconds; the job is NOT cancelled then. A status the provider does not know is logged
        as a warning and polled (it is not final).
        """
        if poll_interval is None:
            raise InvalidInputError("poll_interval must be a number of seconds > 0, got None")
        waiting.check_wait(timeout, poll_interval)
        client = self.client
        watch = waiting.Watch(f"{self.vendor} job {job_id}", self.log, quiet_if_final=True)

        def seen(job: IBMJob) -> None:
            if job.status is IBMJobStatus.UNKNOWN and watch.changed(job.state):
                self.log.warning(
                    "IBM Quantum job %s reports status %r, which the provider does not "
                    "know; it is treated as not final and polled on",
                    job_id,
                    job.status_word,
                )
            else:
                watch.saw(job.state)

        return waiting.wait(
            lambda: client.get_job(job_id),
            IBMJob.in_final_state,
            backoff=waiting.Backoff(poll_interval),
            watch=watch,
            timeout=timeout,
            seen=seen,
        )

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

    def get_job_result(
        self, job_id: str, timeout: float | None = None, *, bitstrings: bool = False
    ) -> Any:
        """The verb both hooks share: ``result`` as plain JSON."""
        return self.result(job_id, timeout, bitstrings=bitstrings)

    def error_message(self, job_id: str) -> str | None:
        """Why the job failed (the service's results text, else its reason); None otherwise."""
        job = self.client.get_job(job_id)
        if not job.errored():
            return None
        text = (self.client.get_results_text(job_id) or "").strip()
        return text or job.error_message()

    def metrics(self, job_id: str) -> dict[str, Any]:
        """The job's metrics as plain JSON (timestamps, usage, ...)."""
        return self.client.get_metrics(job_id).model_dump(mode="json")

    def usage_estimation(self, job_id: str) -> dict[str, Any]:
        """``{"quantum_seconds": <estimated running time>}``."""
        return self.client.get_job(job_id).usage_estimation

    def queue_info(self, job_id: str) -> IBMQueueInfo | None:
        """Queue position and estimated start/end, or None where the server gives none."""
        return IBMQueueInfo.from_metrics(job_id, self.client.get_metrics(job_id))

    def queue_position(self, job_id: str) -> int | None:
        """Position in the queue, or None when unknown or not queued."""
        return self.client.get_metrics(job_id).position_in_queue

    async def aqueue_position(self, job_id: str) -> int | None:
        client = await self.aclient()
        return (await client.get_metrics(job_id)).position_in_queue

    def update_tags(self, job_id: str, tags: Iterable[str]) -> list[str]:
        """Replace the job's tags; returns them as the service now has them."""
        self.client.update_tags(job_id, tags)
        return list(self.client.get_job(job_id).tags)

    def properties(self, name: str) -> IBMBackendProperties | None:
        """The backend's calibration data, or None when it has none (simulators)."""
        try:
            return self.client.get_backend_properties(name)
        except NotFoundError:
            return None
