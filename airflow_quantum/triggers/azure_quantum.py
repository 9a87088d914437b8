"""Deferrable wait for Azure Quantum jobs: ``Job.wait_until_completed``."""

from __future__ import annotations

from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.triggers.base import QuantumJobTrigger
from airflow_quantum.triggers.sweep import QuantumSweepTrigger


class AzureQuantumJobTrigger(QuantumJobTrigger):
    """Waits in the triggerer for an Azure Quantum job to reach a final state.

    The arguments are those of :class:`~airflow_quantum.triggers.base.QuantumJobTrigger`, with
    ``conn_id`` an ``azure_quantum`` connection. A queued job's position is logged from
    api-version 2026-08-01-preview (older versions send no request).
    """

    # Imported with the trigger: importing the hook's modules takes about a second, which
    # would stall the triggerer's event loop at the first wait.
    hook_class = AzureQuantumHook


class AzureQuantumSweepTrigger(QuantumSweepTrigger):
    """Waits in the triggerer for all the Azure Quantum jobs of a sweep (see
    :class:`~airflow_quantum.triggers.sweep.QuantumSweepTrigger`)."""

    hook_class = AzureQuantumHook
