"""Property tests: malformed Braket input and answers raise only the provider's own errors
(``QuantumError``).

Random JSON goes into the task, device, page and spending-limit models (and every property
read from them), the results decoder (random documents, and real-shaped ones with one value
replaced), the prepared-job constructors and the search filters; nothing may escape as
KeyError, TypeError, ValueError, ValidationError...
"""

from __future__ import annotations

import json
import math

from docs_support import example_constant
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from json_fuzz_support import json_values, mutated_json, provider_errors_only

from airflow_quantum.clients.braket import listing, models
from airflow_quantum.clients.braket import results as decoding
from airflow_quantum.clients.braket.prepared import BraketPreparedJob
from airflow_quantum.clients.errors import InvalidInputError

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Numbers as text, as the service writes queue positions and sizes (and odder digits).
number_texts = st.sampled_from(["3", ">2000", "", " 7 ", "²", "٣", "-1", "1e3"]) | st.text(
    max_size=6
)
SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
QUEUE = "QUANTUM_TASKS_QUEUE"
TASK = "arn:aws:braket:us-east-1:123456789012:quantum-task/6a1b2c3d-0000-4000-8000-000000000001"
TASK_KEYS = [
    "quantumTaskArn",
    "status",
    "failureReason",
    "deviceArn",
    "deviceParameters",
    "shots",
    "outputS3Bucket",
    "outputS3Directory",
    "createdAt",
    "endedAt",
    "tags",
    "jobArn",
    "queueInfo",
    "associations",
    "numSuccessfulShots",
    "actionMetadata",
]
queue_infos = st.fixed_dictionaries(
    {},
    optional={
        "queue": st.sampled_from(["QUANTUM_TASKS_QUEUE", "JOBS_QUEUE"]) | json_values,
        "position": number_texts | json_values,
        "queuePriority": st.sampled_from(["Normal", "Priority"]) | json_values,
        "message": json_values,
    },
)
task_like = st.fixed_dictionaries(
    {"quantumTaskArn": st.just(TASK) | json_values},
    optional={
        **{key: json_values for key in TASK_KEYS[1:]},
        "status": st.sampled_from(["CREATED", "QUEUED", "RUNNING", "COMPLETED", "FAILED"])
        | json_values,
        "queueInfo": queue_infos | json_values,
        "createdAt": st.sampled_from(["2026-12-08T00:00:00.000Z", "2026-13-45", ""]) | json_values,
    },
)
capabilities = st.fixed_dictionaries(
    {},
    optional={
        "service": st.fixed_dictionaries(
            {},
            optional={
                "shotsRange": st.lists(json_values, max_size=3) | json_values,
                "getTaskPollIntervalMillis": json_values,
                "executionWindows": json_values,
            },
        )
        | json_values,
        "action": st.dictionaries(st.text(max_size=30), json_values, max_size=3) | json_values,
    },
)
device_like = st.fixed_dictionaries(
    {"deviceArn": st.just(SV1) | json_values},
    optional={
        "deviceName": json_values,
        "deviceType": st.sampled_from(["QPU", "SIMULATOR"]) | json_values,
        "deviceStatus": st.sampled_from(["ONLINE", "OFFLINE", "RETIRED"]) | json_values,
        "deviceCapabilities": capabilities.map(json.dumps) | st.text(max_size=20) | json_values,
        "deviceQueueInfo": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "queue": st.just("QUANTUM_TASKS_QUEUE") | json_values,
                    "queueSize": number_texts | json_values,
                    "queuePriority": st.just("Normal") | json_values,
                },
            ),
            max_size=3,
        )
        | json_values,
    },
)


@PROPERTY
@given(payload=task_like | json_values)
@example(payload={"quantumTaskArn": TASK, "queueInfo": {"queue": "x", "position": "²"}})
def test_a_task_from_any_answer(payload):
    task = provider_errors_only(models.BraketQuantumTask.from_wire, payload, "quantum task")
    if task is None:
        return
    # Every attribute and predicate works on whatever parsed.
    _ = (task.status, task.state, task.status_word, task.failure_cause(), task.job_id)
    _ = (task.done(), task.running(), task.cancelled(), task.errored(), task.in_final_state())
    _ = task.device_parameters_dict()
    if task.queue_info is not None:
        assert isinstance(task.queue_info.position, int | None)
    json.dumps(task.summary())
    assert isinstance(task.error_message(), str | None)


@PROPERTY
@given(payload=device_like | json_values)
@example(
    payload={
        "deviceArn": SV1,
        "deviceQueueInfo": [{"queue": "QUANTUM_TASKS_QUEUE", "queueSize": "²"}],
    }
)
def test_a_device_from_any_answer(payload):
    device = provider_errors_only(models.BraketDevice.from_wire, payload, "device")
    if device is None:
        return
    _ = (device.is_simulator, device.online, device.capabilities(), device.execution_windows)
    shots = device.shots_range
    assert shots is None or all(isinstance(value, int) for value in shots)
    interval = device.poll_interval
    assert interval is None or interval > 0
    assert all(isinstance(name, str) for name in device.supported_actions)
    assert isinstance(device.queue_size(), int | None)


amounts = (
    st.sampled_from(["10.00", "0", "NaN", "Infinity", "-Infinity", "1e400", "x"]) | json_values
)
limit_like = st.fixed_dictionaries(
    {"spendingLimitArn": st.just("arn:aws:braket:us-east-1:123456789012:spending-limit/1")},
    optional={"spendingLimit": amounts, "totalSpend": amounts, "queuedSpend": amounts},
)


@PROPERTY
@given(payload=limit_like)
@example(payload={"spendingLimitArn": "a", "spendingLimit": "NaN"})
def test_what_a_spending_limit_leaves_is_a_number_or_unknown(payload):
    limit = provider_errors_only(models.BraketSpendingLimit.from_wire, payload, "spending limit")
    if limit is not None:
        left = limit.remaining
        assert left is None or math.isfinite(left)


@PROPERTY
@given(payload=json_values)
def test_pages_and_other_answers(payload):
    for model, what in (
        (models.BraketTaskPage, "task search"),
        (models.BraketDevicePage, "device search"),
        (models.BraketSpendingLimitPage, "spending limits"),
        (models.BraketCreatedTask, "created task"),
        (models.BraketCancellation, "cancellation"),
    ):
        provider_errors_only(model.from_wire, payload, what)


def _real_documents() -> list[dict]:
    header = {"name": decoding.GATE_MODEL, "version": "1"}
    gate = {
        "braketSchemaHeader": header,
        "measurements": [[0, 0], [1, 1], [1, 1]],
        "measuredQubits": [0, 1],
        "taskMetadata": {"id": TASK, "shots": 3, "deviceId": SV1},
        "additionalMetadata": {"action": {}},
    }
    ahs = {
        "braketSchemaHeader": {"name": decoding.AHS, "version": "1"},
        "taskMetadata": {"id": TASK, "shots": 2, "deviceId": SV1},
        "measurements": [
            {
                "shotMetadata": {"shotStatus": "Success"},
                "shotResult": {"preSequence": [1, 1], "postSequence": [0, 1]},
            },
            {"shotMetadata": {"shotStatus": "Failure"}, "shotResult": {}},
        ],
    }
    program_set = {
        "braketSchemaHeader": {"name": decoding.PROGRAM_SET, "version": "1"},
        "programResults": [
            {
                "braketSchemaHeader": {"name": decoding.PROGRAM_RESULT, "version": "1"},
                "executableResults": [
                    {**gate, "inputsIndex": 0},
                    "executables/1.json",
                ],
                "source": {"source": "OPENQASM 3.0;"},
            }
        ],
        "taskMetadata": {"id": TASK},
    }
    return [gate, ahs, program_set]


def _fetch(path: str) -> dict:
    return _real_documents()[0]


@PROPERTY
@given(mutated=st.one_of([mutated_json(document) for document in _real_documents()]))
def test_decode_results_with_one_value_replaced(mutated):
    decoded = provider_errors_only(decoding.decode, mutated, _fetch)
    if decoded is not None:
        json.dumps(decoded, allow_nan=True)


@PROPERTY
@given(payload=json_values | st.text(max_size=60) | st.binary(max_size=60))
def test_decode_results_of_anything(payload):
    provider_errors_only(decoding.decode, payload, _fetch)


#: The example DAG's AHS program (one source for it: the DAG).
RYDBERG_PAIR = example_constant("example_braket_quantum.py", "RYDBERG_PAIR")
BELL = "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncnot q[0], q[1];\nc = measure q;\n"


@PROPERTY
@given(
    kind=st.sampled_from(["openqasm", "program_set", "ahs"]),
    program=json_values | st.just(BELL) | st.just(RYDBERG_PAIR) | st.just([BELL] * 101),
    device=st.just(SV1) | json_values | st.text(max_size=40),
    shots=st.integers(-5, 10**13) | json_values,
    inputs=st.none() | json_values,
    tags=st.none() | json_values,
    device_parameters=st.none() | json_values,
    token=st.text(max_size=70) | json_values,
)
def test_prepared_jobs_refuse_with_invalid_input_only(
    kind, program, device, shots, inputs, tags, device_parameters, token
):
    options = {"tags": tags, "device_parameters": device_parameters}
    try:
        if kind == "openqasm":
            job = BraketPreparedJob.openqasm(program, device, shots, inputs=inputs, **options)
        elif kind == "program_set":
            job = BraketPreparedJob.program_set(program, device, shots, **options)
        else:
            job = BraketPreparedJob.ahs(program, device, shots, **options)
        body = job.with_output("amazon-braket-results", "tasks").body(token)
    except InvalidInputError:
        return
    # What is accepted is a request the API takes: JSON, the action a JSON string, the limits.
    json.dumps(body, allow_nan=False)
    assert isinstance(json.loads(body["action"]), dict)
    assert 1 <= len(body["clientToken"]) <= 64
    assert isinstance(body["shots"], int) and body["shots"] >= 0


@PROPERTY
@given(
    name=st.sampled_from(list(listing.TASK_FILTER_NAMES)) | st.text(max_size=12),
    values=json_values | st.lists(st.text(max_size=300), max_size=12),
    operator=st.sampled_from(list(listing.OPERATORS)) | st.text(max_size=6),
)
def test_task_filters_hold_the_search_limits(name, values, operator):
    try:
        made = listing.task_filter(name, values, operator)
    except InvalidInputError:
        return
    assert made["name"] in listing.TASK_FILTER_NAMES and made["operator"] in listing.OPERATORS
    assert 1 <= len(made["values"]) <= listing.MAX_VALUES
    assert all(1 <= len(value) <= listing.MAX_VALUE_LENGTH for value in made["values"])
