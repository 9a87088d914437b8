"""Vendor clients: the wire protocols of Azure Quantum and IBM Quantum, with no Airflow imports.

Each vendor has a synchronous client (``requests.Session``) and an asynchronous one
(``httpx.AsyncClient``) built on the same request builders and response parsers, the shared
HTTP policy in ``transport`` and the shared token cache in ``auth``.
"""
