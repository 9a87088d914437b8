"""No credential of the emulator is part of a URL, route or name it serves or prints.

Airflow masks a connection's secrets wherever they appear in a log: with the old credential,
the word ``emulator``, every logged job page read ``http://127.0.0.1:8765/_***/jobs/<id>/page``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from azure_support import BELL, IONQ, AzureWire
from ibm_support import BELL as IBM_BELL
from ibm_support import IBMWire

from airflow_quantum_emulator import cli, demo
from airflow_quantum_emulator.app import create_app
from airflow_quantum_emulator.azure.targets import TARGETS
from airflow_quantum_emulator.config import DEFAULT_SECRET, OPEN_PLAN_CRN, EmulatorConfig
from airflow_quantum_emulator.ibm.backends import BACKENDS
from airflow_quantum_emulator.pages import JOB_PAGE_PATH


def credentials(config: EmulatorConfig) -> set[str]:
    return {
        config.azure_api_key,
        config.azure_client_secret,
        config.azure_identity_header,
        config.ibm_api_key,
    }


def strings(value: Any) -> Iterator[str]:
    """Every string in a JSON document, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def printed_names(url: str) -> list[str]:
    """What the emulator and its demo print or hand out besides the credentials themselves."""
    names = [route.path for route in create_app().routes]
    names += [f"{url}{JOB_PAGE_PATH}", OPEN_PLAN_CRN, EmulatorConfig().storage_account]
    names += [*BACKENDS, *TARGETS, *(target.provider for target in TARGETS.values())]
    for value in demo.emulator_connections(url).values():
        connection = json.loads(value)
        connection.pop("password", None)
        connection["extra"].pop("api_key", None)
        names += list(strings(connection))
    # The help text, but for the lines that state the credentials.
    names += [line for line in cli.EMULATOR_HELP.splitlines() if DEFAULT_SECRET not in line]
    return names


def test_the_credentials_are_no_longer_the_word_emulator():
    assert credentials(EmulatorConfig()) == {DEFAULT_SECRET}
    assert DEFAULT_SECRET != "emulator" and len(DEFAULT_SECRET) >= 5  # Airflow masks from 5


def test_no_credential_is_a_substring_of_a_route_url_or_name_the_emulator_prints(emulator):
    secrets = credentials(emulator.state.config)
    for name in printed_names(emulator.url):
        for secret in secrets:
            assert secret not in name, (secret, name)


def test_no_credential_is_a_substring_of_what_the_vendor_apis_answer(emulator):
    azure = AzureWire(emulator.url)
    ibm = IBMWire(emulator.url)
    azure_job = azure.wait(azure.submit(IONQ, BELL, {"shots": 10})["id"])
    ibm_job = ibm.finished(ibm.submit("sampler", [[IBM_BELL, None, 10]]))
    answers = [
        azure_job,
        azure.list("/providerStatus"),
        azure.list("/quotas"),
        ibm_job,
        ibm.get("/backends").json(),
        ibm.get("/instances/usage").json(),
        ibm.get(f"/jobs/{ibm_job['id']}/metrics").json(),
    ]
    pages = [
        emulator.state.jobs.get(job_id) and f"{emulator.url}{JOB_PAGE_PATH.format(job_id=job_id)}"
        for job_id in (azure_job["id"], ibm_job["id"])
    ]
    texts = [*(text for answer in answers for text in strings(answer)), *pages]
    for secret in credentials(emulator.state.config):
        leaks = [text for text in texts if secret in text]
        assert leaks == [], secret


@pytest.mark.parametrize("secret", ["emulator", "_emulator", "jobs", "page"])
def test_the_check_would_see_the_old_credential(secret, emulator):
    assert any(secret in name for name in printed_names(emulator.url))
