"""Where a job runs when the task gives several candidates: the one with the shortest queue.

Each vendor has its rule (``ibm_backends.choose``: IBM's ``least_busy``; ``azure_checks.choose``:
the first ``Available`` target with the shortest average queue time); both answer a
``BackendChoice``, or raise ``NoBackendAvailableError`` when no candidate takes jobs now.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from airflow_quantum.clients.errors import QuantumError

#: XCom key of the backend (IBM) or target (Azure) a task chose.
CHOSEN_BACKEND_KEY = "chosen_backend"


class NoBackendAvailableError(QuantumError):
    """Candidates would fit the job but none takes jobs now (paused, offline, degraded): a
    retry later may find one."""


@dataclass(frozen=True)
class BackendChoice:
    """The chosen backend, its queue (``unit``: jobs waiting, or seconds of average wait), and
    why each other candidate was left out."""

    name: str
    queue: float | None
    unit: str = ""
    skipped: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        queue = "?" if self.queue is None else f"{self.queue:g}{self.unit}"
        others = "; ".join(f"{name}: {why}" for name, why in self.skipped.items())
        return f"{self.name} (queue {queue})" + (f"; left out: {others}" if others else "")
