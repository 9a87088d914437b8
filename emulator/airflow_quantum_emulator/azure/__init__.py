"""Emulation of Azure Quantum: Entra ID tokens, the workspace data-plane API and blob storage.

``build_router`` wires the pieces around one ``AzureStore``:

- ``auth``: ``POST /{tenant}/oauth2/v2.0/token`` and the checks on workspace calls
- ``identity``: ``GET /msi/token``, the App Service managed-identity endpoint
- ``storage``: the blob account at ``/{account}/{container}/{blob}``, authorised by SAS
- ``historic``: ``POST /_emulator/azure/historic-jobs``, finished jobs of retired targets
- ``capacity``: ``PUT /_emulator/azure/quotas``, ``.../targets/{id}/status`` and
  ``.../providers/{id}/status``, scripted quotas and availability
- ``jobs``, ``queue``, ``sessions``, ``workspace``: the routes under
  ``/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Quantum/workspaces/{ws}``
"""

from __future__ import annotations

from fastapi import APIRouter

from airflow_quantum_emulator.azure.auth import build_entra_router
from airflow_quantum_emulator.azure.capacity import build_capacity_router
from airflow_quantum_emulator.azure.details import Renderer
from airflow_quantum_emulator.azure.historic import build_historic_router
from airflow_quantum_emulator.azure.identity import build_managed_identity_router
from airflow_quantum_emulator.azure.jobs import build_jobs_router
from airflow_quantum_emulator.azure.queue import build_queue_router
from airflow_quantum_emulator.azure.sessions import build_sessions_router
from airflow_quantum_emulator.azure.storage import build_storage_router
from airflow_quantum_emulator.azure.store import AzureStore
from airflow_quantum_emulator.azure.submission import JobFactory
from airflow_quantum_emulator.azure.workspace import build_workspace_router
from airflow_quantum_emulator.state import EmulatorState


def build_router(state: EmulatorState) -> APIRouter:
    """Return the router serving every Azure route, backed by a new store in ``state``."""
    store = AzureStore()
    state.stores["azure"] = store
    renderer = Renderer(state, store)
    router = APIRouter()
    router.include_router(build_workspace_router(state, store, renderer))
    router.include_router(build_queue_router(state, store))  # before GET /jobs/{id}
    router.include_router(build_jobs_router(state, store, renderer, JobFactory(state, store)))
    router.include_router(build_sessions_router(state, store, renderer))
    router.include_router(build_entra_router(state, store))
    router.include_router(build_managed_identity_router(state, store))
    router.include_router(build_storage_router(state, store, renderer.materialize_blob))
    router.include_router(build_historic_router(state, store))
    router.include_router(build_capacity_router(store))
    return router


__all__ = ["AzureStore", "build_router"]
