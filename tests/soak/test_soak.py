"""The soak's CI profile: two minutes of DAG runs under random faults, then its invariants.

A scheduler, two triggerers, a dag-processor, an api-server and two Celery workers on
PostgreSQL and Redis (benchmarks/soak); ``make soak`` runs the same for SOAK_MINUTES (20).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.soak.report import INVARIANTS, render
from benchmarks.soak.run import CI_MINUTES, soak

pytestmark = pytest.mark.slow

#: The full soak submits at least 500 jobs in 20 minutes; the CI profile its share of them.
FULL_MINUTES, FULL_JOBS = 20, 500


@pytest.mark.timeout(1200)
def test_soak_ci_profile_keeps_every_invariant(tmp_path: Path) -> None:
    report = soak(CI_MINUTES, out=tmp_path / "results", keep=tmp_path / "home")
    print("\n" + render(report))

    failed = {
        name: check["violations"][:10]
        for name, check in report["invariants"].items()
        if not check["ok"]
    }
    assert not failed, failed
    assert set(report["invariants"]) == set(INVARIANTS)
    assert report["jobs"]["submitted"] >= FULL_JOBS * CI_MINUTES / FULL_MINUTES
    assert report["runs"]["trigger_errors"] == []
    # Every kind of fault was dealt, and every kill found a process to kill.
    assert min(report["faults"]["counts"].values()) >= 1, report["faults"]
    assert report["faults"]["errors"] == [], report["faults"]["errors"]
    assert (tmp_path / "results" / "soak-latest.json").is_file()
