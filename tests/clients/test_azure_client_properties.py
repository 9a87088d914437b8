"""Property tests: malformed input raises only the provider's own errors (``QuantumError``).

Random JSON goes into the JobDetails parser, the result decoders, the IonQ/Quantinuum/QIR
validators and the connection-string parser; nothing may escape as KeyError, TypeError,
ValidationError...
"""

from __future__ import annotations

import json
from contextlib import suppress

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from json_fuzz_support import json_values

from airflow_quantum.clients.azure.inputs import (
    ionq_circuit,
    qir_input_params,
    qir_program,
    quantinuum_program,
)
from airflow_quantum.clients.azure.models import JobDetails, ProviderStatus, SessionDetails
from airflow_quantum.clients.azure.results import decode_results
from airflow_quantum.clients.azure.settings import AzureQuantumSettings, parse_connection_string
from airflow_quantum.clients.azure.storage import needs_renewal, parse_blob_url
from airflow_quantum.clients.errors import QuantumError

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

JOB_KEYS = [
    "id",
    "name",
    "status",
    "creationTime",
    "beginExecutionTime",
    "endExecutionTime",
    "cancellationTime",
    "lastUpdatedTime",
    "errorData",
    "costEstimate",
    "tags",
    "isCancelling",
    "inputParams",
    "metadata",
    "outputDataUri",
    "quantumComputingData",
    "usage",
]
#: JobDetails-shaped objects: known keys with random values (reach deeper than random dicts).
job_like = st.dictionaries(
    st.sampled_from(JOB_KEYS) | st.text(max_size=8), json_values, max_size=10
)
timestamps = st.sampled_from(
    ["2021-05-01T01:41:59.9498516+00:00", "2021-05-01T01:41:59.9498516Z", "2021-13-45", "Z", ""]
) | st.text(max_size=25)
FORMATS = [
    "microsoft.qio-results.v2",
    "microsoft.resource-estimates.v1",
    "ionq.quantum-results.v1",
    "microsoft.quantum-results.v1",
    "microsoft.quantum-results.v2",
    "honeywell.quantum-results.v1",
    "something.else.v1",
]


def _use_job(job: JobDetails) -> None:
    job.state, job.error_message(), job.has_completed(), job.running()
    repr(job)
    json.dumps(job.to_dict())


@SETTINGS
@given(json_values | job_like)
def test_job_details_parser_raises_only_provider_errors(payload):
    try:
        job = JobDetails.from_wire(payload)
    except QuantumError:
        return
    _use_job(job)


@SETTINGS
@given(
    st.fixed_dictionaries(
        {"id": st.text(min_size=1, max_size=10)},
        optional={
            "creationTime": timestamps | json_values,
            "status": st.sampled_from(["Waiting", "Completed", "Failed", "x"]) | json_values,
            "errorData": json_values,
            "costEstimate": json_values,
        },
    )
)
def test_almost_valid_job_details(payload):
    try:
        job = JobDetails.from_wire(payload)
    except QuantumError:
        return
    _use_job(job)


@SETTINGS
@given(json_values)
def test_other_models_raise_only_provider_errors(payload):
    for model in (SessionDetails, ProviderStatus):
        with suppress(QuantumError):
            model.from_wire(payload)


@SETTINGS
@given(
    json_values | st.binary(max_size=40), st.sampled_from(FORMATS), st.none() | st.integers(1, 8)
)
def test_result_decoders_raise_only_provider_errors(payload, fmt, qubits):
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    try:
        decoded = decode_results(data, fmt, qubits=qubits)
    except QuantumError:
        return
    assert decoded["format"] == fmt


@SETTINGS
@given(
    st.sampled_from(FORMATS[:5]),
    st.dictionaries(
        st.sampled_from(
            ["histogram", "Histogram", "Results", "configuration", "cost", "solutions", "c0"]
        ),
        json_values,
        max_size=4,
    ),
)
@example("ionq.quantum-results.v1", {"histogram": {"\u00b2": None}})  # a digit int() refuses
def test_format_shaped_results_raise_only_provider_errors(fmt, payload):
    with suppress(QuantumError):
        decode_results(payload, fmt, qubits=2)


@SETTINGS
@given(json_values | st.binary(max_size=64), json_values)
def test_quantinuum_and_qir_validators_raise_only_provider_errors(program, params):
    with suppress(QuantumError):
        quantinuum_program(program)
    with suppress(QuantumError):
        qir_program(program)
    with suppress(QuantumError):
        qir_input_params(entry_point=program, arguments=params, items=params)


@SETTINGS
@given(json_values, st.none() | json_values)
def test_ionq_validator_raises_only_provider_errors(circuit, qubits):
    for args in ((circuit, qubits), ({"qubits": qubits, "circuit": circuit}, None)):
        with suppress(QuantumError):
            ionq_circuit(*args)


gate_like = st.fixed_dictionaries(
    {"gate": st.sampled_from(["h", "cnot", "rx", "ms", "swap", "zz", "gpi"])},
    optional={
        "target": json_values,
        "targets": json_values,
        "control": json_values,
        "rotation": json_values,
        "phases": json_values,
    },
)


@SETTINGS
@given(st.lists(gate_like, max_size=4), st.sampled_from(["qis", "native", None]))
def test_gate_shaped_circuits_raise_only_provider_errors(gates, gateset):
    with suppress(QuantumError):
        ionq_circuit(gates, gateset=gateset)


key_names = st.sampled_from(
    ["SubscriptionId", "ResourceGroupName", "WorkspaceName", "ApiKey", "QuantumEndpoint", "x"]
)


@SETTINGS
@given(
    st.text(max_size=80)
    | st.lists(st.tuples(key_names, st.text(max_size=20)), max_size=6).map(
        lambda pairs: ";".join(f"{k}={v}" for k, v in pairs)
    )
)
def test_connection_string_parser_raises_only_configuration_errors(text):
    with suppress(QuantumError):
        parse_connection_string(text)
    with suppress(QuantumError):
        AzureQuantumSettings.from_connection_string(text)


@SETTINGS
@given(st.text(max_size=60) | st.from_regex(r"https?://[a-z0-9.:\[\]]{0,20}/[a-z0-9/%?=&-]{0,30}"))
def test_storage_url_helpers_raise_only_provider_errors(url):
    with suppress(QuantumError):
        parse_blob_url(url)
    assert needs_renewal(url) in (True, False)
