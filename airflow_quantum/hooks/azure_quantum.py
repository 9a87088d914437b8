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
emulator), ``api_version``, ``verify`` (false or a CA bundle path), ``allow_insecure_http``
(credentials over plain http to a non-loopback host; refused otherwise), ``prices`` (price
overrides) and ``max_cost`` (the operators' budget).

Plain API calls (submit, list, tags, sessions, provider status, quotas, ...) go through the
client: ``hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit(...))``. The hook adds the
verbs of every vendor (see ``hooks.base``) and spend control: ``estimate_cost`` prices a
prepared job before it is sent, ``check_quotas`` fails when a quota of the target's provider is
used up, ``least_busy`` picks the first Available target with the shortest queue.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from airflow.sdk.exceptions import AirflowException

from airflow_quantum.clients.azure.client import AsyncAzureQuantumClient, AzureQuantumClient
from airflow_quantum.clients.azure.inputs import provider_of
from airflow_quantum.clients.azure.models import Quota
from airflow_quantum.clients.azure.prepared import AzurePreparedJob
from airflow_quantum.clients.azure.settings import AzureQuantumSettings
from airflow_quantum.clients.azure.validation import check_job_id
from airflow_quantum.clients.config import given
from airflow_quantum.clients.errors import (
    ConfigurationError,
    InvalidInputError,
    NotFoundError,
    QuantumError,
)
from airflow_quantum.clients.portal import azure_job_url
from airflow_quantum.clients.state import JobState
from airflow_quantum.hooks.base import QuantumHook
from airflow_quantum.results.summary import JobFacts
from airflow_quantum.spending import azure_checks, azure_pricing
from airflow_quantum.spending.choice import BackendChoice
from airflow_quantum.spending.facts import azure_spend

_EXTRA_PREFIX = "extra__azure_quantum__"
#: Namespace of the deterministic job ids that make resubmission find the job it already made.
JOB_ID_NAMESPACE = uuid.UUID("7f3b8a52-5c1e-4e6f-9a51-8f2b7c0e6d41")
#: How many failed or cancelled earlier jobs of one task instance are skipped over.
MAX_JOBS_PER_TASK_INSTANCE = 50


class AzureQuantumHook(QuantumHook[AzureQuantumClient, AsyncAzureQuantumClient]):
    """Interact with an Azure Quantum workspace.

    :param azure_quantum_conn_id: the ``azure_quantum`` connection to use.
    :param client_options: see :class:`~airflow_quantum.hooks.base.QuantumHook`.
    """

    conn_name_attr = "azure_quantum_conn_id"
    default_conn_name = "azure_quantum_default"
    conn_type = "azure_quantum"
    hook_name = "Azure Quantum"
    vendor = "Azure Quantum"
    client_class = AzureQuantumClient
    async_client_class = AsyncAzureQuantumClient
    #: The official client's wait: first look after 0.2 s, then 1.5 times later, at most 30 s.
    first_poll, max_poll = 0.2, 30.0

    def __init__(
        self, azure_quantum_conn_id: str = default_conn_name, **client_options: Any
    ) -> None:
        super().__init__(azure_quantum_conn_id, **client_options)
        self.azure_quantum_conn_id = azure_quantum_conn_id
        #: The free deterministic job id ``find_job`` found for a key, for ``submit_job``.
        self._free_job_ids: dict[str, str] = {}

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

    # ------------------------------------------------------------------ the verbs

    def least_busy(self, candidates: list[str]) -> BackendChoice:
        """Of ``candidates``, the first ``Available`` target with the shortest average queue
        (``GET /providerStatus``); ``NoBackendAvailableError`` when none is Available."""
        return azure_checks.choose(candidates, self.client.get_provider_status())

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

    def estimate_cost(self, job: AzurePreparedJob, prices: Any = None) -> dict[str, Any]:
        """What sending ``job`` would cost, in money, before anything is sent.

        Returns ``{"target", "currency", "estimated_total", "priced", "formula", "detail",
        "rule", "prices_as_of"}`` (see ``airflow_quantum.spending.azure_pricing``); a target
        without a public formula, or a program that cannot be counted, gives ``priced: False``
        and says why in ``detail``.
        """
        return azure_pricing.estimate(job, *self.price_overrides(prices))

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

    # ------------------------------------------------------------------ what operators ask

    def check_job_id(self, job_id: Any) -> str:
        return check_job_id(job_id)

    def find_job(self, key: str, job: Any = None) -> str | None:
        """The live job of an earlier try: job ids are chosen by the client, so the n-th job of
        a task instance has a fixed id, and a retry asks for those ids instead of searching
        (the list API cannot filter on tags)."""
        for attempt in range(MAX_JOBS_PER_TASK_INSTANCE):
            job_id = str(uuid.uuid5(JOB_ID_NAMESPACE, f"{key}:{attempt}"))
            try:
                job = self.client.get_job(job_id)
            except NotFoundError:
                self._free_job_ids[key] = job_id
                return None
            if job.state not in (JobState.FAILED, JobState.CANCELLED):
                return job_id
        raise AirflowException(
            f"{MAX_JOBS_PER_TASK_INSTANCE} jobs of this task instance already failed; "
            "clear the task with a new run to start over"
        )

    def submit_job(self, job: AzurePreparedJob, key: str) -> str:
        """Submit ``job`` tagged with ``key``, under the next free id of the key."""
        job_id = self._free_job_ids.pop(key, None) or str(uuid.uuid5(JOB_ID_NAMESPACE, f"{key}:0"))
        submitted = self.client.submit_job(job.with_options(tags=[*job.tags, key]), job_id=job_id)
        self.log.info("Submitted Azure Quantum job %s to %s", submitted.id, job.target)
        return submitted.id

    def job_url(self, job_id: str) -> str:
        settings = self.settings
        return azure_job_url(
            settings.subscription_id,
            settings.resource_group,
            settings.workspace,
            job_id,
            getattr(settings.credential, "tenant_id", None) or "",
            endpoint=settings.endpoint,
        )

    def job_facts(self, job_id: str, result: Any = None) -> JobFacts:
        job = self.client.get_job(job_id)
        params = job.input_params if isinstance(job.input_params, dict) else {}
        usage = job.usage if isinstance(job.usage, dict) and job.usage else None
        if usage is None and job.cost_estimate is not None:
            usage = job.cost_estimate.model_dump(mode="json", by_alias=True, exclude_none=True)
        return JobFacts(
            vendor=self.vendor,
            job_id=job_id,
            backend=job.target,
            status=job.state.value,
            shots=params.get("shots"),
            usage=usage or None,
            **azure_spend(job),
        )

    def raw_result(self, job_id: str) -> bytes:
        return self.client.download_output(job_id)
