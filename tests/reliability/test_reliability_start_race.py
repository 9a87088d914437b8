"""No task that succeeded ends failed because its start request was sent twice (SQLite, load).

The task SDK sends a task's start request again when ``[workers] execution_api_timeout``
passes (Airflow's default: 5 s); on a busy SQLite DB the first request can still land after
the second one started the task, and set the finished task RUNNING again, which the scheduler
then fails (docs/reliability.md, "The start race"). The deployments of the demo and the tests
set the timeout to ``demo.EXECUTION_API_TIMEOUT``: this runs 40 short tasks under the load of
``benchmarks/start_race`` (a SQLite writer and a busy loop) with it, and finds no start request
accepted twice and no task failed. ``python -m benchmarks.start_race.run`` measures both
settings over many runs (the figures are in docs/reliability.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from reliability_support import AirflowDeployment

from airflow_quantum_emulator import demo
from benchmarks.start_race.run import MISMATCH, line_counts, load, one_run, race_deployment

pytestmark = pytest.mark.slow

#: The benchmark's load, with one busy loop instead of three: ``make test`` runs this beside
#: the other slow tests, which load the cores already.
HOLD, GAP, CPUS = 0.5, 0.5, 1


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowDeployment]:
    home: Path = tmp_path_factory.mktemp("airflow-start-race")
    with race_deployment(home, demo.EXECUTION_API_TIMEOUT) as deployment:
        yield deployment


def test_a_slow_start_request_is_not_sent_twice(deployment: AirflowDeployment) -> None:
    with load(deployment.home / "airflow.db", HOLD, GAP, CPUS):
        row = one_run(deployment, line_counts(deployment))
    print(f"\n[start race] execution_api_timeout={demo.EXECUTION_API_TIMEOUT}: {row}")
    assert row["tasks"] == 40
    assert row["duplicate_starts"] == 0, "a start request was accepted twice"
    assert MISMATCH not in deployment.process_log("scheduler")
    assert row["failed"] == [] and row["run_state"] == "success"
