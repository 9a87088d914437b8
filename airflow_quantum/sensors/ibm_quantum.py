"""Wait for an IBM Quantum job: the Airflow face of ``RuntimeJob.wait_for_final_state``."""

from __future__ import annotations

from typing import Any

from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook
from airflow_quantum.links.ibm_quantum import IBMQuantumJobLink
from airflow_quantum.sensors.base import QuantumJobSensor
from airflow_quantum.triggers.ibm_quantum import IBMQuantumJobTrigger


class IBMQuantumJobSensor(QuantumJobSensor):
    """Waits until an IBM Quantum (Qiskit Runtime) job is final; ``ibm_quantum_conn_id`` names the
    connection."""

    template_fields = (*QuantumJobSensor.template_fields, "ibm_quantum_conn_id")
    hook_class = IBMQuantumHook
    trigger_class = IBMQuantumJobTrigger
    operator_extra_links = (IBMQuantumJobLink(),)

    def __init__(self, *, ibm_quantum_conn_id: str = "ibm_quantum_default", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ibm_quantum_conn_id = ibm_quantum_conn_id
