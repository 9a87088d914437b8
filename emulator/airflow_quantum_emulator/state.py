"""Everything one emulator instance remembers; survives a stop and restart of its server."""

from __future__ import annotations

import random
from typing import Protocol

from airflow_quantum_emulator.clock import Clock
from airflow_quantum_emulator.config import EmulatorConfig
from airflow_quantum_emulator.faults import FaultInjector
from airflow_quantum_emulator.jobs import EmulatedJob, JobRegistry
from airflow_quantum_emulator.stats import Stats
from airflow_quantum_emulator.tokens import TokenStore


class VendorStore(Protocol):
    """Vendor-specific state (blobs, sessions, ...) that ``reset`` clears."""

    def reset(self) -> None: ...

    def new_job_id(self) -> str: ...

    def clone(self, job_id: str, job: EmulatedJob) -> bool: ...

    def reference(self, job_id: str) -> str:
        """What the vendor's API calls the job (Braket: the task's ARN; the others: its id)."""
        ...


class EmulatorState:
    """Shared services of the emulator: clock, tokens, faults, counters, jobs, vendor stores."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.clock = Clock()
        self.rng = random.Random(self.config.seed)
        self.tokens = TokenStore()
        self.faults = FaultInjector(self.rng)
        self.stats = Stats()
        self.jobs = JobRegistry(self.clock)
        self.stores: dict[str, VendorStore] = {}

    def now(self) -> float:
        return self.clock.now()

    def next_seed(self) -> int:
        """A seed for one job's randomness (reproducible when ``config.seed`` is set)."""
        return self.rng.randrange(2**32)

    def reset(self) -> None:
        """Forget all jobs, tokens, faults, counters and vendor data."""
        self.clock.reset()
        self.rng.seed(self.config.seed)
        self.tokens.reset()
        self.faults.clear()
        self.stats.reset()
        self.jobs.reset()
        for store in self.stores.values():
            store.reset()
