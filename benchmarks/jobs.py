"""The waiting jobs of a run: one real job per vendor, cloned N times by the emulator."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.support import (
    AZURE_CONN_ID,
    BELL,
    BRAKET_BELL,
    BRAKET_CONN_ID,
    IBM_CONN_ID,
    SV1,
    EmulatorProcess,
    connections,
)

#: Every vendor a benchmark can wait on, in the order a total is shared out among them.
VENDORS = ("ibm", "azure", "braket")
#: The vendors of the benchmarks that compare waits with their own loops (threads, pokes),
#: which know these two only.
IBM_AND_AZURE = ("ibm", "azure")


@dataclass
class JobSet:
    """What each vendor's waits wait on (a job id; a Braket task's ARN) and, per vendor, the
    emulator time at which all of them end."""

    ids: dict[str, list[str]]
    ends_at: dict[str, float]

    def all_ids(self) -> list[str]:
        """Every job's id in the emulator (``/_emulator/jobs/...``): a task's ARN ends with it."""
        return [job.rsplit("/", 1)[-1] for ids in self.ids.values() for job in ids]

    def counts(self) -> dict[str, int]:
        return {vendor: len(ids) for vendor, ids in self.ids.items()}

    def as_dict(self) -> dict[str, Any]:
        return {**self.ids, "ends_at": self.ends_at}


def submit_templates(emulator: EmulatorProcess) -> dict[str, str]:
    """Submit one job per vendor through the hooks (an IBM sampler, an Azure IonQ job, a Braket
    task on SV1) and let them finish; what a wait on each waits on, by vendor."""
    os.environ.update(connections(emulator.url))
    from airflow_quantum.clients.azure import AzurePreparedJob
    from airflow_quantum.clients.braket import BraketPreparedJob
    from airflow_quantum.clients.ibm import IBMPreparedJob
    from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
    from airflow_quantum.hooks.braket import BraketHook
    from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook

    ibm_hook = IBMQuantumHook(ibm_quantum_conn_id=IBM_CONN_ID)
    azure_hook = AzureQuantumHook(azure_quantum_conn_id=AZURE_CONN_ID)
    braket_hook = BraketHook(aws_conn_id=BRAKET_CONN_ID)
    try:
        ibm_job = IBMPreparedJob.sampler([BELL], "ibm_fez", shots=100)
        bell = [{"gate": "h", "target": 0}, {"gate": "cnot", "control": 0, "target": 1}]
        azure_job = AzurePreparedJob.ionq_circuit(bell, shots=100)
        braket_job = BraketPreparedJob.openqasm(BRAKET_BELL, SV1, shots=100)
        templates = {
            "ibm": ibm_hook.get_conn().run_job(ibm_job).id,
            "azure": azure_hook.get_conn().submit_job(azure_job).id,
            "braket": braket_hook.submit_job(braket_job, "airflow-benchmark-template"),
        }
    finally:
        ibm_hook.close()
        azure_hook.close()
        braket_hook.close()
    for job in templates.values():
        emulator.wait_final(job.rsplit("/", 1)[-1])
    return templates


def clone_jobs(
    emulator: EmulatorProcess,
    templates: dict[str, str],
    total: int,
    queue_seconds: float,
    run_seconds: float,
    vendors: Sequence[str] = IBM_AND_AZURE,
) -> JobSet:
    """``total`` waiting jobs shared out evenly among ``vendors`` (the first ones get what does
    not divide), all ending together."""
    ids: dict[str, list[str]] = {}
    ends_at: dict[str, float] = {}
    for index, vendor in enumerate(vendors):
        count = total // len(vendors) + (index < total % len(vendors))
        template = templates[vendor]
        # A Braket task is waited on by its ARN: the template's, with the twin's id at its end.
        prefix, _, template_id = template.rpartition("/")
        if count:
            twins = emulator.clone(template_id, count, queue_seconds, run_seconds)
            ids[vendor] = [f"{prefix}/{twin}" if prefix else twin for twin in twins["ids"]]
            ends_at[vendor] = twins["ends_at"]
        else:
            ids[vendor] = []
    first = next(iter(ends_at.values()), 0.0)
    return JobSet(ids, {vendor: ends_at.get(vendor, first) for vendor in vendors})
