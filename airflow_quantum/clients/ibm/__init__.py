"""IBM Quantum (Qiskit Runtime) client, no Airflow imports: the sync and async clients, the
settings, the prepared job, the models and ``decode_result``."""

from __future__ import annotations

from airflow_quantum.clients.ibm.backend_models import (
    IBMBackend,
    IBMBackendConfiguration,
    IBMBackendProperties,
    IBMBackendStatus,
    IBMInstanceUsage,
)
from airflow_quantum.clients.ibm.client import AsyncIBMQuantumClient, IBMQuantumClient
from airflow_quantum.clients.ibm.instance import IBM_RETRY_POLICY
from airflow_quantum.clients.ibm.models import (
    IBMJob,
    IBMJobMetrics,
    IBMJobPage,
    IBMJobStatus,
    IBMQueueInfo,
    IBMSession,
    IBMSubmittedJob,
)
from airflow_quantum.clients.ibm.prepared import IBMPreparedJob
from airflow_quantum.clients.ibm.results import decode_result
from airflow_quantum.clients.ibm.settings import IBMQuantumSettings

__all__ = [
    "IBM_RETRY_POLICY",
    "AsyncIBMQuantumClient",
    "IBMBackend",
    "IBMBackendConfiguration",
    "IBMBackendProperties",
    "IBMBackendStatus",
    "IBMInstanceUsage",
    "IBMJob",
    "IBMJobMetrics",
    "IBMJobPage",
    "IBMJobStatus",
    "IBMPreparedJob",
    "IBMQuantumClient",
    "IBMQuantumSettings",
    "IBMQueueInfo",
    "IBMSession",
    "IBMSubmittedJob",
    "decode_result",
]
