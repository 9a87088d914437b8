"""The demo bills a job to the DAG run that submitted it, not to one that only read it."""

from __future__ import annotations

from types import SimpleNamespace

from airflow_quantum_emulator.demo import jobs_run_by
from airflow_quantum_emulator.demo_records import DagRunRecord
from airflow_quantum_emulator.demo_render import spend_lines

PRODUCED = "a1b2c3d4-0000-0000-0000-000000000001"
FACTS = {"backend": "ibm_fez", "queue_seconds": 2.0, "run_seconds": 2.0, "quantum_seconds": 2}


def consumer_run(started: float) -> DagRunRecord:
    """The results consumer: its summary (multiple_outputs) carries the producer's job id."""
    return DagRunRecord(
        dag_id="example_quantum_results_consumer",
        run_id="r",
        state="success",
        tasks={("analyse", -1): "success"},
        xcoms={("analyse", -1, "job_id"): PRODUCED},
        events={("analyse", -1): [("running", started), ("success", started + 1)]},
    )


def emulator_with(created_at: float) -> SimpleNamespace:
    job = SimpleNamespace(created_at=created_at, vendor="ibm")
    jobs = SimpleNamespace(get=lambda job_id: job if job_id == PRODUCED else None)
    return SimpleNamespace(state=SimpleNamespace(jobs=jobs))


def test_a_job_created_before_the_run_started_is_not_the_run_s():
    run = consumer_run(started=1000.0)
    assert jobs_run_by(run, emulator_with(created_at=900.0)) == {}
    assert jobs_run_by(run, emulator_with(created_at=1000.5)) == {PRODUCED: "ibm"}


def test_a_run_that_only_read_a_job_shows_no_billing_for_it():
    run = consumer_run(started=1000.0)
    assert spend_lines(run, {PRODUCED: FACTS}, ran={}) == []
    (line,) = spend_lines(run, {PRODUCED: FACTS}, ran={PRODUCED: "ibm"})
    assert "2 quantum seconds billed" in line
