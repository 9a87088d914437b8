"""Markdown tables from a results JSON, and the generated region of docs/performance.md.

python -m benchmarks.report benchmarks/results/latest.json [--docs docs/performance.md]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from benchmarks import scale_report

#: Event statuses of a wait that ended well (the triggers' and the vendors' own words).
OK_STATUSES = frozenset({"success", "Completed", "Succeeded"})
BEGIN = "<!-- BEGIN GENERATED: make bench rewrites this region -->"
END = "<!-- END GENERATED -->"
MODES = {
    "triggers": "bare triggers (one event loop)",
    "triggers-per-job": "bare triggers, per-job polling (`shared_polling=False`)",
    "triggerer": "real `airflow triggerer`",
    "threads": "baseline: thread per job",
    "poke": "baseline: poke-mode sensor, 1 process per wait (1 measured)",
}


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and value >= 1000:
        return f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _ratio(ours: Any, theirs: Any) -> str:
    if not ours or not theirs:
        return "–"
    return f"{theirs / ours:.1f}x"


def _detection_ratio(row: dict[str, Any]) -> str:
    interval, p50 = row.get("poll_interval_at_end_s"), row["latency_s"].get("p50")
    if not interval or p50 is None:
        return "–"
    return f"{p50 / interval:.2f}x of {interval:.0f} s"


def _gc_full_max(row: dict[str, Any]) -> float | None:
    return ((row.get("gc_pauses") or {}).get("gen2") or {}).get("max_ms")


def wait_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| waits | mode | events ok / errors | peak RSS MB | RSS per wait KB | CPU s "
        "| loop lag p50 / p99 / max ms | requests per wait | requests/min | requests per "
        "wait-hour | token requests | detection p50 / p95 s | detection p50 / poll interval "
        "| GC full pass max ms |",
        "|---:|---|---|---:|---:|---:|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for row in rows:
        if "failed" in row:
            first = row["failed"].splitlines()[0]
            lines.append(
                f"| {row['n']:,} | {MODES.get(row['mode'], row['mode'])} | failed: {first} |"
            )
            continue
        ok = sum(n for status, n in row["events"].items() if status in OK_STATUSES)
        errors = row["n"] - ok
        lag = row.get("lag_ms") or {}
        latency = row["latency_s"]
        lines.append(
            f"| {row['n']:,} | {MODES.get(row['mode'], row['mode'])} | {ok:,} / {errors} "
            f"| {_num(row['peak_rss_mb'], 0)} | {_num(row['rss_per_job_kb'], 0)} "
            f"| {_num(row['cpu_seconds'])} "
            f"| {_num(lag.get('p50'))} / {_num(lag.get('p99'))} / {_num(lag.get('max'), 0)} "
            f"| {_num(row['requests_per_job'])} | {_num(row['requests_per_minute'], 0)} "
            f"| {_num(row['requests_per_job_hour'], 0)} | {_num(row['token_requests'])} "
            f"| {_num(latency['p50'], 2)} / {_num(latency['p95'], 2)} "
            f"| {_detection_ratio(row)} | {_num(_gc_full_max(row), 0)} |"
        )
    return lines


def ratio_table(rows: list[dict[str, Any]]) -> list[str]:
    """Baselines against bare triggers of the same size: how many times more they cost."""
    ours = {row["n"]: row for row in rows if row["mode"] == "triggers" and "failed" not in row}
    lines = [
        "| waits | baseline | memory per wait | requests per wait-hour | detection p50 |",
        "|---:|---|---:|---:|---:|",
    ]
    pairs = []
    for row in rows:
        if row["mode"] in ("triggers", "triggerer") or "failed" in row:
            continue
        # One poke process was measured; it stands for each of N processes at every size.
        sizes = sorted(ours) if row["mode"] == "poke" else [row["n"]]
        pairs += [(ours[n], row) for n in sizes if n in ours]
    for mine, row in pairs:
        lines.append(
            f"| {mine['n']:,} | {MODES[row['mode']]} "
            f"| {_ratio(mine['rss_per_job_kb'], row['rss_per_job_kb'])} "
            f"| {_ratio(mine['requests_per_job_hour'], row['requests_per_job_hour'])} "
            f"| {_ratio(mine['latency_s']['p50'], row['latency_s']['p50'])} |"
        )
    return lines


def decoding_table(decoding: dict[str, Any]) -> list[str]:
    lines = [
        "| payload | size MB | ours best / median ms | official best / median ms | official "
        "| official / ours |",
        "|---|---:|---|---|---|---:|",
    ]
    for row in decoding["rows"]:
        ours, theirs = row["ours"], row.get("official")
        theirs_text = (
            f"{theirs['best_s'] * 1e3:.1f} / {theirs['median_s'] * 1e3:.1f}" if theirs else "–"
        )
        ratio = f"{theirs['best_s'] / ours['best_s']:.2f}x" if theirs else "–"
        lines.append(
            f"| {row['case']} | {row['payload_bytes'] / 1e6:.2f} "
            f"| {ours['best_s'] * 1e3:.1f} / {ours['median_s'] * 1e3:.1f} | {theirs_text} "
            f"| {row['official_name']} | {ratio} |"
        )
    if decoding.get("note"):
        lines.append(f"\nOfficial decoder not run: {decoding['note']}")
    return lines


def machine_lines(machine: dict[str, Any]) -> list[str]:
    load = ", ".join(f"{x:.2f}" for x in machine["load_average"])
    return [
        f"- {machine['cores']} cores, {machine['ram_gb']:.1f} GB RAM, {machine['cpu_model']}; "
        f"load average at start {load}",
        f"- {machine['os']}; Python {machine['python']}, Airflow {machine['airflow']}, "
        f"airflow-quantum {machine['airflow_quantum']}, httpx {machine['httpx']}",
    ]


def render(results: dict[str, Any]) -> str:
    """The whole generated region: machine, settings, tables."""
    settings = results["settings"]
    lines = [
        f"Run of {results['started']} ({results['duration_s']:.0f} s in all"
        f"{', quick mode' if settings.get('quick') else ''}); git {results.get('git', '?')}.",
        "",
        *machine_lines(results["machine"]),
        f"- waits poll from {settings['poll_interval']:g} s growing x1.5 to "
        f"{settings['max_poll_interval']:g} s; jobs end {settings['settle_seconds']:g} s after "
        "every wait has polled once",
        "",
        "### Wait capacity",
        "",
        *wait_table(results["waits"]),
        "",
        "### Baselines as multiples of the bare triggers (same run, same size)",
        "",
        *ratio_table(results["waits"]),
    ]
    for note in results.get("notes", []):
        lines += ["", f"- {note}"]
    scale = results.get("scale")
    if scale and "failed" in scale:
        lines += ["", f"Real triggerer at {scale['n']:,} waits: failed: {scale['failed']}"]
    elif scale:
        lines += ["", *scale_report.render(scale)]
    if results.get("decoding"):
        lines += ["", "### Result decoding", "", *decoding_table(results["decoding"])]
        versions = results["decoding"].get("official_versions")
        if versions:
            lines += ["", "Official side: " + ", ".join(f"{k} {v}" for k, v in versions.items())]
    return "\n".join(lines) + "\n"


def rewrite_docs(path: Path, region: str, begin: str = BEGIN, end: str = END) -> None:
    """Replace what lies between the ``begin`` and ``end`` markers of ``path`` with ``region``."""
    text = path.read_text()
    start, stop = text.find(begin), text.find(end, max(0, text.find(begin)))
    if start < 0 or stop < start:
        raise ValueError(f"{path} has no generated region ({begin} ... {end})")
    path.write_text(text[: start + len(begin)] + "\n" + region + text[stop:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--docs", type=Path, help="rewrite this file's generated region")
    args = parser.parse_args(argv)
    region = render(json.loads(args.results.read_text()))
    if args.docs:
        rewrite_docs(args.docs, region)
    else:
        print(region)
    return 0


if __name__ == "__main__":
    sys.exit(main())
