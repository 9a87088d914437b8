"""Deferrable wait for IBM Quantum (Qiskit Runtime) jobs: ``RuntimeJob.wait_for_final_state``."""

from __future__ import annotations

from typing import Any

from airflow_quantum.clients.ibm.protocol import IBM_RETRY_POLICY
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook
from airflow_quantum.triggers.base import QuantumJobTrigger, polling_policy


class IBMQuantumJobTrigger(QuantumJobTrigger):
    """Waits in the triggerer for an IBM Quantum job to reach a final state.

    The arguments are those of :class:`~airflow_quantum.triggers.base.QuantumJobTrigger`, with
    ``conn_id`` an ``ibm_quantum`` connection.
    """

    vendor = "IBM Quantum"

    def _make_hook(self) -> Any:
        # Imported with the trigger, not here: importing the hook's modules takes about a
        # second, which would stall the triggerer's event loop at the first wait.
        return IBMQuantumHook(
            ibm_quantum_conn_id=self.conn_id, retry_policy=polling_policy(IBM_RETRY_POLICY)
        )
