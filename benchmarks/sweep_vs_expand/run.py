"""One parameter sweep, 1,000 shots per point, two ways, under a real Airflow on PostgreSQL.

``IBMQuantumSweepOperator`` (one task, one deferral, as few jobs as IBM's limits allow) against
a ``.expand()`` of ``n`` mapped ``IBMQuantumRunSamplerOperator`` tasks and a task merging their
counts (dags/sweep_vs_expand_dags.py). One deployment (scheduler with the LocalExecutor,
triggerer, dag-processor, api-server) on a PostgreSQL database of its own, the emulator in
this process; the runs one after the other, each measured from its own before/after:

- wall time: the DAG run's ``queued_at`` to its ``end_date`` (the merged table written);
- task instances and metadata-DB rows: ``count(*)`` of every table, and rows inserted and
  updated (``pg_stat_user_tables``: the Airflow processes' background writes, heartbeats
  mostly, are in the updates);
- triggers created: the advance of the ``trigger`` table's id sequence;
- requests to the service: the emulator's own counters (``/_emulator/stats``);
- CPU seconds of the scheduler process, of its whole tree (the LocalExecutor's workers and
  the task processes they run), of the triggerer and of the api-server (the tasks' Execution
  API calls).

    python -m benchmarks.sweep_vs_expand --points 100 [--sweep-only 2000] [--docs docs/sweeps.md]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from airflow_quantum_emulator import EmulatorConfig
from benchmarks import machine, report
from benchmarks.sqlite_deployment import (
    POSTGRES_TEMPLATE,
    ROOT,
    AirflowDeployment,
    migrated_postgres,
    sqlite_deployment,
)
from benchmarks.support import stats_delta

DAGS = Path(__file__).resolve().parent / "dags"
WAYS = ("sweep", "expand")
BEGIN = "<!-- BEGIN GENERATED: python -m benchmarks.sweep_vs_expand rewrites this region -->"
END = "<!-- END GENERATED: sweep_vs_expand -->"
#: Every job waits this long in the emulator's queue (its run is the ``fast`` profile's): long
#: enough that each task looks at its job before it ends and defers, as with a real queue.
QUEUE_SECONDS = 5.0
EMULATOR = EmulatorConfig(queue_seconds=QUEUE_SECONDS, seed=29)
#: Seconds a PostgreSQL backend may keep its table counters before publishing them (an idle
#: backend flushes after PGSTAT_IDLE_INTERVAL, 10 s), so a run's are read that long after it.
STATS_SETTLE = 12.0


def settings(database_url: str, sizes: list[int], results: Path) -> dict[str, str]:
    return {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url,
        # Enough task processes at once for the mapped tasks to overlap on a small machine.
        "AIRFLOW__CORE__PARALLELISM": "8",
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "64",
        "AIRFLOW__CORE__MAX_MAP_LENGTH": str(max(1024, *sizes)),
        "SWEEP_VS_EXPAND_POINTS": ",".join(str(n) for n in sizes),
        "SWEEP_VS_EXPAND_RESULTS": str(results),
    }


@contextlib.contextmanager
def deployment(workdir: Path, sizes: list[int]) -> Iterator[tuple[AirflowDeployment, Any]]:
    """The deployment with every DAG of ``sizes`` parsed, and a connection to its DB."""
    with migrated_postgres(workdir) as server:
        server.create_database("airflow", template=POSTGRES_TEMPLATE)
        home = workdir / "home"
        home.mkdir(parents=True, exist_ok=True)
        options = settings(server.url("airflow"), sizes, workdir / "tables")
        first = f"sweep_{sizes[0]}"
        with (
            sqlite_deployment(home, DAGS, first, options, 29, EMULATOR) as airflow,
            contextlib.closing(server.connect("airflow")) as db,
        ):
            db.autocommit = True
            airflow.wait_for_dags([f"{way}_{n}" for way in WAYS for n in sizes], timeout=300)
            yield airflow, db


def table_counts(db: Any) -> dict[str, dict[str, int]]:
    """Per table: rows now, and rows inserted and updated since the server started."""
    with db.cursor() as cur:
        cur.execute(
            "SELECT relname, n_tup_ins, n_tup_upd FROM pg_stat_user_tables WHERE schemaname = "
            "'public'"
        )
        stats = {name: {"inserted": ins, "updated": upd} for name, ins, upd in cur.fetchall()}
        for name in stats:
            cur.execute(f'SELECT count(*) FROM "{name}"')
            stats[name]["rows"] = cur.fetchone()[0]
    return stats


def triggers_created(db: Any) -> int:
    """How many trigger ids the sequence has handed out."""
    with db.cursor() as cur:
        cur.execute("SELECT last_value, is_called FROM trigger_id_seq")
        last, called = cur.fetchone()
    return last if called else 0


def cpu_seconds(pid: int) -> float:
    """CPU of ``pid`` and all its descendants, ended ones included (those their parents
    reaped: a live process's ``children_*`` times)."""
    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
    return total


def own_cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def snapshot(airflow: AirflowDeployment, db: Any) -> dict[str, Any]:
    pids = {name: airflow.processes[name].pid for name in ("scheduler", "triggerer", "api-server")}
    return {
        "tables": table_counts(db),
        "triggers": triggers_created(db),
        "emulator": airflow.emulator_api("GET", "/stats"),
        "scheduler_cpu": own_cpu_seconds(pids["scheduler"]),
        "scheduler_tree_cpu": cpu_seconds(pids["scheduler"]),
        "triggerer_cpu": cpu_seconds(pids["triggerer"]),
        # The task processes' calls of the Execution API (start, XCom, defer, end) run here.
        "api_server_cpu": cpu_seconds(pids["api-server"]),
    }


def seconds_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def one_run(airflow: AirflowDeployment, db: Any, way: str, n: int, workdir: Path) -> dict:
    """Trigger ``<way>_<n>``, wait for it, and measure what it cost."""
    dag_id = f"{way}_{n}"
    print(f"[sweep_vs_expand] {dag_id} ...", file=sys.stderr, flush=True)
    before = snapshot(airflow, db)
    run_id = airflow.trigger(dag_id)
    state = airflow.wait_for_run(dag_id, run_id, timeout=3600)
    run = airflow.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}")
    time.sleep(STATS_SETTLE)
    after = snapshot(airflow, db)
    tables = {
        name: {key: now[key] - before["tables"].get(name, {}).get(key, 0) for key in now}
        for name, now in after["tables"].items()
    }
    traffic = stats_delta(before["emulator"], after["emulator"])["ibm"]
    merged = merged_rows(workdir / "tables", way, n)
    return {
        "way": way,
        "points": n,
        "state": state,
        "wall_s": round(seconds_between(run["queued_at"], run["end_date"]), 1),
        "merged_rows": merged,
        "task_instances": tables["task_instance"]["rows"],
        "rows_net": sum(t["rows"] for t in tables.values()),
        "rows_inserted": sum(t["inserted"] for t in tables.values()),
        "rows_updated": sum(t["updated"] for t in tables.values()),
        "tables": {name: t for name, t in tables.items() if any(t.values())},
        "triggers": after["triggers"] - before["triggers"],
        "requests": traffic["requests"],
        "token_requests": traffic["token_requests"],
        "routes": traffic["routes"],
        "jobs": traffic["routes"].get("POST /api/v1/jobs", 0),
        "scheduler_cpu_s": round(after["scheduler_cpu"] - before["scheduler_cpu"], 1),
        "scheduler_tree_cpu_s": round(
            after["scheduler_tree_cpu"] - before["scheduler_tree_cpu"], 1
        ),
        "triggerer_cpu_s": round(after["triggerer_cpu"] - before["triggerer_cpu"], 1),
        "api_server_cpu_s": round(after["api_server_cpu"] - before["api_server_cpu"], 1),
    }


def merged_rows(tables: Path, way: str, n: int) -> int:
    """Rows of the merged table the run wrote (the sweep names its file by run id)."""
    paths = list((tables / f"sweep_{n}").glob("*.jsonl")) if way == "sweep" else []
    paths = paths or [tables / f"expand_{n}.jsonl"]
    with paths[0].open() as lines:
        return sum(1 for _ in lines)


def measure(workdir: Path, both: list[int], sweep_only: list[int]) -> dict[str, Any]:
    """Each size of ``both`` both ways, then each of ``sweep_only`` with the operator only."""
    sizes = sorted(set(both) | set(sweep_only))
    plan = [(way, n) for n in both for way in WAYS] + [("sweep", n) for n in sweep_only]
    started = datetime.now().astimezone().isoformat(timespec="seconds")
    with deployment(workdir, sizes) as (airflow, db):
        rows = [one_run(airflow, db, way, n, workdir) for way, n in plan]
    return {"started": started, "machine": machine.describe(), "rows": rows}


def _per_point(value: float, n: int) -> str:
    """``value``, and ``value / n`` in parentheses."""
    total = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    return f"{total} ({value / n:.3g})"


def render(results: dict[str, Any]) -> str:
    """The table of docs/sweeps.md: totals, and per point in parentheses."""
    head = results["machine"]
    lines = [
        f"Measured {results['started']} on {head.get('cores')} cores "
        f"({head.get('cpu_model')}), shared with other work, every Airflow process at "
        f"`nice 10`; every job queued {QUEUE_SECONDS:g} s in the emulator; figures per point in "
        "parentheses.",
        "",
        "| way | points | wall s to the merged table | task instances | DB rows inserted | "
        "DB rows updated | DB rows left | triggers | jobs | requests to the service | "
        "scheduler CPU s | scheduler tree CPU s (with the tasks) | triggerer CPU s | "
        "api-server CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    names = {"sweep": "`IBMQuantumSweepOperator`", "expand": "`.expand()` of the sampler"}
    for row in results["rows"]:
        n = row["points"]
        cells = [
            names[row["way"]],
            f"{n:,}",
            _per_point(row["wall_s"], n),
            _per_point(row["task_instances"], n),
            _per_point(row["rows_inserted"], n),
            _per_point(row["rows_updated"], n),
            _per_point(row["rows_net"], n),
            _per_point(row["triggers"], n),
            _per_point(row["jobs"], n),
            _per_point(row["requests"], n),
            _per_point(row["scheduler_cpu_s"], n),
            _per_point(row["scheduler_tree_cpu_s"], n),
            _per_point(row["triggerer_cpu_s"], n),
            _per_point(row["api_server_cpu_s"], n),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", default="100", help="sizes run both ways, e.g. 100,200")
    parser.add_argument("--sweep-only", default="", help="sizes run with the operator only")
    parser.add_argument("--docs", type=Path, help="write the table into this page's region")
    parser.add_argument(
        "--workdir", type=Path, default=ROOT / "benchmarks" / "results" / "sweep-vs-expand"
    )
    return parser.parse_args(argv)


def _sizes(text: str) -> list[int]:
    return [int(n) for n in text.split(",") if n.strip()]


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    workdir = args.workdir / time.strftime("%Y%m%d-%H%M%S")
    workdir.mkdir(parents=True)
    results = measure(workdir, _sizes(args.points), _sizes(args.sweep_only))
    (workdir / "results.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results["rows"], indent=1))
    table = render(results)
    print(table)
    if args.docs:
        report.rewrite_docs(args.docs, table, BEGIN, END)
    return 0
