"""What the IBM side remembers beside the shared job registry: job records, sessions, usage."""

from __future__ import annotations

import math
import secrets
import string
from dataclasses import dataclass, field, replace
from typing import Any

from airflow_quantum_emulator.jobs import EmulatedJob, Phase

_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_id() -> str:
    """A job or session id in IBM's style: 20 characters of ``[a-z0-9]``, starting with a letter."""
    return secrets.choice(string.ascii_lowercase) + "".join(
        secrets.choice(_ID_ALPHABET) for _ in range(19)
    )


@dataclass(frozen=True)
class ScriptedEstimate:
    """A usage estimate set through the control API: ``seconds`` (None: the service gives
    none), known ``after_seconds`` after the job was submitted (null on the wire before)."""

    seconds: float | None
    after_seconds: float = 0.0


@dataclass
class DeviceFacts:
    """What the control API changed of a backend as ``GET /backends`` and its status report it.

    ``status`` is the listing's ``status.name`` (``online``, ``paused``, ``offline``); the
    status route derives ``state`` (True only online) from it. ``queue_length`` is added to
    the jobs really queued on the backend. ``qubits`` and ``is_simulator`` change the
    listing only (the configuration stays the device's).
    """

    status: str = "online"
    reason: str = "available"
    queue_length: int = 0
    is_simulator: bool = False
    qubits: int | None = None


@dataclass
class IBMJobRecord:
    """The IBM wire fields of one job; timing and outcome live in its ``EmulatedJob``."""

    job: EmulatedJob
    instance: str
    program_id: str
    params: Any
    user_id: str
    tags: list[str] = field(default_factory=list)
    session_id: str | None = None
    runtime: str = ""
    log_level: str | None = None
    cost: int | None = None
    private: bool = False
    #: The backend calibration the job was asked to run with (``calibration_id``), if any.
    calibration_id: str | None = None
    #: The job is cancelled at ``starts_at + cost`` because it would run longer than ``cost``.
    ran_too_long: bool = False
    #: Cancelled through ``POST /jobs/{id}/cancel`` (or a session cancel), not by the service.
    cancelled_by_user: bool = False
    #: The service's usage estimate, when scripted (``/_emulator/ibm/estimates``): quantum
    #: seconds (None: not estimated) and the time it appears; unscripted, the job's run time.
    scripted_estimate: ScriptedEstimate | None = None

    def usage_estimate(self, now: float) -> float | None:
        """``estimated_running_time_seconds`` at ``now``."""
        scripted = self.scripted_estimate
        if scripted is None:
            return self.job.run_seconds
        return scripted.seconds if now >= self.job.created_at + scripted.after_seconds else None

    @property
    def job_id(self) -> str:
        return self.job.job_id

    def settle(self) -> None:
        """Drop the ran-too-long cancel of a job made to end sooner (control API ``finish``)."""
        limit = self.job.cancelled_at
        if self.ran_too_long and limit is not None and self.job.scheduled_end < limit:
            self.job.cancelled_at = None
            self.ran_too_long = False

    @property
    def backend(self) -> str:
        return self.job.backend


@dataclass
class SessionRecord:
    """One session or batch; its ``state`` is derived from its jobs on every read."""

    session_id: str
    instance: str
    backend: str
    mode: str
    max_ttl: int
    interactive_ttl: int
    user_id: str
    created_at: float
    #: A session with no job for this long closes (IBM: 30 minutes; ``ibm_session_idle_seconds``).
    idle_ttl: float = 1800.0
    accepting_jobs: bool = True
    #: When ``DELETE /sessions/{id}/close`` cancelled it (its queued jobs were cancelled then).
    cancelled_at: float | None = None
    #: When ``PATCH accepting_jobs=false`` closed it to new jobs.
    closed_to_jobs_at: float | None = None
    job_ids: list[str] = field(default_factory=list)


def run_seconds(record: IBMJobRecord, now: float) -> float:
    """Seconds the job has spent running so far."""
    started = record.job.started_at(now)
    if started is None:
        return 0.0
    ended = record.job.ended_at(now)
    return max(0.0, (ended if ended is not None else now) - started)


def charged_seconds(record: IBMJobRecord, now: float) -> int:
    """Quantum seconds billed for the job: its run time, rounded up to whole seconds."""
    return math.ceil(round(run_seconds(record, now), 6))


class IBMStore:
    """Job records and sessions of every instance, and the usage each instance has consumed.

    Jobs not yet final are kept in ``pending`` so that queue lengths and usage are computed from
    the few live jobs, not by scanning every job ever submitted.
    """

    def __init__(self) -> None:
        self.jobs: dict[str, IBMJobRecord] = {}
        self.sessions: dict[str, SessionRecord] = {}
        self.pending: dict[str, IBMJobRecord] = {}
        self.settled_usage: dict[str, int] = {}
        #: Usage set through the control API: every instance had consumed ``usage_floor``
        #: seconds when it was set, its own usage then being ``usage_marks[instance]``.
        self.usage_floor: float | None = None
        self.usage_marks: dict[str, int] = {}
        #: Estimates the next jobs get, in submission order (control API).
        self.next_estimates: list[ScriptedEstimate] = []
        #: Backends whose listing or status the control API changed.
        self.devices: dict[str, DeviceFacts] = {}

    def reset(self) -> None:
        self.jobs.clear()
        self.sessions.clear()
        self.pending.clear()
        self.settled_usage.clear()
        self.usage_floor = None
        self.usage_marks.clear()
        self.next_estimates.clear()
        self.devices.clear()

    def add(self, record: IBMJobRecord) -> None:
        self.jobs[record.job_id] = record
        self.pending[record.job_id] = record

    def clone(self, job_id: str, job: EmulatedJob) -> bool:
        """Add a twin of job ``job_id`` (same instance, program and params) living as ``job``."""
        record = self.jobs.get(job_id)
        if record is None:
            return False
        self.add(replace(record, job=job, tags=list(record.tags), session_id=None))
        return True

    def new_job_id(self) -> str:
        return new_id()

    def reference(self, job_id: str) -> str:
        return job_id

    def remove(self, record: IBMJobRecord, now: float) -> None:
        """Forget a final job (its usage stays counted)."""
        self.live(now)
        self.jobs.pop(record.job_id, None)

    def job(self, job_id: str, instance: str) -> IBMJobRecord | None:
        """The job ``job_id`` if it belongs to ``instance``."""
        record = self.jobs.get(job_id)
        if record is None or record.instance != instance:
            return None
        return record

    def session(self, session_id: str, instance: str) -> SessionRecord | None:
        """The session ``session_id`` if it belongs to ``instance``."""
        session = self.sessions.get(session_id)
        if session is None or session.instance != instance:
            return None
        return session

    def live(self, now: float) -> list[IBMJobRecord]:
        """Jobs not final at ``now``; jobs that became final get their usage settled."""
        for job_id, record in list(self.pending.items()):
            record.settle()
            if record.job.phase(now).final:
                del self.pending[job_id]
                self.settled_usage[record.instance] = self.settled_usage.get(
                    record.instance, 0
                ) + charged_seconds(record, now)
        return list(self.pending.values())

    def usage_seconds(self, instance: str, now: float) -> float:
        """Quantum seconds consumed by ``instance`` (final jobs plus running ones so far)."""
        used = self._own_usage(instance, now)
        if self.usage_floor is None:
            return used
        return self.usage_floor + used - self.usage_marks.get(instance, 0)

    def _own_usage(self, instance: str, now: float) -> int:
        live = sum(charged_seconds(r, now) for r in self.live(now) if r.instance == instance)
        return self.settled_usage.get(instance, 0) + live

    def set_usage(self, consumed: float, now: float) -> None:
        """Every instance has consumed ``consumed`` seconds now; its jobs add to that."""
        instances = {*self.settled_usage, *(r.instance for r in self.live(now))}
        self.usage_marks = {name: self._own_usage(name, now) for name in instances}
        self.usage_floor = consumed

    def take_estimate(self) -> ScriptedEstimate | None:
        """The estimate scripted for the next job, if any."""
        return self.next_estimates.pop(0) if self.next_estimates else None

    def device(self, name: str) -> DeviceFacts:
        """The backend's scripted facts (the defaults when none were set)."""
        return self.devices.get(name) or DeviceFacts()

    def queued_on(self, backend: str, now: float) -> list[IBMJobRecord]:
        """Queued jobs of every instance on ``backend``, in queue order."""
        queued = [
            record
            for record in self.live(now)
            if record.backend == backend and record.job.phase(now) is Phase.QUEUED
        ]
        queued.sort(key=lambda record: (record.job.starts_at, record.job.created_at))
        return queued
