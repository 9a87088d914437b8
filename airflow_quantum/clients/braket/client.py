"""The Braket clients: ``BraketProtocol``'s operations run sync or async.

Every operation is defined once in ``protocol``; these two classes only choose the I/O:
``BraketClient`` on a pooled ``requests.Session``, ``AsyncBraketClient`` on
``httpx.AsyncClient`` (never blocking the loop: the triggers' face). Neither waits for a task.
No Airflow here::

    settings = BraketSettings("us-east-1", CredentialSource.static(key_id, secret))
    with BraketClient(settings) as client:
        job = BraketPreparedJob.openqasm(BELL, SV1, 100, s3_bucket="b", s3_prefix="tasks")
        arn = client.create_quantum_task(job).arn
        ...  # wait for it (the hook's ``wait_for_job``), then
        print(client.get_results(arn)["counts"])
"""

from __future__ import annotations

from airflow_quantum.clients.braket.protocol import BraketProtocol
from airflow_quantum.clients.calls import AsyncRunner, SyncRunner


class BraketClient(SyncRunner, BraketProtocol):
    """Synchronous Braket client on a pooled ``requests.Session``."""


class AsyncBraketClient(AsyncRunner, BraketProtocol):
    """Asynchronous Braket client on ``httpx.AsyncClient``."""
