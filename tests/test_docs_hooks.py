"""docs/hooks.md names only methods that exist: every ``hook.x(``, ``client.x(`` and prepared-job
constructor it shows is a method of the classes it describes (the page has no stale names)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from airflow_quantum.clients.azure import AzurePreparedJob, AzureQuantumClient
from airflow_quantum.clients.braket import BraketClient, BraketPreparedJob
from airflow_quantum.clients.ibm import IBMPreparedJob, IBMQuantumClient
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.hooks.braket import BraketHook
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook

PAGE = Path(__file__).resolve().parents[1] / "docs" / "hooks.md"
TEXT = PAGE.read_text()
AZURE, REST = TEXT.split("## `IBMQuantumHook`")
IBM, BRAKET = REST.split("## `BraketHook`")


def _calls(text: str, receiver: str) -> set[str]:
    """The methods the page calls on ``receiver`` (``hook.x(`` or ``client.x(``)."""
    return set(re.findall(rf"(?<![\w.]){receiver}\.(\w+)\(", text))


def _client_calls(text: str) -> set[str]:
    """``client.x(`` and ``(await hook.aclient()).x(``: methods of the vendor's client."""
    awaited = set(re.findall(r"\(await hook\.aclient\(\)\)\.(\w+)\(", text))
    return _calls(text, "client") | awaited


@pytest.mark.parametrize(
    ("text", "hook", "client", "prepared", "prefix"),
    [
        (AZURE, AzureQuantumHook, AzureQuantumClient, AzurePreparedJob, "AzurePreparedJob"),
        (IBM, IBMQuantumHook, IBMQuantumClient, IBMPreparedJob, "IBMPreparedJob"),
        (BRAKET, BraketHook, BraketClient, BraketPreparedJob, "BraketPreparedJob"),
    ],
    ids=["azure", "ibm", "braket"],
)
def test_every_method_the_page_shows_exists(text, hook, client, prepared, prefix):
    for name in _calls(text, "hook") | _calls(TEXT.split("## `AzureQuantumHook`")[0], "hook"):
        assert hasattr(hook, name), f"hook.{name} is not a method of {hook.__name__}"
    for name in _client_calls(text):
        assert hasattr(client, name), f"client.{name} is not a method of {client.__name__}"
    for name in re.findall(rf"{prefix}\.(\w+)\(", text):
        assert hasattr(prepared, name), f"{prefix}.{name} does not exist"
