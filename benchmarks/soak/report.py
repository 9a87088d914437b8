"""The soak's JSON report as Markdown, and the generated region of docs/reliability.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

BEGIN = "<!-- BEGIN GENERATED: make soak rewrites this region -->"
END = "<!-- END GENERATED: soak -->"
INVARIANTS = {
    "one_submit_per_try": "exactly one submit per task try that submitted (idempotency tags)",
    "no_job_left_running": "0 jobs left queued or running once every run ended",
    "no_result_lost": "0 results lost (XCom result = the job's result in the emulator)",
    "task_state_matches_job": "every task in the state its job implies",
    "every_run_ended": "every DAG run ended (success or failed)",
    "no_secret_in_logs": "no secret or issued token in a process's output or a task log",
}


def _pairs(counts: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"


def _sign_count(found: Any) -> str:
    """A count of log lines; reports of 13:18 UTC 2026-12-03 and before kept only 20 samples."""
    if isinstance(found, dict):
        return str(found["count"])
    return f"{len(found)}+" if len(found) >= 20 else str(len(found))


def render(report: dict[str, Any]) -> str:
    profile, seconds, jobs = report["profile"], report["seconds"], report["jobs"]
    faults = report["faults"]
    signs = {name: _sign_count(found) for name, found in report["scheduler_log"].items()}
    restarts = {n: s - 1 for n, s in report["process_starts"].items() if s > 1}
    lines = [
        f"Measured {report['started']} on {report['machine']} (git {report['git']}), "
        f"{profile['minutes']:g} minutes of load, seed {profile['seed']}.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| DAG runs triggered / by final state | {report['runs']['triggered']} / "
        f"{_pairs(report['runs']['states'])} |",
        f"| jobs submitted (IBM, Azure, Braket) | {jobs['submitted']} "
        f"({', '.join(str(jobs['by_vendor'].get(v, 0)) for v in ('ibm', 'azure', 'braket'))}) |",
        f"| task instances by state / tries | {_pairs(report['tasks'])} / {report['tries']} |",
        f"| faults injected | {_pairs(faults['counts'])} |",
        f"| processes restarted after SIGKILL | {_pairs(restarts)} |",
        f"| scheduler log lines: executor state mismatch, tasks failed without heartbeat, "
        f"stuck in queued | {_pairs(signs)} |",
        f"| seconds: start-up / load / drain / total | {seconds['startup']:g} / "
        f"{seconds['load']:g} / {seconds['drain']:g} / {seconds['total']:g} |",
        "",
        "| invariant | holds | violations |",
        "|---|---|---:|",
    ]
    for name, text in INVARIANTS.items():
        result = report["invariants"].get(name)
        if result is None:  # a report from before the invariant existed
            continue
        lines.append(f"| {text} | {'yes' if result['ok'] else '**no**'} | {result['count']} |")
    return "\n".join(lines) + "\n"


def write_region(path: Path, region: str) -> None:
    """Put ``region`` between the soak's markers in ``path``, leaving the rest as it is."""
    text = path.read_text()
    head, found, rest = text.partition(BEGIN)
    _, found_end, tail = rest.partition(END)
    if not (found and found_end):
        raise ValueError(f"{path} lacks the soak's markers {BEGIN!r} ... {END!r}")
    path.write_text(f"{head}{BEGIN}\n{region}{END}{tail}")
