"""The Azure Quantum and IBM Quantum operators against the emulator over loopback HTTP.

Every path of a task: submit and wait on the worker, defer and resume from the real trigger,
return the job id at once; XCom pushes and extra links; no second job on a retry; bad input
refused before any request; kill and timeout cancel the job; bounded XCom results; sessions.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import pytest
import requests
from airflow.sdk.exceptions import AirflowException, AirflowFailException, TaskDeferred
from airflow_face_support import (
    BELL_IONQ,
    BELL_QASM,
    BELL_QASM2,
    ISING,
    FakeTI,
    configure,
    control,
    finish,
    finished_once_polled,
    hold,
    job_fault,
    make_context,
    phase,
    plant_qio,
    run_trigger,
    stats,
    wait_for,
)
from ibm_circuits import ISA_BELL_NO_MEASURE

from airflow_quantum.clients.azure import AzurePreparedJob
from airflow_quantum.clients.ibm import IBMPreparedJob
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook
from airflow_quantum.links.azure_quantum import AzureQuantumJobLink
from airflow_quantum.links.base import XCom
from airflow_quantum.links.ibm_quantum import IBMQuantumJobLink
from airflow_quantum.operators.azure_quantum import (
    AzureQuantumCancelJobOperator,
    AzureQuantumGetResultsOperator,
    AzureQuantumSubmitJobOperator,
)
from airflow_quantum.operators.ibm_quantum import (
    IBMQuantumCancelJobOperator,
    IBMQuantumGetResultsOperator,
    IBMQuantumRunEstimatorOperator,
    IBMQuantumRunJobOperator,
    IBMQuantumRunSamplerOperator,
    IBMQuantumUpdateTagsOperator,
)
from airflow_quantum.operators.ibm_quantum_sessions import (
    IBMQuantumCloseSessionOperator,
    IBMQuantumOpenSessionOperator,
)
from airflow_quantum.results.trim import shrink_for_xcom
from airflow_quantum.triggers.azure_quantum import AzureQuantumJobTrigger
from airflow_quantum.triggers.ibm_quantum import IBMQuantumJobTrigger

BELL_NO_MEASURE = ISA_BELL_NO_MEASURE
FAST = {"poll_interval": 0.05, "max_poll_interval": 0.1}
#: Base-profile QIR text (the estimator reads it as it reads bitcode).
ESTIMATE_ME = (
    "define void @main() #0 {\nentry:\n  call void @__quantum__qis__t__body(ptr null)\n"
    "  ret void\n}\ndeclare void @__quantum__qis__t__body(ptr)\n"
    'attributes #0 = { "entry_point" "required_num_qubits"="1" "required_num_results"="0" }\n'
)


def page(emulator: Any, job_id: str) -> str:
    """The emulator's own page of a job: where the links of an emulator connection go."""
    return f"{emulator.url.rstrip('/')}/_emulator/jobs/{job_id}/page"


def quantinuum(task_id: str = "bell_h2", **kwargs: Any) -> AzureQuantumSubmitJobOperator:
    options = {
        "target": "quantinuum.sim.h2-1e",
        "quantinuum_program": BELL_QASM2,
        "shots": 100,
        "deferrable": False,
        **FAST,
        **kwargs,
    }
    return AzureQuantumSubmitJobOperator(task_id=task_id, **options)


def sampler(task_id: str = "sample", **kwargs: Any) -> IBMQuantumRunSamplerOperator:
    options = {
        "backend": "ibm_fez",
        "circuits": [BELL_QASM],
        "shots": 200,
        "deferrable": False,
        **FAST,
        **kwargs,
    }
    return IBMQuantumRunSamplerOperator(task_id=task_id, **options)


SUBMITTERS = {"azure": quantinuum, "ibm": sampler}
TRIGGERS = {"azure": AzureQuantumJobTrigger, "ibm": IBMQuantumJobTrigger}


def defer(operator, context) -> TaskDeferred:
    with pytest.raises(TaskDeferred) as deferred:
        operator.execute(context)
    return deferred.value


def resume(operator, context, deferred: TaskDeferred) -> Any:
    (event,) = asyncio.run(run_trigger(deferred.trigger))
    return getattr(operator, deferred.method_name)(context, event=event)


def plain_json(value: Any) -> Any:
    assert json.loads(json.dumps(value)) == value
    return value


def submitted(emulator, vendor: str) -> int:
    return stats(emulator, vendor)["jobs_submitted"]


# --------------------------------------------------------------------------- Azure submit


def test_azure_quantinuum_waits_on_the_worker_and_returns_the_decoded_result(connections, emulator):
    op = quantinuum()
    context = make_context(op)
    result = plain_json(op.execute(context))
    assert result["format"] == "honeywell.quantum-results.v1"
    assert result["shots"] == 100
    assert set(result["counts"]["c"]) <= {"00", "11"} and sum(result["counts"]["c"].values()) == 100
    ti = context["ti"]
    job_id = ti.pushed("job_id")
    assert [key for key, _ in ti.pushes] == ["cost_estimate", "job_id", "job_url"]
    assert ti.pushed("job_url") == page(emulator, job_id)


def test_azure_ionq_circuit_deferred_pushes_xcom_first_and_resumes_with_counts(
    connections, emulator
):
    hold(emulator)  # still queued at the first look, however slow
    op = AzureQuantumSubmitJobOperator(
        task_id="bell",
        target="ionq.simulator",
        ionq_circuit=BELL_IONQ,
        shots=100,
        deferrable=True,
        **FAST,
    )
    context = make_context(op)
    deferred = defer(op, context)
    ti = context["ti"]
    job_id = ti.pushed("job_id")
    assert ti.pushed("job_url") == page(emulator, job_id)  # both pushed before the deferral
    assert type(deferred.trigger) is AzureQuantumJobTrigger and deferred.timeout is None
    _, kwargs = deferred.trigger.serialize()
    # The deferral moment, so that the trigger resumes no sooner than its minimum after it.
    assert time.time() - 60 < kwargs.pop("deferred_at") <= time.time()
    assert kwargs == {
        "conn_id": "azure_quantum_default",
        "job_id": job_id,
        "poll_interval": 0.05,
        "max_poll_interval": 0.1,
        "deadline": None,
        "cancel_on_kill": True,
        "shared_polling": None,
    }
    finish(emulator, job_id)
    result = plain_json(resume(op, context, deferred))
    assert result["format"] == "ionq.quantum-results.v1"
    assert result["probabilities"] == {"00": 0.5, "11": 0.5}


def test_azure_generic_input_data_runs_a_pulser_sequence_on_pasqal(connections, emulator):
    # One atom under a constant pi pulse (pi rad/us for 1 us) ends in the Rydberg state.
    sequence = {
        "register": [{"name": "q0", "x": 0.0, "y": 0.0}],
        "channels": {"ch": "rydberg_global"},
        "variables": {},
        "measurement": None,
        "operations": [
            {
                "op": "pulse",
                "channel": "ch",
                "amplitude": {"kind": "constant", "duration": 1000, "value": 3.141592653589793},
                "detuning": {"kind": "constant", "duration": 1000, "value": 0.0},
                "phase": 0.0,
                "post_phase_shift": 0.0,
            }
        ],
    }
    op = AzureQuantumSubmitJobOperator(
        task_id="pulser",
        target="pasqal.sim.emu-tn",
        input_data={"sequence_builder": json.dumps(sequence)},
        input_data_format="pasqal.pulser.v1",
        output_data_format="pasqal.pulser-results.v1",
        provider_id="pasqal",
        input_params={"shots": 25},
        wait_for_completion=False,
    )
    context = make_context(op)
    job_id = op.execute(context)
    control(emulator, "POST", f"/jobs/{job_id}/finish")
    result = AzureQuantumGetResultsOperator(task_id="get", job_id=job_id).execute(context)
    assert result == {"format": "pasqal.pulser-results.v1", "counts": {"1": 25}, "shots": 25}


def test_azure_generic_input_data_with_tags_params_and_session(connections, emulator):
    hook = AzureQuantumHook()
    session_id = "5e551000-0000-4000-8000-000000000001"  # the service takes GUIDs only
    session = hook.get_conn().open_session(
        provider_id="ionq", target="ionq.simulator", session_id=session_id, name="s"
    )
    op = AzureQuantumSubmitJobOperator(
        task_id="raw",
        target="ionq.simulator",
        input_data={"qubits": 2, "circuit": BELL_IONQ},
        input_data_format="ionq.circuit.v1",
        output_data_format="microsoft.quantum-results.v1",
        provider_id="ionq",
        input_params={"shots": 64},
        tags=["team-a", "nightly"],
        session_id=session.id,
        name="raw bell",
        wait_for_completion=False,
    )
    context = make_context(op)
    job_id = op.execute(context)
    assert job_id == context["ti"].pushed("job_id")
    job = hook.get_conn().get_job(job_id)
    assert job.name == "raw bell" and job.session_id == session_id
    assert job.input_params == {"shots": 64}
    assert job.tags[:2] == ["team-a", "nightly"] and job.tags[2].startswith("airflow-")
    assert job.output_data_format == "microsoft.quantum-results.v1"
    control(emulator, "POST", f"/jobs/{job_id}/finish")
    result = AzureQuantumGetResultsOperator(task_id="get", job_id=job_id).execute(context)
    assert result["format"] == "microsoft.quantum-results.v1"


def test_azure_ionq_circuit_takes_shots_from_input_params(connections, emulator):
    op = AzureQuantumSubmitJobOperator(
        task_id="ghz", target="ionq.simulator", ionq_circuit=BELL_IONQ,
        input_params={"shots": 64}, wait_for_completion=False,
    )  # fmt: skip
    job = AzureQuantumHook().get_conn().get_job(op.execute(make_context(op)))
    assert job.input_params["shots"] == 64


def test_wait_for_completion_false_returns_the_job_id(connections, emulator):
    hold(emulator)  # still queued when looked at, however slow
    for factory in (quantinuum, sampler):
        op = factory(wait_for_completion=False)
        context = make_context(op)
        job_id = op.execute(context)
        assert isinstance(job_id, str) and job_id == context["ti"].pushed("job_id")
        assert phase(emulator, job_id) == "queued"


# --------------------------------------------------------------------------- IBM submit


def test_ibm_sampler_deferred_resumes_with_counts_per_register(connections, emulator):
    hold(emulator)  # still queued at the first look, however slow
    op = sampler(deferrable=True)
    context = make_context(op)
    deferred = defer(op, context)
    ti = context["ti"]
    job_id = ti.pushed("job_id")
    assert ti.pushes == [("job_id", job_id), ("job_url", page(emulator, job_id))]
    assert type(deferred.trigger) is IBMQuantumJobTrigger
    finish(emulator, job_id)
    result = plain_json(resume(op, context, deferred))
    (pub,) = result["pub_results"]
    assert pub["shots"] == 200 and set(pub["counts"]) == {"00", "11"}
    assert pub["registers"]["c"]["counts"] == pub["counts"]


def test_ibm_sampler_waits_on_the_worker(connections, emulator):
    result = sampler().execute(make_context())
    assert sum(result["pub_results"][0]["counts"].values()) == 200


def test_ibm_estimator_returns_expectation_values(connections, emulator):
    op = IBMQuantumRunEstimatorOperator(
        task_id="energy",
        backend="ibm_fez",
        circuits=[BELL_NO_MEASURE],
        observables=[{"ZZ": 1.0, "XX": 1.0}],
        precision=0.01,
        deferrable=False,
        **FAST,
    )
    result = plain_json(op.execute(make_context(op)))
    (pub,) = result["pub_results"]
    assert result["kind"] == "estimator" and abs(pub["evs"] - 2.0) < 0.1


def test_ibm_run_job_runs_any_program_with_raw_params(connections, emulator):
    op = IBMQuantumRunJobOperator(
        task_id="raw",
        program_id="sampler",
        backend="ibm_fez",
        program_params={"version": 2, "pubs": [[BELL_QASM, None, 50]]},
        job_options={"log_level": "INFO", "max_execution_time": 300},
        **FAST,
    )
    result = op.execute(make_context(op))
    assert result["pub_results"][0]["shots"] == 50


def test_ibm_get_results_cancel_and_update_tags(connections, emulator):
    hook = IBMQuantumHook()
    done = hook.get_conn().run_job(IBMPreparedJob.sampler([BELL_QASM], "ibm_fez", 10)).id
    control(emulator, "POST", f"/jobs/{done}/finish")
    context = make_context()
    result = IBMQuantumGetResultsOperator(task_id="get", job_id=done, timeout=10).execute(context)
    assert result["pub_results"][0]["shots"] == 10
    assert context["ti"].pushed("job_url") == page(emulator, done)

    assert IBMQuantumCancelJobOperator(task_id="c1", job_id=done).execute(context) == "succeeded"
    hold(emulator)  # still cancellable, however slow
    live = hook.get_conn().run_job(IBMPreparedJob.sampler([BELL_QASM], "ibm_fez", 10)).id
    assert IBMQuantumCancelJobOperator(task_id="c2", job_id=live).execute(context) == "cancelled"
    with pytest.raises(AirflowException, match="cancelled"):
        IBMQuantumGetResultsOperator(task_id="get2", job_id=live).execute(context)

    tags = IBMQuantumUpdateTagsOperator(task_id="t", job_id=done, tags=["keep", "x"])
    assert tags.execute(context) == ["keep", "x"]


def test_azure_get_results_and_cancel(connections, emulator):
    hook = AzureQuantumHook()
    done = hook.get_conn().submit_job(AzurePreparedJob.quantinuum_program(BELL_QASM2, shots=20)).id
    control(emulator, "POST", f"/jobs/{done}/finish")
    context = make_context()
    result = AzureQuantumGetResultsOperator(task_id="get", job_id=done).execute(context)
    assert sum(result["counts"]["c"].values()) == 20
    assert context["ti"].pushed("job_url") == page(emulator, done)
    # A historic QIO job (the service takes no new ones) still gives its result.
    historic = plant_qio(emulator)
    old = AzureQuantumGetResultsOperator(task_id="old", job_id=historic).execute(context)
    assert old["format"] == "microsoft.qio-results.v2"
    assert old["cost"] == -2.0 and old["configuration"] == {"0": 1, "1": -1}
    assert AzureQuantumCancelJobOperator(task_id="c", job_id=done).execute(context) == "succeeded"

    job_fault(emulator, "azure", outcome="fail", code="InvalidInputData", message="bad terms")
    failed = hook.get_conn().submit_job(AzurePreparedJob.quantinuum_program(BELL_QASM2)).id
    with pytest.raises(AirflowException, match="bad terms"):
        AzureQuantumGetResultsOperator(task_id="get2", job_id=failed, timeout=10).execute(context)
    hold(emulator)  # still cancellable, however slow
    live = hook.get_conn().submit_job(AzurePreparedJob.quantinuum_program(BELL_QASM2)).id
    assert AzureQuantumCancelJobOperator(task_id="c2", job_id=live).execute(context) == "cancelled"


# --------------------------------------------------------------------------- sessions


def test_ibm_session_close_waits_for_the_sessions_jobs(connections, emulator):
    hold(emulator)  # queued until the close has waited on it a while
    context = make_context()
    session_id = IBMQuantumOpenSessionOperator(
        task_id="open", backend="ibm_fez", mode="batch"
    ).execute(context)
    job_id = sampler(session_id=session_id, wait_for_completion=False).execute(context)
    assert phase(emulator, job_id) == "queued"

    with finished_once_polled(emulator, "ibm", [job_id]):
        IBMQuantumCloseSessionOperator(
            task_id="close", session_id=session_id, poll_interval=0.05
        ).execute(context)
    assert phase(emulator, job_id) == "succeeded"  # the close waited for it
    session = IBMQuantumHook().get_conn().get_session(session_id)
    assert session.accepting_jobs is False


def test_session_close_without_a_session_is_a_no_op(connections, emulator):
    for nothing in ("", None, "None"):  # "None": a template pulling a failed setup's XCom
        IBMQuantumCloseSessionOperator(task_id="close", session_id=nothing).execute({})
    assert stats(emulator, "ibm")["requests"] == 0


# --------------------------------------------------------------------------- idempotency


@pytest.mark.parametrize("vendor", ["azure", "ibm"])
def test_a_retry_reattaches_to_the_live_job_instead_of_submitting_again(
    connections, emulator, vendor
):
    hold(emulator)  # still queued at both tries' first look, however slow
    make = SUBMITTERS[vendor]
    first_try = make(deferrable=True)
    first = defer(first_try, make_context(first_try, try_number=1))
    job_id = first.trigger.job_id
    assert phase(emulator, job_id) == "queued"

    # The worker died; the scheduler runs try 2 of the same task instance.
    second_try = make(deferrable=True)
    context = make_context(second_try, try_number=2)
    second = defer(second_try, context)
    assert second.trigger.job_id == job_id
    assert context["ti"].pushed("job_id") == job_id
    assert submitted(emulator, vendor) == 1
    finish(emulator, job_id)
    assert resume(second_try, context, second)

    # A third try after success reattaches too and returns the same result.
    third_try = make(deferrable=True)
    assert third_try.execute(make_context(third_try, try_number=3))
    assert submitted(emulator, vendor) == 1


@pytest.mark.parametrize("vendor", ["azure", "ibm"])
def test_a_retry_after_a_failed_job_submits_a_new_one(connections, emulator, vendor):
    job_fault(emulator, vendor, outcome="fail", message="Transient hardware fault", count=1)
    make = SUBMITTERS[vendor]
    first_try = make()
    context = make_context(first_try)
    with pytest.raises(AirflowException, match="Transient hardware fault"):
        first_try.execute(context)
    failed = context["ti"].pushed("job_id")

    second_try = make()
    context = make_context(second_try, try_number=2)
    assert second_try.execute(context)
    assert context["ti"].pushed("job_id") != failed
    assert submitted(emulator, vendor) == 2


def test_each_task_instance_has_its_own_job(connections, emulator):
    ids = set()
    for fields in ({}, {"map_index": 0}, {"map_index": 1}, {"run_id": "scheduled__2"}):
        for make in (quantinuum, sampler):
            op = make(wait_for_completion=False)
            ids.add(op.execute(make_context(op, **fields)))
    assert len(ids) == 8
    assert submitted(emulator, "azure") == submitted(emulator, "ibm") == 4


# --------------------------------------------------------------------------- bad input


def retired_qio_operator() -> AzureQuantumSubmitJobOperator:
    """A QIO problem sent as raw input data: refused when run (QIO is retired)."""
    return AzureQuantumSubmitJobOperator(
        task_id="x",
        target="microsoft.simulatedannealing.cpu",
        input_data={"cost_function": {"type": "ising", "terms": ISING}},
        input_data_format="microsoft.qio.v2",
        output_data_format="microsoft.qio-results.v2",
        provider_id="microsoft",
    )


BAD_INPUT = [
    pytest.param(lambda: quantinuum(target=""), "target", id="azure-empty-target"),
    pytest.param(
        lambda: quantinuum(quantinuum_program="OPENQASM 3.0; qubit q;"),
        "quantinuum_program",
        id="azure-qasm3-for-quantinuum",
    ),
    pytest.param(
        lambda: quantinuum(input_params={"noise": 0.1}), "input_params", id="azure-h2-params"
    ),
    pytest.param(
        lambda: AzureQuantumSubmitJobOperator(
            task_id="x",
            target="microsoft.estimator",
            qir=ESTIMATE_ME,
            input_params={"errorBudget": float("nan")},
        ),
        "input_params",
        id="azure-nan-param",
    ),
    pytest.param(
        lambda: AzureQuantumSubmitJobOperator(task_id="x", target="ionq.simulator", qir=b"\xff"),
        "qir",
        id="azure-qir-not-llvm",
    ),
    pytest.param(lambda: retired_qio_operator(), "retired", id="azure-qio-retired"),
    pytest.param(
        lambda: quantinuum(target="quantinuum.sim.h1-1e"), "retired", id="azure-h1-retired"
    ),
    pytest.param(lambda: quantinuum(tags=["ok", ""]), "tags", id="azure-empty-tag"),
    pytest.param(lambda: quantinuum(session_id="not a session!"), "session_id", id="azure-session"),
    pytest.param(lambda: quantinuum(ionq_circuit=BELL_IONQ), "ionq_circuit", id="azure-two-inputs"),
    pytest.param(
        lambda: AzureQuantumSubmitJobOperator(
            task_id="x", target="ionq.simulator", ionq_circuit="h q[0]"
        ),
        "ionq_circuit",
        id="azure-ionq-shape",
    ),
    pytest.param(
        lambda: AzureQuantumSubmitJobOperator(
            task_id="x",
            target="ionq.simulator",
            ionq_circuit=BELL_IONQ,
            input_params={"noise": 0.1},
        ),
        "input_params",
        id="azure-ionq-ignored-params",
    ),
    pytest.param(
        lambda: AzureQuantumSubmitJobOperator(
            task_id="x",
            target="ionq.simulator",
            input_data={"qubits": 1},
            input_data_format="ionq.circuit.v1",
        ),
        "provider_id",
        id="azure-no-provider",
    ),
    pytest.param(
        lambda: AzureQuantumGetResultsOperator(task_id="x", job_id="../../jobs"),
        "job_id",
        id="azure-results-job-id",
    ),
    pytest.param(
        lambda: AzureQuantumCancelJobOperator(task_id="x", job_id="x" * 40),
        "job_id",
        id="azure-cancel-job-id",
    ),
    pytest.param(lambda: sampler(circuits=["H 0\nCNOT 0 1"]), "circuits[0]", id="ibm-not-qasm"),
    pytest.param(
        lambda: sampler(circuits=[(BELL_QASM, None, 10, "extra")]),
        "circuits[0]",
        id="ibm-pub-shape",
    ),
    pytest.param(lambda: sampler(circuits=[]), "circuits", id="ibm-no-circuits"),
    pytest.param(lambda: sampler(shots=0), "shots", id="ibm-zero-shots"),
    pytest.param(lambda: sampler(backend=None), "backend", id="ibm-missing-backend"),
    pytest.param(lambda: sampler(backend="ibm fez"), "backend", id="ibm-bad-backend"),
    pytest.param(lambda: sampler(tags=[f"t{i}" for i in range(8)]), "tags", id="ibm-8-tags"),
    pytest.param(lambda: sampler(tags=["x" * 87]), "tags[0]", id="ibm-long-tag"),
    pytest.param(
        lambda: sampler(job_options={"log_level": "LOUD"}), "log_level", id="ibm-log-level"
    ),
    pytest.param(
        lambda: sampler(job_options={"priority": 1}), "job_options", id="ibm-unknown-option"
    ),
    pytest.param(
        lambda: IBMQuantumRunEstimatorOperator(
            task_id="x", backend="ibm_fez", circuits=[BELL_NO_MEASURE], observables=["ZQ"]
        ),
        "observables",
        id="ibm-bad-observable",
    ),
    pytest.param(
        lambda: IBMQuantumRunJobOperator(
            task_id="x", backend="ibm_fez", program_id="../sampler", program_params={}
        ),
        "program_id",
        id="ibm-program-id",
    ),
    pytest.param(
        lambda: IBMQuantumRunJobOperator(
            task_id="x", backend="ibm_fez", program_id="sampler", program_params=[1]
        ),
        "program_params",
        id="ibm-params",
    ),
    pytest.param(
        lambda: IBMQuantumGetResultsOperator(task_id="x", job_id="job id"),
        "job_id",
        id="ibm-results-job-id",
    ),
    pytest.param(
        lambda: IBMQuantumCancelJobOperator(task_id="x", job_id="a/b"),
        "job_id",
        id="ibm-cancel-job-id",
    ),
    pytest.param(
        lambda: IBMQuantumUpdateTagsOperator(task_id="x", job_id="abc", tags=["t"] * 9),
        "tags",
        id="ibm-update-tags",
    ),
    pytest.param(
        lambda: IBMQuantumOpenSessionOperator(task_id="x", backend="ibm_fez", mode="exclusive"),
        "mode",
        id="ibm-session-mode",
    ),
    pytest.param(
        lambda: IBMQuantumCloseSessionOperator(task_id="x", session_id="s p a c e"),
        "session_id",
        id="ibm-close-session-id",
    ),
]


@pytest.mark.parametrize(("make", "field"), BAD_INPUT)
def test_bad_input_fails_naming_the_field_before_any_request(connections, emulator, make, field):
    op = make()
    with pytest.raises(AirflowFailException) as failed:
        op.execute(make_context(op))
    assert field in str(failed.value), failed.value
    assert op.task_id in str(failed.value)
    for vendor in ("azure", "ibm"):
        counters = stats(emulator, vendor)
        assert counters["requests"] == 0 and counters["token_requests"] == 0, counters


# --------------------------------------------------------------------------- kill, timeout


@pytest.mark.parametrize("vendor", ["azure", "ibm"])
def test_on_kill_during_a_worker_side_wait_cancels_the_job(connections, emulator, vendor):
    configure(emulator, queue_seconds=30.0)
    op = SUBMITTERS[vendor]()
    outcome: dict[str, BaseException] = {}

    def run() -> None:
        try:
            op.execute(make_context(op))
        except BaseException as exc:  # the thread reports what the task would raise
            outcome["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    job_id = wait_for(lambda: op.job_id, what="the submission")
    wait_for(lambda: stats(emulator, vendor)["requests"] > 3, what="a few polls")
    op.on_kill()  # what Airflow calls when the task is killed (SIGTERM) on its worker
    worker.join(10)
    assert not worker.is_alive()
    assert phase(emulator, job_id) == "cancelled"
    assert isinstance(outcome["error"], AirflowException)
    assert "ended cancelled" in str(outcome["error"])


@pytest.mark.parametrize("vendor", ["azure", "ibm"])
def test_worker_side_timeout_cancels_the_job_and_says_so(connections, emulator, vendor):
    configure(emulator, queue_seconds=30.0)
    op = SUBMITTERS[vendor](timeout=0.3)
    context = make_context(op)
    began = time.monotonic()
    with pytest.raises(AirflowException, match=r"not finish within 0.3 s; the job was cancelled"):
        op.execute(context)
    assert time.monotonic() - began < 15  # at its timeout, not after the 30 s queue
    assert phase(emulator, context["ti"].pushed("job_id")) == "cancelled"

    keep = SUBMITTERS[vendor](task_id="keep", timeout=0.2, cancel_on_kill=False)
    context = make_context(keep)
    with pytest.raises(AirflowException, match="left running"):
        keep.execute(context)
    assert phase(emulator, context["ti"].pushed("job_id")) == "queued"


@pytest.mark.parametrize("vendor", ["azure", "ibm"])
def test_deferred_timeout_cancels_the_job_and_fails_the_task(connections, emulator, vendor):
    configure(emulator, queue_seconds=30.0)
    op = SUBMITTERS[vendor](deferrable=True, timeout=0.3)
    context = make_context(op)
    before = time.time()
    deferred = defer(op, context)
    assert before + 0.3 <= deferred.trigger.deadline <= time.time() + 0.3
    with pytest.raises(AirflowException, match="passed its deadline; the job was cancelled"):
        resume(op, context, deferred)
    assert phase(emulator, deferred.trigger.job_id) == "cancelled"


def test_failed_job_fails_the_deferred_task_with_the_vendor_message(connections, emulator):
    hold(emulator)  # still queued at the first look, however slow
    job_fault(emulator, "ibm", outcome="fail", code="1517", message="Measurement error")
    op = sampler(deferrable=True)
    context = make_context(op)
    deferred = defer(op, context)
    finish(emulator, deferred.trigger.job_id)  # ends failed: the job fault
    with pytest.raises(AirflowException, match="Measurement error"):
        resume(op, context, deferred)


def test_execute_complete_refuses_an_unexpected_event(connections):
    for event in (None, {}, {"status": "weird"}, "success"):
        with pytest.raises(AirflowException, match="unexpected trigger event"):
            sampler().execute_complete(make_context(), event=event)


# --------------------------------------------------------------------------- XCom size


def test_shrink_for_xcom_keeps_the_largest_counts_and_marks_the_cut():
    counts = {format(i, "016b"): i for i in range(20_000)}
    result = {"kind": "sampler", "counts": counts}
    small, trimmed = shrink_for_xcom(result, 50_000)
    assert trimmed and small["truncated"] is True and small["kind"] == "sampler"
    assert len(json.dumps(small)) <= 50_000
    kept = small["counts"]
    assert min(kept.values()) > max(set(counts.values()) - set(kept.values()))
    assert shrink_for_xcom({"a": 1}, 100) == ({"a": 1}, False)


def test_shrink_for_xcom_is_bounded_even_for_one_huge_string():
    small, trimmed = shrink_for_xcom({"log": "x" * 10_000}, 200)
    assert trimmed and len(json.dumps(small)) <= 200 and small["truncated"] is True
    small, trimmed = shrink_for_xcom(["y" * 10_000], 200)
    assert trimmed and len(json.dumps(small)) <= 200


def test_a_big_result_goes_to_xcom_trimmed(connections, emulator, capsys):
    op = sampler(shots=3000, bitstrings=True, max_xcom_result_bytes=4000)
    result = op.execute(make_context(op))
    assert len(json.dumps(result)) <= 4000 and result["truncated"] is True
    assert "larger than 4000 bytes" in capsys.readouterr().out


# --------------------------------------------------------------------------- links, templates


def test_extra_links_point_an_emulator_connection_at_the_emulator_job_page(
    connections, emulator, monkeypatch
):
    stored: dict[tuple, Any] = {}
    reads: list[str] = []

    def get_one(cls, *, key, task_id, dag_id, run_id, map_index, **_: Any) -> Any:
        reads.append(key)
        return stored.get((dag_id, task_id, run_id, map_index, key))

    monkeypatch.setattr(XCom, "get_one", classmethod(get_one))
    for make, link in ((quantinuum, AzureQuantumJobLink()), (sampler, IBMQuantumJobLink())):
        ti = FakeTI(task_id=make().task_id)
        # A task that failed before it had a job has no link, and does not ask XCom for one
        # (Airflow's API client would log "XCom not found" for the missing job_url).
        assert link.get_link(make(), ti_key=ti) == "" and reads == []
        op = make(wait_for_completion=False)
        job_id = op.execute(make_context(op, ti=ti))
        url = page(emulator, job_id)
        assert link.get_link(op, ti_key=ti) == url and reads == []  # known in memory
        # A new instance of the operator (a resumed deferral) reads the pushed URL.
        for key, value in ti.pushes:
            stored[(ti.dag_id, ti.task_id, ti.run_id, ti.map_index, key)] = value
        resumed = make()
        resumed.job_id = job_id
        assert link.get_link(resumed, ti_key=ti) == url and reads == ["job_url"]
        reads.clear()
        assert type(link) in {type(each) for each in op.operator_extra_links}
        answer = requests.get(url, timeout=10)
        assert answer.status_code == 200 and job_id in answer.text


def test_template_fields_cover_what_a_user_templates():
    assert {
        "target",
        "ionq_circuit",
        "quantinuum_program",
        "qir",
        "input_data",
        "input_params",
        "tags",
        "session_id",
        "azure_quantum_conn_id",
    } <= set(AzureQuantumSubmitJobOperator.template_fields)
    for cls in (IBMQuantumRunSamplerOperator, IBMQuantumRunEstimatorOperator):
        assert {"backend", "circuits", "tags", "session_id", "options"} <= set(cls.template_fields)
    assert "observables" in IBMQuantumRunEstimatorOperator.template_fields
    assert {"program_id", "program_params"} <= set(IBMQuantumRunJobOperator.template_fields)
    assert "params" not in IBMQuantumRunJobOperator.template_fields  # Airflow's own
    for cls in (
        AzureQuantumGetResultsOperator,
        AzureQuantumCancelJobOperator,
        IBMQuantumGetResultsOperator,
        IBMQuantumCancelJobOperator,
        IBMQuantumUpdateTagsOperator,
    ):
        assert "job_id" in cls.template_fields
    assert "session_id" in IBMQuantumCloseSessionOperator.template_fields


def test_max_poll_interval_is_never_below_the_first_wait():
    assert sampler(poll_interval=10, max_poll_interval=1).waits.max_poll_interval == 10


def test_updating_tags_keeps_the_idempotency_tag_so_a_retry_still_reattaches(connections, emulator):
    hold(emulator)  # still queued at both tries' first look, however slow
    first_try = sampler(deferrable=True)
    job_id = defer(first_try, make_context(first_try, try_number=1)).trigger.job_id
    key = next(
        tag
        for tag in IBMQuantumHook().get_conn().get_job(job_id).tags
        if tag.startswith("airflow-")
    )

    updated = IBMQuantumUpdateTagsOperator(task_id="retag", job_id=job_id, tags=["reviewed"])
    assert updated.execute(make_context()) == ["reviewed", key]

    second_try = sampler(deferrable=True)
    assert defer(second_try, make_context(second_try, try_number=2)).trigger.job_id == job_id
    assert submitted(emulator, "ibm") == 1
