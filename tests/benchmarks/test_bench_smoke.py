"""``make bench`` in quick mode: the harness runs end to end and its figures hang together.

No timing is asserted: only that every wait ended with a success event, that the emulator saw
the traffic the figures claim, and that the report renders from the JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import report

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((out / "latest.json").read_text())


def test_every_wait_ends_with_a_success_event(quick_run):
    modes = {row["mode"] for row in quick_run["waits"]}
    assert modes == {"triggers", "triggers-per-job", "threads", "poke", "triggerer"}
    for row in quick_run["waits"]:
        assert "failed" not in row, row.get("failed")
        assert row["errors"] == 0
        assert sum(row["events"].values()) == row["n"]


def test_figures_come_from_the_emulator_counters(quick_run):
    for row in quick_run["waits"]:
        status_reads = sum(
            count
            for vendor in row["traffic"].values()
            for route, count in vendor["routes"].items()
            if route.startswith("GET ") and route.endswith("/jobs/{job_id}")
        )
        # Every wait read its job at least once: to see it end (or to confirm what a shared
        # poller's listing showed).
        assert status_reads >= row["n"]
        assert row["requests"] == sum(v["requests"] for v in row["traffic"].values())
        assert row["token_requests"] >= 1
        assert row["peak_rss_mb"] > 0 and row["peak_rss_mb"] >= row["rss_before_mb"]
        assert row["latency_s"]["p50"] is not None and row["latency_s"]["p50"] >= 0


def test_decoding_agrees_with_itself_and_renders(quick_run, tmp_path):
    rows = quick_run["decoding"]["rows"]
    assert [row["case"].split(",")[0] for row in rows] == [
        "IBM sampler",
        "IBM sampler",
        "Azure QIO",
    ]
    docs = tmp_path / "performance.md"
    docs.write_text(f"# Performance\n\n{report.BEGIN}\nold\n{report.END}\n\nmore\n")
    report.rewrite_docs(docs, report.render(quick_run))
    text = docs.read_text()
    assert "old" not in text and text.endswith(f"{report.END}\n\nmore\n")
    assert "| 6 | bare triggers (one event loop) | 6 / 0 |" in text
