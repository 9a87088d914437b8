"""Results in object storage: moto's S3 server, reached through a real Airflow AWS connection.

The operators run against the emulator over loopback HTTP and write with Airflow's own
``ObjectStoragePath`` (s3fs); the tests read the objects back with boto3, straight from moto.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from airflow.sdk import Asset
from airflow.sdk.exceptions import AirflowException, AirflowFailException
from airflow.sdk.execution_time.context import OutletEventAccessors
from airflow_face_support import (
    BELL_IONQ,
    BELL_QASM,
    BELL_QASM2,
    TOFFOLI_QIR,
    FakeTI,
    hold,
    make_context,
    plant_qio,
    stats,
)
from ibm_circuits import ISA_BELL_NO_MEASURE
from moto_support import SECRET_KEY, MotoS3, moto_s3

from airflow_quantum.clients.ibm.results import decode_result
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook
from airflow_quantum.operators.azure_quantum import (
    AzureQuantumGetResultsOperator,
    AzureQuantumSubmitJobOperator,
)
from airflow_quantum.operators.ibm_quantum import (
    IBMQuantumRunEstimatorOperator,
    IBMQuantumRunSamplerOperator,
)

FAST = {"poll_interval": 0.05, "max_poll_interval": 0.1, "deferrable": False}
RESULTS = "s3://aws_default@quantum-results"
BELL_NO_MEASURE = ISA_BELL_NO_MEASURE


@pytest.fixture(scope="module")
def s3() -> Iterator[MotoS3]:
    with moto_s3() as server, pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRFLOW_CONN_AWS_DEFAULT", server.connection())
        yield server


@pytest.fixture
def connections(azure_connection, ibm_connection, s3) -> None:
    """Both vendors' connections at the emulator, ``aws_default`` at moto."""


def context_with_outlets(op: Any, **ti_fields: Any) -> dict[str, Any]:
    context = make_context(op, **ti_fields)
    context["outlet_events"] = OutletEventAccessors()
    return context


def rendered(op: Any, context: dict[str, Any]) -> Any:
    op.render_template_fields(context)
    return op


def big_sampler(**options: Any) -> IBMQuantumRunSamplerOperator:
    """A Bell sampler that returns every shot's bitstring: a result that grows with shots."""
    return IBMQuantumRunSamplerOperator(
        task_id="big", backend="ibm_fez", circuits=[BELL_QASM], bitstrings=True, **options, **FAST
    )


# --------------------------------------------------------------------------- results_path


def test_sampler_writes_the_whole_result_and_xcom_gets_uri_and_summary(connections, s3, emulator):
    asset = Asset("bell_counts")
    op = IBMQuantumRunSamplerOperator(
        task_id="sample",
        backend="ibm_fez",
        circuits=[BELL_QASM],
        shots=300,
        bitstrings=True,
        results_path=RESULTS + "/quantum/{{ run_id }}/{{ ti.task_id }}.json",
        outlets=[asset],
        **FAST,
    )
    context = context_with_outlets(op)
    summary = rendered(op, context).execute(context)

    job_id = summary["job_id"]
    expected_key = f"quantum/{context['run_id']}/sample.json"
    assert summary["results_uri"] == f"{RESULTS}/{expected_key}"
    stored = s3.read_json(expected_key)
    assert stored == IBMQuantumHook().get_job_result(job_id, bitstrings=True)
    assert len(stored["pub_results"][0]["registers"]["c"]["bitstrings"]) == 300
    assert summary["vendor"] == "IBM Quantum" and summary["backend"] == "ibm_fez"
    assert summary["shots"] == 300 and summary["status"] == "succeeded"
    assert summary["top_counts"] == [stored["pub_results"][0]["counts"]]  # two outcomes
    assert summary["results_bytes"] == len(json.dumps(stored).encode())
    assert "bitstrings" not in json.dumps(summary) and len(json.dumps(summary)) < 1000
    # The asset event carries the same facts, for a DAG scheduled on the asset.
    extra = context["outlet_events"][asset].extra
    assert extra["job_id"] == job_id and extra["results_uri"] == summary["results_uri"]
    assert extra["backend"] == "ibm_fez" and extra["shots"] == 300
    assert SECRET_KEY not in json.dumps(summary) + json.dumps(extra)


def test_raw_payload_goes_beside_the_result(connections, s3, emulator):
    op = IBMQuantumRunEstimatorOperator(
        task_id="energy",
        backend="ibm_fez",
        circuits=[BELL_NO_MEASURE],
        observables=[{"ZZ": 1.0}],
        precision=0.05,
        results_path=RESULTS + "/estimator/energy.json",
        store_raw_payload=True,
        **FAST,
    )
    summary = op.execute(make_context(op))
    assert summary["raw_results_uri"] == RESULTS + "/estimator/energy.raw.json"
    raw = s3.read_bytes("estimator/energy.raw.json")
    assert decode_result(raw) == s3.read_json("estimator/energy.json")
    assert summary["evs"] == [pytest.approx(1.0, abs=0.2)] and summary["shots"] > 0


def test_azure_get_results_operator_stores_a_historic_qio_result_and_raw_output(
    connections, s3, emulator
):
    hook = AzureQuantumHook()
    planted = plant_qio(emulator, input_params={"params": {"sweeps": 50, "seed": 3}})
    job = hook.get_conn().get_job(planted)
    op = AzureQuantumGetResultsOperator(
        task_id="get",
        job_id=job.id,
        results_path=f"{RESULTS}/qio/{job.id}.json",
        store_raw_payload=True,
    )
    summary = op.execute(make_context(op))
    stored = s3.read_json(f"qio/{job.id}.json")
    assert stored["cost"] == -2.0
    assert summary["best"] == {"cost": -2.0, "configuration": stored["configuration"]}
    assert summary["backend"] == "microsoft.simulatedannealing.cpu"
    assert s3.read_bytes(f"qio/{job.id}.raw.json") == hook.get_conn().download_output(job.id)


def test_azure_ionq_submit_summary_has_top_probabilities_and_usage(connections, s3, emulator):
    op = AzureQuantumSubmitJobOperator(
        task_id="bell",
        target="ionq.simulator",
        ionq_circuit=BELL_IONQ,
        shots=100,
        results_path=RESULTS + "/ionq/{{ ti.task_id }}.json",
        **FAST,
    )
    context = make_context(op)
    summary = rendered(op, context).execute(context)
    assert summary["top_probabilities"] == {"00": 0.5, "11": 0.5}
    assert summary["shots"] == 100 and summary["usage"]
    assert s3.read_json("ionq/bell.json")["probabilities"] == {"00": 0.5, "11": 0.5}


def test_azure_quantinuum_and_estimator_summaries_have_their_headlines(connections, s3, emulator):
    bell = AzureQuantumSubmitJobOperator(
        task_id="bell_h2",
        target="quantinuum.sim.h2-1e",
        quantinuum_program=BELL_QASM2,
        shots=100,
        results_path=RESULTS + "/h2/bell.json",
        **FAST,
    )
    summary = bell.execute(make_context(bell))
    (register,) = summary["top_counts"]
    assert set(summary["top_counts"][register]) <= {"00", "11"}
    assert sum(summary["top_counts"][register].values()) == 100
    assert s3.read_json("h2/bell.json")["counts"] == summary["top_counts"]
    estimate = AzureQuantumSubmitJobOperator(
        task_id="estimate",
        target="microsoft.estimator",
        qir=TOFFOLI_QIR,
        results_path=RESULTS + "/estimates/toffoli.json",
        **FAST,
    )
    headline = estimate.execute(make_context(estimate))["estimate"]
    stored = s3.read_json("estimates/toffoli.json")
    assert headline == {
        "physical_qubits": stored["physical_qubits"],
        "runtime_ns": stored["runtime_ns"],
        "code_distance": stored["code_distance"],
    }
    assert headline["physical_qubits"] == 16856  # the estimator's recorded sample


# --------------------------------------------------------------------------- size threshold


def test_a_result_too_big_for_xcom_goes_to_the_configured_base_path(
    connections, s3, emulator, monkeypatch, capsys
):
    monkeypatch.setenv("AIRFLOW__QUANTUM__RESULTS_BASE_PATH", RESULTS + "/auto")
    monkeypatch.setenv("AIRFLOW__QUANTUM__MAX_XCOM_RESULT_BYTES", "2000")
    small = IBMQuantumRunSamplerOperator(
        task_id="small", backend="ibm_fez", circuits=[BELL_QASM], shots=50, **FAST
    )
    assert small.execute(make_context(small))["kind"] == "sampler"  # under 2000 bytes: XCom
    big = big_sampler(shots=400)
    ti = FakeTI(task_id="big", map_index=3)
    summary = big.execute(make_context(big, ti=ti))
    key = f"auto/{ti.dag_id}/{ti.run_id}/big.3.json"
    assert summary["results_uri"] == f"{RESULTS}/{key}"
    assert s3.keys("auto/") == [key]
    assert len(s3.read_json(key)["pub_results"][0]["registers"]["c"]["bitstrings"]) == 400
    assert "more than max_xcom_result_bytes (2000): writing it to" in capsys.readouterr().out


def test_without_a_place_to_write_a_big_result_is_trimmed_and_the_log_says_how(
    connections, emulator, capsys
):
    op = big_sampler(shots=1000, max_xcom_result_bytes=3000)
    result = op.execute(make_context(op))
    assert result["truncated"] is True and len(json.dumps(result)) <= 3000
    assert "Set results_path or [quantum] results_base_path" in capsys.readouterr().out


def test_with_the_object_storage_xcom_backend_a_big_result_is_returned_whole(
    connections, emulator, monkeypatch, capsys
):
    monkeypatch.setenv(
        "AIRFLOW__CORE__XCOM_BACKEND",
        "airflow.providers.common.io.xcom.backend.XComObjectStorageBackend",
    )
    monkeypatch.setenv("AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH", RESULTS + "/xcom")
    monkeypatch.setenv("AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_THRESHOLD", "1000")
    op = big_sampler(shots=1000, max_xcom_result_bytes=3000)
    result = op.execute(make_context(op))
    assert "truncated" not in result
    assert len(result["pub_results"][0]["registers"]["c"]["bitstrings"]) == 1000
    assert "the object-storage XCom backend stores it" in capsys.readouterr().out


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"results_path": "results.json"}, "results_path must be an ObjectStoragePath or a URL"),
        ({"results_path": RESULTS + "/folder/"}, "results_path must name a file"),
        ({"results_path": "nosuchfs://bucket/x.json"}, "results_path: cannot open nosuchfs://"),
        ({"store_raw_payload": True}, "store_raw_payload needs a results_path"),
        ({"base": "/var/results"}, r"\[quantum\] results_base_path must be .* a URL"),
    ],
)
def test_bad_results_options_fail_before_anything_is_submitted(
    connections, emulator, monkeypatch, options, message
):
    options = dict(options)
    if "base" in options:
        monkeypatch.setenv("AIRFLOW__QUANTUM__RESULTS_BASE_PATH", options.pop("base"))
    op = IBMQuantumRunSamplerOperator(
        task_id="sample", backend="ibm_fez", circuits=[BELL_QASM], **options, **FAST
    )
    with pytest.raises(AirflowFailException, match=message):
        op.execute(make_context(op))
    assert stats(emulator, "ibm")["jobs_submitted"] == 0


def test_a_missing_bucket_fails_the_task_naming_the_path_and_a_retry_pays_nothing(
    connections, s3, emulator
):
    def task() -> IBMQuantumRunSamplerOperator:
        return IBMQuantumRunSamplerOperator(
            task_id="sample",
            backend="ibm_fez",
            circuits=[BELL_QASM],
            results_path="s3://aws_default@no-such-bucket/r.json",
            **FAST,
        )

    with pytest.raises(AirflowException, match="could not write the result to s3://") as failed:
        task().execute(make_context(task()))
    assert SECRET_KEY not in str(failed.value)
    s3.client.create_bucket(Bucket="no-such-bucket")
    summary = task().execute(make_context(task()))  # the retry reattaches to the job
    assert stats(emulator, "ibm")["jobs_submitted"] == 1
    assert s3.client.get_object(Bucket="no-such-bucket", Key="r.json")["ContentLength"] > 0
    assert summary["results_uri"] == "s3://aws_default@no-such-bucket/r.json"


def test_submit_only_puts_the_job_on_the_asset_event(connections, emulator):
    hold(emulator)  # not ended when the event is written, however slow
    asset = Asset("queued_job")
    op = IBMQuantumRunSamplerOperator(
        task_id="sample",
        backend="ibm_fez",
        circuits=[BELL_QASM],
        wait_for_completion=False,
        outlets=[asset],
        **FAST,
    )
    context = context_with_outlets(op)
    job_id = op.execute(context)
    extra = context["outlet_events"][asset].extra
    assert extra["job_id"] == job_id and extra["vendor"] == "IBM Quantum"
    assert extra["status"] in ("queued", "running") and "results_uri" not in extra
