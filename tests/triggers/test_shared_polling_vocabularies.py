"""Shared polling of Azure waits against both status vocabularies of the service.

The poller lists the pending jobs with a ``State`` filter. If that filter named the words of one
vocabulary only, the service answering the other would leave every job out of the listing, and
each wait would fall back to one GET per round: counted here, the waits stay on the listing.
"""

from __future__ import annotations

import asyncio

import pytest
from airflow_face_support import configure, make_vendor, run_trigger
from test_shared_polling import counts, end_jobs, poller_of, since, until

from airflow_quantum.clients.azure import AzurePreparedJob

BELL = [{"gate": "h", "target": 0}, {"gate": "cnot", "control": 0, "target": 1}]


@pytest.mark.parametrize("vocabulary", ["legacy", "current"])
async def test_waits_are_found_in_the_pending_listing(emulator, request, vocabulary):
    vendor = make_vendor("azure", request)
    # Pending until the poller has listed them five times.
    configure(emulator, azure_status_words=vocabulary, queue_seconds=3600, run_seconds=0.3)
    jobs = [
        vendor.hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit(BELL, shots=10)).id
        for _ in range(6)
    ]
    before = counts(emulator, "azure")
    triggers = [vendor.trigger(job, poll_interval=0.1, max_poll_interval=0.1) for job in jobs]
    tasks = [asyncio.ensure_future(run_trigger(trigger)) for trigger in triggers]
    poller = await poller_of(tasks)
    await until(lambda: poller.rounds >= 5, tasks, "5 rounds of the poller")
    await end_jobs(emulator, jobs)
    events = [event for result in await asyncio.gather(*tasks) for event in result]
    assert sorted(event["job_id"] for event in events) == sorted(jobs)
    assert {event["status"] for event in events} == {"success"}
    seen = since(before, counts(emulator, "azure"))
    assert poller.rounds >= 5 and seen["list"] >= 5, seen
    # One GET per job once it has left the listing (a missed job would cost one per round).
    assert seen["get"] <= len(jobs) + 2, seen
