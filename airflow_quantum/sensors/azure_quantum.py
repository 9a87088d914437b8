"""Wait for an Azure Quantum job: the Airflow face of ``Job.wait_until_completed``."""

from __future__ import annotations

from typing import Any

from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.links.azure_quantum import AzureQuantumJobLink
from airflow_quantum.sensors.base import QuantumJobSensor
from airflow_quantum.triggers.azure_quantum import AzureQuantumJobTrigger


class AzureQuantumJobSensor(QuantumJobSensor):
    """Waits until an Azure Quantum job is final; ``azure_quantum_conn_id`` names the connection."""

    template_fields = (*QuantumJobSensor.template_fields, "azure_quantum_conn_id")
    hook_class = AzureQuantumHook
    trigger_class = AzureQuantumJobTrigger
    operator_extra_links = (AzureQuantumJobLink(),)

    def __init__(
        self, *, azure_quantum_conn_id: str = "azure_quantum_default", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.azure_quantum_conn_id = azure_quantum_conn_id
