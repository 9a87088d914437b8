"""The real-triggerer scale benchmark at a tiny size: both runs, PostgreSQL, the report.

The figures of so small a run mean nothing and none is compared with a limit; what is checked
is that the harness measures what it says: every wait of both kinds delivered its event and
moved its task instance on, the quantum waits ended in success, the probe sampled the loop,
the emulator's counters agree with the traffic claimed, and the tables render.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import report, scale_report, triggerer_scale
from benchmarks.jobs import submit_templates
from benchmarks.support import EmulatorProcess

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

N = 6


@pytest.fixture(scope="module")
def scale(tmp_path_factory: pytest.TempPathFactory) -> dict:
    workdir: Path = tmp_path_factory.mktemp("scale")
    with EmulatorProcess() as emulator:
        templates = submit_templates(emulator)
        return triggerer_scale.measure(
            emulator, templates, N, steady_seconds=5, workdir=workdir, to_cap_seconds=3
        )


def test_every_wait_of_both_kinds_is_delivered(scale):
    for kind in ("quantum", "datetime"):
        row = scale[kind]
        assert row["delivered"] == N, row["states"]
        assert row["lost"] == 0
        assert row["states"] == {"scheduled": N}
        assert row["lag_ms"]["samples"] > 0
        assert row["peak_rss_mb"] > 0 and row["cpu_seconds"] > 0
        assert {"claimed", "event", "drained"} <= set(row["marks"])
    assert scale["quantum"]["outcomes"] == {"scheduled:success": N}


def test_the_baseline_fires_when_the_jobs_ended(scale):
    # The same timeline for both: the moment is the jobs' end, counted from each start.
    quantum, baseline = scale["quantum"], scale["datetime"]
    assert abs(baseline["event_after_s"] - quantum["event_after_s"]) < 15


def test_traffic_is_the_emulators_own_count(scale):
    quantum = scale["quantum"]
    # Every job is confirmed with one GET of its own once it has left the listing.
    routes = {r: c for v in quantum["traffic"].values() for r, c in v["routes"].items()}
    confirms = sum(c for r, c in routes.items() if r.startswith("GET") and r.endswith("}"))
    assert confirms >= N
    assert quantum["requests"] == sum(v["requests"] for v in quantum["traffic"].values())
    steady = quantum["steady"]
    # A third of the waits on each vendor.
    assert quantum["vendors"] == {"ibm": N // 3, "azure": N // 3, "braket": N // 3}
    assert steady["formula_per_job_hour"] == triggerer_scale.steady_formula(quantum["vendors"])
    assert routes.get("POST /quantum-tasks", 0) > 0  # Braket's waits listed their tasks


def test_ratios_and_tables_render(scale, tmp_path):
    ratios = scale["ratios"]
    assert ratios["peak_rss"] == round(
        scale["quantum"]["peak_rss_mb"] / scale["datetime"]["peak_rss_mb"], 2
    )
    lines = "\n".join(scale_report.render(scale))
    assert "DateTimeTrigger" in lines and "Sizing a triggerer" in lines
    assert "status requests per job-hour" in lines
    docs = tmp_path / "performance.md"
    docs.write_text(f"intro\n{report.BEGIN}\nold\n{report.END}\nend\n")
    results = {
        "started": "now",
        "duration_s": 1.0,
        "git": "test",
        "machine": {
            "cores": 2,
            "ram_gb": 1.0,
            "cpu_model": "cpu",
            "load_average": [0.0, 0.0, 0.0],
            "os": "os",
            "python": "3.11",
            "airflow": "3",
            "airflow_quantum": "0",
            "httpx": "0",
        },
        "settings": {"poll_interval": 5.0, "max_poll_interval": 60.0, "settle_seconds": 1.0},
        "waits": [],
        "scale": scale,
    }
    report.rewrite_docs(docs, report.render(results))
    assert "Real triggerer at scale" in docs.read_text()


def test_steady_formula_counts_listing_pages():
    # 5,000 IBM jobs: 25 pages of 200; 5,000 Azure jobs: 10 pages of 500; 60 rounds an hour.
    formula = triggerer_scale.steady_formula
    assert formula({"ibm": 5000, "azure": 5000}) == pytest.approx(35 * 60 / 10_000)
    assert formula({"ibm": 1, "azure": 0}) == pytest.approx(60.0)
    # A third each: 17 pages of IBM, 7 of Azure, 34 of Braket (100 a page).
    thirds = {"ibm": 3334, "azure": 3333, "braket": 3333}
    assert formula(thirds) == pytest.approx((17 + 7 + 34) * 60 / 10_000)
