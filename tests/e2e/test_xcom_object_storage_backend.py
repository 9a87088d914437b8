"""The operators under Airflow's object-storage XCom backend (``XComObjectStorageBackend``),
in a real ``airflow dags test`` with moto's S3 server behind the ``aws_default`` connection."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import AirflowE2E

from airflow_quantum_emulator import demo

pytestmark = pytest.mark.slow

DAGS = Path(__file__).parent / "dags"


def test_big_results_go_whole_through_the_backend_and_summaries_stay_in_the_db(
    airflow_e2e: AirflowE2E,
):
    s3 = airflow_e2e.s3
    env = {
        **airflow_e2e.env,
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__XCOM_BACKEND": (
            "airflow.providers.common.io.xcom.backend.XComObjectStorageBackend"
        ),
        "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH": f"s3://aws_default@{s3.bucket}/xcom",
        "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_THRESHOLD": "2000",
    }
    log = airflow_e2e.home / "logs-e2e" / "quantum_xcom_backend.log"
    run = demo.run_dag_test("quantum_xcom_backend", env, log)
    record = airflow_e2e.db.latest_run("quantum_xcom_backend")
    assert run.returncode == 0 and record is not None, f"see {log}"
    assert record.state == "success", f"{record.failed_tasks()}; see {log}"

    # The big result: in the DB only the backend's reference, the whole of it in S3.
    reference = record.xcom("big")
    prefix = f"s3://aws_default@{s3.bucket}/xcom/"
    assert isinstance(reference, str) and reference.startswith(prefix), reference
    whole = s3.read_json(reference.removeprefix(f"s3://aws_default@{s3.bucket}/"))
    assert len(whole["pub_results"][0]["registers"]["c"]["bitstrings"]) == 1500
    assert "the object-storage XCom backend stores it" in log.read_text()
    # The summary of a result written to results_path is small: it stays in the DB.
    summary = record.xcom("stored")
    assert summary["results_uri"].startswith(f"s3://aws_default@{s3.bucket}/explicit/")
    assert record.xcom("check") == {"bitstrings": 1500, "truncated": False, "stored_shots": 100}
