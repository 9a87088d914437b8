"""The Qiskit Runtime clients: ``IBMProtocol``'s operations run sync or async.

Every operation is defined once in ``protocol``; these two classes only choose the I/O:
``IBMQuantumClient`` on a pooled ``requests.Session``, ``AsyncIBMQuantumClient`` on
``httpx.AsyncClient`` (never blocking the loop: the triggers' face). Neither waits for a job.
No Airflow here: the clients are usable on their own::

    settings = IBMQuantumSettings(api_key="...", instance="crn:v1:...")
    with IBMQuantumClient(settings) as client:
        submitted = client.run_job(IBMPreparedJob.sampler([BELL], "ibm_fez", shots=100))
        ...  # wait for it (the hook's ``wait_for_job``), then
        print(client.get_results(submitted.id)["pub_results"][0]["counts"])
"""

from __future__ import annotations

from airflow_quantum.clients.calls import AsyncRunner, SyncRunner
from airflow_quantum.clients.ibm.protocol import IBMProtocol


class IBMQuantumClient(SyncRunner, IBMProtocol):
    """Synchronous Qiskit Runtime client on a pooled ``requests.Session``."""

    def authenticate(self) -> None:
        """Make sure an IAM token can be had for the API key (``AuthenticationError`` if not)."""
        self.authenticator.headers()


class AsyncIBMQuantumClient(AsyncRunner, IBMProtocol):
    """Asynchronous Qiskit Runtime client on ``httpx.AsyncClient``."""

    async def authenticate(self) -> None:
        """Make sure an IAM token can be had for the API key (``AuthenticationError`` if not)."""
        await self.authenticator.aheaders()
