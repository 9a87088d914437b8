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

Plain API calls (submit, list, tags, sessions, provider status, quotas, ...) go through the
client the hook hands out: ``hook.get_conn().submit_ionq_circuit(...)``. The hook keeps what it
adds to the official ``azure.quantum`` ``Job``: ``refresh``, ``has_completed``,
``wait_until_completed`` and ``get_results`` (they wait with ``airflow_quantum.waiting``), and
the verbs both hooks share (``get_job_status``, ``get_job_result``, ``cancel_job``,
``queue_position`` and their async twins for triggers). ``queue_position`` needs api-version
2026-08-01-preview.

Spend control (``airflow_quantum.spending``): ``estimate_cost`` prices an input before it is
sent, from the providers' published rules (extra ``prices`` overrides them); ``check_quotas``
fails when a quota of the target's provider is used up; ``choose_target`` picks the first
Available target with the shortest queue. The extra ``max_cost`` is the operators' budget.
"""

from __future__ import annotations

import json
import time
from typing import Any

from airflow_quantum import waiting
from airflow_quantum.clients.azure.client import AsyncAzureQuantumClient, AzureQuantumClient
from airflow_quantum.clients.azure.models import JobDetails, Quota
from airflow_quantum.clients.azure.settings import AzureQuantumSettings
from airflow_quantum.clients.azure.submissions import provider_of
from airflow_quantum.clients.config import given
from airflow_quantum.clients.errors import ConfigurationError, InvalidInputError, QuantumError
from airflow_quantum.hooks.base import QuantumBaseHook
from airflow_quantum.spending import azure_checks, azure_pricing

#: How long ``get_results`` waits for a job by default (as the official client's helpers).
RESULTS_TIMEOUT = 300.0
#: Keyword options the hook passes on to each client; ``clock`` is the hook's own (its wait).
_SYNC_OPTIONS = frozenset({"retry_policy", "token_cache", "session", "sleep"})
_ASYNC_OPTIONS = frozenset({"retry_policy", "token_cache"})
_HOOK_OPTIONS = frozenset({"clock"})
_EXTRA_PREFIX = "extra__azure_quantum__"
#: The official client's wait: first look after 0.2 s, then 1.5 times later, at most 30 s.
FIRST_POLL, MAX_POLL = 0.2, 30.0


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
    vendor = "Azure Quantum"

    def __init__(
        self, azure_quantum_conn_id: str = default_conn_name, **client_options: Any
    ) -> None:
        unknown = sorted(set(client_options) - _SYNC_OPTIONS - _HOOK_OPTIONS)
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
        options = {k: v for k, v in self.client_options.items() if k in _SYNC_OPTIONS}
        return AzureQuantumClient(self.settings_from_connection(conn), **options)

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

    # ------------------------------------------------------------------ the seed's Job

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
        30 s), as the official client; ``backoff=False`` polls every ``poll_interval``. A 429,
        a 5xx or a lost connection is ridden out. After ``timeout`` seconds (default: no
        limit) ``JobTimeoutError`` is raised and the job keeps running: it is not cancelled.
        """
        waiting.check_wait(timeout, poll_interval)
        cap = MAX_POLL if poll_interval is None else float(poll_interval)
        client = self.client
        watch = waiting.Watch(f"{self.vendor} job {job_id}", self.log, quiet_if_final=True)
        return waiting.wait(
            lambda: client.get_job(job_id),
            JobDetails.has_completed,
            backoff=waiting.Backoff(min(FIRST_POLL, cap) if backoff else cap, cap),
            watch=watch,
            timeout=timeout,
            seen=lambda job: watch.saw(job.state),
            sleep=self.client_options.get("sleep", time.sleep),
            clock=self.client_options.get("clock", time.monotonic),
        )

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

    #: The verb both hooks share: ``get_results`` is Azure's name for it.
    get_job_result = get_results

    def queue_position(self, job_id: str) -> int | None:
        """Position in the queue; None when not queued, or not offered at this api-version."""
        info = self.client.queue_info(job_id)
        return None if info is None else info.position

    async def aqueue_position(self, job_id: str) -> int | None:
        client = await self.aclient()
        info = await client.queue_info(job_id)
        return None if info is None else info.position

    # ------------------------------------------------------------------ spend control

    def price_overrides(self, prices: Any = None) -> tuple[dict[str, Any], ...]:
        """The ``prices`` overrides in force: the connection extra's, then ``prices``."""
        extra = self.extras(self.connection).get("prices")
        if isinstance(extra, str) and extra.strip():
            try:
                extra = json.loads(extra)
            except ValueError:
                raise InvalidInputError("prices from the connection must be JSON") from None
        return (
            azure_pricing.check_prices(extra, "connection"),
            azure_pricing.check_prices(prices, "operator"),
        )

    def price_rule(self, target: str, prices: Any = None) -> azure_pricing.PriceRule:
        """The price rule of ``target`` (the table, then the connection's and these overrides)."""
        return azure_pricing.rule_for(target, *self.price_overrides(prices))[0]

    def estimate_cost(
        self,
        target: str,
        *,
        ionq_circuit: Any = None,
        quantinuum_program: str | None = None,
        qir: bytes | str | None = None,
        input_data: Any = None,
        input_data_format: str | None = None,
        shots: int | None = None,
        input_params: dict[str, Any] | None = None,
        prices: Any = None,
    ) -> dict[str, Any]:
        """What submitting this input to ``target`` would cost, before anything is sent.

        Give one input, as to the submit operator. Returns ``{"target", "currency",
        "estimated_total", "priced", "formula", "detail", "rule", "prices_as_of"}`` (see
        ``airflow_quantum.spending.azure_pricing``); a target without a public formula, or a
        program that cannot be counted, gives ``priced: False`` and says why in ``detail``.
        """
        given = {
            kind: value
            for kind, value in (
                ("ionq_circuit", ionq_circuit),
                ("quantinuum_program", quantinuum_program),
                ("qir", qir),
                ("input_data", input_data),
            )
            if value is not None
        }
        if len(given) != 1:
            raise InvalidInputError(
                "give exactly one of ionq_circuit, quantinuum_program, qir or input_data"
            )
        ((kind, data),) = given.items()
        program = azure_pricing.Program(kind, data, shots, input_data_format, input_params)
        return azure_pricing.estimate(target, program, *self.price_overrides(prices))

    def check_quotas(self, target: str, prices: Any = None) -> list[Quota]:
        """The workspace quotas a job on ``target`` uses (``GET /quotas``).

        Raises ``QuotaExhaustedError`` when one of them is used up (utilization + holds >=
        limit); which dimensions apply is the price rule's ``quota_dimensions`` (default: all of
        the target's provider).
        """
        rule = self.price_rule(target, prices)
        if rule.quota_dimensions == ():
            return []
        return azure_checks.check_quotas(
            self.client.get_quotas(), provider_of(target), rule.quota_dimensions
        )

    def choose_target(self, candidates: list[str]) -> tuple[str, list[dict[str, Any]]]:
        """Of ``candidates``, the first ``Available`` target with the shortest average queue.

        Returns the choice and each candidate's availability and ``averageQueueTime`` (from
        ``GET /providerStatus``); ``NoTargetAvailableError`` when none is Available.
        """
        rows = azure_checks.queue_table(candidates, self.client.get_provider_status())
        return azure_checks.choose_target(rows), rows


def _job_id(job: JobDetails | str) -> str:
    if isinstance(job, JobDetails):
        return job.id
    if isinstance(job, str):
        return job
    raise InvalidInputError(f"job must be a job id or JobDetails, got {type(job).__name__}")
