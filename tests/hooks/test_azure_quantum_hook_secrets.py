"""No secret (client secret, API key, bearer token, SAS signature) in exception messages, reprs
or logs, during runs that fail in every way we can make them fail."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from azure_client_support import BELL, FAST, add_fault, add_job_fault, finish, patch_config

from airflow_quantum.clients.auth import TOKEN_CACHE
from airflow_quantum.clients.azure import AzurePreparedJob
from airflow_quantum.clients.errors import QuantumError
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook

API_KEY = "AQK-7f3e9c-workspace-key"
CLIENT_SECRET = "CS-91b2d4-client-secret"
WRONG_SECRET = "WS-5c6d7e-wrong-secret"
WRONG_KEY = "WK-0a1b2c-wrong-key"


def _set(monkeypatch, conn_id: str, **fields) -> str:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))
    return conn_id


def _workspace(url: str, **extra) -> dict:
    return {
        "subscription_id": "sub",
        "resource_group": "rg",
        "workspace": "ws",
        "endpoint": url,
        **extra,
    }


def _entra(monkeypatch, conn_id: str, url: str, secret: str) -> str:
    """A connection signing in with a client secret against the emulator's Entra ID."""
    extra = _workspace(url, tenant_id="t", authority_host=url)
    return _set(
        monkeypatch,
        conn_id,
        conn_type="azure_quantum",
        login="my-app",
        password=secret,
        extra=extra,
    )


def _keyed(monkeypatch, conn_id: str, url: str, key: str) -> str:
    """A connection with a workspace API key."""
    return _set(monkeypatch, conn_id, conn_type="azure_quantum", extra=_workspace(url, api_key=key))


@pytest.fixture
def secret_emulator(emulator):
    patch_config(emulator.url, azure_api_key=API_KEY, azure_client_secret=CLIENT_SECRET)
    return emulator


def _forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote(secret)}


def test_no_secret_leaks_from_failing_runs(secret_emulator, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    url = secret_emulator.url
    entra = _entra(monkeypatch, "az_entra_secret", url, CLIENT_SECRET)
    keyed = _keyed(monkeypatch, "az_key_secret", url, API_KEY)
    wrong_secret = _entra(monkeypatch, "az_wrong_secret", url, WRONG_SECRET)
    wrong_key = _keyed(monkeypatch, "az_wrong_key", url, WRONG_KEY)
    broken_string = _set(
        monkeypatch,
        "az_broken_cs",
        conn_type="azure_quantum",
        extra={"connection_string": f"SubscriptionId=s;ApiKey={API_KEY};WorkspaceName=w"},
    )
    texts: list[str] = []
    failures: list[BaseException] = []

    def failing(call):
        try:
            call()
        except QuantumError as exc:
            failures.append(exc)
        else:
            raise AssertionError("expected a failure")

    hook = AzureQuantumHook(entra, retry_policy=FAST)
    job = hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit(BELL))
    finish(url, job.id)
    done = hook.get_conn().get_job(job.id)
    sig = parse_qs(urlsplit(done.output_data_uri).query)["sig"][0]
    tokens = [token.value for token in TOKEN_CACHE._tokens.values()]
    assert sig and tokens

    # Storage keeps failing: retries are logged, then the error names the (redacted) URL.
    add_fault(url, kind="status", status=503, count=10, path="/rawOutputData")
    failing(lambda: hook.get_job_result(job.id))
    # The service keeps failing, and a job fails.
    add_fault(url, kind="status", status=500, count=10, path=f"/jobs/{job.id}$")
    failing(lambda: hook.get_conn().get_job(job.id))
    add_job_fault(url, outcome="fail", code="InternalError")
    failed = hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit([{"gate": "x", "target": 0}]))
    failing(lambda: hook.get_job_result(failed.id, timeout=30))
    # Wrong credentials and broken connections.
    failing(lambda: AzureQuantumHook(wrong_secret, retry_policy=FAST).get_conn().get_job(job.id))
    failing(lambda: AzureQuantumHook(wrong_key, retry_policy=FAST).get_conn().get_job(job.id))
    failing(lambda: AzureQuantumHook(broken_string).get_conn().get_job(job.id))
    texts.append(AzureQuantumHook(wrong_key, retry_policy=FAST).test_connection()[1])

    keyed_hook = AzureQuantumHook(keyed, retry_policy=FAST)
    keyed_job = keyed_hook.get_conn().submit_job(
        AzurePreparedJob.ionq_circuit([{"gate": "x", "target": 0}])
    )
    texts += [
        repr(keyed_hook.client),
        repr(keyed_hook.settings),
        repr(keyed_hook.client.authenticator),
    ]

    texts += [repr(hook.client), repr(hook.settings), repr(hook.client.authenticator)]
    texts += [repr(done), str(done), json.dumps(done.to_dict()), repr(keyed_job)]
    texts += [str(exc) for exc in failures] + [repr(exc) for exc in failures]
    texts += [str(exc.__cause__) for exc in failures if exc.__cause__ is not None]
    texts.append(caplog.text)
    assert "sig=***" in caplog.text or "sig=%2A%2A%2A" in caplog.text  # URLs were logged...
    everything = "\n".join(texts)
    for secret in (API_KEY, CLIENT_SECRET, WRONG_SECRET, WRONG_KEY, sig, *tokens):
        for form in _forms(secret):
            assert form not in everything, f"a secret leaked: {secret[:4]}..."
    hook.close()
    keyed_hook.close()


async def test_no_secret_leaks_from_async_failures(secret_emulator, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    url = secret_emulator.url
    entra = _entra(monkeypatch, "az_entra_async", url, CLIENT_SECRET)
    hook = AzureQuantumHook(entra, retry_policy=FAST)
    job = hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit(BELL))
    finish(url, job.id)
    sig = parse_qs(urlsplit(hook.get_conn().get_job(job.id).output_data_uri).query)["sig"][0]
    # The async client reads jobs only (triggers): its failure is a failing job read.
    add_fault(url, kind="status", status=503, count=10, path=f"/jobs/{job.id}")
    with pytest.raises(QuantumError) as info:
        await (await hook.aclient()).get_job(job.id)
    await hook.aclose()
    tokens = [token.value for token in TOKEN_CACHE._tokens.values()]
    everything = "\n".join([str(info.value), repr(info.value), caplog.text])
    assert "HTTP 503" in str(info.value)
    for secret in (CLIENT_SECRET, sig, *tokens):
        for form in _forms(secret):
            assert form not in everything
    hook.close()
