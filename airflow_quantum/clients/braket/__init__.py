"""Amazon Braket client, no Airflow imports: the sync and async clients, the settings, the
prepared job, the models and the result decoding."""

from __future__ import annotations

from airflow_quantum.clients.braket.client import AsyncBraketClient, BraketClient
from airflow_quantum.clients.braket.models import (
    BraketDevice,
    BraketQuantumTask,
    BraketQueueInfo,
    BraketSpendingLimit,
    BraketTaskStatus,
)
from airflow_quantum.clients.braket.prepared import BraketPreparedJob
from airflow_quantum.clients.braket.protocol import BRAKET_RETRY_POLICY
from airflow_quantum.clients.braket.results import decode as decode_result
from airflow_quantum.clients.braket.settings import BraketSettings, CredentialSource

__all__ = [
    "BRAKET_RETRY_POLICY",
    "AsyncBraketClient",
    "BraketClient",
    "BraketDevice",
    "BraketPreparedJob",
    "BraketQuantumTask",
    "BraketQueueInfo",
    "BraketSettings",
    "BraketSpendingLimit",
    "BraketTaskStatus",
    "CredentialSource",
    "decode_result",
]
