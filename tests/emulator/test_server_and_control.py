"""The emulator as a process: control API, restarts, body limits, concurrency and the CLI."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest
import requests

from airflow_quantum_emulator import EmulatorConfig, EmulatorServer
from airflow_quantum_emulator.jobs import EmulatedJob


def test_health_and_stats_have_one_entry_per_vendor(emulator):
    assert requests.get(f"{emulator.url}/_emulator/health").json()["status"] == "ok"
    stats = requests.get(f"{emulator.url}/_emulator/stats").json()
    assert set(stats) == {"azure", "ibm", "braket"}
    assert stats["ibm"] == {
        "jobs_submitted": 0,
        "token_requests": 0,
        "requests": 0,
        "routes": {},
        "statuses": {},
    }


def test_stats_count_vendor_requests_per_route_template_and_not_control_calls(emulator):
    for _ in range(3):
        requests.get(f"{emulator.url}/api/v1/jobs/abc", timeout=5)
    requests.get(f"{emulator.url}/_emulator/stats")
    stats = requests.get(f"{emulator.url}/_emulator/stats").json()["ibm"]
    assert stats["requests"] == 3
    assert sum(stats["routes"].values()) == 3
    assert all(key.startswith("GET /api/v1/jobs/") for key in stats["routes"])
    log = requests.get(f"{emulator.url}/_emulator/requests", params={"vendor": "ibm"}).json()
    assert len(log["requests"]) == 3 and log["requests"][0]["path"] == "/api/v1/jobs/abc"


def test_reset_forgets_jobs_faults_and_counters(emulator):
    requests.get(f"{emulator.url}/api/v1/backends", timeout=5)
    requests.post(f"{emulator.url}/_emulator/faults", json={"kind": "latency", "delay": 0.01})
    assert requests.post(f"{emulator.url}/_emulator/reset").json() == {"status": "reset"}
    assert requests.get(f"{emulator.url}/_emulator/stats").json()["ibm"]["requests"] == 0
    assert requests.get(f"{emulator.url}/_emulator/faults").json()["rules"] == []


def test_fault_rules_can_be_listed_and_deleted(emulator):
    created = requests.post(
        f"{emulator.url}/_emulator/faults",
        json={"kind": "status", "status": 503, "count": 5, "vendor": "ibm"},
    )
    assert created.status_code == 201
    rule_id = created.json()["id"]
    listed = requests.get(f"{emulator.url}/_emulator/faults").json()["rules"]
    assert [(r["id"], r["remaining"]) for r in listed] == [(rule_id, 5)]
    assert requests.delete(f"{emulator.url}/_emulator/faults/{rule_id}").status_code == 204
    assert requests.delete(f"{emulator.url}/_emulator/faults/{rule_id}").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "status", "status": 200},
        {"kind": "explode"},
        {"kind": "status", "path": "("},
        {"kind": "latency", "delay": -1},
        {"kind": "status", "unknown_field": 1},
    ],
)
def test_invalid_fault_rules_are_refused_with_a_message(emulator, body):
    answer = requests.post(f"{emulator.url}/_emulator/faults", json=body)
    assert answer.status_code == 400
    assert "Invalid FaultRule" in answer.json()["detail"]


def test_config_can_be_changed_at_run_time_and_is_validated(emulator):
    answer = requests.patch(f"{emulator.url}/_emulator/config", json={"ibm_token_lifetime": 5})
    assert answer.status_code == 200 and answer.json()["ibm_token_lifetime"] == 5
    assert emulator.state.config.ibm_token_lifetime == 5
    bad = requests.patch(f"{emulator.url}/_emulator/config", json={"queue_seconds": -1})
    assert bad.status_code == 400 and "queue_seconds" in bad.json()["detail"]
    unknown = requests.patch(f"{emulator.url}/_emulator/config", json={"nope": 1})
    assert unknown.status_code == 400


def test_clock_advance_moves_emulator_time(emulator):
    before = emulator.state.now()
    answer = requests.post(f"{emulator.url}/_emulator/clock/advance", json={"seconds": 3600})
    assert answer.status_code == 200
    assert emulator.state.now() - before >= 3600
    assert requests.post(f"{emulator.url}/_emulator/clock/advance", json={}).status_code == 400


def test_control_job_actions_on_unknown_job_are_404(emulator):
    for action in ("finish", "fail", "cancel"):
        answer = requests.post(f"{emulator.url}/_emulator/jobs/nope/{action}")
        assert answer.status_code == 404


def test_oversized_body_is_refused_in_the_vendor_shape(emulator):
    requests.patch(f"{emulator.url}/_emulator/config", json={"max_body_bytes": 1000})
    answer = requests.post(f"{emulator.url}/api/v1/jobs", data=b"x" * 5000, timeout=5)
    assert answer.status_code == 413
    assert answer.json()["errors"][0]["message"].startswith("The request body has 5000 bytes")


def test_oversized_chunked_body_is_refused_too(emulator):
    requests.patch(f"{emulator.url}/_emulator/config", json={"max_body_bytes": 1000})

    def chunks():
        for _ in range(10):
            yield b"y" * 500

    workspace = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Quantum/workspaces/w"
    job = "00000000-0000-0000-0000-000000000001"
    url = f"{emulator.url}{workspace}/jobs/{job}?api-version=2024-10-01-preview"
    answer = requests.put(
        url, data=chunks(), headers={"x-ms-quantum-api-key": "local-emulator-key"}, timeout=5
    )
    assert answer.status_code == 413
    assert "error" in answer.json()


def test_unknown_vendor_paths_get_404_in_the_vendor_shape(emulator):
    ibm = requests.get(f"{emulator.url}/api/v1/no-such-thing", timeout=5)
    assert ibm.status_code == 404 and "errors" in ibm.json()
    workspace = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Quantum/workspaces/w"
    azure = requests.get(f"{emulator.url}{workspace}/nothing", timeout=5)
    assert azure.status_code == 404 and "error" in azure.json()


def test_drop_fault_breaks_the_connection_mid_response(emulator):
    requests.post(f"{emulator.url}/_emulator/faults", json={"kind": "drop", "count": 1})
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(f"{emulator.url}/api/v1/backends", timeout=5)
    assert requests.get(f"{emulator.url}/api/v1/backends", timeout=5).status_code in (200, 401)


def test_latency_fault_slows_answers(emulator):
    requests.post(
        f"{emulator.url}/_emulator/faults", json={"kind": "latency", "delay": 0.3, "count": 1}
    )
    started = time.monotonic()
    requests.get(f"{emulator.url}/api/v1/backends", timeout=5)
    assert time.monotonic() - started >= 0.3


def test_hundreds_of_concurrent_pollers_all_get_answers(emulator):
    async def poll_all() -> list[int]:
        limits = httpx.Limits(max_connections=300)
        async with httpx.AsyncClient(base_url=emulator.url, limits=limits, timeout=30) as client:
            answers = await asyncio.gather(
                *(client.get("/api/v1/jobs/some-job") for _ in range(300))
            )
        return [answer.status_code for answer in answers]

    statuses = asyncio.run(poll_all())
    assert len(statuses) == 300 and all(status < 500 for status in statuses)


def test_stopped_server_restarts_on_the_same_port_with_the_same_jobs():
    with EmulatorServer(EmulatorConfig()) as server:
        job = EmulatedJob("ibm", "kept-job", server.state.now(), 100, 100)
        server.state.jobs.add(job, None)
        port = server.port
        server.stop()
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"{server.url}/_emulator/jobs/kept-job", timeout=2)
        server.start()
        assert server.port == port
        answer = requests.get(f"{server.url}/_emulator/jobs/kept-job", timeout=5)
        assert answer.json()["phase"] == "queued"


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "airflow_quantum_emulator.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_serves_until_signalled_and_prints_its_url(stop_signal):
    process = _cli("--port", "0", "--fault", "latency:delay=0.01,count=1")  # serve: the default
    try:
        first_line = process.stdout.readline()
        match = re.search(r"serving on (http://127\.0\.0\.1:\d+)", first_line)
        assert match, first_line
        url = match.group(1)
        assert requests.get(f"{url}/_emulator/health", timeout=5).status_code == 200
        faults = requests.get(f"{url}/_emulator/faults", timeout=5).json()["rules"]
        assert faults[0]["kind"] == "latency"
        process.send_signal(stop_signal)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_cli_serves_the_profile_a_real_scheduler_wants_by_default(monkeypatch):
    """``make emulator`` feeds a scheduler and triggerer: jobs of seconds, not half a second."""
    from airflow_quantum_emulator import cli
    from airflow_quantum_emulator.config import DEFAULT_PROFILE, PROFILES

    assert set(cli.EMULATOR_PROFILES) == set(PROFILES)
    assert cli.EMULATOR_DEFAULT_PROFILE == DEFAULT_PROFILE == "demo"
    seen: dict[str, str] = {}
    monkeypatch.setattr(cli, "_run_emulator", lambda args: seen.setdefault("p", args.profile) and 0)
    cli.main([])
    timings = PROFILES[seen["p"]]
    assert seen["p"] == "demo" and timings["queue_seconds"] + timings["run_seconds"] >= 5


def test_cli_rejects_a_bad_fault_spec_before_serving():
    process = _cli("serve", "--port", "0", "--fault", "status:status=200")
    assert process.wait(timeout=30) == 2
    assert "status" in process.stderr.read()


def test_cli_help_documents_the_credentials():
    output = subprocess.run(
        [sys.executable, "-m", "airflow_quantum_emulator.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert 'API key "local-emulator-key"' in output and "client secret" in output


def test_late_fault_handles_the_request_and_answers_after_the_delay(emulator):
    """A client that gives up during a late answer leaves the job created behind it."""
    token = requests.post(
        f"{emulator.url}/identity/token",
        data={
            "grant_type": "urn:ibm:params:oauth:grant-type:apikey",
            "apikey": "local-emulator-key",
        },
        timeout=5,
    ).json()["access_token"]
    headers = {
        "Authorization": f"Bearer {token}",
        "Service-CRN": "crn:v1:bluemix:public:quantum-computing:us-east:a/x:y::",
    }
    qasm = 'OPENQASM 3.0; include "stdgates.inc"; qubit[1] q; bit[1] c; x q[0]; c = measure q;'
    body = {
        "program_id": "sampler",
        "backend": "ibm_fez",
        "params": {"pubs": [[qasm]], "version": 2},
    }
    requests.post(
        f"{emulator.url}/_emulator/faults",
        json={"kind": "late", "delay": 6, "count": 1, "method": "POST", "path": "/api/v1/jobs$"},
    )
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(f"{emulator.url}/api/v1/jobs", json=body, headers=headers, timeout=0.5)
    stats = requests.get(f"{emulator.url}/_emulator/stats").json()["ibm"]
    assert stats["jobs_submitted"] == 1
    listed = requests.get(f"{emulator.url}/api/v1/jobs", headers=headers, timeout=5).json()
    assert listed["count"] == 1
    started = time.monotonic()
    answer = requests.post(f"{emulator.url}/api/v1/jobs", json=body, headers=headers, timeout=10)
    # Not late again: well under the fault's 6 s, with room for a loaded machine.
    assert answer.status_code == 200 and time.monotonic() - started < 4.0


@pytest.mark.parametrize(
    ("argv", "words"),
    [([], "legacy"), (["--azure-status-words", "current"], "current")],
)
def test_the_emulator_command_sets_the_azure_status_words(monkeypatch, argv, words):
    from airflow_quantum_emulator import cli, server

    served: dict[str, object] = {}
    monkeypatch.setattr(server, "serve_forever", lambda state, *a, **k: served.update(s=state))
    assert cli.main(["serve", *argv]) == 0
    assert served["s"].config.azure_status_words == words  # type: ignore[attr-defined]


def test_the_emulator_command_refuses_unknown_status_words(capsys):
    from airflow_quantum_emulator import cli

    with pytest.raises(SystemExit):
        cli.main(["serve", "--azure-status-words", "newest"])
    assert "invalid choice: 'newest'" in capsys.readouterr().err
