"""The emulator's read-only job page: what a portal would show about one job, as small HTML.

An operator's "Azure Quantum job" / "IBM Quantum job" / "Amazon Braket task" extra link points
here when its connection talks to the emulator, because the vendors' portals do not know
emulated jobs. The page shows the job's vendor, backend or target, phase (a Braket task: its
status word), timestamps, failure and a summary of its result. A Braket task's job id is the
last part of its ARN.
"""

from __future__ import annotations

import html
import json
from typing import Any

from fastapi import APIRouter
from starlette.responses import HTMLResponse

from airflow_quantum_emulator.braket import result_view as braket_view
from airflow_quantum_emulator.clock import iso_utc
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.ibm import result_view
from airflow_quantum_emulator.jobs import EmulatedJob, Phase
from airflow_quantum_emulator.state import EmulatorState

#: Path of a job's page (``{job_id}`` filled in); the extra links build the same path.
JOB_PAGE_PATH = "/_emulator/jobs/{job_id}/page"
#: Longest result preview shown, in characters.
PREVIEW_CHARS = 2000

_STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:60em}"
    "th{text-align:left;padding-right:1.5em}pre{background:#f4f4f4;padding:1em;overflow:auto}"
)


def build_page_router(state: EmulatorState) -> APIRouter:
    """The route of the job page, bound to ``state``."""
    router = APIRouter(prefix="/_emulator", tags=["emulator pages"])

    @router.get("/jobs/{job_id}/page", response_class=HTMLResponse)
    async def job_page(job_id: str) -> HTMLResponse:
        job = state.jobs.get(job_id)
        if job is None:
            raise VendorError(404, f"No job {job_id!r} in the emulator.")
        now = state.now()
        if job.vendor == "braket":
            task = state.stores["braket"].tasks[job_id]  # type: ignore[attr-defined]
            facts = [("Task ARN", task.arn), ("Shots", task.shots)]
            return HTMLResponse(render_job_page(job, now, task.status(now), facts, task.shots))
        return HTMLResponse(render_job_page(job, now))

    return router


#: How the page names each vendor.
VENDOR_NAMES = {"azure": "Azure Quantum", "ibm": "IBM Quantum", "braket": "Amazon Braket"}


def render_job_page(
    job: EmulatedJob,
    now: float,
    status: str | None = None,
    facts: list[tuple[str, object]] | None = None,
    shots: int = 0,
) -> str:
    """The HTML of one job's page at time ``now``; ``status``: the vendor's word for its phase."""
    phase = job.phase(now)
    rows = [
        ("Vendor", VENDOR_NAMES.get(job.vendor, job.vendor)),
        ("Job id", job.job_id),
        *(facts or []),
        ("Backend / target", job.backend or "-"),
        ("State", status or phase.value),
        ("Created", iso_utc(job.created_at, 3)),
        ("Started", iso_utc(job.started_at(now), 3) or "-"),
        ("Ended", iso_utc(job.ended_at(now), 3) or "-"),
    ]
    failure = job.failure(now)
    if failure is not None:
        rows.append(("Error", f"{failure.code}: {failure.message}"))
    table = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(str(value))}</td></tr>"
        for name, value in rows
    )
    title = f"Emulated job {job.job_id}"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        "<p>A job of the local airflow-quantum emulator (it does not exist on the real "
        "service). This page is read-only and does not refresh by itself.</p>"
        f"<table>{table}</table><h2>Result</h2>{_result_section(job, phase, now, shots)}"
        "</body></html>"
    )


def _result_section(job: EmulatedJob, phase: Phase, now: float, shots: int) -> str:
    if phase is not Phase.SUCCEEDED:
        return f"<p>No result: the job is {html.escape(phase.value)}.</p>"
    result = job.result()
    if job.vendor == "braket":
        summary, body = braket_view.render(result, shots)
        return f"<p>{html.escape(summary)}</p>{body}"
    if not isinstance(result, bytes | str):  # IBM: counts per pub, not the encoded document
        started = job.started_at(now)
        begun = started if started is not None else job.created_at
        summary, body = result_view.render(result, begun, job.ended_at(now) or now)
        return f"<p>{html.escape(summary)}</p>{body}"
    summary, text = azure_summary(result)
    preview = text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "\n..."
    return f"<p>{html.escape(summary)}</p><pre>{html.escape(preview)}</pre>"


def azure_summary(result: bytes | str) -> tuple[str, str]:
    """One line about an Azure job's output blob, and the blob as indented JSON."""
    raw = result.decode(errors="replace") if isinstance(result, bytes) else result
    try:
        document: Any = json.loads(raw)
    except ValueError:
        return f"Output data: {len(raw)} characters (not JSON).", raw
    return _describe(document, len(raw)), json.dumps(document, indent=1)


def _describe(document: Any, size: int) -> str:
    if isinstance(document, dict):
        histogram = document.get("histogram")
        if isinstance(histogram, dict) and histogram:
            top = max(histogram.items(), key=lambda item: item[1])
            return (
                f"Histogram of {len(histogram)} outcome(s); most likely {top[0]} "
                f"({top[1]}); {size} characters."
            )
        keys = ", ".join(sorted(map(str, document))[:8])
        return f"JSON object with keys {keys}; {size} characters."
    return f"JSON {type(document).__name__}; {size} characters."
