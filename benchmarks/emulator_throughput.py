"""How many job-status requests the emulator answers per second, by number of connections.

Starts ``airflow-quantum-emulator`` in its own process, submits 200 IBM sampler jobs, then polls
``GET /api/v1/jobs/{id}`` over N keep-alive connections with a minimal raw-asyncio HTTP/1.1
client (so the figure is the server's, not a client library's). Prints a markdown table.

    .venv/bin/python benchmarks/emulator_throughput.py [--requests 4000]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import time

import httpx

from airflow_quantum_emulator.config import DEFAULT_SECRET
from benchmarks.support import BELL

CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/bench:bench::"


async def _connection(host: str, port: int, requests: list[bytes]) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    errors = 0
    for request in requests:
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        errors += not head.startswith(b"HTTP/1.1 200")
        length = re.search(rb"(?i)content-length:\s*(\d+)", head)
        await reader.readexactly(int(length.group(1)) if length else 0)
    writer.close()
    return errors


async def _run(host: str, port: int, requests: list[bytes], connections: int) -> tuple[float, int]:
    share = len(requests) // connections
    started = time.perf_counter()
    errors = await asyncio.gather(
        *(
            _connection(host, port, requests[i * share : (i + 1) * share])
            for i in range(connections)
        )
    )
    return time.perf_counter() - started, sum(errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    args = parser.parse_args()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "airflow_quantum_emulator.cli",
            "serve",
            "--port",
            "0",
            "--queue-seconds",
            "3600",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = re.search(r"serving on (\S+)", server.stdout.readline()).group(1)
        host, port = url.removeprefix("http://").split(":")
        token = httpx.post(
            f"{url}/identity/token",
            data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": DEFAULT_SECRET},
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Service-CRN": CRN}
        body = {
            "program_id": "sampler",
            "backend": "ibm_fez",
            "params": {"pubs": [[BELL, None, 100]], "version": 2},
        }
        with httpx.Client(base_url=url, headers=headers) as client:
            ids = [client.post("/api/v1/jobs", json=body).json()["id"] for _ in range(200)]
        requests = [
            (
                f"GET /api/v1/jobs/{ids[i % len(ids)]} HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: Bearer {token}\r\nService-CRN: {CRN}\r\n\r\n"
            ).encode()
            for i in range(args.requests)
        ]
        print("| connections | requests | seconds | requests/s | non-200 |")
        print("|---:|---:|---:|---:|---:|")
        for connections in (1, 10, 50, 200):
            seconds, errors = asyncio.run(_run(host, int(port), requests, connections))
            print(
                f"| {connections} | {len(requests)} | {seconds:.2f} | "
                f"{len(requests) / seconds:.0f} | {errors} |"
            )
    finally:
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
