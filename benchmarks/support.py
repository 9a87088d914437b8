"""What every benchmark shares: the emulator in its own process, connections, process metrics.

The emulator always runs in a process of its own (``airflow-quantum-emulator``), so that the
measured process holds only the waiting side.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
IBM_CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/bench:bench::"
IBM_CONN_ID = "ibm_quantum_bench"
AZURE_CONN_ID = "azure_quantum_bench"
BRAKET_CONN_ID = "braket_bench"
SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
#: The Bell pair every Braket waiter waits for (OpenQASM 3 as Braket's simulators take it).
BRAKET_BELL = "OPENQASM 3.0; qubit[2] q; bit[2] c; h q[0]; cnot q[0], q[1]; c = measure q;"
#: A two-qubit Bell sampler: the job every IBM waiter waits for. IBM backends run only ISA
#: circuits, so it is written in Heron's basis on the coupled pair (0, 1): H = rz(pi/2) sx rz(pi/2).
BELL = (
    'OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; bit[2] c; '
    "rz(pi/2) q[0]; sx q[0]; rz(pi/2) q[0]; rz(pi/2) q[1]; sx q[1]; rz(pi/2) q[1]; "
    "cz q[0], q[1]; rz(pi/2) q[1]; sx q[1]; rz(pi/2) q[1]; c = measure q;"
)


def connections(url: str) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` values for the three vendors, each with its real credential flow.

    IBM exchanges its API key at IAM; Azure uses Entra client credentials (not the workspace
    API key), so that token requests are measured for both; Braket signs every request (SigV4)
    with the emulator's key pair: no token.
    """
    from airflow_quantum_emulator.demo import emulator_connections

    url = url.rstrip("/")
    ibm = {
        "conn_type": "ibm_quantum",
        "password": "local-emulator-key",
        "extra": {"instance": IBM_CRN, "runtime_url": f"{url}/api/v1", "iam_url": url},
    }
    azure = {
        "conn_type": "azure_quantum",
        "login": "bench-client",
        "password": "local-emulator-key",
        "extra": {
            "tenant_id": "bench-tenant",
            "authority_host": url,
            "endpoint": url,
            "subscription_id": "00000000-0000-0000-0000-000000000001",
            "resource_group": "bench",
            "workspace": "bench",
            "location": "eastus",
        },
    }
    return {
        f"AIRFLOW_CONN_{IBM_CONN_ID.upper()}": json.dumps(ibm),
        f"AIRFLOW_CONN_{AZURE_CONN_ID.upper()}": json.dumps(azure),
        f"AIRFLOW_CONN_{BRAKET_CONN_ID.upper()}": emulator_connections(url)[
            "AIRFLOW_CONN_BRAKET_DEFAULT"
        ],
    }


class EmulatorProcess:
    """``airflow-quantum-emulator`` on a free port, in its own process group."""

    def __init__(self, seed: int = 7) -> None:
        self.popen = subprocess.Popen(
            [
                *(sys.executable, "-m", "airflow_quantum_emulator.cli", "serve"),
                *("--port", "0", "--seed", str(seed), "--profile", "fast"),
            ],
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        line = self.popen.stdout.readline() if self.popen.stdout else ""
        match = re.search(r"serving on (\S+)", line)
        if match is None:
            self.stop()
            raise RuntimeError(f"the emulator did not start: {line!r}")
        self.url = match.group(1)
        self.http = httpx.Client(base_url=self.url, timeout=120)

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.http.request(method, f"/_emulator{path}", **kwargs)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def stats(self) -> dict[str, Any]:
        return self.control("GET", "/stats")

    def clone(self, job_id: str, count: int, queue_seconds: float, run_seconds: float) -> Any:
        return self.control(
            "POST",
            f"/jobs/{job_id}/clone",
            json={"count": count, "queue_seconds": queue_seconds, "run_seconds": run_seconds},
        )

    def wait_final(self, job_id: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.control("GET", f"/jobs/{job_id}")["phase"] not in (
            "succeeded",
            "failed",
            "cancelled",
        ):
            if time.monotonic() > deadline:
                raise TimeoutError(f"template job {job_id} did not finish")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(15)
        if hasattr(self, "http"):
            self.http.close()

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def stats_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per vendor: requests, token requests and requests per route between two snapshots."""
    delta: dict[str, dict[str, Any]] = {}
    for vendor, now in after.items():
        then = before.get(vendor, {})
        routes = {
            route: count - then.get("routes", {}).get(route, 0)
            for route, count in now["routes"].items()
        }
        delta[vendor] = {
            "requests": now["requests"] - then.get("requests", 0),
            "token_requests": now["token_requests"] - then.get("token_requests", 0),
            "routes": {route: n for route, n in routes.items() if n},
        }
    return delta


def percentile(values: list[float], share: float) -> float | None:
    """The ``share`` quantile (nearest rank) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[rank]


def summary(values: list[float]) -> dict[str, float | None]:
    return {
        "p50": percentile(values, 0.5),
        "p95": percentile(values, 0.95),
        "p99": percentile(values, 0.99),
        "max": max(values) if values else None,
    }


def rss_mb() -> float:
    """Current resident set size of this process, in MB (from /proc)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB.

    Read from ``VmHWM``: ``ru_maxrss`` survives ``exec`` and would report the parent's peak.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6  # kB in /proc means KiB
    raise RuntimeError("no VmHWM in /proc/self/status")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class LagTicker:
    """Sleeps ``period`` seconds in a loop and records how late each wake-up is (event-loop lag)."""

    period: float = 0.05
    overshoots: list[float] = field(default_factory=list)

    spikes: list[tuple[float, float]] = field(default_factory=list)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        while True:
            due = loop.time() + self.period
            await asyncio.sleep(self.period)
            late = max(0.0, loop.time() - due)
            self.overshoots.append(late)
            if late > 0.05:
                self.spikes.append((round(due - start, 2), round(late * 1e3, 1)))


@dataclass
class GcPauses:
    """Records how long each garbage-collector pass stopped the process, per generation."""

    pauses: dict[int, list[float]] = field(default_factory=lambda: {0: [], 1: [], 2: []})
    _started: float = 0.0

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses[info["generation"]].append(time.perf_counter() - self._started)

    def summary(self) -> dict[str, Any]:
        return {
            f"gen{gen}": {"count": len(p), "max_ms": round(max(p, default=0.0) * 1e3, 1)}
            for gen, p in self.pauses.items()
        }


class Worker:
    """A benchmark worker process; the last line it prints is its JSON report."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.command = command
        self.log = log
        with log.open("wb") as errors:
            self.popen = subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=errors, cwd=ROOT
            )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def report(self, timeout: float) -> dict[str, Any]:
        try:
            out, _ = self.popen.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise
        if self.popen.returncode != 0:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{' '.join(self.command[:4])} failed:\n{tail}")
        return json.loads(out.decode().strip().splitlines()[-1])


def _reads(stats: dict[str, Any], vendors: list[str], suffix: str) -> int:
    return sum(
        count
        for vendor in vendors
        for route, count in stats.get(vendor, {}).get("routes", {}).items()
        if route.startswith("GET ") and route.endswith(suffix)
    )


def status_requests(stats: dict[str, Any]) -> int:
    """Job-status reads (``GET .../jobs/{job_id}``) of both vendors so far."""
    return _reads(stats, list(stats), "/jobs/{job_id}")


def waits_started(before: dict[str, Any], now: dict[str, Any], jobs: dict[str, int]) -> bool:
    """Whether every vendor's waits have polled: each job read once, or a listing of jobs.

    Per-job polling reads every job; shared polling lists the pending jobs of a connection
    instead (``GET .../jobs``), which covers every wait registered with the poller.
    """
    for vendor, count in jobs.items():
        if not count:
            continue
        reads = _reads(now, [vendor], "/jobs/{job_id}") - _reads(before, [vendor], "/jobs/{job_id}")
        lists = _reads(now, [vendor], "/jobs") - _reads(before, [vendor], "/jobs")
        if reads < count and not lists:
            return False
    return True


def worker_env(url: str, home: Path) -> dict[str, str]:
    """Environment of a worker process: the connections, an Airflow home of its own, quiet logs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(connections(url))
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__LOGGING__LOGGING_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env
