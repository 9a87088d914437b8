"""``airflow-quantum demo``: every example DAG, end to end, against the local emulator.

The demo starts the emulator in this process, gives Airflow a home of its own (``.airflow-demo``
next to ``example_dags``, a SQLite metadata DB migrated once and reused), points the
``azure_quantum_default`` and ``ibm_quantum_default`` connections at the emulator through
``AIRFLOW_CONN_*`` variables, and runs each example DAG with a real ``airflow dags test``
subprocess: deferrable tasks go through their triggers there, as they would in a triggerer.
Airflow's own output goes to one log file per DAG; what the DAGs produced is read back from the
metadata DB (XComs, task states, the audit log of state changes) and printed as a summary.

The pieces (environment, migration, ``dags test`` runs, reading the metadata DB) are reused by
the end-to-end tests in ``tests/e2e``.
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

#: The example DAGs, in the order the demo runs them.
DEMO_DAGS: tuple[str, ...] = (
    "example_azure_quantum_qio",
    "example_azure_quantum_ionq",
    "example_ibm_quantum_sampler",
    "example_ibm_quantum_estimator",
    "example_ibm_quantum_session",
    "example_ibm_quantum_qiskit",
    "example_quantum_cross_vendor",
    # The consumer reads the asset event the producer's run made: it runs after it.
    "example_quantum_results_storage",
    "example_quantum_results_consumer",
)
#: Job timings of the demo's emulator: long enough for every wait to go through a trigger and
#: show a job queued, then running; short enough for the whole demo to take about two minutes.
DEMO_QUEUE_SECONDS = 2.0
DEMO_RUN_SECONDS = 2.0
DEMO_SEED = 7
#: ``airflow dags test`` runs each trigger inline, with no executor: the race that the minimum
#: deferral avoids (``airflow_quantum.triggers.hold``) cannot happen there, so no hold.
DAGS_TEST_SETTINGS = {"AIRFLOW__QUANTUM__MIN_DEFERRAL_SECONDS": "0"}
#: Longest a single ``airflow dags test`` may take before the demo gives up on it.
DAG_TIMEOUT = 600.0

#: The IBM instance the emulator is told about (any well-formed CRN is accepted).
EMULATOR_CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/emulator:emulator::"
_TRIGGER_LINE = re.compile(
    r"(?P<vendor>Azure Quantum|IBM Quantum) job (?P<job>\S+) is (?P<state>\w+).*"
    r"airflow_quantum\.triggers\."
)
_TASK_START = re.compile(r"\[DAG TEST\] starting task_id=(?P<task>\S+) map_index=(?P<index>-?\d+)")


# ------------------------------------------------------------------------------ environment


def project_root() -> Path:
    """The clone this package was installed from (editable installs), else the cwd."""
    here = Path(__file__).resolve().parents[1]
    return here if (here / "example_dags").is_dir() else Path.cwd()


def emulator_connections(url: str) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` values pointing both default connections at an emulator."""
    url = url.rstrip("/")
    azure = {
        "conn_type": "azure_quantum",
        "extra": {
            "endpoint": url,
            "api_key": "emulator",
            "subscription_id": "00000000-0000-0000-0000-000000000001",
            "resource_group": "demo",
            "workspace": "demo",
            "location": "eastus",
        },
    }
    ibm = {
        "conn_type": "ibm_quantum",
        "password": "emulator",
        "extra": {"instance": EMULATOR_CRN, "runtime_url": f"{url}/api/v1", "iam_url": url},
    }
    return {
        "AIRFLOW_CONN_AZURE_QUANTUM_DEFAULT": json.dumps(azure),
        "AIRFLOW_CONN_IBM_QUANTUM_DEFAULT": json.dumps(ibm),
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
    connections are set.
    """
    source = os.environ if base is None else base
    env = {k: v for k, v in source.items() if not k.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(dags_folder),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__LOGGING__COLORED_CONSOLE_LOG="False",
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
            log.write(f"\n[airflow-quantum demo] killed after {timeout:g} s\n")
        except BaseException:  # Ctrl-C: do not leave the child running
            process.kill()
            process.wait()
            raise
    return DagTestRun(dag_id, returncode, time.monotonic() - start, log_path, timed_out)


# ----------------------------------------------------------------------- the metadata DB


@dataclass
class DagRunRecord:
    """What one DAG run left in the metadata DB."""

    dag_id: str
    run_id: str
    state: str
    #: (task_id, map_index) → state
    tasks: dict[tuple[str, int], str | None]
    #: (task_id, map_index, key) → decoded value
    xcoms: dict[tuple[str, int, str], Any]
    #: (task_id, map_index) → state changes in order (running, deferred, running, success, ...)
    events: dict[tuple[str, int], list[tuple[str, float]]] = field(default_factory=dict)

    def xcom(self, task_id: str, key: str = "return_value", map_index: int = -1) -> Any:
        return self.xcoms.get((task_id, map_index, key))

    def failed_tasks(self) -> list[str]:
        return sorted(
            _ti_label(task_id, index)
            for (task_id, index), state in self.tasks.items()
            if state not in ("success", "skipped")
        )

    def deferred_tasks(self) -> list[tuple[str, int]]:
        return sorted(key for key, events in self.events.items() if "deferred" in dict(events))


class MetadataDB:
    """Reads a SQLite Airflow metadata DB (the demo's and the tests' own)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)

    def latest_run(self, dag_id: str) -> DagRunRecord | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT run_id, state FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1",
                (dag_id,),
            ).fetchone()
            if row is None:
                return None
            run_id, state = row
            where = "WHERE dag_id = ? AND run_id = ?"
            tasks = {
                (task_id, index): ti_state
                for task_id, index, ti_state in db.execute(
                    f"SELECT task_id, map_index, state FROM task_instance {where}",
                    (dag_id, run_id),
                )
            }
            xcoms = {
                (task_id, index, key): _decode(value)
                for task_id, index, key, value in db.execute(
                    f"SELECT task_id, map_index, key, value FROM xcom {where}", (dag_id, run_id)
                )
            }
            events: dict[tuple[str, int], list[tuple[str, float]]] = {}
            for task_id, index, event, dttm in db.execute(
                f"SELECT task_id, map_index, event, dttm FROM log {where} "
                "AND task_id IS NOT NULL ORDER BY dttm, id",
                (dag_id, run_id),
            ):
                events.setdefault((task_id, index), []).append((event, _epoch(dttm)))
        return DagRunRecord(dag_id, run_id, state, tasks, xcoms, events)


def _decode(value: Any) -> Any:
    if isinstance(value, bytes):
        value = value.decode()
    try:
        return json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _epoch(dttm: str) -> float:
    """A metadata DB timestamp (UTC, naive in SQLite) as epoch seconds."""
    moment = datetime.fromisoformat(str(dttm))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _ti_label(task_id: str, map_index: int) -> str:
    return task_id if map_index < 0 else f"{task_id}[{map_index}]"


def trigger_states(log_path: Path) -> dict[tuple[str, int], list[tuple[str, str]]]:
    """The job states each task's trigger logged, read from a ``dags test`` log.

    (task_id, map_index) → [(job id, state), ...] in the order the trigger saw them.
    """
    seen: dict[tuple[str, int], list[tuple[str, str]]] = {}
    current: tuple[str, int] | None = None
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return seen
    for line in text.splitlines():
        start = _TASK_START.search(line)
        if start:
            current = (start["task"], int(start["index"]))
            continue
        match = _TRIGGER_LINE.search(line)
        if match and current is not None:
            seen.setdefault(current, []).append((match["job"], match["state"]))
    return seen


# ------------------------------------------------------------------------------ rendering


@dataclass
class Glyphs:
    """Characters the terminal can show (a plain-ASCII fallback for other encodings)."""

    bar: str = "█"
    ok: str = "✓"
    failed: str = "✗"
    arrow: str = "→"
    plus_minus: str = "±"

    @classmethod
    def for_stream(cls, stream: Any) -> Glyphs:
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "█✓✗→±⟨⟩Φ".encode(encoding)
        except (LookupError, UnicodeEncodeError):
            return cls(bar="#", ok="ok", failed="x", arrow="->", plus_minus="+/-")
        return cls()


def bar(fraction: float, glyphs: Glyphs, width: int = 32) -> str:
    return glyphs.bar * max(0, round(fraction * width))


def _histogram(counts: Mapping[str, float], glyphs: Glyphs, *, as_int: bool) -> list[str]:
    total = sum(counts.values()) or 1
    lines = []
    for outcome, value in sorted(counts.items()):
        shown = f"{int(value)}" if as_int else f"{value:.3f}"
        lines.append(f"{outcome} {bar(value / total, glyphs):<32} {shown}")
    return lines


def _render_qio(run: DagRunRecord, g: Glyphs) -> list[str]:
    report = run.xcom("report") or {}
    solve = run.xcom("solve") or {}
    configuration = report.get("configuration", {})
    spins = " ".join(f"{k}:{v:+d}" for k, v in sorted(configuration.items(), key=_by_int))
    groups = report.get("groups", [[], []])
    return [
        "Max-Cut of an 8-node graph as an Ising problem (microsoft.simulatedannealing.cpu)",
        f"best cost {report['cost']:g}: cut weight {report['cut']:g} "
        f"({len(solve.get('solutions', []))} solutions returned)",
        f"groups {groups[0]} | {groups[1]}",
        f"spins  {spins}",
    ]


def _by_int(item: tuple[str, Any]) -> int:
    return int(item[0])


def _render_ionq(run: DagRunRecord, g: Glyphs) -> list[str]:
    probabilities = run.xcom("histogram") or {}
    return [
        "GHZ state on ionq.simulator (submit, deferrable sensor, get results): probabilities",
        *_histogram(probabilities, g, as_int=False),
    ]


def _render_sampler(run: DagRunRecord, g: Glyphs) -> list[str]:
    counts = run.xcom("histogram") or {}
    return [
        f"Bell state on ibm_fez, Sampler V2, {sum(counts.values())} shots: counts",
        *_histogram(counts, g, as_int=True),
    ]


def _render_estimator(run: DagRunRecord, g: Glyphs) -> list[str]:
    data = run.xcom("correlations") or {}
    evs, stds = data.get("evs", {}), data.get("stds", {})
    lines = ["Bell state on ibm_fez, Estimator V2: expectation values"]
    lines += [
        f"<{name}> = {value:+.3f} {g.plus_minus} {stds.get(name, 0.0):.3f}"
        for name, value in evs.items()
    ]
    fidelity, spread = data.get("fidelity", float("nan")), data.get("fidelity_std", 0.0)
    lines.append(
        f"fidelity with the ideal Bell state: {fidelity:.3f} {g.plus_minus} {spread:.3f} "
        "(an estimate: shot noise can take it a little above 1)"
    )
    return lines


def _render_session(run: DagRunRecord, g: Glyphs) -> list[str]:
    rows = run.xcom("summary") or []
    session = run.xcom("open_batch")
    lines = [
        f"Phase sweep, {len(rows)} sampler jobs in one batch ({session}), closed by a teardown",
        "theta   P(1)   cos²(θ/2)",
    ]
    for row in rows:
        lines.append(
            f"{row['degrees']:>4}°  {row['p1']:.3f}  {row['expected']:.3f}  "
            f"{bar(row['p1'], g, width=24)}"
        )
    return lines


def _render_qiskit(run: DagRunRecord, g: Glyphs) -> list[str]:
    data = run.xcom("report") or {}
    lines = ["qiskit circuits: RY(θ) + CNOT sweep, P(11) against sin²(θ/2)"]
    for theta, p11 in zip(data.get("angles", []), data.get("p11", []), strict=True):
        ideal = math.sin(theta / 2) ** 2
        lines.append(f"θ = {theta:.3f}  {p11:.3f}  {ideal:.3f}  {bar(p11, g, width=24)}")
    evs = data.get("evs", {})
    lines.append(
        "Bell state, SparsePauliOp observables: "
        + ", ".join(f"<{name}> = {value:+.3f}" for name, value in evs.items())
    )
    return lines


def _render_cross_vendor(run: DagRunRecord, g: Glyphs) -> list[str]:
    data = run.xcom("compare") or {}
    ionq, ibm = data.get("ionq", {}), data.get("ibm", {})
    lines = ["GHZ state on both vendors: probabilities", "outcome   IonQ    IBM"]
    for outcome in sorted(set(ionq) | set(ibm)):
        lines.append(f"{outcome:>7} {ionq.get(outcome, 0.0):6.3f} {ibm.get(outcome, 0.0):6.3f}")
    lines.append(f"total variation distance {data.get('tvd', float('nan')):.3f}")
    return lines


def _render_any(run: DagRunRecord, g: Glyphs) -> list[str]:
    """Any other DAG: the return values of its tasks, shortened."""
    lines = []
    for (task_id, index, key), value in sorted(run.xcoms.items()):
        if key == "return_value":
            text = json.dumps(value, default=str)
            lines.append(
                f"{_ti_label(task_id, index)}: {text[:100]}{'…' if len(text) > 100 else ''}"
            )
    return lines


def _render_results_storage(run: DagRunRecord, g: Glyphs) -> list[str]:
    summary = run.xcom("sample_ghz") or {}
    top = (summary.get("top_counts") or [{}])[0]
    return [
        f"GHZ state on {summary['backend']}, {summary['shots']} shots kept one by one "
        f"({summary['results_bytes']:,} bytes of JSON): written to object storage",
        f"results  {summary['results_uri']}",
        f"raw      {summary.get('raw_results_uri', '-')}",
        "XCom and the asset event quantum_ghz_shots carry the summary: top counts "
        + ", ".join(f"{k}: {v}" for k, v in top.items()),
    ]


def _render_results_consumer(run: DagRunRecord, g: Glyphs) -> list[str]:
    data = run.xcom("analyse") or {}
    return [
        f"Read job {data['job_id']}'s {data['shots']} shots from the URI of the asset event",
        f"counts recomputed from the shots match the service's: {data['counts_match']}",
        f"P(000) + P(111) = {data['ghz_fraction']:.3f}; "
        f"consecutive shots equal: {data['repeat_fraction']:.3f} (about 0.5 if independent)",
    ]


RENDERERS: dict[str, Callable[[DagRunRecord, Glyphs], list[str]]] = {
    "example_azure_quantum_qio": _render_qio,
    "example_azure_quantum_ionq": _render_ionq,
    "example_ibm_quantum_sampler": _render_sampler,
    "example_ibm_quantum_estimator": _render_estimator,
    "example_ibm_quantum_session": _render_session,
    "example_ibm_quantum_qiskit": _render_qiskit,
    "example_quantum_cross_vendor": _render_cross_vendor,
    "example_quantum_results_storage": _render_results_storage,
    "example_quantum_results_consumer": _render_results_consumer,
}


def deferral_lines(run: DagRunRecord, log_path: Path, g: Glyphs) -> list[str]:
    """One line per deferred task: its states, and the job states its trigger saw."""
    seen = trigger_states(log_path)
    lines = []
    for key in run.deferred_tasks():
        states = f" {g.arrow} ".join(event for event, _ in run.events[key])
        jobs = seen.get(key, [])
        trail = ""
        if jobs:
            job_id = jobs[0][0]
            short = job_id if len(job_id) <= 12 else job_id[:8] + "…"
            trail = f"  (trigger: job {short} " + f" {g.arrow} ".join(s for _, s in jobs) + ")"
        lines.append(f"{_ti_label(*key)}: {states}{trail}")
    return lines


def render_run(run: DagRunRecord, log_path: Path, g: Glyphs) -> list[str]:
    """The summary lines of a successful run (deferrals, then what it produced)."""
    renderer = RENDERERS.get(run.dag_id, _render_any)
    try:
        produced = renderer(run, g)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        produced = [f"(could not summarise the XComs: {exc!r})", *_render_any(run, g)]
    return [*deferral_lines(run, log_path, g), *produced]


# ------------------------------------------------------------------------------ the demo


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
    from airflow_quantum.emulator import EmulatorConfig, EmulatorServer

    out = out or sys.stdout
    g = Glyphs.for_stream(out)

    def say(text: str = "", **kwargs: Any) -> None:
        print(text, file=out, flush=True, **kwargs)

    examples = project_root() / "example_dags"
    dags_folder = (dags_folder or examples).resolve()
    home = (home or dags_folder.parent / ".airflow-demo").resolve()
    if not dags_folder.is_dir():
        say(f"airflow-quantum demo: no DAGs folder at {dags_folder} (use --dags-folder)")
        return 2
    if not dag_ids and dags_folder != examples.resolve():
        say("airflow-quantum demo: name the DAGs to run from another DAGs folder")
        return 2
    dag_ids = list(dag_ids or DEMO_DAGS)
    logs = home / "demo-logs"
    logs.mkdir(parents=True, exist_ok=True)

    config = EmulatorConfig(queue_seconds=queue_seconds, run_seconds=run_seconds, seed=seed)
    started = time.monotonic()
    with EmulatorServer(config) as emulator:
        env = airflow_env(home, dags_folder, emulator_connections(emulator.url))
        env.update(results_variables((home / "results").as_uri()), **DAGS_TEST_SETTINGS)
        say(f"airflow-quantum demo: {len(dag_ids)} example DAGs against the local emulator")
        timings = f"jobs queue {queue_seconds:g} s, run {run_seconds:g} s"
        say(f"  emulator     {emulator.url}  ({timings})")
        say(f"  DAGs folder  {_display(dags_folder)}")
        say(f"  Airflow home {_display(home)}", end="")
        try:
            migrated = migrate(env, home, logs / "db-migrate.log")
        except RuntimeError as exc:
            say()
            say(f"airflow-quantum demo: {exc}")
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
                for line in render_run(record, run.log_path, g):
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

    total = time.monotonic() - started
    failed = [dag_id for dag_id, ok, _, _ in results if not ok]
    jobs = sum(stats[vendor]["jobs_submitted"] for vendor in ("azure", "ibm"))  # type: ignore[index]
    say()
    say("Summary")
    for dag_id, ok, seconds, why in results:
        mark = g.ok if ok else g.failed
        say(f"  {mark} {dag_id:<32} {seconds:5.1f} s{'  ' + why if why else ''}")
    say(f"  {jobs} quantum jobs run by the emulator; Airflow logs in {_display(logs)}")
    if failed:
        names = ", ".join(failed)
        say(f"{len(failed)} of {len(results)} example DAGs failed: {names} ({total:.0f} s)")
        return 1
    say(f"All {len(results)} example DAGs succeeded in {total:.0f} s.")
    return 0
