"""The waiting jobs of a run: one real job per vendor, cloned N times by the emulator."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from benchmarks.support import AZURE_CONN_ID, BELL, IBM_CONN_ID, EmulatorProcess, connections


@dataclass
class JobSet:
    """Job ids per vendor and, per vendor, the emulator time at which all of them end."""

    ibm: list[str]
    azure: list[str]
    ends_at: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {"ibm": self.ibm, "azure": self.azure, "ends_at": self.ends_at}


def submit_templates(emulator: EmulatorProcess) -> tuple[str, str]:
    """Submit one IBM sampler and one Azure IonQ job through the hooks, and let them finish."""
    os.environ.update(connections(emulator.url))
    from airflow_quantum.clients.azure import AzurePreparedJob
    from airflow_quantum.clients.ibm import IBMPreparedJob
    from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
    from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook

    ibm_hook = IBMQuantumHook(ibm_quantum_conn_id=IBM_CONN_ID)
    azure_hook = AzureQuantumHook(azure_quantum_conn_id=AZURE_CONN_ID)
    try:
        ibm_job = IBMPreparedJob.sampler([BELL], "ibm_fez", shots=100)
        ibm_id = ibm_hook.get_conn().run_job(ibm_job).id
        bell = [{"gate": "h", "target": 0}, {"gate": "cnot", "control": 0, "target": 1}]
        azure_job = AzurePreparedJob.ionq_circuit(bell, shots=100)
        azure_id = azure_hook.get_conn().submit_job(azure_job).id
    finally:
        ibm_hook.close()
        azure_hook.close()
    for job_id in (ibm_id, azure_id):
        emulator.wait_final(job_id)
    return ibm_id, azure_id


def clone_jobs(
    emulator: EmulatorProcess,
    templates: tuple[str, str],
    total: int,
    queue_seconds: float,
    run_seconds: float,
) -> JobSet:
    """``total`` waiting jobs, half per vendor (IBM gets the odd one), all ending together."""
    ibm_count = total - total // 2
    azure_count = total // 2
    ibm = emulator.clone(templates[0], ibm_count, queue_seconds, run_seconds)
    azure = (
        emulator.clone(templates[1], azure_count, queue_seconds, run_seconds)
        if azure_count
        else {"ids": [], "ends_at": ibm["ends_at"]}
    )
    return JobSet(ibm["ids"], azure["ids"], {"ibm": ibm["ends_at"], "azure": azure["ends_at"]})
