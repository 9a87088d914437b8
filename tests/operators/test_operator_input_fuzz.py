"""Fuzzing the operators' and sensors' input checks, and the connection parsers (hypothesis).

Whatever a DAG author passes, an operator either works or fails with the provider's own error:
``InvalidInputError`` / ``ConfigurationError`` from the constructor, or at run time the
``AirflowFailException`` that carries the ``InvalidInputError`` message (no retry), or another
``QuantumError`` the service's answer maps to. Never a bare ``ValueError``, ``TypeError``,
``KeyError``... And whatever failed, the emulator saw no new job: a bad input costs nothing.

Each example runs the operator's real ``execute`` against the emulator over loopback HTTP
(``wait_for_completion=False``, so a valid input returns the job id after submitting). Braket's
are drawn near the service's limits (each device's shots, 100 executables a program set, the
example DAG's AHS program with one value replaced) and through templates rendered from params.
Response parsers (job models, result decoders, IAM/Entra answers, error bodies) are fuzzed in
tests/clients/test_*_client_properties.py.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from airflow.sdk import Connection
from airflow.sdk.exceptions import AirflowFailException
from airflow_face_support import BELL_IONQ, BELL_QASM, BELL_QASM2, make_context, stats
from docs_support import example_constant
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from json_fuzz_support import mutated_json

from airflow_quantum.clients.errors import ConfigurationError, InvalidInputError, QuantumError
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook
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
    IBMQuantumOpenSessionOperator,
)
from airflow_quantum.sensors.azure_quantum import AzureQuantumJobSensor
from airflow_quantum.sensors.braket import BraketTaskSensor
from airflow_quantum.sensors.ibm_quantum import IBMQuantumJobSensor

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ------------------------------------------------------------------------------ strategies

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
#: Text that is almost an identifier: the interesting edge of id and name checks.
names = st.from_regex(r"[A-Za-z0-9_.\-/ %$]{0,70}", fullmatch=True) | st.text(max_size=80)


def mutated(text: str) -> st.SearchStrategy[str]:
    """``text`` with a slice replaced by random text (broken programs, close to real ones)."""
    return st.builds(
        lambda start, length, insert: text[:start] + insert + text[start + length :],
        st.integers(0, len(text)),
        st.integers(0, 12),
        st.text(max_size=6),
    )


def sometimes(valid: Any, wrong: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly-valid fields keep the other fields' checks reachable."""
    return st.just(valid) | wrong


BELL_NO_MEASURE = BELL_QASM.replace("bit[2] c;\n", "").replace("c = measure q;\n", "")
circuits = sometimes([BELL_QASM], mutated(BELL_QASM).map(lambda t: [t]) | json_values)
shots = sometimes(100, st.integers(-3, 10**9) | st.floats() | st.text(max_size=5) | json_values)
tag_lists = st.none() | st.lists(names, max_size=12) | json_values
backends = sometimes("ibm_fez", names | json_values)
job_options = sometimes(
    {},
    st.dictionaries(
        st.sampled_from(["log_level", "max_execution_time", "image", "private", "bogus"]),
        json_values,
        max_size=3,
    )
    | json_values,
)
paulis = st.text(alphabet="IXYZxq ", max_size=4)
observables = sometimes(
    "ZZ", paulis | st.dictionaries(paulis, json_values | st.floats(), max_size=3) | json_values
)
durations = sometimes(1.0, st.floats() | st.integers(-5, 5) | st.text(max_size=3) | json_values)


# ------------------------------------------------------------------------------ the check


def outcome_is_clean(build: Any, emulator: Any, vendor: str) -> None:
    """Build the operator and run it; only provider errors, and no job for bad input."""
    before = stats(emulator, vendor)["jobs_submitted"]
    try:
        operator = build()
    except QuantumError as exc:
        event(f"constructor: {type(exc).__name__}")
        return
    try:
        operator.execute(make_context(operator))
    except AirflowFailException as exc:
        event("refused before sending")
        assert str(exc).startswith(f"{operator.task_id}: "), exc
        assert stats(emulator, vendor)["jobs_submitted"] == before
    except QuantumError as exc:
        event(f"service answered {type(exc).__name__}")
        assert stats(emulator, vendor)["jobs_submitted"] == before
    else:
        event("ran")


def no_wait(**kwargs: Any) -> dict[str, Any]:
    return {"wait_for_completion": False, "deferrable": False, **kwargs}


# ------------------------------------------------------------------------------ IBM


@FUZZ
@given(
    circuits=circuits,
    backend=backends,
    shots=st.none() | shots,
    tags=tag_lists,
    options=st.none() | json_values,
    job_options=job_options,
    poll=durations,
)
def test_ibm_sampler_inputs(
    emulator, ibm_connection, circuits, backend, shots, tags, options, job_options, poll
):
    outcome_is_clean(
        lambda: IBMQuantumRunSamplerOperator(
            task_id="sample",
            **no_wait(
                circuits=circuits,
                backend=backend,
                shots=shots,
                tags=tags,
                options=options,
                job_options=job_options,
                poll_interval=poll,
            ),
        ),
        emulator,
        "ibm",
    )


@FUZZ
@given(
    circuits=sometimes(
        [BELL_NO_MEASURE], mutated(BELL_NO_MEASURE).map(lambda t: [t]) | json_values
    ),
    observables=observables,
    precision=st.none() | st.floats() | scalars,
    backend=backends,
    session_id=st.none() | names,
)
def test_ibm_estimator_inputs(
    emulator, ibm_connection, circuits, observables, precision, backend, session_id
):
    outcome_is_clean(
        lambda: IBMQuantumRunEstimatorOperator(
            task_id="estimate",
            **no_wait(
                circuits=circuits,
                observables=observables,
                precision=precision,
                backend=backend,
                session_id=session_id,
            ),
        ),
        emulator,
        "ibm",
    )


@FUZZ
@given(program_id=sometimes("sampler", names | json_values), params=json_values, backend=backends)
def test_ibm_run_job_inputs(emulator, ibm_connection, program_id, params, backend):
    outcome_is_clean(
        lambda: IBMQuantumRunJobOperator(
            task_id="run", **no_wait(program_id=program_id, program_params=params, backend=backend)
        ),
        emulator,
        "ibm",
    )


@FUZZ
@given(job_id=names | json_values, tags=tag_lists, which=st.integers(0, 3))
def test_ibm_job_id_operators_and_sensor(emulator, ibm_connection, job_id, tags, which):
    builders = [
        lambda: IBMQuantumGetResultsOperator(task_id="results", job_id=job_id, timeout=1),
        lambda: IBMQuantumCancelJobOperator(task_id="cancel", job_id=job_id),
        lambda: IBMQuantumUpdateTagsOperator(task_id="tag", job_id=job_id, tags=tags),
        lambda: IBMQuantumOpenSessionOperator(task_id="open", backend=job_id, mode=tags),
    ]
    outcome_is_clean(builders[which], emulator, "ibm")


# ------------------------------------------------------------------------------ Azure


@FUZZ
@given(
    kind=st.sampled_from(["ionq", "quantinuum", "qir", "raw", "none", "two"]),
    target=sometimes(
        "quantinuum.sim.h2-1e",
        st.sampled_from(["ionq.simulator", "microsoft.estimator", "quantinuum.sim.h1-1e"])
        | names
        | json_values,
    ),
    program=sometimes(BELL_QASM2, st.text(max_size=40) | st.binary(max_size=40) | json_values),
    provider_id=sometimes("ionq", names),
    circuit=sometimes(BELL_IONQ, json_values),
    qubits=st.none() | st.integers(-2, 40) | scalars,
    shots=st.none() | shots,
    input_params=st.none() | json_values,
    tags=tag_lists,
    name=st.none() | names,
    session_id=st.none() | names,
)
def test_azure_submit_inputs(
    emulator,
    azure_connection,
    kind,
    target,
    program,
    provider_id,
    circuit,
    qubits,
    shots,
    input_params,
    tags,
    name,
    session_id,
):
    given_input = {
        "ionq": {"ionq_circuit": circuit, "qubits": qubits, "shots": shots},
        "quantinuum": {"quantinuum_program": program, "shots": shots},
        "qir": {"qir": program, "shots": shots, "entry_point": name},
        "raw": {"input_data": circuit, "input_data_format": name, "provider_id": provider_id},
        "none": {},
        "two": {"quantinuum_program": program, "ionq_circuit": circuit},
    }[kind]
    outcome_is_clean(
        lambda: AzureQuantumSubmitJobOperator(
            task_id="submit",
            **no_wait(
                target=target,
                input_params=input_params,
                tags=tags,
                name=name,
                session_id=session_id,
                **given_input,
            ),
        ),
        emulator,
        "azure",
    )


@FUZZ
@given(job_id=names | json_values, which=st.integers(0, 1))
def test_azure_job_id_operators(emulator, azure_connection, job_id, which):
    builders = [
        lambda: AzureQuantumGetResultsOperator(task_id="results", job_id=job_id),
        lambda: AzureQuantumCancelJobOperator(task_id="cancel", job_id=job_id),
    ]
    outcome_is_clean(builders[which], emulator, "azure")


# ------------------------------------------------------------------------------ sensors


@FUZZ
@given(
    target_states=st.none()
    | st.lists(names | st.sampled_from(["succeeded", "running"]))
    | json_values,
    max_poll=durations,
    sensor=st.sampled_from([AzureQuantumJobSensor, IBMQuantumJobSensor, BraketTaskSensor]),
)
def test_sensor_constructors(target_states, max_poll, sensor):
    try:
        built = sensor(
            task_id="wait", job_id="j", target_states=target_states, max_poll_interval=max_poll
        )
    except InvalidInputError as exc:
        assert "target_states" in str(exc) or "max_poll_interval" in str(exc)
    else:
        assert all(state.is_final for state in built.target_states)
        assert built.waits.max_poll_interval > 0 and math.isfinite(built.waits.max_poll_interval)


# ------------------------------------------------------------------------------ connections

extras = st.fixed_dictionaries(
    {},
    optional={
        key: names | json_values
        for key in (
            "endpoint",
            "location",
            "subscription_id",
            "resource_group",
            "workspace",
            "tenant_id",
            "authority_host",
            "api_key",
            "connection_string",
            "verify",
            "allow_insecure_http",
            "api_version",
            "instance",
            "runtime_url",
            "iam_url",
            "region",
            "private_endpoint",
            "channel",
        )
    },
)


@FUZZ
@given(login=st.none() | names, password=st.none() | names, extra=extras, azure=st.booleans())
# Found by the fuzzer: the error quotes the malformed instance, which equals the password.
@example(login=None, password="0000", extra={"instance": "0000"}, azure=False)
def test_connection_fields(login, password, extra, azure):
    hook = AzureQuantumHook if azure else IBMQuantumHook
    conn = Connection(
        conn_id="fuzzed",
        conn_type="azure_quantum" if azure else "ibm_quantum",
        login=login,
        password=password,
        extra=json.dumps(extra),
    )
    try:
        hook.settings_from_connection(conn)
    except ConfigurationError as exc:
        assert "'fuzzed'" in str(exc)
        # A secret is never echoed. An error may quote a field that is no secret (a malformed
        # instance CRN, a login): a password drawn equal to one of those proves nothing.
        elsewhere = json.dumps(extra) + (login or "")
        if password and len(password) >= 4 and password not in elsewhere:
            assert password not in str(exc)


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [("not a url", "endpoint"), ("ftp://example.com", "endpoint"), ("http://", "endpoint")],
)
def test_an_endpoint_that_is_not_a_url_is_named(endpoint, field):
    conn = Connection(
        conn_id="bad",
        conn_type="azure_quantum",
        extra=json.dumps(
            {
                "endpoint": endpoint,
                "api_key": "k",
                "subscription_id": "s",
                "resource_group": "r",
                "workspace": "w",
            }
        ),
    )
    with pytest.raises(ConfigurationError, match=field):
        AzureQuantumHook.settings_from_connection(conn)


# ------------------------------------------------------------------------------ Braket

BRAKET_BELL = "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncnot q[0], q[1];\nc = measure q;\n"
BRAKET_ROTATION = (
    "OPENQASM 3.0;\ninput float theta;\nbit[1] b;\nqubit[1] q;\nrx(theta) q[0];\n"
    "b[0] = measure q[0];\n"
)
SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
AQUILA = "arn:aws:braket:us-east-1::device/qpu/quera/Aquila"
GARNET = "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet"
#: The example DAG's Rydberg pair (one source for it: the DAG).
RYDBERG_PAIR = example_constant("example_braket_quantum.py", "RYDBERG_PAIR")
devices = sometimes(
    SV1,
    names
    | st.sampled_from(
        [
            "arn:aws:braket:us-east-1::device/qpu/ionq/Aria-1",  # retired
            "arn:aws:braket:us-west-1::device/qpu/rigetti/Ankaa-3",  # retired
            "arn:aws:braket:::device/quantum-simulator/amazon/tn1",  # retired
            GARNET,
            AQUILA,  # no gate-model programs
            "arn:aws:braket:eu-north-1::device/qpu/aqt/Ibex-Q1",  # at most 2,000 shots
            "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1",
            "arn:aws:braket:::device/quantum-simulator/amazon/nosuch",
            "arn:aws:braket:eu-north-1::device/qpu/ionq/Forte-1",  # not in that region
            "arn:aws:braket:us-east-1::device/qpu/quera/Aquila/",
            "arn:aws:braket:us-east-1::quantum-task/0000",
            "arn:aws:s3:::device/quantum-simulator/amazon/sv1",
            " arn:aws:braket:::device/quantum-simulator/amazon/sv1",
        ]
    )
    | json_values,
)
#: Shots at the devices' edges (0 on a simulator, each QPU's most, one more) and beyond.
braket_shots = sometimes(
    100,
    st.sampled_from([0, 1, 1000, 1001, 2000, 2001, 5000, 5001, 20_000, 100_000, 100_001])
    | st.integers(-3, 10**12)
    | shots,
)
tag_maps = st.none() | st.dictionaries(names, names, max_size=4) | json_values


#: Program sets: valid, near the 100-executable limit on either side, broken programs, and
#: (program, inputs) pairs whose input lists make many executables or disagree in length.
program_sets = sometimes(
    [BRAKET_BELL],
    st.lists(mutated(BRAKET_BELL) | json_values, max_size=3)
    | st.integers(98, 102).map(lambda n: [BRAKET_BELL] * n)
    | st.integers(95, 105).map(lambda n: [(BRAKET_ROTATION, {"theta": [0.1] * n})])
    | st.tuples(st.integers(1, 60), st.integers(1, 60)).map(
        lambda sizes: [(BRAKET_ROTATION, {"theta": [0.5] * sizes[0]}), [BRAKET_BELL] * sizes[1]]
    )
    | st.lists(st.tuples(mutated(BRAKET_ROTATION), json_values), max_size=3),
)
#: AHS programs: the example's, with one value replaced anywhere in it, or anything.
ahs_programs = sometimes(
    RYDBERG_PAIR,
    mutated_json(RYDBERG_PAIR, json_values | st.floats() | st.integers(-(10**12), 10**12))
    | json_values,
)


@FUZZ
@given(
    programs=program_sets,
    device=sometimes(SV1, st.sampled_from([GARNET, AQUILA]) | devices),
    shots=braket_shots,
)
def test_braket_program_set_inputs(emulator, braket_connection, programs, device, shots):
    from airflow_quantum.operators.braket import BraketRunProgramSetOperator

    outcome_is_clean(
        lambda: BraketRunProgramSetOperator(
            task_id="set", **no_wait(programs=programs, device_arn=device, shots=shots)
        ),
        emulator,
        "braket",
    )


@FUZZ
@given(ahs=ahs_programs, device=sometimes(AQUILA, devices), shots=braket_shots)
def test_braket_ahs_inputs(emulator, braket_connection, ahs, device, shots):
    from airflow_quantum.operators.braket import BraketRunAHSOperator

    outcome_is_clean(
        lambda: BraketRunAHSOperator(
            task_id="ahs", **no_wait(ahs_program=ahs, device_arn=device, shots=shots)
        ),
        emulator,
        "braket",
    )


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["device", "program", "tag", "theta", "bucket"]),
        names | json_values | st.sampled_from([SV1, AQUILA, BRAKET_BELL, "0.5", "{{ 7 * 7 }}"]),
    )
)
def test_braket_templated_inputs(emulator, braket_connection, params):
    """Fields rendered from ``params`` (as a DAG run renders them: text) are checked as
    written ones are: a bad value is refused before anything is created."""
    from airflow_quantum.operators.braket import BraketRunQuantumTaskOperator

    def build() -> Any:
        operator = BraketRunQuantumTaskOperator(
            task_id="templated",
            **no_wait(
                device_arn="{{ params.device }}",
                program="{{ params.program }}",
                tags={"team": "{{ params.tag }}"},
                inputs={"theta": "{{ params.theta }}"},
                s3_bucket="{{ params.bucket }}",
                s3_prefix="fuzz",
                shots=10,
            ),
        )
        operator.render_template_fields({"params": params})
        return operator

    outcome_is_clean(build, emulator, "braket")


@FUZZ
@given(job_id=names | json_values | devices, which=st.integers(0, 2))
def test_braket_task_arn_operators_and_sensor(emulator, braket_connection, job_id, which):
    from airflow_quantum.operators.braket import (
        BraketCancelTaskOperator,
        BraketGetResultsOperator,
    )

    builders = [
        lambda: BraketGetResultsOperator(task_id="results", job_id=job_id, timeout=1),
        lambda: BraketCancelTaskOperator(task_id="cancel", job_id=job_id),
        lambda: BraketTaskSensor(task_id="wait", job_id=job_id, timeout=1, poke_interval=0.1),
    ]
    outcome_is_clean(builders[which], emulator, "braket")


aws_extras = st.fixed_dictionaries(
    {},
    optional={
        "region_name": sometimes("us-east-1", names | json_values),
        "service_config": json_values
        | st.fixed_dictionaries({"braket": st.fixed_dictionaries({"endpoint_url": names})}),
        "endpoint_url": names | json_values,
        "verify": json_values,
        "allow_insecure_http": json_values,
        "s3_bucket": names | json_values,
    },
)


@FUZZ
@given(login=st.none() | names, password=st.none() | names, extra=aws_extras)
def test_aws_connection_fields(login, password, extra):
    from airflow_quantum.hooks.braket import BraketHook

    conn = Connection(
        conn_id="fuzzed",
        conn_type="aws",
        login=login,
        password=password,
        extra=json.dumps(extra),
    )
    try:
        BraketHook.settings_from_connection(conn)
    except ConfigurationError as exc:
        event("refused")
        assert "'fuzzed'" in str(exc)
        elsewhere = json.dumps(extra) + (login or "")
        if password and len(password) >= 4 and password not in elsewhere:
            assert password not in str(exc)
    else:
        event("accepted")
