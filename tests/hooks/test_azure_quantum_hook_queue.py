"""Queue position of Azure jobs (api-version 2026-08-01-preview) through the hook and trigger,
as the IBM hook and trigger surface theirs."""

from __future__ import annotations

import asyncio
import time

import pytest
from airflow_face_support import run_trigger
from azure_client_support import BELL, emulator_connection, finish, patch_config

from airflow_quantum.clients.azure import AzurePreparedJob
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.triggers.azure_quantum import AzureQuantumJobTrigger


@pytest.fixture
def hook(emulator, monkeypatch) -> AzureQuantumHook:
    return AzureQuantumHook(
        emulator_connection(emulator.url, monkeypatch, "azure_queue", "2026-08-01-preview")
    )


def test_hook_surfaces_the_queue_position(hook, emulator, monkeypatch):
    patch_config(emulator.url, queue_seconds=600)
    first, second = (
        hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit(BELL, shots=10)).id
        for _ in range(2)
    )
    assert hook.queue_position(second) == 2
    info = hook.get_conn().queue_info(first)
    assert (info.job_id, info.position) == (first, 1) and info.estimated_start_time
    finish(emulator.url, first)
    assert hook.queue_position(first) is None and hook.queue_position(second) == 1
    older = AzureQuantumHook(
        emulator_connection(emulator.url, monkeypatch, "azure_old", "2026-01-15-preview")
    )
    assert older.get_conn().queue_info(second) is None and older.queue_position(second) is None


async def test_trigger_logs_the_queue_position_while_queued(hook, emulator, capsys):
    patch_config(emulator.url, queue_seconds=3600)  # both queued until the place is logged
    first = hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit(BELL, shots=10)).id
    second = hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit(BELL, shots=10)).id
    trigger = AzureQuantumJobTrigger(
        conn_id="azure_queue", job_id=second, poll_interval=0.05, max_poll_interval=0.1
    )
    task = asyncio.ensure_future(run_trigger(trigger))
    logged, deadline = "", time.monotonic() + 30
    while f"job {second}: queued" not in logged:
        assert time.monotonic() < deadline and not task.done(), logged
        await asyncio.sleep(0.02)
        logged += capsys.readouterr().out
    for job_id in (first, second):
        await asyncio.to_thread(finish, emulator.url, job_id)
    (event,) = await task
    assert event["status"] == "success"
    logged += capsys.readouterr().out
    (line,) = [line for line in logged.splitlines() if f"job {second}: queued" in line]
    assert "(queue position 2)" in line, line
    assert hook.get_conn().get_job(first).done()
