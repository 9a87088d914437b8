"""Airflow hook for IBM Quantum (Qiskit Runtime): an Airflow connection in, a ready client out.

Connection contract (``conn_type`` ``ibm_quantum``):

- ``password``: the IBM Cloud API key;
- extras: ``instance`` (the instance CRN, required), and optionally ``runtime_url``,
  ``iam_url``, ``api_version``, ``private_endpoint``, ``verify``, ``allow_insecure_http``,
  ``max_quantum_seconds`` (the operators' limit).

Plain API calls (any program, job listing, logs, metrics, sessions, backends, usage, ...) go
through the client: ``hook.get_conn().run_job(IBMPreparedJob.sampler(...))``. The hook adds
the verbs of every vendor (see ``hooks.base``), ``least_busy`` (the official client's backend
choice) and ``estimate_usage`` (quantum seconds, before submit and once the job is estimated).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from airflow_quantum.clients.errors import ConfigurationError, QuantumError
from airflow_quantum.clients.ibm import qiskit_interop
from airflow_quantum.clients.ibm import validation as check
from airflow_quantum.clients.ibm.client import AsyncIBMQuantumClient, IBMQuantumClient
from airflow_quantum.clients.ibm.prepared import IBMPreparedJob
from airflow_quantum.clients.ibm.settings import IBMQuantumSettings
from airflow_quantum.clients.portal import ibm_job_url
from airflow_quantum.clients.state import JobState
from airflow_quantum.hooks.base import QuantumHook
from airflow_quantum.results.summary import JobFacts, ibm_shots
from airflow_quantum.spending import ibm_backends, ibm_usage
from airflow_quantum.spending.choice import BackendChoice
from airflow_quantum.spending.facts import ibm_spend
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
#: How many of a key's earlier jobs a retry looks at to find the one it can reattach to.
FIND_JOB_LIMIT = 20


class IBMQuantumHook(QuantumHook[IBMQuantumClient, AsyncIBMQuantumClient]):
    """Runs and follows Qiskit Runtime jobs on an IBM Quantum instance.

    :param ibm_quantum_conn_id: the ``ibm_quantum`` connection to use.
    :param client_options: see :class:`~airflow_quantum.hooks.base.QuantumHook`.
    """

    conn_name_attr = "ibm_quantum_conn_id"
    default_conn_name = "ibm_quantum_default"
    conn_type = "ibm_quantum"
    hook_name = "IBM Quantum"
    vendor = "IBM Quantum"
    client_class = IBMQuantumClient
    async_client_class = AsyncIBMQuantumClient
    #: The official client's ``wait_for_final_state``: a look every 0.5 s.
    first_poll, max_poll = 0.5, 0.5

    def __init__(self, ibm_quantum_conn_id: str = default_conn_name, **client_options: Any) -> None:
        super().__init__(ibm_quantum_conn_id, **client_options)
        self.ibm_quantum_conn_id = ibm_quantum_conn_id

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

    # ------------------------------------------------------------------ the verbs

    def get_job_result(
        self,
        job_id: str,
        timeout: float | None = None,
        poll_interval: float | None = None,
        *,
        bitstrings: bool = False,
        as_qiskit: bool = False,
    ) -> Any:
        """Wait for the job, then its result as plain JSON (see ``clients.ibm.results``).

        ``as_qiskit=True`` returns qiskit's ``PrimitiveResult`` instead (``SamplerPubResult``
        with a ``BitArray`` per register, or ``PubResult`` with ``evs``/``stds``); it needs the
        ``qiskit`` extra (checked before any request). ``JobFailedError`` with the service's
        message if the job failed or was cancelled; ``JobTimeoutError`` (job not cancelled)
        after ``timeout`` seconds.
        """
        if as_qiskit:
            qiskit_interop.require_qiskit("as_qiskit=True")
        decoded = super().get_job_result(
            job_id, timeout, poll_interval, bitstrings=bitstrings or as_qiskit
        )
        return qiskit_interop.to_primitive_result(decoded) if as_qiskit else decoded

    def least_busy(
        self, candidates: Iterable[str] | None = None, min_qubits: int = 0
    ) -> BackendChoice:
        """The online, operational, non-simulator backend with at least ``min_qubits`` and the
        shortest queue, among ``candidates`` (None: all of the instance's); see
        ``spending.ibm_backends``."""
        client = self.client
        listed = None if candidates is None else list(candidates)
        return ibm_backends.choose(
            client.list_backends(), client.get_backend_status, min_qubits, listed
        )

    def estimate_usage(self, job_id: str | None = None) -> IBMUsageEstimate:
        """What a job may spend, in quantum seconds (``IBMUsageEstimate``).

        Before submit (no ``job_id``): the instance's usage, limit, remaining seconds and
        whether the limit is reached (``GET /instances/usage``). With ``job_id``: also the
        service's estimate of that job (``usage_estimation``; None until it estimated it).
        """
        job = self.client.get_job(job_id) if job_id is not None else None
        return ibm_usage.usage_estimate(self.client.get_instance_usage(), job)

    # ------------------------------------------------------------------ what operators ask

    def check_job_id(self, job_id: Any) -> str:
        return check.job_id(job_id)

    def find_job(self, key: str, job: Any = None) -> str | None:
        """The live or succeeded job an earlier try tagged with ``key``."""
        for job in self.client.list_jobs(limit=FIND_JOB_LIMIT, tags=[key]):
            if job.state not in (JobState.FAILED, JobState.CANCELLED):
                return job.job_id
        return None

    def submit_job(self, job: IBMPreparedJob, key: str) -> str:
        """Submit ``job`` tagged with ``key`` (transpiled first when it asks for it)."""
        submitted = self.client.run_job(job.with_tag(key))
        self.log.info(
            "Submitted IBM Quantum %s job %s on %s", job.program_id, submitted.id, submitted.backend
        )
        return submitted.id

    def job_url(self, job_id: str) -> str:
        return ibm_job_url(job_id, self.client.settings.runtime_url)

    def job_facts(self, job_id: str, result: Any = None) -> JobFacts:
        client = self.client
        job = client.get_job(job_id)
        usage = job.usage.model_dump(mode="json", exclude_none=True) if job.usage else None
        return JobFacts(
            vendor=self.vendor,
            job_id=job_id,
            backend=job.backend,
            status=job.state.value,
            shots=ibm_shots(result),
            usage=usage or None,
            **ibm_spend(job, lambda: client.get_metrics(job_id), self.log),
        )

    def raw_result(self, job_id: str) -> bytes:
        raw = self.client.get_results_text(job_id) or ""
        return raw if isinstance(raw, bytes) else str(raw).encode()
