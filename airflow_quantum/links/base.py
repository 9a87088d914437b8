"""Extra links that open a quantum job in its vendor's portal.

The operator pushes the job's URL to XCom under ``JOB_URL_KEY`` before it waits; the link reads
it back, so it works on the worker (where Airflow stores the link) and after a deferral.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from airflow.sdk import BaseOperatorLink

try:
    from airflow.sdk.execution_time.xcom import XCom
except ImportError:  # pragma: no cover - older task SDK layouts
    from airflow.models.xcom import XCom  # type: ignore[no-redef]

#: XCom key of the job's portal URL.
JOB_URL_KEY = "job_url"
#: XCom key of the job id.
JOB_ID_KEY = "job_id"
#: The emulator's read-only page of one job (``airflow_quantum_emulator.pages`` serves it).
EMULATOR_JOB_PAGE = "/_emulator/jobs/{job_id}/page"


def on_vendor_host(url: str | None, domains: tuple[str, ...]) -> bool:
    """Whether ``url`` is a host of one of the vendor's ``domains`` (or no URL: the default)."""
    if not url:
        return True
    host = (urlsplit(url).hostname or "").lower()
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def emulator_job_url(service_url: str, job_id: str) -> str:
    """The emulator's own page of a job, on the host and port ``service_url`` points at."""
    parts = urlsplit(service_url)
    page = EMULATOR_JOB_PAGE.format(job_id=quote(job_id, safe=""))
    return f"{parts.scheme}://{parts.netloc}{page}"


class QuantumJobLink(BaseOperatorLink):
    """A link to the job page; subclasses only set ``name``.

    Airflow asks for the link on the worker when the task ends. The operator that pushed a URL
    keeps it as ``job_link``; one that failed before it had a job (``job_id`` unset) has no
    link, and the XCom is not read (which would log "XCom not found").
    """

    name = "Quantum job"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        known = getattr(operator, "job_link", None)
        if isinstance(known, str) and known:
            return known
        if not getattr(operator, "job_id", None):
            return ""
        url = XCom.get_value(ti_key=ti_key, key=JOB_URL_KEY)
        return url if isinstance(url, str) else ""
