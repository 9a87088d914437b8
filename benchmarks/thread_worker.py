"""Baseline: the official clients' way of waiting, one blocking thread per job.

    python -m benchmarks.thread_worker JOBS.json URL

``qiskit-ibm-runtime``'s ``RuntimeJob.wait_for_final_state`` asks ``GET /jobs/{id}`` every
0.5 s; ``azure-quantum``'s ``Job.wait_until_completed`` sleeps 0.2 s, growing x1.5 up to 30 s,
between ``GET .../jobs/{id}``. Both are reproduced here with ``requests`` (one shared session
with a pool per vendor, one bearer token per vendor, as one service object of each client would
have), without the packages themselves. Prints one JSON line like ``trigger_worker``.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from airflow_quantum_emulator.config import DEFAULT_SECRET
from benchmarks.support import IBM_CRN, cpu_seconds, peak_rss_mb, rss_mb

IBM_POLL = 0.5
AZURE_FIRST_POLL, AZURE_BACKOFF, AZURE_MAX_POLL = 0.2, 1.5, 30.0
AZURE_API_VERSION = "2026-01-15-preview"
AZURE_WORKSPACE = (
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/bench"
    "/providers/Microsoft.Quantum/workspaces/bench"
)
IBM_FINAL = {"Completed", "Failed", "Cancelled", "Cancelled - Ran too long"}
AZURE_FINAL = {"Succeeded", "Completed", "Failed", "Cancelled"}


def _session(size: int) -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(1, size))
    session.mount("http://", adapter)
    return session


def ibm_waiter(session: requests.Session, url: str, token: str, job_id: str) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Service-CRN": IBM_CRN}
    while True:
        status = session.get(f"{url}/api/v1/jobs/{job_id}", headers=headers, timeout=60).json()
        if status.get("status") in IBM_FINAL:
            return status["status"]
        time.sleep(IBM_POLL)


def azure_waiter(session: requests.Session, url: str, token: str, job_id: str) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    address = f"{url}{AZURE_WORKSPACE}/jobs/{job_id}?api-version={AZURE_API_VERSION}"
    wait = AZURE_FIRST_POLL
    while True:
        status = session.get(address, headers=headers, timeout=60).json()["status"]
        if status in AZURE_FINAL:
            return status
        time.sleep(wait)
        wait = AZURE_MAX_POLL if wait >= AZURE_MAX_POLL else min(AZURE_MAX_POLL, wait * 1.5)


def tokens(url: str) -> tuple[str, str]:
    ibm = requests.post(
        f"{url}/identity/token",
        data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": DEFAULT_SECRET},
        timeout=30,
    )
    azure = requests.post(
        f"{url}/bench-tenant/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "bench-client",
            "client_secret": DEFAULT_SECRET,
            "scope": "https://quantum.microsoft.com/.default",
        },
        timeout=30,
    )
    return ibm.json()["access_token"], azure.json()["access_token"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("jobs")
    parser.add_argument("url")
    args = parser.parse_args(argv)
    with open(args.jobs) as source:
        jobs = json.load(source)
    rss_before = rss_mb()
    cpu_before = cpu_seconds()
    ibm_token, azure_token = tokens(args.url)
    sessions = {"ibm": _session(len(jobs["ibm"])), "azure": _session(len(jobs["azure"]))}
    events: dict[str, list[tuple[str, float]]] = {"ibm": [], "azure": []}
    errors: list[str] = []

    def wait(vendor: str, job_id: str) -> None:
        try:
            if vendor == "ibm":
                status = ibm_waiter(sessions["ibm"], args.url, ibm_token, job_id)
            else:
                status = azure_waiter(sessions["azure"], args.url, azure_token, job_id)
            events[vendor].append((status, time.time()))  # list.append is atomic
        except (requests.RequestException, ValueError, KeyError) as exc:
            errors.append(f"{vendor} {job_id}: {exc}")

    threads = [
        threading.Thread(target=wait, args=(vendor, job_id), daemon=True)
        for vendor in ("ibm", "azure")
        for job_id in jobs[vendor]
    ]
    started = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(
        json.dumps(
            {
                "started_at": started,
                "finished_at": time.time(),
                "events": events,
                "errors": errors[:20],
                "rss_before_mb": rss_before,
                "peak_rss_mb": peak_rss_mb(),
                "cpu_seconds": cpu_seconds() - cpu_before,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
