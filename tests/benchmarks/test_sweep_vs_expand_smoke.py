"""The sweep-vs-expand benchmark at 3 points: both ways under a real Airflow on PostgreSQL.

The figures of so small a run mean nothing and none is compared with a limit or a clock; what
is checked is that the harness measures what it says: both runs end in success with a merged
table of one row per point, the task instances, triggers and jobs it counts are the ones each
way must create, the emulator's counters agree with the routes, and the table renders into
its region of a page.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import report
from benchmarks.sweep_vs_expand import run

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

N = 3


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return run.measure(tmp_path_factory.mktemp("sweep-vs-expand"), [N], [])


def rows(results: dict) -> dict[str, dict]:
    return {row["way"]: row for row in results["rows"]}


def test_both_ways_end_with_the_merged_table(results):
    assert [(row["way"], row["points"]) for row in results["rows"]] == [
        ("sweep", N),
        ("expand", N),
    ]
    for row in results["rows"]:
        assert row["state"] == "success"
        assert row["merged_rows"] == N


def test_the_counts_are_what_each_way_must_create(results):
    sweep, expand = rows(results)["sweep"], rows(results)["expand"]
    # The sweep: one task and one job for all points. The expand: a task and a job per point,
    # and the merge task.
    assert (sweep["task_instances"], sweep["jobs"]) == (1, 1)
    assert (expand["task_instances"], expand["jobs"]) == (N + 1, N)
    # A task defers once, unless its first look finds the job ended (every job queues
    # run.QUEUE_SECONDS; a very loaded machine can still look later than that).
    assert sweep["triggers"] <= 1
    assert 1 <= expand["triggers"] <= N
    for row in (sweep, expand):
        assert row["requests"] == sum(row["routes"].values())
        assert row["rows_inserted"] >= row["tables"]["task_instance"]["inserted"] > 0
        assert row["scheduler_cpu_s"] > 0
        assert row["scheduler_tree_cpu_s"] >= row["scheduler_cpu_s"]
        assert row["api_server_cpu_s"] > 0  # the task processes' Execution API calls


def test_the_table_renders_into_its_region(results, tmp_path: Path):
    page = tmp_path / "sweeps.md"
    page.write_text(f"intro\n{run.BEGIN}\nold\n{run.END}\nend\n")
    report.rewrite_docs(page, run.render(results), run.BEGIN, run.END)
    text = page.read_text()
    assert "old" not in text and text.endswith(f"{run.END}\nend\n")
    assert "`IBMQuantumSweepOperator` | 3 |" in text
    assert "`.expand()` of the sampler | 3 |" in text
