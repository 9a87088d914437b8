"""Link to an Amazon Braket quantum task in the AWS console (or the emulator's page of it)."""

from __future__ import annotations

from airflow_quantum.links.base import QuantumJobLink


class BraketTaskLink(QuantumJobLink):
    """Opens the task's page of the Braket console, in the task's region."""

    name = "Amazon Braket task"
