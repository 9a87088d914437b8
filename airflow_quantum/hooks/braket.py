"""Airflow hook for Amazon Braket: Airflow's ``aws`` connection in, a SigV4-signing client out.

Connection contract: Airflow's own ``aws`` connection type (the Amazon provider's), read
through ``AwsBaseHook``, so profiles, assume-role and refreshable credentials work as for any
AWS hook:

- login / password: access key id and secret (or none: profile, role, environment, instance);
- extras: ``region_name`` (the connection's region: simulators, searches), ``service_config``
  ``{"braket": {"endpoint_url": ...}, "s3": {"endpoint_url": ...}}`` (e.g. the emulator; without
  a Braket endpoint there, ``BRAKET_ENDPOINT`` from the environment, as the SDK reads it),
  ``verify``, and this provider's own: ``s3_bucket`` / ``s3_prefix`` (where tasks write their
  results, when the operator does not say), ``max_cost`` (USD), ``allow_insecure_http``,
  ``shared_polling``.

Plain API calls go through the client: ``hook.get_conn().get_device(arn)``. The hook adds the
verbs of every vendor (see ``hooks.base``).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable
from typing import Any

from airflow_quantum.clients.braket import prepared as check
from airflow_quantum.clients.braket.client import AsyncBraketClient, BraketClient
from airflow_quantum.clients.braket.listing import task_filter
from airflow_quantum.clients.braket.prepared import BraketPreparedJob
from airflow_quantum.clients.braket.settings import BraketSettings, CredentialSource
from airflow_quantum.clients.errors import (
    ConfigurationError,
    InvalidInputError,
    MissingExtraError,
    NotFoundError,
    QuantumError,
    RetiredTargetError,
)
from airflow_quantum.clients.portal import braket_job_url
from airflow_quantum.hooks.base import QuantumHook
from airflow_quantum.results.summary import JobFacts
from airflow_quantum.spending import braket_pricing
from airflow_quantum.spending.choice import BackendChoice, NoBackendAvailableError
from airflow_quantum.spending.facts import braket_spend

#: The tag a task gets with its task instance's idempotency key (SearchQuantumTasks cannot
#: filter on tags, but its summaries carry them).
IDEMPOTENCY_TAG = "airflow-quantum:idempotency-key"
#: How far back a retry looks for the task an earlier try submitted, and how many pages of
#: the device's tasks at most (100 a page).
FIND_WINDOW = datetime.timedelta(days=14)
FIND_MAX_PAGES = 20
#: Statuses of a task a retry reattaches to (not failed or cancelled).
REATTACH_STATUSES = ("CREATED", "QUEUED", "RUNNING", "COMPLETED")
#: The device a connection test reads (every account may).
SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"


def _aws_base_hook(conn: Any) -> Any:
    """The Amazon provider's ``AwsBaseHook`` for ``conn`` (already read: not read again)."""
    try:
        from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
        from airflow.providers.amazon.aws.utils.connection_wrapper import AwsConnectionWrapper
    except ImportError:
        raise MissingExtraError(
            "Amazon Braket connections", "amazon", "apache-airflow-providers-amazon"
        ) from None
    hook = AwsBaseHook(aws_conn_id=getattr(conn, "conn_id", None), client_type="braket")
    hook.__dict__["conn_config"] = AwsConnectionWrapper(conn=conn)
    return hook


class BraketHook(QuantumHook[BraketClient, AsyncBraketClient]):
    """Runs and follows Amazon Braket quantum tasks.

    :param aws_conn_id: the ``aws`` connection to use.
    :param client_options: see :class:`~airflow_quantum.hooks.base.QuantumHook`.
    """

    conn_name_attr = "aws_conn_id"
    default_conn_name = "braket_default"
    conn_type = "aws"
    hook_name = "Amazon Braket"
    vendor = "Amazon Braket"
    client_class = BraketClient
    async_client_class = AsyncBraketClient
    #: The official SDK's wait polls every second.
    first_poll, max_poll = 1.0, 1.0

    def __init__(self, aws_conn_id: str = default_conn_name, **client_options: Any) -> None:
        super().__init__(aws_conn_id, **client_options)
        self.aws_conn_id = aws_conn_id

    # ------------------------------------------------------------------ connection

    @classmethod
    def settings_from_connection(cls, conn: Any) -> BraketSettings:
        """``BraketSettings`` from an ``aws`` connection (credentials resolved when first used:
        assuming a role calls STS, which must not happen on the triggerer's loop)."""
        conn_id = getattr(conn, "conn_id", None) or "?"
        extras = cls.extras(conn)
        services = extras.get("service_config", {})
        if not (isinstance(services, dict) and all(isinstance(v, dict) for v in services.values())):
            raise ConfigurationError(
                f"Amazon Braket connection {conn_id!r}: the extra service_config must map "
                'service names to settings, e.g. {"braket": {"endpoint_url": "..."}}'
            )
        try:
            aws = _aws_base_hook(conn)
            config = aws.conn_config
            endpoints = {name: config.get_service_endpoint_url(name) for name in ("braket", "s3")}
            # As the Braket SDK does, when the connection names no endpoint of its own.
            endpoints["braket"] = endpoints["braket"] or os.environ.get("BRAKET_ENDPOINT")
        except ConfigurationError:  # no Amazon provider: MissingExtraError names the extra
            raise
        except (TypeError, ValueError) as exc:  # the Amazon provider's own checks
            raise ConfigurationError(
                f"Amazon Braket connection {conn_id!r}: {type(exc).__name__}: {exc}"
            ) from None
        region = (
            config.region_name
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
        )
        if not region:
            raise ConfigurationError(
                f"Amazon Braket connection {conn_id!r}: the extra region_name is required"
            )
        credentials = CredentialSource(
            lambda: aws.get_session(region_name=region).get_credentials()
        )
        try:
            return BraketSettings(
                region=region,
                credentials=credentials,
                endpoint_url=endpoints["braket"],
                s3_endpoint_url=endpoints["s3"],
                verify=config.verify,
                allow_insecure_http=extras.get("allow_insecure_http"),
            )
        except ConfigurationError as exc:
            raise ConfigurationError(f"Amazon Braket connection {conn_id!r}: {exc}") from None

    def output_location(self) -> tuple[str | None, str | None]:
        """The connection's default S3 output (extras ``s3_bucket`` and ``s3_prefix``)."""
        extras = self.extras(self.connection)
        return extras.get("s3_bucket"), extras.get("s3_prefix")

    def test_connection(self) -> tuple[bool, str]:
        """Sign a request and read SV1's device record: ``(ok, message)``."""
        try:
            client = self.client
            device = client.get_device(SV1)
        except QuantumError as exc:
            return False, str(exc)
        return True, f"Connected to {client.settings.describe()}; SV1 is {device.device_status}"

    # ------------------------------------------------------------------ the verbs

    def least_busy(self, candidates: Iterable[str]) -> BackendChoice:
        """The online device with the shortest quantum-task queue among ``candidates`` (device
        ARNs); ``NoBackendAvailableError`` when none is online."""
        skipped: dict[str, str] = {}
        best: tuple[int, str] | None = None
        for arn in candidates:
            device = self.client.get_device(check.device_arn(arn))
            if not device.online:
                skipped[arn] = f"status {device.device_status}"
                continue
            size = device.queue_size()
            rank = size if size is not None else 10**9
            if best is None or rank < best[0]:
                if best is not None:
                    skipped[best[1]] = "longer queue"
                best = (rank, arn)
            else:
                skipped[arn] = "longer queue"
        if best is None:
            raise NoBackendAvailableError(f"no candidate device is online: {skipped}")
        queue = None if best[0] == 10**9 else float(best[0])
        return BackendChoice(best[1], queue, " tasks", skipped)

    def device(self, device_arn: str) -> Any:
        """The device (``GetDevice``), once it is known to exist and not be retired (else
        ``InvalidInputError`` or ``RetiredTargetError``)."""
        try:
            device = self.client.get_device(check.device_arn(device_arn))
        except NotFoundError:
            raise InvalidInputError(f"Amazon Braket has no device {device_arn}") from None
        if (device.device_status or "").upper() == "RETIRED":
            raise RetiredTargetError(f"the device {device_arn} is retired")
        return device

    def device_for(self, job: BraketPreparedJob) -> Any:
        """The job's device (``device``), once it is known to take the job: it runs the job's
        kind of action and allows its shots; else ``InvalidInputError`` naming what does not
        fit (nothing was submitted)."""
        device = self.device(job.device_arn)
        actions = device.supported_actions
        if actions and job.action_name not in actions:
            raise InvalidInputError(
                f"the device {device.name or job.device_arn} runs {', '.join(actions)}, "
                f"not {job.action_name}"
            )
        shots = device.shots_range
        if shots is not None and not shots[0] <= job.shots <= shots[1]:
            raise InvalidInputError(
                f"the device {device.name or job.device_arn} takes {shots[0]} to {shots[1]} "
                f"shots a task, not {job.shots}"
            )
        return device

    def estimate_cost(self, job: BraketPreparedJob) -> dict[str, Any]:
        """What the task would cost before it runs, in USD (``spending.braket_pricing``)."""
        return braket_pricing.estimate_cost(job)

    def spending_limits(self, device_arn: str) -> list[Any]:
        """The device's server-side spending limits (``remaining``: limit - total - queued)."""
        return list(self.client.search_spending_limits(device_arn))

    # ------------------------------------------------------------------ what operators ask

    def check_job_id(self, job_id: Any) -> str:
        return check.task_arn(job_id)

    def find_job(self, key: str, job: Any = None) -> str | None:
        """The live or completed task an earlier try tagged with ``key``: a search of the
        device's tasks of the last ``FIND_WINDOW`` (the tag cannot be a filter)."""
        if not isinstance(job, BraketPreparedJob):
            return None
        since = datetime.datetime.now(datetime.timezone.utc) - FIND_WINDOW
        filters = [
            task_filter("deviceArn", job.device_arn),
            task_filter("createdAt", since, "GTE"),
            task_filter("status", list(REATTACH_STATUSES)),
        ]
        region = self.client.settings.region_for(job.device_arn)
        for task in self.client.search_tasks(filters, region=region, max_pages=FIND_MAX_PAGES):
            if task.tags.get(IDEMPOTENCY_TAG) == key:
                return task.arn
        return None

    def submit_job(self, job: BraketPreparedJob, key: str) -> str:
        """Create the task tagged with ``key``, in the output location the job names or else
        the connection's, with the job's client token (one per try: see ``attempt_key``)."""
        if job.s3_bucket is None:
            bucket, prefix = self.output_location()
            job = job.with_output(bucket, prefix)
        created = self.client.create_quantum_task(job.with_tag(IDEMPOTENCY_TAG, key))
        self.log.info("Submitted Amazon Braket quantum task %s on %s", created.arn, job.device_arn)
        return created.arn

    def job_url(self, job_id: str) -> str:
        settings = self.client.settings
        return braket_job_url(job_id, settings.region_for(job_id), settings.endpoint_url)

    def job_facts(self, job_id: str, result: Any = None) -> JobFacts:
        task = self.client.get_job(job_id)
        shots = result.get("shots") if isinstance(result, dict) else None
        return JobFacts(
            vendor=self.vendor,
            job_id=job_id,
            backend=task.device_arn,
            status=task.state.value,
            shots=shots if isinstance(shots, int) else task.shots,
            **braket_spend(task),
        )

    def raw_result(self, job_id: str) -> bytes:
        return self.client.get_results_text(job_id)
