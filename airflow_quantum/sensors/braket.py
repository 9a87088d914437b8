"""Wait for an Amazon Braket quantum task: the Airflow face of ``AwsQuantumTask.result()``'s
wait."""

from __future__ import annotations

from typing import Any

from airflow_quantum.hooks.braket import BraketHook
from airflow_quantum.links.braket import BraketTaskLink
from airflow_quantum.sensors.base import QuantumJobSensor
from airflow_quantum.triggers.braket import BraketTaskTrigger


class BraketTaskSensor(QuantumJobSensor):
    """Waits until a Braket quantum task (``job_id``: its ARN) is final; ``aws_conn_id`` names
    the ``aws`` connection."""

    template_fields = (*QuantumJobSensor.template_fields, "aws_conn_id")
    hook_class = BraketHook
    trigger_class = BraketTaskTrigger
    operator_extra_links = (BraketTaskLink(),)

    def __init__(self, *, aws_conn_id: str = "braket_default", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.aws_conn_id = aws_conn_id
