"""The async client is built off the event loop: creating it loads a CA bundle (blocking)."""

from __future__ import annotations

import asyncio
import threading

from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook


async def test_async_client_is_built_in_a_worker_thread(ibm_connection, monkeypatch):
    hook = IBMQuantumHook(ibm_connection)
    built_in: list[int] = []
    build = IBMQuantumHook.async_client_class

    def recording(settings, **options):
        built_in.append(threading.get_ident())
        return build(settings, **options)

    monkeypatch.setattr(IBMQuantumHook, "async_client_class", staticmethod(recording))
    first, second = await asyncio.gather(hook.aclient(), hook.aclient())
    try:
        assert first is second is await hook.aclient()  # one client per hook
        assert built_in and threading.get_ident() not in built_in
        await first.authenticate()  # and it works (real HTTP) in the loop that awaits it
    finally:
        await hook.aclose()
