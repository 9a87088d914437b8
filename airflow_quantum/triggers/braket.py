"""Deferrable wait for Amazon Braket quantum tasks: what ``AwsQuantumTask.result()`` does,
without a worker slot, a five-day polling loop or ``run_until_complete``."""

from __future__ import annotations

from airflow_quantum.hooks.braket import BraketHook
from airflow_quantum.triggers.base import QuantumJobTrigger
from airflow_quantum.triggers.sweep import QuantumSweepTrigger


class BraketTaskTrigger(QuantumJobTrigger):
    """Waits in the triggerer for a Braket quantum task to reach a final state.

    The arguments are those of :class:`~airflow_quantum.triggers.base.QuantumJobTrigger`, with
    ``conn_id`` an ``aws`` connection and ``job_id`` the task's ARN. With shared polling (the
    default) the waits of one connection cost one ``SearchQuantumTasks`` of the pending tasks
    per round and region, whatever their number; a task that left the listing is confirmed with
    one ``GetQuantumTask``. On kill (and at the deadline) the task is cancelled: a QPU task
    already queued is cancelled on a best-effort basis by the service and may still run.
    """

    # Imported with the trigger: importing the hook's modules takes a while, which would stall
    # the triggerer's event loop at the first wait.
    hook_class = BraketHook


class BraketSweepTrigger(QuantumSweepTrigger):
    """Waits in the triggerer for all the Braket quantum tasks of a sweep (see
    :class:`~airflow_quantum.triggers.sweep.QuantumSweepTrigger`; ``job_ids``: the tasks' ARNs)."""

    hook_class = BraketHook
