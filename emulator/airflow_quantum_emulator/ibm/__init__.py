"""Emulation of IBM Quantum: IBM Cloud IAM token exchange and the Qiskit Runtime REST API.

Routes are split by topic: ``iam`` (``/identity/token``), ``backends``, ``jobs``, ``sessions``
(with ``/instances/usage``). ``store`` holds the IBM-only state, ``views`` renders it,
``programs`` validates and computes sampler/estimator jobs, ``encoding`` speaks the tagged JSON,
``control`` scripts usage, estimates and backend status under ``/_emulator/ibm/``.
"""

from __future__ import annotations

from fastapi import APIRouter

from airflow_quantum_emulator.ibm.auth import caller_dependency
from airflow_quantum_emulator.ibm.backends import build_backends_router
from airflow_quantum_emulator.ibm.control import build_ibm_control_router
from airflow_quantum_emulator.ibm.iam import build_iam_router
from airflow_quantum_emulator.ibm.jobs import build_jobs_router
from airflow_quantum_emulator.ibm.sessions import build_sessions_router
from airflow_quantum_emulator.ibm.store import IBMStore
from airflow_quantum_emulator.state import EmulatorState


def build_router(state: EmulatorState) -> APIRouter:
    """Return the router serving IBM's IAM and Qiskit Runtime routes, backed by ``state``."""
    store = IBMStore()
    state.stores["ibm"] = store
    authenticate = caller_dependency(state)

    def queue_length(backend: str, now: float) -> int:
        return len(store.queued_on(backend, now)) + store.device(backend).queue_length

    router = APIRouter()
    router.include_router(build_iam_router(state))
    router.include_router(build_backends_router(state, authenticate, queue_length, store.device))
    router.include_router(build_jobs_router(state, store, authenticate))
    router.include_router(build_sessions_router(state, store, authenticate))
    router.include_router(build_ibm_control_router(state, store))
    return router


__all__ = ["IBMStore", "build_router"]
