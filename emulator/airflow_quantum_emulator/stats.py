"""Counters for tests and benchmarks: requests per route, tokens issued, jobs submitted."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RequestRecord:
    """One request as the emulator saw it (kept in a bounded log)."""

    time: float
    vendor: str
    method: str
    route: str
    path: str
    status: int


@dataclass
class VendorStats:
    """Counters of one vendor."""

    jobs_submitted: int = 0
    token_requests: int = 0
    requests: int = 0
    routes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {
            "jobs_submitted": self.jobs_submitted,
            "token_requests": self.token_requests,
            "requests": self.requests,
            "routes": dict(self.routes),
            "statuses": dict(self.statuses),
        }


class Stats:
    """All counters, per vendor, plus a log of the most recent requests."""

    LOG_SIZE = 50_000

    def __init__(self) -> None:
        self.vendors: dict[str, VendorStats] = {}
        self.log: deque[RequestRecord] = deque(maxlen=self.LOG_SIZE)
        self.reset()

    def reset(self) -> None:
        self.vendors = {"azure": VendorStats(), "ibm": VendorStats(), "braket": VendorStats()}
        self.log.clear()

    def record_request(self, record: RequestRecord) -> None:
        stats = self.vendors.get(record.vendor)
        if stats is None:
            return
        stats.requests += 1
        stats.routes[f"{record.method} {record.route}"] += 1
        stats.statuses[str(record.status)] += 1
        self.log.append(record)

    def job_submitted(self, vendor: str) -> None:
        self.vendors[vendor].jobs_submitted += 1

    def token_issued(self, vendor: str) -> None:
        self.vendors[vendor].token_requests += 1

    def as_dict(self) -> dict[str, object]:
        return {name: stats.as_dict() for name, stats in self.vendors.items()}
