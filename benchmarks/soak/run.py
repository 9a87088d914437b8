"""``make soak``: the distributed deployment under faults for SOAK_MINUTES, then its invariants.

    python -m benchmarks.soak.run [--minutes 20] [--ci] [--docs docs/reliability.md]
    python -m benchmarks.soak.run --report benchmarks/results/soak-latest.json --docs ...

Writes ``benchmarks/results/soak-<time>.json`` and ``soak-latest.json``, prints the invariants
and exits 1 if one does not hold. ``--ci`` is the 2-minute profile (fewer runs, same rate);
``--docs`` rewrites the generated soak region of that file from the report; ``--report``
renders a report written earlier instead of running a soak.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks import machine
from benchmarks.soak import report
from benchmarks.soak.harness import Profile, run_soak

RESULTS = Path(__file__).resolve().parents[1] / "results"
CI_MINUTES = 2.0


def _git() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or "unknown"


def _machine() -> str:
    facts = machine.describe()
    load = ", ".join(f"{x:.1f}" for x in facts["load_average"])
    return (
        f"{facts['cores']} cores, {facts['ram_gb']:.0f} GB RAM, Airflow {facts['airflow']}, "
        f"load average at start {load}"
    )


def soak(minutes: float, out: Path = RESULTS, keep: Path | None = None) -> dict[str, Any]:
    """Run one soak, write its report (``out``), return it; ``keep``: the Airflow home."""
    profile = Profile(minutes=minutes)
    started = datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory(prefix="airflow-quantum-soak-") as tmp:
        home = keep or Path(tmp) / "home"
        result = run_soak(home, profile, log=lambda text: print(text, flush=True))
    result = {
        "started": started.strftime("%Y-%m-%d %H:%M UTC"),
        "git": _git(),
        "machine": _machine(),
        **result,
    }
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=2, default=str)
    (out / f"soak-{started.strftime('%Y%m%d-%H%M%S')}.json").write_text(text)
    (out / "soak-latest.json").write_text(text)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--ci", action="store_true", help=f"{CI_MINUTES:g} minutes of load")
    parser.add_argument("--docs", type=Path, help="rewrite this file's generated soak region")
    parser.add_argument("--keep", type=Path, help="Airflow home to keep (logs) instead of a tmp")
    parser.add_argument("--report", type=Path, help="render this report instead of soaking")
    args = parser.parse_args(argv)
    if args.report:
        result = json.loads(args.report.read_text())
    else:
        result = soak(CI_MINUTES if args.ci else args.minutes, keep=args.keep)
    print(report.render(result))
    if args.docs:
        report.write_region(args.docs, report.render(result))
    failed = [name for name, check in result["invariants"].items() if not check["ok"]]
    for name in failed:
        print(f"[soak] {name} violated:", *result["invariants"][name]["violations"][:10],
              sep="\n  ", file=sys.stderr)  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
