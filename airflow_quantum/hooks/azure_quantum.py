"""Airflow hook for Azure Quantum: an ``azure_quantum`` connection in, a ready client out.

Connection (``conn_type`` ``azure_quantum``), one of four ways to authenticate:

- service principal (Entra ID client credentials): ``login`` = client (application) id,
  ``password`` = client secret, extra ``tenant_id`` (and optionally ``authority_host``);
- workspace API key: extra ``api_key``;
- an azure-identity credential (the ``azure`` extra): extra ``credential`` = ``default``,
  ``managed_identity``, ``workload_identity``, ``environment`` or ``azure_cli``, with optional
  ``login`` (a user-assigned identity's or workload identity's client id), ``tenant_id``,
  ``token_file`` (workload identity) and ``authority_host``;
- workspace connection string: extra ``connection_string``
  (``SubscriptionId=..;ResourceGroupName=..;WorkspaceName=..;ApiKey=..;QuantumEndpoint=..;``),
  which replaces every other field.

Other extras: ``subscription_id``, ``resource_group``, ``workspace``, ``location`` (sets the
endpoint ``https://{location}.quantum.azure.com``), ``endpoint`` (overrides it, e.g. the local
emulator), ``api_version``, ``verify`` (false or a CA bundle path) and ``allow_insecure_http``
(credentials over plain http to a non-loopback host; refused otherwise).

The hook's methods mirror the official ``azure.quantum`` ``Job`` (``details`` -> ``get_job``,
``refresh``, ``has_completed``, ``wait_until_completed``, ``get_results``, ``cancel``) plus
submission, listing, tags, sessions, provider status and quotas. Triggers use the async twins
(``aget_job``, ``acancel_job``, ``aqueue_info``), which read the connection with the async
connection API. ``queue_info``/``queue_position`` (as the IBM hook's) need api-version
2026-08-01-preview.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

from airflow_quantum.clients.azure.client import (
    AsyncAzureQuantumClient,
    AzureQuantumClient,
    Moment,
    StatusFilter,
)
from airflow_quantum.clients.azure.inputs import IONQ_DEFAULT_SHOTS, IONQ_OUTPUT_FORMAT
from airflow_quantum.clients.azure.models import (
    JobDetails,
    ProviderStatus,
    Quota,
    SessionDetails,
)
from airflow_quantum.clients.azure.protocol import check_job_id
from airflow_quantum.clients.azure.queue import AzureQueueInfo
from airflow_quantum.clients.azure.settings import AzureQuantumSettings
from airflow_quantum.clients.azure.targets import (
    DEFAULT_IONQ_TARGET,
    DEFAULT_QUANTINUUM_TARGET,
    retired_qio,
)
from airflow_quantum.clients.config import given
from airflow_quantum.clients.errors import (
    ConfigurationError,
    InvalidInputError,
    JobTimeoutError,
    QuantumError,
)
from airflow_quantum.hooks.base import QuantumBaseHook

#: How long ``get_results`` waits for a job by default (as the official client's helpers).
RESULTS_TIMEOUT = 300.0
#: Keyword options the hook passes on to the clients (anything else is a mistake).
_SYNC_OPTIONS = frozenset({"retry_policy", "token_cache", "session", "sleep", "clock"})
_ASYNC_OPTIONS = frozenset({"retry_policy", "token_cache", "clock"})
_EXTRA_PREFIX = "extra__azure_quantum__"


class AzureQuantumHook(QuantumBaseHook):
    """Interact with an Azure Quantum workspace.

    :param azure_quantum_conn_id: the ``azure_quantum`` connection to use.
    :param client_options: passed to the clients: ``retry_policy`` (a ``RetryPolicy``),
        ``token_cache``; sync only: ``session`` (a ``requests.Session``), ``sleep``; ``clock``.
    """

    conn_name_attr = "azure_quantum_conn_id"
    default_conn_name = "azure_quantum_default"
    conn_type = "azure_quantum"
    hook_name = "Azure Quantum"

    def __init__(
        self, azure_quantum_conn_id: str = default_conn_name, **client_options: Any
    ) -> None:
        unknown = sorted(set(client_options) - _SYNC_OPTIONS)
        if unknown:
            raise TypeError(f"AzureQuantumHook got unknown client options: {', '.join(unknown)}")
        super().__init__(azure_quantum_conn_id, **client_options)
        self.azure_quantum_conn_id = azure_quantum_conn_id

    # ------------------------------------------------------------------ connection -> client

    @classmethod
    def settings_from_connection(cls, conn: Any) -> AzureQuantumSettings:
        """Workspace settings from an Airflow connection (``ConfigurationError`` if incomplete)."""
        extras = cls.extras(conn)

        def extra(name: str) -> Any:
            value = extras.get(name)
            if not given(value):
                value = extras.get(_EXTRA_PREFIX + name)
            return value

        common = {
            "api_version": extra("api_version"),
            "verify": extra("verify"),
            "allow_insecure_http": extra("allow_insecure_http"),
        }
        conn_id = getattr(conn, "conn_id", None) or "?"
        try:
            connection_string = extra("connection_string")
            if given(connection_string):
                return AzureQuantumSettings.from_connection_string(connection_string, **common)
            return AzureQuantumSettings.create(
                subscription_id=extra("subscription_id"),
                resource_group=extra("resource_group"),
                workspace=extra("workspace"),
                location=extra("location"),
                endpoint=extra("endpoint"),
                tenant_id=extra("tenant_id"),
                client_id=conn.login,
                client_secret=conn.password,
                authority_host=extra("authority_host"),
                api_key=extra("api_key"),
                credential=extra("credential"),
                token_file=extra("token_file"),
                **common,
            )
        except ConfigurationError as exc:
            raise ConfigurationError(f"Azure Quantum connection {conn_id!r}: {exc}") from None

    def _client_from_connection(self, conn: Any) -> AzureQuantumClient:
        return AzureQuantumClient(self.settings_from_connection(conn), **self.client_options)

    def _async_client_from_connection(self, conn: Any) -> AsyncAzureQuantumClient:
        options = {k: v for k, v in self.client_options.items() if k in _ASYNC_OPTIONS}
        return AsyncAzureQuantumClient(self.settings_from_connection(conn), **options)

    @property
    def settings(self) -> AzureQuantumSettings:
        return self.client.settings

    def test_connection(self) -> tuple[bool, str]:
        """Authenticate and read one page of jobs: ``(True, message)`` or ``(False, why)``."""
        try:
            client = self.client
            next(iter(client.list_jobs(top=1, limit=1)), None)
        except QuantumError as exc:
            return False, str(exc)
        except Exception as exc:  # the UI shows any failure, e.g. a missing connection
            return False, f"{type(exc).__name__}: {exc}"
        return True, f"Connected to {client.settings.describe()}"

    # ------------------------------------------------------------------ submission

    def submit_job(
        self,
        input_data: Any,
        input_data_format: str,
        output_data_format: str | None,
        provider_id: str,
        target: str,
        input_params: Mapping[str, Any] | None = None,
        name: str | None = None,
        tags: list[str] | None = None,
        session_id: str | None = None,
        job_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> JobDetails:
        """Upload ``input_data`` (gzip block blob) and create the job; returns its details.

        ``input_data`` is bytes, text, or a dict/list (sent as JSON). ``job_id`` defaults to a
        new GUID; passing one makes a resubmission find the existing job instead of paying
        twice. ``options``: ``priority``, ``content_type``, ``gzip``.
        """
        return self.client.submit_job(
            input_data,
            input_data_format,
            output_data_format,
            provider_id,
            target,
            input_params=input_params,
            name=name,
            tags=tags,
            session_id=session_id,
            job_id=job_id,
            metadata=metadata,
            **options,
        )

    def submit_qio_problem(self, *args: Any, **kwargs: Any) -> JobDetails:
        """Retired: optimization (QIO) accepts no jobs; raises ``RetiredTargetError``.

        Read earlier QIO jobs with :meth:`get_job` and :meth:`get_results`.
        """
        raise retired_qio(kwargs.get("target"))

    def submit_quantinuum_program(
        self,
        program: str,
        *,
        shots: int = IONQ_DEFAULT_SHOTS,
        target: str = DEFAULT_QUANTINUUM_TARGET,
        **common: Any,
    ) -> JobDetails:
        """Submit an OpenQASM 2 program to Quantinuum (``honeywell.openqasm.v1``).

        ``common``: ``name``, ``tags``, ``session_id``, ``job_id``, ``metadata``.
        """
        return self.client.submit_quantinuum_program(program, shots=shots, target=target, **common)

    def submit_qir(self, qir: bytes | str, *, target: str, **options: Any) -> JobDetails:
        """Submit QIR (``qir.v1``: bitcode or LLVM text) to ``target``.

        ``options``: ``shots``, ``entry_point``, ``arguments``, ``items`` (estimator batches),
        ``input_params`` (e.g. the estimator's ``errorBudget``), ``output_data_format``,
        ``provider_id``, ``name``, ``tags``, ``session_id``, ``job_id``, ``metadata``.
        """
        return self.client.submit_qir(qir, target=target, **options)

    def submit_ionq_circuit(
        self,
        circuit: Any,
        qubits: int | None = None,
        *,
        shots: int = IONQ_DEFAULT_SHOTS,
        target: str = DEFAULT_IONQ_TARGET,
        output_data_format: str = IONQ_OUTPUT_FORMAT,
        gateset: str | None = None,
        name: str | None = None,
        tags: list[str] | None = None,
        session_id: str | None = None,
        job_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> JobDetails:
        """Submit an IonQ circuit (``ionq.circuit.v1``): a gate list or a whole document."""
        return self.client.submit_ionq_circuit(
            circuit,
            qubits,
            shots=shots,
            target=target,
            output_data_format=output_data_format,
            gateset=gateset,
            name=name,
            tags=tags,
            session_id=session_id,
            job_id=job_id,
            metadata=metadata,
        )

    # ------------------------------------------------------------------ one job

    def get_job(self, job_id: str) -> JobDetails:
        """The job's details (the official ``Job.details``)."""
        return self.client.get_job(job_id)

    def refresh(self, job: JobDetails | str) -> JobDetails:
        """Fresh details of ``job`` (details are immutable snapshots: use the returned one)."""
        return self.client.get_job(_job_id(job))

    def has_completed(self, job_id: str) -> bool:
        """Whether the job is in a final state (succeeded, failed or cancelled)."""
        return self.client.get_job(job_id).has_completed()

    def wait_until_completed(
        self,
        job_id: str,
        timeout: float | None = None,
        poll_interval: float | None = None,
        *,
        backoff: bool = True,
    ) -> JobDetails:
        """Poll until the job is final and return its details.

        Polls after 0.2 s, then 1.5 times longer each time up to ``poll_interval`` (default
        30 s), as the official client; ``backoff=False`` polls every ``poll_interval``. After
        ``timeout`` seconds (default: no limit) ``JobTimeoutError`` is raised and the job keeps
        running: it is not cancelled.
        """
        return _wait(self, job_id, timeout, poll_interval, backoff)

    def get_results(
        self,
        job_id: str,
        timeout: float | None = RESULTS_TIMEOUT,
        *,
        qubits: int | None = None,
    ) -> dict[str, Any]:
        """Wait for the job (up to ``timeout`` s), then download and decode its output.

        Returns plain JSON (see ``clients.azure.results``). A failed or cancelled job raises
        ``JobFailedError`` with the service's ``errorData`` code and message.
        """
        job = self.wait_until_completed(job_id, timeout)
        return self.client.get_results(job, qubits=qubits)

    def queue_info(self, job_id: str) -> AzureQueueInfo | None:
        """Queue position and estimated start (api-version 2026-08-01-preview on), else None."""
        return self.client.queue_info(job_id)

    def queue_position(self, job_id: str) -> int | None:
        """Position in the queue; None when not queued, or not offered at this api-version."""
        info = self.client.queue_info(job_id)
        return None if info is None else info.position

    def download_output(self, job: JobDetails | str) -> bytes:
        """The raw output blob (gzip removed), renewing an expiring SAS link first."""
        return self.client.download_output(job)

    def cancel_job(self, job_id: str) -> JobDetails:
        """Cancel the job; a job already final raises ``InvalidStateError``."""
        job = self.client.cancel_job(job_id)
        self.log.info("Cancelled Azure Quantum job %s: %s", job.id, job.state.value)
        return job

    def update_tags(self, job_id: str, tags: list[str]) -> JobDetails:
        """Replace the job's tags (JSON merge patch)."""
        return self.client.update_tags(job_id, tags)

    def add_tags(self, job_id: str, tags: list[str]) -> JobDetails:
        """Add tags the job does not have yet."""
        return self.client.add_tags(job_id, tags)

    def remove_tags(self, job_id: str, tags: list[str]) -> JobDetails:
        """Remove these tags from the job."""
        return self.client.remove_tags(job_id, tags)

    def update_job(
        self,
        job_id: str,
        *,
        name: str | None = None,
        priority: str | None = None,
        tags: list[str] | None = None,
    ) -> JobDetails:
        """Change the job's name, priority (``Standard``/``High``) or tags."""
        return self.client.update_job(job_id, name=name, priority=priority, tags=tags)

    # ------------------------------------------------------------------ listings

    def list_jobs(
        self,
        *,
        name_prefix: str | None = None,
        provider: str | list[str] | None = None,
        target: str | list[str] | None = None,
        status: StatusFilter | None = None,
        created_after: Moment | None = None,
        created_before: Moment | None = None,
        session_id: str | None = None,
        orderby: str | None = None,
        top: int | None = None,
        skip: int | None = None,
        limit: int | None = None,
    ) -> Iterator[JobDetails]:
        """Jobs matching every filter, following ``nextLink`` pages.

        ``status`` takes ``JobState`` members or wire words; each names the words of both
        status vocabularies (``Succeeded`` and ``Completed``...); lists are OR-ed. ``top`` is
        the page size, ``limit`` the most jobs yielded.
        """
        return self.client.list_jobs(
            name_prefix=name_prefix,
            provider=provider,
            target=target,
            status=status,
            created_after=created_after,
            created_before=created_before,
            session_id=session_id,
            orderby=orderby,
            top=top,
            skip=skip,
            limit=limit,
        )

    def get_provider_status(self) -> list[ProviderStatus]:
        """Availability and average queue time of every provider and target."""
        return self.client.get_provider_status()

    def get_quotas(self) -> list[Quota]:
        """The workspace's quotas and their utilisation."""
        return self.client.get_quotas()

    # ------------------------------------------------------------------ sessions

    def open_session(
        self,
        provider_id: str,
        target: str,
        session_id: str | None = None,
        name: str | None = None,
        job_failure_policy: str = "Abort",
    ) -> SessionDetails:
        """Open a session on ``target``; submit jobs into it with ``session_id=``."""
        return self.client.open_session(
            provider_id=provider_id,
            target=target,
            session_id=session_id,
            name=name,
            job_failure_policy=job_failure_policy,
        )

    def get_session(self, session_id: str) -> SessionDetails:
        return self.client.get_session(session_id)

    def close_session(self, session_id: str) -> SessionDetails:
        """Close the session: it takes no new jobs; its jobs run on."""
        return self.client.close_session(session_id)

    def list_sessions(self, *, limit: int | None = None) -> Iterator[SessionDetails]:
        return self.client.list_sessions(limit=limit)

    def list_session_jobs(
        self, session_id: str, *, limit: int | None = None
    ) -> Iterator[JobDetails]:
        return self.client.list_session_jobs(session_id, limit=limit)

    # ------------------------------------------------------------------ async (triggers)

    async def aget_job(self, job_id: str) -> JobDetails:
        check_job_id(job_id)
        client = await self.aclient()
        return await client.get_job(job_id)

    async def aqueue_info(self, job_id: str) -> AzureQueueInfo | None:
        client = await self.aclient()
        return await client.queue_info(job_id)

    async def acancel_job(self, job_id: str) -> JobDetails:
        check_job_id(job_id)
        client = await self.aclient()
        job = await client.cancel_job(job_id)
        self.log.info("Cancelled Azure Quantum job %s: %s", job.id, job.state.value)
        return job


def _wait(
    hook: AzureQuantumHook,
    job_id: str,
    timeout: float | None,
    poll_interval: float | None,
    backoff: bool,
) -> JobDetails:
    """TEMPORARY (issue 16, clients branch): the loop that was the client's, until the merge
    puts ``airflow_quantum.waiting`` here. The official client's schedule: 0.2 s, x1.5, at most
    ``poll_interval`` (30 s); ``JobTimeoutError`` after ``timeout`` (the job is not cancelled).
    """
    check_job_id(job_id)
    if timeout is not None and (not _is_number(timeout) or not timeout >= 0):
        raise InvalidInputError("timeout must be a non-negative number of seconds, or None")
    if poll_interval is not None and (not _is_number(poll_interval) or not poll_interval > 0):
        raise InvalidInputError("poll_interval must be a positive number of seconds, or None")
    cap = 30.0 if poll_interval is None else float(poll_interval)
    delay = min(0.2, cap) if backoff else cap
    clock = hook.client_options.get("clock", time.monotonic)
    sleep = hook.client_options.get("sleep", time.sleep)
    deadline = None if timeout is None else clock() + timeout
    last_state = None
    while True:
        job = hook.client.get_job(job_id)
        if job.state is not last_state:
            if last_state is not None or not job.has_completed():
                hook.log.info("Azure Quantum job %s: %s", job.id, job.state.value)
            last_state = job.state
        if job.has_completed():
            return job
        now = clock()
        if deadline is not None and now >= deadline:
            raise JobTimeoutError(
                f"job {job_id} is still {job.status} after {timeout:g} s; it was not cancelled"
            )
        sleep(delay if deadline is None else min(delay, max(0.0, deadline - now)))
        if backoff:
            delay = min(delay * 1.5, cap)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _job_id(job: JobDetails | str) -> str:
    if isinstance(job, JobDetails):
        return job.id
    if isinstance(job, str):
        return job
    raise InvalidInputError(f"job must be a job id or JobDetails, got {type(job).__name__}")
