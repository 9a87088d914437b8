"""``airflow-quantum-emulator demo``: every example DAG, end to end, against the local emulator.

The demo starts the emulator in this process, gives Airflow a home of its own (``.airflow-demo``
next to ``example_dags``, a SQLite metadata DB migrated once and reused), points the
``azure_quantum_default``, ``ibm_quantum_default`` and ``braket_default`` connections at the
emulator through
``AIRFLOW_CONN_*`` variables, and runs each example DAG with a real ``airflow dags test``
subprocess: deferrable tasks go through their triggers there, as they would in a triggerer.
Airflow's own output goes to one log file per DAG; what the DAGs produced is read back from the
metadata DB (XComs, task states, the audit log of state changes) and printed as a summary.

It needs Airflow and the airflow-quantum provider (``pip install airflow-quantum``), which it
imports only when it runs. The pieces (environment, migration, ``dags test`` runs, reading the
metadata DB) are reused by the end-to-end tests in ``tests/e2e``.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from airflow_quantum_emulator.config import BRAKET_ACCESS_KEY_ID, DEFAULT_SECRET, OPEN_PLAN_CRN
from airflow_quantum_emulator.demo_records import DagRunRecord, MetadataDB
from airflow_quantum_emulator.demo_render import Glyphs, job_ids, render_run, spend_lines

#: The example DAGs, in the order the demo runs them.
DEMO_DAGS: tuple[str, ...] = (
    "example_azure_quantum_quantinuum",
    "example_azure_quantum_ionq",
    "example_ibm_quantum_sampler",
    "example_ibm_quantum_estimator",
    "example_ibm_quantum_session",
    "example_ibm_quantum_qiskit",
    "example_braket_quantum",
    "example_quantum_cross_vendor",
    # The consumer reads the asset event the producer's run made: it runs after it.
    "example_quantum_results_storage",
    "example_quantum_results_consumer",
    # Its default threshold is above the estimate: it runs without waiting for a person.
    "example_quantum_spend_approval",
    # 2,000 points on IBM (one job) and 24 on Azure (24 jobs), one deferral each: ~50 s.
    "example_quantum_sweep",
)
#: Job timings of the demo's emulator: long enough for every wait to go through a trigger and
#: show a job queued, then running; short enough for the whole demo to take about two minutes.
DEMO_QUEUE_SECONDS = 2.0
DEMO_RUN_SECONDS = 2.0
DEMO_SEED = 7
#: ``airflow dags test`` runs each trigger inline, with no executor: the race that the minimum
#: deferral avoids (``airflow_quantum.triggers.hold``) cannot happen there, so no hold, and no
#: wait on the worker before deferring either (it spares quick jobs the hold): the demo shows
#: every wait going through a trigger.
DAGS_TEST_SETTINGS = {
    "AIRFLOW__QUANTUM__MIN_DEFERRAL_SECONDS": "0",
    "AIRFLOW__QUANTUM__DEFER_AFTER_SECONDS": "0",
}
#: ``[workers] execution_api_timeout`` of every Airflow process the demo and the tests start,
#: as the quickstart exports it. Airflow's default (5 s) is shorter than a task's start request
#: can take on a busy SQLite DB; the task SDK then sends the request again and the first one,
#: landing last, can set a finished task RUNNING again: the scheduler fails it
#: (docs/reliability.md, "The start race"). 60 s outlasts the api-server's own waits (a
#: connection from its pool: 30 s; SQLite's write lock: 5 s).
EXECUTION_API_TIMEOUT = "60"
#: Longest a single ``airflow dags test`` may take before the demo gives up on it.
DAG_TIMEOUT = 600.0

#: The IBM instance of the demo: on the Open plan, as a new user's first instance (batches run,
#: dedicated sessions are refused: see ``ibm/plans.py``).
EMULATOR_CRN = OPEN_PLAN_CRN


# ------------------------------------------------------------------------------ environment


def project_root() -> Path:
    """The clone this package was installed from (editable installs), else the cwd."""
    here = Path(__file__).resolve().parents[2]  # emulator/airflow_quantum_emulator/demo.py
    return here if (here / "example_dags").is_dir() else Path.cwd()


def emulator_connections(url: str) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` values pointing every vendor's default connection at an emulator.

    Braket's is Airflow's ``aws`` connection: the emulator's key pair, and per-service endpoints
    in ``service_config`` (the Braket API at the root, S3 results at ``/s3``).
    """
    url = url.rstrip("/")
    azure = {
        "conn_type": "azure_quantum",
        "extra": {
            "endpoint": url,
            "api_key": DEFAULT_SECRET,
            "subscription_id": "00000000-0000-0000-0000-000000000001",
            # At least 5 characters: Airflow hands every extra to its secrets masker when it
            # loads a connection, which warns about shorter values ("too short").
            "resource_group": "demo-resources",
            "workspace": "demo-workspace",
            "location": "eastus",
        },
    }
    ibm = {
        "conn_type": "ibm_quantum",
        "password": DEFAULT_SECRET,
        "extra": {"instance": EMULATOR_CRN, "runtime_url": f"{url}/api/v1", "iam_url": url},
    }
    braket = {
        "conn_type": "aws",
        "login": BRAKET_ACCESS_KEY_ID,
        "password": DEFAULT_SECRET,
        "extra": {
            "region_name": "us-east-1",
            "service_config": {
                "braket": {"endpoint_url": url},
                "s3": {"endpoint_url": f"{url}/s3"},
            },
            "s3_bucket": "amazon-braket-demo",
            "s3_prefix": "tasks",
        },
    }
    return {
        "AIRFLOW_CONN_AZURE_QUANTUM_DEFAULT": json.dumps(azure),
        "AIRFLOW_CONN_IBM_QUANTUM_DEFAULT": json.dumps(ibm),
        "AIRFLOW_CONN_BRAKET_DEFAULT": json.dumps(braket),
    }


def results_variables(base: str) -> dict[str, str]:
    """``AIRFLOW_VAR_*``: where ``example_quantum_results_storage`` writes (a URL)."""
    return {"AIRFLOW_VAR_QUANTUM_RESULTS_BASE": base}


def airflow_env(
    home: Path,
    dags_folder: Path,
    connections: Mapping[str, str],
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of the Airflow subprocesses: hermetic, whatever the caller exported.

    Every inherited ``AIRFLOW*`` variable is dropped (a shell pointing Airflow at another
    database or DAGs folder must not leak in), then the demo's home, SQLite DB, DAGs folder and
    connections are set, and a task SDK timeout that outlasts a busy SQLite DB
    (``EXECUTION_API_TIMEOUT``).
    """
    source = os.environ if base is None else base
    env = {k: v for k, v in source.items() if not k.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(dags_folder),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__LOGGING__COLORED_CONSOLE_LOG="False",
        AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT=EXECUTION_API_TIMEOUT,
        PYTHONUNBUFFERED="1",
    )
    env.update(connections)
    return env


def airflow_command(*args: str) -> list[str]:
    """``airflow ARGS...`` run by this interpreter, so the same environment is used."""
    return [sys.executable, "-m", "airflow", *args]


def migrate(env: Mapping[str, str], home: Path, log_path: Path) -> bool:
    """``airflow db migrate`` unless this Airflow version already migrated the DB.

    Returns True when a migration ran; raises ``RuntimeError`` (naming the log) if it failed.
    """
    stamp = home / ".migrated"
    version = metadata.version("apache-airflow")
    if (home / "airflow.db").exists() and stamp.exists() and stamp.read_text().strip() == version:
        return False
    with log_path.open("w") as log:
        result = subprocess.run(
            airflow_command("db", "migrate"), env=dict(env), stdout=log, stderr=subprocess.STDOUT
        )
    if result.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed (exit {result.returncode}); see {log_path}")
    stamp.write_text(version + "\n")
    return True


@dataclass
class DagTestRun:
    """One ``airflow dags test`` subprocess."""

    dag_id: str
    returncode: int
    seconds: float
    log_path: Path
    timed_out: bool = False


def run_dag_test(
    dag_id: str, env: Mapping[str, str], log_path: Path, timeout: float = DAG_TIMEOUT
) -> DagTestRun:
    """Run ``airflow dags test DAG_ID``, its output (stdout and stderr) into ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    timed_out = False
    with log_path.open("w") as log:
        process = subprocess.Popen(
            airflow_command("dags", "test", dag_id),
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            returncode = process.wait()
            timed_out = True
            log.write(f"\n[airflow-quantum-emulator demo] killed after {timeout:g} s\n")
        except BaseException:  # Ctrl-C: do not leave the child running
            process.kill()
            process.wait()
            raise
    return DagTestRun(dag_id, returncode, time.monotonic() - start, log_path, timed_out)


def job_spends(url: str, jobs: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """What each job (id → vendor) queued, ran and spent, read from the emulator at ``url``.

    Read as the operators read it for their metrics: the job through the provider's clients
    (with the demo's connections), its facts by ``airflow_quantum.spending.facts``. A job that
    cannot be read is left out.
    """
    from airflow_quantum.clients.azure.client import AzureQuantumClient
    from airflow_quantum.clients.azure.settings import AzureQuantumSettings
    from airflow_quantum.clients.braket import BraketClient, BraketSettings, CredentialSource
    from airflow_quantum.clients.errors import QuantumError
    from airflow_quantum.clients.ibm.client import IBMQuantumClient
    from airflow_quantum.clients.ibm.settings import IBMQuantumSettings
    from airflow_quantum.spending import braket_pricing
    from airflow_quantum.spending.facts import azure_spend, braket_spend, ibm_spend, seconds_between

    connections = {name: json.loads(value) for name, value in emulator_connections(url).items()}
    ibm_conn = connections["AIRFLOW_CONN_IBM_QUANTUM_DEFAULT"]
    azure = AzureQuantumClient(
        AzureQuantumSettings.create(**connections["AIRFLOW_CONN_AZURE_QUANTUM_DEFAULT"]["extra"])
    )
    ibm = IBMQuantumClient(IBMQuantumSettings(api_key=ibm_conn["password"], **ibm_conn["extra"]))
    aws = connections["AIRFLOW_CONN_BRAKET_DEFAULT"]
    endpoints = aws["extra"]["service_config"]
    braket = BraketClient(
        BraketSettings(
            aws["extra"]["region_name"],
            CredentialSource.static(aws["login"], aws["password"]),
            endpoint_url=endpoints["braket"]["endpoint_url"],
            s3_endpoint_url=endpoints["s3"]["endpoint_url"],
        )
    )
    spends: dict[str, dict[str, Any]] = {}
    try:
        for job_id, vendor in jobs.items():
            try:
                if vendor == "azure":
                    job = azure.get_job(job_id)
                    spends[job_id] = {"backend": job.target, **azure_spend(job)}
                elif vendor == "ibm":
                    found = ibm.get_job(job_id)
                    read = functools.partial(ibm.get_metrics, job_id)
                    spends[job_id] = {"backend": found.backend, **ibm_spend(found, read)}
                elif vendor == "braket":
                    task = braket.get_job(job_id)
                    spends[job_id] = {"backend": task.device_arn, **braket_spend(task)}
                    # The record has no start time: queue and run are one span.
                    spends[job_id]["took_seconds"] = seconds_between(task.created_at, task.ended_at)
                    price = braket_pricing.price_of(task.device_arn or "")
                    if price is not None and price.per_minute is not None:
                        spends[job_id]["cost_note"] = (
                            "billed per minute of run time, which the task record does not give"
                        )
            except QuantumError:
                continue
    finally:
        azure.close()
        ibm.close()
        braket.close()
    return spends


#: How much earlier than a run's first recorded task start a job of it may have been created.
RUN_START_SLACK = 1.0


def jobs_run_by(record: DagRunRecord, emulator: Any) -> dict[str, str]:
    """The jobs (id → vendor) the run submitted to the in-process ``emulator``: the jobs of its
    ``job_id`` XComs created once it had started (a job it only read came from an earlier run)."""
    started = record.started_at()
    ran = {}
    for job_id in job_ids(record):
        # A Braket task's id is its ARN; the emulator knows it by the ARN's last part.
        job = emulator.state.jobs.get(
            job_id.rsplit("/", 1)[-1] if job_id.startswith("arn:") else job_id
        )
        if job is None:
            continue
        if started is None or job.created_at >= started - RUN_START_SLACK:
            ran[job_id] = job.vendor
    return ran


def spend_of(record: DagRunRecord, emulator: Any) -> list[str]:
    """The spend lines of the jobs a run submitted (``demo_render.spend_lines``), read from the
    in-process ``emulator`` that ran them: billing is shown only where a job ran."""
    ran = jobs_run_by(record, emulator)
    return spend_lines(record, job_spends(emulator.url, ran), ran)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def run_demo(
    *,
    home: Path | None = None,
    dags_folder: Path | None = None,
    dag_ids: Sequence[str] | None = None,
    queue_seconds: float = DEMO_QUEUE_SECONDS,
    run_seconds: float = DEMO_RUN_SECONDS,
    seed: int | None = DEMO_SEED,
    timeout: float = DAG_TIMEOUT,
    out: Any = None,
) -> int:
    """Run the example DAGs against an in-process emulator; 0 if all succeeded, else 1."""
    # The provider is needed by the demo only (the DAGs use it): imported when the demo runs.
    from airflow_quantum.clients.azure.targets import retirement
    from airflow_quantum_emulator import EmulatorConfig, EmulatorServer

    out = out or sys.stdout
    g = Glyphs.for_stream(out)

    def say(text: str = "", **kwargs: Any) -> None:
        print(text, file=out, flush=True, **kwargs)

    examples = project_root() / "example_dags"
    dags_folder = (dags_folder or examples).resolve()
    home = (home or dags_folder.parent / ".airflow-demo").resolve()
    if not dags_folder.is_dir():
        say(f"airflow-quantum-emulator demo: no DAGs folder at {dags_folder} (use --dags-folder)")
        return 2
    if not dag_ids and dags_folder != examples.resolve():
        say("airflow-quantum-emulator demo: name the DAGs to run from another DAGs folder")
        return 2
    dag_ids = list(dag_ids or DEMO_DAGS)
    logs = home / "demo-logs"
    logs.mkdir(parents=True, exist_ok=True)

    config = EmulatorConfig(queue_seconds=queue_seconds, run_seconds=run_seconds, seed=seed)
    started = time.monotonic()
    with EmulatorServer(config) as emulator:
        env = airflow_env(home, dags_folder, emulator_connections(emulator.url))
        env.update(results_variables((home / "results").as_uri()), **DAGS_TEST_SETTINGS)
        say(
            f"airflow-quantum-emulator demo: {len(dag_ids)} example DAGs against the local emulator"
        )
        timings = f"jobs queue {queue_seconds:g} s, run {run_seconds:g} s"
        say(f"  emulator     {emulator.url}  ({timings})")
        say(f"  DAGs folder  {_display(dags_folder)}")
        say(f"  Airflow home {_display(home)}", end="")
        try:
            migrated = migrate(env, home, logs / "db-migrate.log")
        except RuntimeError as exc:
            say()
            say(f"airflow-quantum-emulator demo: {exc}")
            return 1
        say("  (metadata DB migrated)" if migrated else "  (metadata DB reused)")
        db = MetadataDB(home / "airflow.db")
        results: list[tuple[str, bool, float, str]] = []
        for number, dag_id in enumerate(dag_ids, start=1):
            say()
            say(f"[{number}/{len(dag_ids)}] {dag_id} ", end="")
            run = run_dag_test(dag_id, env, logs / f"{dag_id}.log", timeout)
            record = db.latest_run(dag_id)
            ok = run.returncode == 0 and record is not None and record.state == "success"
            if ok and record is not None:
                say(f"{g.ok} success in {run.seconds:.1f} s")
                for line in [*render_run(record, run.log_path, g), *spend_of(record, emulator)]:
                    say(f"    {line}")
                results.append((dag_id, True, run.seconds, ""))
                continue
            if run.timed_out:
                why = f"timed out after {timeout:g} s"
            elif record is None:
                why = f"no DAG run (exit {run.returncode}: import error or unknown DAG?)"
            else:
                failed = record.failed_tasks()
                why = f"run {record.state}" + (
                    f"; tasks not successful: {', '.join(failed)}" if failed else ""
                )
            say(f"{g.failed} FAILED in {run.seconds:.1f} s: {why}")
            say(f"    Airflow's output: {_display(run.log_path)}")
            results.append((dag_id, False, run.seconds, why))
        stats = emulator.state.stats.as_dict()
        azure_jobs = emulator.state.stores["azure"].jobs.values()
        azure_targets = sorted({job.target for job in azure_jobs})

    total = time.monotonic() - started
    failed = [dag_id for dag_id, ok, _, _ in results if not ok]
    jobs = sum(stats[vendor]["jobs_submitted"] for vendor in ("azure", "ibm", "braket"))  # type: ignore[index]
    say()
    say("Summary")
    for dag_id, ok, seconds, why in results:
        mark = g.ok if ok else g.failed
        say(f"  {mark} {dag_id:<32} {seconds:5.1f} s{'  ' + why if why else ''}")
    say(f"  {jobs} quantum jobs run by the emulator; Airflow logs in {_display(logs)}")
    retired = [target for target in azure_targets if retirement(target)]
    if retired:
        say(f"  {g.failed} Azure jobs ran on retired targets: {', '.join(retired)}")
        return 1
    if azure_targets:
        say(f"  Azure targets used: {', '.join(azure_targets)}")
        say("  all current (Azure Quantum optimization (QIO) and Quantinuum H1 are retired)")
    if failed:
        names = ", ".join(failed)
        say(f"{len(failed)} of {len(results)} example DAGs failed: {names} ({total:.0f} s)")
        return 1
    say(f"All {len(results)} example DAGs succeeded in {total:.0f} s.")
    return 0
