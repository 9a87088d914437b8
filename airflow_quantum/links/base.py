"""Extra links that open a quantum job in its vendor's portal.

The operator pushes the job's URL to XCom under ``JOB_URL_KEY`` before it waits; the link reads
it back, so it works on the worker (where Airflow stores the link) and after a deferral.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperatorLink

try:
    from airflow.sdk.execution_time.xcom import XCom
except ImportError:  # pragma: no cover - older task SDK layouts
    from airflow.models.xcom import XCom  # type: ignore[no-redef]

#: XCom key of the job's portal URL.
JOB_URL_KEY = "job_url"
#: XCom key of the job id.
JOB_ID_KEY = "job_id"


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
