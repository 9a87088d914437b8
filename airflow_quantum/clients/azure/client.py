"""The Azure Quantum clients: ``AzureQuantumProtocol``'s operations run sync or async.

Every operation is defined once in ``protocol``; these two classes only choose the I/O:
``AzureQuantumClient`` on a pooled ``requests.Session``, ``AsyncAzureQuantumClient`` on
``httpx.AsyncClient`` (never blocking the loop: the triggers' face). Neither waits for a job.
No Airflow here: the clients are usable on their own::

    settings = AzureQuantumSettings.create(subscription_id="...", resource_group="rg",
                                           workspace="ws", location="eastus", api_key="...")
    with AzureQuantumClient(settings) as client:
        job = client.submit_job(AzurePreparedJob.ionq_circuit([{"gate": "h", "target": 0}]))
        ...  # wait for the job (the hook's ``wait_for_job``), then
        print(client.get_results(job.id)["probabilities"])
"""

from __future__ import annotations

from airflow_quantum.clients.azure.protocol import AzureQuantumProtocol
from airflow_quantum.clients.calls import AsyncRunner, SyncRunner


class AzureQuantumClient(SyncRunner, AzureQuantumProtocol):
    """Synchronous Azure Quantum client on ``requests.Session`` (pooled connections)."""

    def close(self) -> None:
        self.transport.close()
        source = getattr(self.authenticator, "source", None)
        if source is not None and hasattr(source, "close"):
            source.close()


class AsyncAzureQuantumClient(AsyncRunner, AzureQuantumProtocol):
    """Asynchronous Azure Quantum client on ``httpx.AsyncClient``."""
