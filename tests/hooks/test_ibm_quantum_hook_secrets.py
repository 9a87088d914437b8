"""No secret (the API key, an IAM token) in exceptions, reprs or logs, even when runs fail."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import traceback

import pytest
import requests
from ibm_circuits import ISA_BELL

from airflow_quantum.clients.errors import QuantumError
from airflow_quantum.clients.ibm import IBM_RETRY_POLICY, IBMPreparedJob
from airflow_quantum.clients.ibm import auth as ibm_auth
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook

API_KEY = "sk-Zq8w3-very-secret-api-key"
CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/emulator:emulator::"
BELL = ISA_BELL
FAST = dataclasses.replace(IBM_RETRY_POLICY, backoff_base=0.01, backoff_max=0.02, max_retries=2)


def control(emulator, method, route, body=None):
    answer = requests.request(method, f"{emulator.url}/_emulator{route}", json=body, timeout=10)
    assert answer.status_code < 300, answer.text


def connect(emulator, monkeypatch, conn_id: str, password: str) -> IBMQuantumHook:
    extra = {"instance": CRN, "runtime_url": f"{emulator.url}/api/v1", "iam_url": emulator.url}
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{conn_id.upper()}",
        json.dumps({"conn_type": "ibm_quantum", "password": password, "extra": extra}),
    )
    return IBMQuantumHook(conn_id, retry_policy=FAST)


def describe(exc: BaseException) -> str:
    """Everything an exception shows: message, repr, args, chained causes and traceback."""
    parts = [str(exc), repr(exc), repr(exc.args), "".join(traceback.format_exception(exc))]
    for linked in (exc.__cause__, exc.__context__):
        if linked is not None:
            parts.append(describe(linked))
    return "\n".join(parts)


def test_no_secret_leaks_during_failing_runs(emulator, monkeypatch, caplog, capsys):
    control(emulator, "PATCH", "/config", {"ibm_api_key": API_KEY})
    tokens: list[str] = []
    real_reader = ibm_auth.token_from_answer

    def recording_reader(payload, now=None):
        token = real_reader(payload, now)
        tokens.append(token.value)
        return token

    monkeypatch.setattr(ibm_auth, "token_from_answer", recording_reader)
    caplog.set_level(logging.DEBUG)  # urllib3, httpx, the transport, the hook
    shown: list[str] = []

    def failing(call):
        with pytest.raises(QuantumError) as caught:
            call()
        shown.append(describe(caught.value))

    hook = connect(emulator, monkeypatch, "ibm_secret", API_KEY)
    ok, message = hook.test_connection()
    assert ok
    shown.append(message)

    # A job that fails, a service that keeps failing, a token the server forgot or refuses.
    control(emulator, "POST", "/faults/jobs", {"vendor": "ibm", "outcome": "fail"})
    job_id = hook.get_conn().run_job(IBMPreparedJob.sampler([BELL], "ibm_fez", shots=10)).id
    control(emulator, "POST", f"/jobs/{job_id}/finish")
    failing(lambda: hook.get_job_result(job_id, timeout=5, poll_interval=0.02))
    control(
        emulator,
        "POST",
        "/faults",
        {"vendor": "ibm", "kind": "status", "status": 503, "count": 3, "path": "/jobs/"},
    )
    failing(lambda: hook.get_conn().get_job(job_id))
    control(
        emulator,
        "POST",
        "/faults",
        {"vendor": "ibm", "kind": "status", "status": 401, "count": 2, "path": "/backends"},
    )
    failing(hook.get_conn().list_backends)
    control(
        emulator,
        "POST",
        "/faults",
        {"vendor": "ibm", "kind": "drop", "count": 1, "method": "POST", "path": "/jobs"},
    )
    failing(lambda: hook.get_conn().run_job(IBMPreparedJob.sampler([BELL], "ibm_fez", shots=10)).id)
    failing(lambda: hook.get_conn().cancel_job(job_id))  # final: 409

    async def async_failures():
        control(
            emulator,
            "POST",
            "/faults",
            {"vendor": "ibm", "kind": "status", "status": 500, "count": 3, "path": "/jobs/"},
        )
        with pytest.raises(QuantumError) as caught:
            await (await hook.aclient()).get_job(job_id)
        shown.append(describe(caught.value))
        await hook.aclose()

    asyncio.run(async_failures())

    # A wrong key: IAM refuses it.
    wrong = connect(emulator, monkeypatch, "ibm_wrong_secret", "sk-wrong-Zq8w3-key")
    ok, message = wrong.test_connection()
    assert not ok and "BXNIM0415E" in message
    shown.append(message)
    failing(lambda: wrong.client.list_backends())

    shown += [
        repr(hook),
        repr(hook.client),
        repr(hook.client.settings),
        repr(hook.client.authenticator),
    ]
    shown += [repr(hook.client.authenticator.source), str(hook.client.settings.describe())]
    output = capsys.readouterr()
    shown += [caplog.text, output.out, output.err]
    everything = "\n".join(shown)

    assert len(tokens) >= 2  # the run really fetched (and refreshed) tokens
    assert "Qubit" in everything or "failed" in everything  # the failures were recorded
    assert API_KEY not in everything
    assert "sk-wrong-Zq8w3-key" not in everything
    for token in tokens:
        assert token not in everything
