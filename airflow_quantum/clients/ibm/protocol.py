"""The Qiskit Runtime wire protocol: every job operation of the IBM clients, defined once (the
instance's own are in ``instance``). ``IBMQuantumClient`` and ``AsyncIBMQuantumClient`` are this
class run by ``calls.SyncRunner`` and ``calls.AsyncRunner``. Inputs are checked when the call is
built: a bad value raises ``InvalidInputError`` before anything is sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Unpack
from urllib.parse import quote

from airflow_quantum.clients.calls import Call, Flow, Pager, json_call, listing, operation, pages_of
from airflow_quantum.clients.errors import (
    InvalidInputError,
    InvalidStateError,
    NotFoundError,
    QuantumAPIError,
    QuotaExhaustedError,
    SessionClosedError,
)
from airflow_quantum.clients.ibm import isa, models, transpile
from airflow_quantum.clients.ibm import validation as check
from airflow_quantum.clients.ibm.instance import VENDOR, IBMInstance
from airflow_quantum.clients.ibm.listing import (
    JobFilters,
    JobPager,
    ListedPage,
    job_filters,
    listed_jobs,
    page_query,
)
from airflow_quantum.clients.ibm.prepared import IBMPreparedJob
from airflow_quantum.clients.ibm.results import result_or_raise
from airflow_quantum.clients.models import ListedJob

#: Page size of the pending-jobs listing: the most the service gives in one page.
PENDING_PAGE_SIZE = check.MAX_PAGE_SIZE


class IBMProtocol(IBMInstance):
    """The operations of one instance: its jobs here, the instance's own in ``IBMInstance``."""

    def _job(self, payload: Any) -> models.IBMJob:
        job = models.IBMJob.from_wire(payload, "IBM job")
        job.instance = self.settings.instance
        return job

    @staticmethod
    def _job_path(job_id: str, suffix: str = "") -> str:
        return f"/jobs/{quote(check.job_id(job_id), safe='')}{suffix}"

    def job_from_listing(self, listed: ListedJob) -> models.IBMJob:
        """The ``IBMJob`` of a job from ``pending_job_pages``."""
        return self._job(listed.raw)

    @operation
    def run_job(self, job: IBMPreparedJob) -> Flow[models.IBMSubmittedJob]:
        """Submit a prepared job (``POST /jobs``).

        With an ``optimization_level`` its circuits are first transpiled for the backend (its
        configuration and properties are read once per client; needs the ``qiskit`` extra).
        Sampler and estimator circuits must be ISA circuits of the backend: they are checked
        against its configuration and ``NonISACircuitError`` is raised before any job exists;
        an unknown backend raises ``InvalidInputError`` naming the instance's backends. The
        service's 409 (the instance's usage limit is reached) raises ``QuotaExhaustedError``.
        """
        if not isinstance(job, IBMPreparedJob):
            raise InvalidInputError(f"run_job takes an IBMPreparedJob, got {type(job).__name__}")
        backend = job.backend
        if isa.checks_isa(job.program_id) and (backend is not None or job.session_id):
            if backend is None:
                backend = (yield self.get_session.call(job.session_id)).backend_name
            if backend is not None:
                configuration = yield from self._configuration(backend)
                if job.optimization_level is not None:
                    target = yield from self._qiskit_target(backend, configuration)
                    built = transpile.isa_pubs(
                        job.program_id, job.params["pubs"], target, job.optimization_level
                    )
                    job = job.with_pubs(built)
                isa.check_pubs(job.params, isa.BackendTarget.from_configuration(configuration))
        request = self.request("POST", "/jobs", body=job.body())
        try:
            return (yield json_call(VENDOR, request, self._read("job", models.IBMSubmittedJob)))
        except SessionClosedError:
            raise
        except InvalidStateError as exc:  # the service's 409: the instance's usage limit
            raise QuotaExhaustedError(
                "the IBM Quantum service refused the job: the instance's usage limit is "
                f"reached (no job was created): {exc}"
            ) from None

    @operation
    def get_job(self, job_id: str, *, exclude_params: bool = True) -> Call[models.IBMJob]:
        """``GET /jobs/{id}`` -> ``IBMJob`` (without its params unless asked)."""
        params = {"exclude_params": "true"} if exclude_params else None
        return json_call(
            VENDOR, self.request("GET", self._job_path(job_id), params=params), self._job
        )

    @operation
    def cancel_job(self, job_id: str) -> Call[None]:
        """``POST /jobs/{id}/cancel``; ``InvalidStateError`` when the job is already final."""

        def already_final(exc: QuantumAPIError) -> None:
            if isinstance(exc, InvalidStateError):
                raise exc.reworded(
                    InvalidStateError,
                    f"job {job_id} cannot be cancelled: the job is already final (completed, "
                    f"failed or cancelled). The service said: {exc.vendor_message}",
                ) from exc
            raise exc

        return self._empty(self.request("POST", self._job_path(job_id, "/cancel")), already_final)

    @operation
    def delete_job(self, job_id: str) -> Call[None]:
        """``DELETE /jobs/{id}`` (only final jobs can be deleted)."""
        return self._empty(self.request("DELETE", self._job_path(job_id)))

    @operation
    def get_results(
        self, job: models.IBMJob | str, *, bitstrings: bool = False
    ) -> Flow[dict[str, Any]]:
        """The decoded result of a finished job (no waiting here).

        ``JobFailedError`` if it failed or was cancelled, ``InvalidStateError`` while it is not
        final. The raw results text is ``get_results_text``.
        """
        if isinstance(job, str):
            job = yield self.get_job.call(job)
        needs_text = job.done() or job.errored()
        text = (yield self.get_results_text.call(job.id)) if needs_text else None
        return result_or_raise(job, text, bitstrings=bitstrings)

    @operation
    def get_results_text(self, job_id: str) -> Call[str | None]:
        """``GET /jobs/{id}/results``: the raw text (a failed job's is its error), None on 204."""
        request = self.request("GET", self._job_path(job_id, "/results"))
        return Call(request, lambda answer: None if answer.status_code == 204 else answer.text)

    @operation
    def get_logs(self, job_id: str) -> Call[str]:
        """``GET /jobs/{id}/logs``; 404 (no logs yet) reads as ``""``."""

        def no_logs(exc: QuantumAPIError) -> str:
            if isinstance(exc, NotFoundError):
                return ""
            raise exc

        request = self.request("GET", self._job_path(job_id, "/logs"))
        return Call(request, lambda answer: answer.text, no_logs)

    @operation
    def get_metrics(self, job_id: str) -> Call[models.IBMJobMetrics]:
        """``GET /jobs/{id}/metrics`` -> ``IBMJobMetrics`` (queue position, timestamps, usage)."""
        return self._get(self._job_path(job_id, "/metrics"), "job metrics", models.IBMJobMetrics)

    @operation
    def queue_info(self, job_id: str) -> Call[models.IBMQueueInfo | None]:
        """Where a queued job stands (``RuntimeJob.queue_info``: position, estimated start and
        end, from its metrics); None where the service gives none."""
        return self.get_metrics.call(job_id).then(
            lambda metrics: models.IBMQueueInfo.from_metrics(job_id, metrics)
        )

    @operation
    def update_tags(self, job_id: str, tags: Iterable[str]) -> Flow[models.IBMJob]:
        """Replace the job's tags (``PUT /jobs/{id}/tags``; an empty list clears them); the job
        as it is afterwards."""
        body = {"tags": check.tags(tags)}
        yield self._empty(self.request("PUT", self._job_path(job_id, "/tags"), body=body))
        return (yield self.get_job.call(job_id))

    @operation
    def list_jobs_page(
        self, *, limit: int = 10, offset: int = 0, **filters: Unpack[JobFilters]
    ) -> Call[models.IBMJobPage]:
        """One page of ``GET /jobs`` -> ``IBMJobPage``; ``filters`` as for ``list_jobs``."""
        return self._page(job_filters(**filters), limit, offset)

    def _page(
        self, query: list[tuple[str, str]], limit: int, offset: int
    ) -> Call[models.IBMJobPage]:
        request = self.request("GET", "/jobs", params=page_query(query, limit, offset))

        def read(payload: Any) -> models.IBMJobPage:
            page = models.IBMJobPage.from_wire(payload, "job list")
            for job in page.jobs:
                job.instance = self.settings.instance
            return page

        return json_call(VENDOR, request, read)

    @listing
    def list_jobs(
        self,
        *,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = check.MAX_PAGE_SIZE,
        **filters: Unpack[JobFilters],
    ) -> Pager[models.IBMJob]:
        """Jobs matching all the filters (``JobFilters``), page by page (``limit`` None: all)."""
        query = job_filters(**filters)
        return JobPager(
            limit=None if limit is None else check.count(limit, "limit"),
            offset=check.count(offset, "offset"),
            page_size=check.count(page_size, "page_size", minimum=1, maximum=check.MAX_PAGE_SIZE),
            page=lambda size, at: self._page(query, size, at),
        )

    @listing
    def pending_job_pages(
        self, page_size: int | None = None, max_pages: int | None = None
    ) -> Pager[list[ListedJob]]:
        """Pages of the instance's jobs that are not final (``pending=true``), unparsed.

        ``GET /jobs?pending=true&sort=ASC``: oldest first, so jobs submitted while a listing is
        paged land after it instead of shifting it. Stops at a short page, at the server's
        ``count``, or after ``max_pages``. A job that ends while the listing is paged shifts the
        later pages by one, so a pending job may be missed: callers confirm jobs they did not
        see with ``get_job``.
        """
        query = job_filters(pending=True, sort="ASC")

        def page(limit: int, offset: int) -> Call[ListedPage]:
            request = self.request("GET", "/jobs", params=page_query(query, limit, offset))
            return json_call(VENDOR, request, listed_jobs)

        size = page_size or PENDING_PAGE_SIZE
        return pages_of(JobPager(None, page_size=size, page=page, max_pages=max_pages))
