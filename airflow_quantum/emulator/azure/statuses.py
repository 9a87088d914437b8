"""Status words of jobs (which depend on the api-version) and of sessions."""

from __future__ import annotations

from dataclasses import dataclass

from airflow_quantum.emulator.azure.store import AzureJob, AzureSession
from airflow_quantum.emulator.azure.versions import uses_new_status_vocabulary
from airflow_quantum.emulator.jobs import Phase

_CLASSIC = {
    Phase.QUEUED: "Waiting",
    Phase.RUNNING: "Executing",
    Phase.FINISHING: "Executing",
    Phase.SUCCEEDED: "Succeeded",
    Phase.FAILED: "Failed",
    Phase.CANCELLED: "Cancelled",
}
_CURRENT = {
    Phase.QUEUED: "Queued",
    Phase.RUNNING: "Executing",
    Phase.FINISHING: "Finishing",
    Phase.SUCCEEDED: "Completed",
    Phase.FAILED: "Failed",
    Phase.CANCELLED: "Cancelled",
}
# Words of one vocabulary in the other, so that a filter on State works with either.
_TO_CLASSIC = {"queued": "Waiting", "finishing": "Executing", "completed": "Succeeded"}
_TO_CURRENT = {"waiting": "Queued", "succeeded": "Completed"}

#: An open session with no running job times out after this much inactivity (seconds).
SESSION_IDLE_TIMEOUT = 600.0


def job_status(phase: Phase, api_version: str) -> str:
    """The ``status`` word of a job in ``phase`` for a caller using ``api_version``."""
    words = _CURRENT if uses_new_status_vocabulary(api_version) else _CLASSIC
    return words[phase]


def in_vocabulary(word: str, api_version: str) -> str:
    """Translate a status word into the vocabulary of ``api_version`` (for filters)."""
    table = _TO_CURRENT if uses_new_status_vocabulary(api_version) else _TO_CLASSIC
    return table.get(word.lower(), word)


@dataclass(frozen=True)
class SessionState:
    """A session's status and execution times, derived from its jobs at one moment."""

    status: str
    begin: float | None
    end: float | None

    @property
    def accepts_jobs(self) -> bool:
        return self.status in ("Waiting", "Executing")


def session_state(session: AzureSession, jobs: list[AzureJob], now: float) -> SessionState:
    """Status of ``session`` at ``now``.

    Waiting, Executing, Succeeded, Failed, Failure(s) or TimedOut.

    With the Abort policy the first failed job fails the session; an open session that has had
    nothing to do for ``SESSION_IDLE_TIMEOUT`` seconds times out.
    """
    phases = [(record, record.job.phase(now)) for record in jobs]
    starts = [s for record, _ in phases if (s := record.job.started_at(now)) is not None]
    begin = min(starts) if starts else None
    failed = [record for record, phase in phases if phase is Phase.FAILED]
    if failed and session.job_failure_policy == "Abort":
        ends = [e for record in failed if (e := record.job.ended_at(now)) is not None]
        return SessionState("Failed", begin, min(ends) if ends else now)
    active = [phase for _, phase in phases if not phase.final]
    if active:
        return SessionState("Executing" if starts else "Waiting", begin, None)
    ends = [e for record, _ in phases if (e := record.job.ended_at(now)) is not None]
    if session.closed_at is None:
        idle_since = max([session.last_activity, *ends])
        if now - idle_since >= SESSION_IDLE_TIMEOUT:
            return SessionState("TimedOut", begin, idle_since + SESSION_IDLE_TIMEOUT)
        return SessionState("Executing" if jobs else "Waiting", begin, None)
    status = "Succeeded"
    if failed:
        status = "Failed" if len(failed) == len(jobs) else "Failure(s)"
    return SessionState(status, begin, max([session.closed_at, *ends]))
