"""The soak's fault driver: one seeded random fault every few seconds, each one recorded.

The kinds are dealt like cards: each round of six deals every kind once, in a seeded random
order, so even the 2-minute profile (at least six faults) sees every kind.

Faults: SIGKILL a triggerer (restarted after a few seconds), SIGKILL a Celery worker while it
runs tasks (restarted likewise), 429 storms (with ``Retry-After``), 5xx storms, IBM tokens that
expire within seconds, and a slow emulator (latency on every request). The HTTP faults are the
emulator's own (``/_emulator/faults``, ``/_emulator/config``) and end by themselves.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import psutil

from benchmarks.soak.deployment import WORKERS

TRIGGERERS = ("triggerer", "triggerer-2")
KINDS = ("kill_triggerer", "kill_worker", "storm_429", "storm_5xx", "expire_tokens", "slow")
#: The IBM token lifetime outside an "expire_tokens" window (the emulator's default).
TOKEN_LIFETIME = 3600.0


@dataclass
class FaultDriver:
    """Injects a fault every ``interval`` seconds (give or take half) until stopped.

    ``events``: what was done, when (seconds since start) and to what; ``errors``: faults that
    could not be injected (e.g. the control API unreachable), retried at the next turn.
    """

    deployment: Any
    seed: int
    interval: float
    events: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _restarts: list[tuple[float, str]] = field(default_factory=list)
    _started: float = 0.0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def __enter__(self) -> FaultDriver:
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="soak-faults", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop injecting; restart every killed process; lift the emulator's faults."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
        for process in self.deployment.processes.values():
            if not process.alive():
                process.start()
        self._restarts.clear()
        self.deployment.emulator_api("DELETE", "/faults")
        self.deployment.emulator_api(
            "PATCH", "/config", json={"ibm_token_lifetime": TOKEN_LIFETIME}
        )

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {kind: 0 for kind in KINDS}
        for event in self.events:
            counts[event["kind"]] += 1
        return counts

    # ------------------------------------------------------------------ the loop

    def _run(self) -> None:
        deck: list[str] = []
        while not self._stop.wait(self.interval * self.rng.uniform(0.5, 1.5)):
            self._restart_due()
            if not deck:
                deck = self.rng.sample(KINDS, len(KINDS))
            kind = deck.pop()
            try:
                detail = getattr(self, kind)()
            except Exception as exc:
                self.errors.append(f"{kind}: {type(exc).__name__}: {exc}"[:300])
                continue
            at = round(time.monotonic() - self._started, 1)
            self.events.append({"at": at, "kind": kind, **detail})

    def _restart_due(self) -> None:
        now = time.monotonic()
        for due, name in list(self._restarts):
            if due <= now:
                self._restarts.remove((due, name))
                if not self.deployment.processes[name].alive():
                    self.deployment.processes[name].start()

    def _kill_one_of(self, names: tuple[str, ...]) -> dict[str, Any]:
        """SIGKILL one of ``names`` that was up; one still down from a kill is started first.

        So there is always one left to serve (never both triggerers or workers down at once).
        """
        processes = self.deployment.processes
        up = [name for name in names if processes[name].alive()]
        for name in names:
            if name not in up:
                self._restarts = [(due, n) for due, n in self._restarts if n != name]
                processes[name].start()
        busy = {name: _descendants(processes[name].pid) for name in up}
        target = max(up, key=lambda name: (busy[name], self.rng.random()))
        processes[target].kill()
        delay = round(self.rng.uniform(2.0, 10.0), 1)
        self._restarts.append((time.monotonic() + delay, target))
        return {"target": target, "descendants": busy[target], "restart_after_s": delay}

    def kill_triggerer(self) -> dict[str, Any]:
        return self._kill_one_of(TRIGGERERS)

    def kill_worker(self) -> dict[str, Any]:
        """SIGKILL the busier worker: the one with the most processes (pool and tasks)."""
        return self._kill_one_of(WORKERS)

    def _storm(self, **rule: Any) -> dict[str, Any]:
        duration = round(self.rng.uniform(5.0, 15.0), 1)
        probability = round(self.rng.uniform(0.3, 0.8), 2)
        vendor = self.rng.choice(["ibm", "azure", "braket", "any"])
        body = {"vendor": vendor, "duration": duration, "probability": probability, **rule}
        self.deployment.emulator_api("POST", "/faults", json=body)
        return {"vendor": vendor, "duration_s": duration, "probability": probability}

    def storm_429(self) -> dict[str, Any]:
        return self._storm(kind="status", status=429, retry_after=1)

    def storm_5xx(self) -> dict[str, Any]:
        return self._storm(kind="status", status=self.rng.choice([500, 502, 503]))

    def slow(self) -> dict[str, Any]:
        delay = round(self.rng.uniform(0.5, 3.0), 1)
        return {"delay_s": delay, **self._storm(kind="latency", delay=delay)}

    def expire_tokens(self) -> dict[str, Any]:
        """IBM tokens live 3 s for a while: every trigger and task must refresh its token."""
        lifetime = 3.0
        self.deployment.emulator_api("PATCH", "/config", json={"ibm_token_lifetime": lifetime})
        window = round(self.rng.uniform(10.0, 20.0), 1)
        timer = threading.Timer(window, self._restore_tokens)
        timer.daemon = True
        timer.start()
        return {"token_lifetime_s": lifetime, "window_s": window}

    def _restore_tokens(self) -> None:
        try:
            self.deployment.emulator_api(
                "PATCH", "/config", json={"ibm_token_lifetime": TOKEN_LIFETIME}
            )
        except Exception as exc:
            self.errors.append(f"restore tokens: {exc}"[:300])


def _descendants(pid: int) -> int:
    try:
        return len(psutil.Process(pid).children(recursive=True))
    except psutil.Error:
        return 0
