"""Emulation of Amazon Braket: the rest-json API at the emulator's root and an S3 subset.

``build_router`` wires the pieces around one ``BraketStore``:

- ``sigv4``: every call is checked for an AWS Signature Version 4 (``braket``, resp. ``s3``)
- ``tasks``: ``/quantum-task`` (create, get, cancel) and ``/quantum-tasks`` (search)
- ``device_routes``: ``/device/{arn}`` and ``/devices`` over the catalogue in ``devices``
- ``spending``: spending limits (create, search, update, delete) and their enforcement
- ``tags``: ``/tags/{resourceArn}``
- ``s3``: ``/s3/{bucket}/{key}``, where each task's ``results.json`` is written
- ``control``: ``/_emulator/braket/...``, scripted device availability and windows
"""

from __future__ import annotations

from fastapi import APIRouter

from airflow_quantum_emulator.braket import results
from airflow_quantum_emulator.braket.control import build_braket_control_router
from airflow_quantum_emulator.braket.device_routes import build_device_router
from airflow_quantum_emulator.braket.s3 import build_s3_router
from airflow_quantum_emulator.braket.sigv4 import SigV4Verifier
from airflow_quantum_emulator.braket.spending import SpendingLimits, build_spending_router
from airflow_quantum_emulator.braket.store import BraketStore
from airflow_quantum_emulator.braket.tags import build_tags_router
from airflow_quantum_emulator.braket.tasks import build_tasks_router
from airflow_quantum_emulator.state import EmulatorState


def build_router(state: EmulatorState) -> APIRouter:
    """Return the router serving every Braket and S3 route, backed by a new store in ``state``."""
    store = BraketStore()
    state.stores["braket"] = store
    store.render_results = lambda task: results.files(
        task, state.now(), state.config.braket_program_set_results
    )
    limits = SpendingLimits(store)
    verify = SigV4Verifier(state.config, "braket", store.credentials.get, state.now)

    s3 = SigV4Verifier(state.config, "s3", store.credentials.get, state.now)
    router = APIRouter()
    router.include_router(build_tasks_router(state, store, verify, limits.check))
    router.include_router(build_device_router(state, store, verify))
    router.include_router(build_spending_router(state, limits, verify))
    router.include_router(build_tags_router(state, store, limits, verify))
    router.include_router(
        build_s3_router(
            store.objects,
            s3,
            lambda bucket, prefix: store.settle_under(bucket, prefix, state.now()),
            state.now,
        )
    )
    router.include_router(build_braket_control_router(state, store))
    return router


__all__ = ["BraketStore", "build_router"]
