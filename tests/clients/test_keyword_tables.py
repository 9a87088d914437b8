"""The keyword tables (TypedDicts) shared by clients and protocols refuse unknown keywords."""

from __future__ import annotations

import pytest

from airflow_quantum.clients.azure.listing import build_job_filter
from airflow_quantum.clients.errors import InvalidInputError, InvalidStateError, QuantumAPIError
from airflow_quantum.clients.ibm import IBMPreparedJob, IBMQuantumClient, IBMQuantumSettings
from airflow_quantum.clients.ibm.listing import job_filters
from tests.clients.test_azure_client_protocol import JOB, protocol, requests_of

CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/b947c1c5a9378d64:a3a7f181-35ac-4a0d::"


def test_ibm_job_filters_refuse_an_unknown_keyword() -> None:
    with pytest.raises(TypeError, match=r"job_filters.*pendng"):
        job_filters(pendng=True)  # type: ignore[call-arg]
    assert job_filters(pending=True) == [("pending", "true"), ("exclude_params", "true")]
    assert job_filters(exclude_params=False) == []
    ibm = IBMQuantumClient(IBMQuantumSettings("key", CRN))
    with pytest.raises(TypeError, match=r"job_filters.*pendng"):
        ibm.list_jobs(pendng=True)  # type: ignore[call-arg]


def test_ibm_prepared_jobs_refuse_an_unknown_option() -> None:
    with pytest.raises(InvalidInputError, match=r"unknown option\(s\) shots; known: log_level"):
        IBMPreparedJob.program("sampler", "ibm_x", {}, shots=10)  # type: ignore[call-arg]
    with pytest.raises(InvalidInputError, match=r"unknown option\(s\) precision"):
        IBMPreparedJob.sampler([], "ibm_x", precision=0.1)  # type: ignore[call-arg]


def test_azure_filter_and_update_refuse_an_unknown_keyword() -> None:
    with pytest.raises(TypeError, match=r"build_job_filter.*state"):
        build_job_filter(state="Succeeded")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"update_job.*title"):
        requests_of(protocol().update_job.call(JOB, title="x"))  # type: ignore[call-arg]


def test_reworded_keeps_the_answer_and_changes_the_words() -> None:
    original = QuantumAPIError(
        "busy", status=409, code="Conflict", request_id="r1", vendor="V", retry_after=2.0
    )
    restated = original.reworded(InvalidStateError, "job is final")
    assert isinstance(restated, InvalidStateError)
    assert (restated.status, restated.code, restated.request_id, restated.vendor) == (
        409,
        "Conflict",
        "r1",
        "V",
    )
    assert restated.retry_after == 2.0
    assert restated.vendor_message == "job is final"
    assert original.reworded(InvalidStateError, "x", vendor="W").vendor == "W"


def test_azure_listings_check_their_paging_before_sending() -> None:
    client = protocol()
    with pytest.raises(TypeError, match=r"list_session_jobs.*orderby"):
        client.list_session_jobs(JOB, orderby="CreationTime desc")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"list_sessions.*filter"):
        client.list_sessions(filter="x")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"build_job_filter.*state"):
        client.list_jobs(state="Succeeded")  # type: ignore[call-arg]
    for bad in ({"limit": 0}, {"top": -1}, {"skip": -1}, {"orderby": "Name sideways"}):
        with pytest.raises(InvalidInputError):
            client.list_jobs(**bad)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError):
            client.list_sessions(**bad)  # type: ignore[arg-type]
