"""Polling a job until it is final in the client tests (the clients themselves never wait)."""

from __future__ import annotations

import asyncio
import time
from typing import Any


def wait_final(client: Any, job_id: str, timeout: float = 30.0) -> Any:
    """The job once final, polled with a sync client of either vendor."""
    deadline = time.monotonic() + timeout
    while not (job := client.get_job(job_id)).state.is_final:
        assert time.monotonic() < deadline, f"job {job_id} not final: {job.status}"
        time.sleep(0.02)
    return job


async def await_final(client: Any, job_id: str, timeout: float = 30.0) -> Any:
    """The job once final, polled with an async client of either vendor."""
    deadline = time.monotonic() + timeout
    while not (job := await client.get_job(job_id)).state.is_final:
        assert time.monotonic() < deadline, f"job {job_id} not final: {job.status}"
        await asyncio.sleep(0.02)
    return job
