"""Status words of jobs (one of two vocabularies, chosen by the emulator's config) and of sessions.

The real service answers the legacy words (Waiting, Executing, Finishing, Succeeded) at every
api-version, 2025-12 included; the 2025-12 spec also names Queued and Completed. The emulator
answers one vocabulary at every api-version (``azure_status_words``, default ``legacy``), and a
``State`` filter matches the words it answers, no others: a client must name both.
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_quantum_emulator.azure.store import AzureJob, AzureSession
from airflow_quantum_emulator.jobs import Phase

_LEGACY = {
    Phase.QUEUED: "Waiting",
    Phase.RUNNING: "Executing",
    Phase.FINISHING: "Finishing",
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
VOCABULARIES = {"legacy": _LEGACY, "current": _CURRENT}

#: An open session with no running job times out after this much inactivity (seconds).
SESSION_IDLE_TIMEOUT = 600.0
#: What an open session under ``jobFailurePolicy: Continue`` reads once a job of it failed.
FAILURES = "Failure(s)"


def job_status(phase: Phase, vocabulary: str) -> str:
    """The ``status`` word of a job in ``phase``, in ``vocabulary`` (``legacy``/``current``)."""
    return VOCABULARIES[vocabulary][phase]


@dataclass(frozen=True)
class SessionState:
    """A session's status and execution times, derived from its jobs at one moment."""

    status: str
    begin: float | None
    end: float | None

    @property
    def accepts_jobs(self) -> bool:
        """Open sessions take jobs: ``Failure(s)`` is an open Continue session with failures."""
        return self.status in ("Waiting", "Executing", FAILURES)


def session_state(session: AzureSession, jobs: list[AzureJob], now: float) -> SessionState:
    """Status of ``session`` at ``now``.

    Waiting, Executing, Succeeded, Failed, Failure(s) or TimedOut.

    With the Abort policy the first failed job fails the session. With Continue the open session
    reads ``Failure(s)`` from its first failed job on and still takes jobs; closed, it is
    ``Failed`` (recorded: ``:close`` answered Failed after one failed job of three). An open
    session that has had nothing to do for ``SESSION_IDLE_TIMEOUT`` seconds times out.
    """
    phases = [(record, record.job.phase(now)) for record in jobs]
    starts = [s for record, _ in phases if (s := record.job.started_at(now)) is not None]
    begin = min(starts) if starts else None
    failed = [record for record, phase in phases if phase is Phase.FAILED]
    if failed and session.job_failure_policy == "Abort":
        ends = [e for record in failed if (e := record.job.ended_at(now)) is not None]
        return SessionState("Failed", begin, min(ends) if ends else now)
    active = [phase for _, phase in phases if not phase.final]
    if active and session.closed_at is None:
        return SessionState(_open_status(bool(failed), bool(starts)), begin, None)
    if active:
        return SessionState("Executing" if starts else "Waiting", begin, None)
    ends = [e for record, _ in phases if (e := record.job.ended_at(now)) is not None]
    if session.closed_at is None:
        idle_since = max([session.last_activity, *ends])
        if now - idle_since >= SESSION_IDLE_TIMEOUT:
            return SessionState("TimedOut", begin, idle_since + SESSION_IDLE_TIMEOUT)
        return SessionState(_open_status(bool(failed), bool(jobs)), begin, None)
    return SessionState("Failed" if failed else "Succeeded", begin, max([session.closed_at, *ends]))


def _open_status(failed: bool, started: bool) -> str:
    if failed:
        return FAILURES
    return "Executing" if started else "Waiting"
