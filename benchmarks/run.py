"""Run every benchmark of issue 6 once and write the results (``make bench``).

    python -m benchmarks.run [--quick] [--sizes 100,1000,10000] [--docs docs/performance.md]

Writes ``benchmarks/results/bench-<time>.json``, ``latest.json`` and ``latest.md``; with
``--docs`` it also rewrites the generated region of that file. ``--quick`` is a smoke run with
tiny sizes (what CI runs): its figures mean nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks import decoding, machine, poke_baseline, report, triggerer_run, triggerer_scale
from benchmarks.jobs import submit_templates
from benchmarks.support import ROOT, EmulatorProcess
from benchmarks.wait_capacity import MAX_POLL_INTERVAL, POLL_INTERVAL, measure

#: Refuse a size whose projected RSS (from the previous size) exceeds this share of free RAM.
MEMORY_SHARE = 0.6


def _sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _available_mb() -> float:
    with open("/proc/meminfo") as info:
        for line in info:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    return float("inf")


def _too_big(rows: list[dict[str, Any]], mode: str, n: int) -> str | None:
    """Why ``n`` waits of ``mode`` would not fit in memory, judged from the largest run so far."""
    done = [r for r in rows if r["mode"] == mode and "failed" not in r]
    if not done:
        return None
    last = max(done, key=lambda r: r["n"])
    projected = last["rss_before_mb"] + last["rss_per_job_kb"] * n / 1e3
    if projected > MEMORY_SHARE * _available_mb():
        return f"skipped: projected {projected / 1e3:.1f} GB RSS from the {last['n']:,}-wait run"
    return None


def _scale(
    emulator: EmulatorProcess, templates: dict[str, str], args: argparse.Namespace, workdir: Path
) -> dict[str, Any]:
    """The real triggerer at scale; a failure is recorded (and fails the run at the end)."""
    try:
        return triggerer_scale.measure(
            emulator,
            templates,
            args.scale_size,
            steady_seconds=args.steady_seconds,
            workdir=workdir,
        )
    except Exception as exc:  # the other benchmarks' results are still worth writing
        print(f"[bench] triggerer at scale failed: {exc}", file=sys.stderr, flush=True)
        return {"n": args.scale_size, "failed": str(exc)}


def _git() -> str:
    done = subprocess.run(
        ["git", "describe", "--always", "--dirty"], capture_output=True, text=True, cwd=ROOT
    )
    return done.stdout.strip() or "?"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument("--sizes", type=_sizes, help="bare-trigger sizes (100,1000,10000)")
    parser.add_argument(
        "--thread-sizes", type=_sizes, help='thread baseline sizes (100,1000; "" for none)'
    )
    parser.add_argument(
        "--per-job-sizes", type=_sizes, help='bare triggers with per-job polling (1000; "" none)'
    )
    parser.add_argument("--triggerer-sizes", type=_sizes, help="real-triggerer sizes (200)")
    parser.add_argument(
        "--scale-size",
        type=int,
        help="waits of the real triggerer on PostgreSQL beside DateTimeTrigger (10000; 0: skip)",
    )
    parser.add_argument(
        "--steady-seconds", type=float, default=300.0, help="steady window at scale (300 s)"
    )
    parser.add_argument("--no-poke", action="store_true", help="skip the poke-sensor baseline")
    parser.add_argument("--no-decoding", action="store_true", help="skip result decoding")
    parser.add_argument("--settle", type=float, help="seconds of polling before jobs end (20)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--docs", type=Path, help="rewrite this file's generated region")
    args = parser.parse_args(argv)
    quick = args.quick
    # An empty list (e.g. --thread-sizes "") skips that part.
    if args.sizes is None:
        args.sizes = [6] if quick else [100, 1000, 10000]
    if args.thread_sizes is None:
        args.thread_sizes = [6] if quick else [100, 1000]
    if args.per_job_sizes is None:
        args.per_job_sizes = [6] if quick else [1000]
    if args.triggerer_sizes is None:
        args.triggerer_sizes = [4] if quick else [200]
    args.settle = args.settle if args.settle is not None else (2.0 if quick else 20.0)
    if args.scale_size is None:
        # The scale run takes about 40 minutes at 10,000; tests/benchmarks runs it small.
        args.scale_size = 0 if quick else 10_000
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = time.time()
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "git": _git(),
        "machine": machine.describe(),
        "settings": {
            "quick": args.quick,
            "poll_interval": POLL_INTERVAL,
            "max_poll_interval": MAX_POLL_INTERVAL,
            "settle_seconds": args.settle,
        },
        "waits": [],
        "notes": [],
    }
    with tempfile.TemporaryDirectory(prefix="airflow-quantum-bench-") as tmp:
        workdir = Path(tmp)
        with EmulatorProcess() as emulator:
            templates = submit_templates(emulator)
            plan = [("triggers", n) for n in args.sizes]
            plan += [("triggers-per-job", n) for n in args.per_job_sizes]
            plan += [("threads", n) for n in args.thread_sizes]
            for mode, n in plan:
                why = _too_big(results["waits"], mode, n)
                if why:
                    results["waits"].append({"mode": mode, "n": n, "failed": why})
                    continue
                print(f"[bench] {mode} x {n} ...", file=sys.stderr, flush=True)
                row = measure(
                    emulator, templates, n, mode, settle_seconds=args.settle, workdir=workdir
                )
                results["waits"].append(row)
            for n in args.triggerer_sizes:
                print(f"[bench] airflow triggerer x {n} ...", file=sys.stderr, flush=True)
                results["waits"].append(
                    triggerer_run.measure(
                        emulator, templates, n, settle_seconds=args.settle, workdir=workdir
                    )
                )
            if args.triggerer_sizes:
                results["notes"].append(
                    "The real-triggerer rows measure the whole `airflow triggerer` process tree "
                    "(supervisor and trigger runner); RSS per wait counts from the tree's RSS at "
                    "its first poll. Its task instances were written to the DB as `defer()` "
                    "leaves them, not by N worker processes."
                )
            if args.scale_size:
                results["scale"] = _scale(emulator, templates, args, workdir)
            if not args.no_poke:
                print("[bench] poke-mode sensor process ...", file=sys.stderr, flush=True)
                results["waits"].append(
                    poke_baseline.measure(
                        emulator, templates, settle_seconds=args.settle, workdir=workdir
                    )
                )
                results["notes"].append(
                    "The poke-mode baseline ran one `airflow tasks test` process (the task "
                    "runs in it; a LocalExecutor or Celery worker adds a supervisor process "
                    "per task, so the real cost is higher). N waits need N such processes: "
                    "its RSS is that of one process, to be multiplied by N."
                )
        if not args.no_decoding:
            print("[bench] result decoding ...", file=sys.stderr, flush=True)
            results["decoding"] = decoding.run(
                workdir,
                shots=2_000 if args.quick else 100_000,
                batch_shots=200 if args.quick else 10_000,
                qio_variables=500 if args.quick else 10_000,
                repeats=2 if args.quick else 5,
            )
    results["duration_s"] = time.time() - started
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(results, indent=1)
    (args.out / f"bench-{stamp}.json").write_text(text)
    (args.out / "latest.json").write_text(text)
    region = report.render(results)
    (args.out / "latest.md").write_text(region)
    if args.docs:
        report.rewrite_docs(args.docs, region)
    print(region)
    return 1 if "failed" in results.get("scale", {}) else 0


if __name__ == "__main__":
    sys.exit(main())
