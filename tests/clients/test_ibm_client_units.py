"""Settings, IAM answers, job models, status mapping and request building, without a server."""

from __future__ import annotations

import json

import pendulum
import pytest

from airflow_quantum.clients.errors import (
    BadResponseError,
    ConfigurationError,
    InvalidInputError,
    QuantumError,
)
from airflow_quantum.clients.ibm import (
    IBM_RETRY_POLICY,
    IBMJob,
    IBMJobMetrics,
    IBMJobStatus,
    IBMPreparedJob,
    IBMQuantumClient,
    IBMQuantumSettings,
    IBMQueueInfo,
)
from airflow_quantum.clients.ibm.auth import IAMTokenSource, token_from_answer
from airflow_quantum.clients.ibm.listing import JobPager, job_filters
from airflow_quantum.clients.ibm.models import IBMJobPage, IBMJobStateInfo, status_from_wire
from airflow_quantum.clients.retries import decide
from airflow_quantum.clients.state import JobState
from airflow_quantum.clients.transport import Request, api_error, parse_error_body

CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/b947c1c5a9378d64:a3a7f181-35ac-4a0d::"
EU_CRN = "crn:v1:bluemix:public:quantum-computing:eu-de:a/b947c1c5a9378d64:a3a7f181-35ac-4a0d::"
KEY = "sk-very-secret-api-key-123"


# ---------------------------------------------------------------------------- settings


class TestSettings:
    def test_runtime_url_follows_the_crn_region(self):
        assert IBMQuantumSettings(KEY, CRN).runtime_url == "https://quantum.cloud.ibm.com/api/v1"
        eu = IBMQuantumSettings(KEY, EU_CRN)
        assert eu.runtime_url == "https://eu-de.quantum.cloud.ibm.com/api/v1"
        assert eu.region == "eu-de"

    @pytest.mark.parametrize(
        ("crn", "url"),
        [
            (CRN, "https://private.us-east.quantum.cloud.ibm.com/api/v1"),
            (EU_CRN, "https://private.eu-de.quantum.cloud.ibm.com/api/v1"),
        ],
    )
    def test_private_endpoint(self, crn, url):
        assert IBMQuantumSettings(KEY, crn, private_endpoint=True).runtime_url == url
        assert IBMQuantumSettings(KEY, crn, private_endpoint="true").runtime_url == url

    def test_defaults(self):
        settings = IBMQuantumSettings(KEY, CRN)
        assert settings.iam_url == "https://iam.cloud.ibm.com"
        assert settings.token_url == "https://iam.cloud.ibm.com/identity/token"
        assert settings.api_version == "2026-04-15"
        assert settings.verify is True and settings.allow_insecure_http is False

    def test_urls_are_normalised(self):
        settings = IBMQuantumSettings(
            KEY,
            CRN,
            runtime_url="http://127.0.0.1:8765/",
            iam_url="http://localhost:8765/identity/token",
        )
        assert settings.runtime_url == "http://127.0.0.1:8765/api/v1"
        assert settings.iam_url == "http://localhost:8765"
        custom = IBMQuantumSettings(KEY, CRN, runtime_url="https://proxy.example/quantum/api/v1/")
        assert custom.runtime_url == "https://proxy.example/quantum/api/v1"

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"api_key": ""}, "api_key"),
            ({"api_key": "   "}, "api_key"),
            ({"api_key": None}, "api_key"),
            ({"instance": ""}, "instance"),
            ({"instance": "my-instance"}, "instance"),
            ({"instance": "crn:v1:bluemix:public:cloud-object-storage:global:a/x:y::"}, "instance"),
            ({"runtime_url": "ftp://example.com"}, "runtime_url"),
            ({"runtime_url": "quantum.cloud.ibm.com"}, "runtime_url"),
            ({"iam_url": "http://iam.example.com"}, "iam_url"),
            ({"api_version": "latest"}, "api_version"),
            ({"private_endpoint": "maybe"}, "private_endpoint"),
            ({"allow_insecure_http": "sure"}, "allow_insecure_http"),
        ],
    )
    def test_bad_settings_name_the_field(self, kwargs, field):
        values = {"api_key": KEY, "instance": CRN, **kwargs}
        with pytest.raises(ConfigurationError, match=field) as caught:
            IBMQuantumSettings(**values)
        assert KEY not in str(caught.value)

    def test_plain_http_to_a_remote_host_needs_the_opt_in(self):
        with pytest.raises(ConfigurationError, match="allow_insecure_http"):
            IBMQuantumSettings(KEY, CRN, runtime_url="http://quantum.example.com/api/v1")
        allowed = IBMQuantumSettings(
            KEY,
            CRN,
            runtime_url="http://quantum.example.com/api/v1",
            iam_url="http://quantum.example.com",
            allow_insecure_http="yes",
        )
        assert allowed.runtime_url.startswith("http://")

    def test_verify_takes_booleans_or_a_bundle_path(self):
        assert IBMQuantumSettings(KEY, CRN, verify="false").verify is False
        assert IBMQuantumSettings(KEY, CRN, verify="/etc/ca.pem").verify == "/etc/ca.pem"

    def test_repr_and_description_hide_the_key(self):
        settings = IBMQuantumSettings(KEY, CRN)
        assert KEY not in repr(settings) and KEY not in settings.describe()
        assert KEY not in repr(IAMTokenSource(settings))


# ----------------------------------------------------------------------------- IAM


class TestIamAnswer:
    def test_lifetime_from_expires_in(self):
        token = token_from_answer({"access_token": "tok-xyz", "expires_in": 3600}, now=1000.0)
        assert token.expires_at == 4600.0 and token.refresh_at == pytest.approx(1000 + 2880)
        assert "tok-xyz" not in repr(token)

    def test_lifetime_from_expiration_when_expires_in_is_missing(self):
        token = token_from_answer({"access_token": "t", "expiration": 2000}, now=1000.0)
        assert token.expires_at == 2000.0

    def test_no_lifetime_falls_back_to_a_safe_one(self):
        token = token_from_answer({"access_token": "t", "expires_in": "soon"}, now=0.0)
        assert 0 < token.expires_at <= 3600

    @pytest.mark.parametrize("payload", [None, [], {}, {"access_token": ""}, {"access_token": 5}])
    def test_garbage_is_a_bad_response(self, payload):
        with pytest.raises(BadResponseError):
            token_from_answer(payload)

    def test_the_form_carries_the_api_key_grant(self):
        request = IAMTokenSource(IBMQuantumSettings(KEY, CRN)).request()
        assert request.method == "POST" and not request.authenticated
        assert request.url == "https://iam.cloud.ibm.com/identity/token"
        assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert b"grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey" in request.content


# --------------------------------------------------------------------------- statuses


@pytest.mark.parametrize(
    ("word", "code", "status", "state"),
    [
        ("Queued", None, IBMJobStatus.QUEUED, JobState.QUEUED),
        ("QUEUED", None, IBMJobStatus.QUEUED, JobState.QUEUED),
        ("Running", None, IBMJobStatus.RUNNING, JobState.RUNNING),
        ("Completed", None, IBMJobStatus.DONE, JobState.SUCCEEDED),
        ("COMPLETED", None, IBMJobStatus.DONE, JobState.SUCCEEDED),
        ("Failed", 1517, IBMJobStatus.ERROR, JobState.FAILED),
        ("Cancelled", None, IBMJobStatus.CANCELLED, JobState.CANCELLED),
        ("Cancelled", 1305, IBMJobStatus.ERROR, JobState.FAILED),
        ("Cancelled", "1305", IBMJobStatus.ERROR, JobState.FAILED),
        ("Cancelled - Ran too long", None, IBMJobStatus.ERROR, JobState.FAILED),
        ("CANCELLED - RAN TOO LONG", None, IBMJobStatus.ERROR, JobState.FAILED),
        ("Initializing", None, IBMJobStatus.INITIALIZING, JobState.QUEUED),
        ("DONE", None, IBMJobStatus.DONE, JobState.SUCCEEDED),
        ("Validating", None, IBMJobStatus.UNKNOWN, JobState.UNKNOWN),
        ("", None, IBMJobStatus.UNKNOWN, JobState.UNKNOWN),
        (None, None, IBMJobStatus.UNKNOWN, JobState.UNKNOWN),
    ],
)
def test_status_mapping(word, code, status, state):
    assert status_from_wire(word, code) is status
    assert status.job_state is state
    assert status.is_final == state.is_final


def test_unknown_status_is_not_final():
    job = IBMJob.from_wire({"id": "j1", "state": {"status": "Archived"}})
    assert job.state is JobState.UNKNOWN and not job.in_final_state() and not job.done()


# ------------------------------------------------------------------------------- jobs

REALISTIC_JOB = {
    "id": "c5dge2d3rn7breq27i9g",
    "backend": "ibm_torino",
    "state": {
        "status": "CANCELLED",
        "reason": "Ran too long",
        "reasonCode": "1305",
        "reason_solution": "Raise max execution time",
    },
    "status": "Cancelled - Ran too long",
    "params": {"pubs": [["OPENQASM 3.0;"]], "version": 2, "support_qiskit": True},
    "program": {"id": "sampler"},
    "created": "2021-05-01T01:41:59.9498516+00:00",
    "end_time": "2021-05-01T01:45:00.1234567Z",
    "runtime": "qiskit/runtime:0.42",
    "cost": 600,
    "tags": ["nightly"],
    "session_id": None,
    "user_id": "IBMid-x",
    "usage": {"seconds": 12},
    "estimated_running_time_seconds": 42.5,
    "private": False,
    "cost_center": "quantum-lab",  # unknown to the model
}


class TestJobModel:
    def test_realistic_payload(self):
        job = IBMJob.from_wire(REALISTIC_JOB)
        assert job.job_id == "c5dge2d3rn7breq27i9g" and job.backend_name == "ibm_torino"
        assert job.status is IBMJobStatus.ERROR and job.errored() and job.in_final_state()
        assert not job.cancelled() and not job.running() and not job.done()
        assert job.reason_code == 1305 and job.reason == "Ran too long"
        assert job.reason_solution == "Raise max execution time"
        assert job.creation_date == pendulum.datetime(2021, 5, 1, 1, 41, 59, 949851)
        assert job.creation_date.tzinfo is not None
        assert job.end_time.microsecond == 123456
        assert job.image == "qiskit/runtime:0.42" and job.version == 2
        assert job.inputs["version"] == 2 and job.program_id == job.primitive_id == "sampler"
        assert job.usage_estimation == {"quantum_seconds": 42.5}
        assert job.usage.seconds == 12
        assert job.model_extra["cost_center"] == "quantum-lab"
        assert "Ran too long" in job.error_message() and "1305" in job.error_message()
        summary = job.summary()
        assert json.loads(json.dumps(summary)) == summary
        assert summary["status"] == "ERROR" and summary["state"] == "failed"

    def test_top_level_ran_too_long_overrides_a_plain_cancelled_state(self):
        job = IBMJob.from_wire(
            {"id": "a", "state": {"status": "Cancelled"}, "status": "Cancelled - Ran too long"}
        )
        assert job.status is IBMJobStatus.ERROR

    def test_minimal_job_and_status_only_at_top_level(self):
        job = IBMJob.from_wire({"id": "a", "status": "Running", "tags": None})
        assert job.status is IBMJobStatus.RUNNING and job.running() and job.tags == []
        assert job.creation_date is None and job.inputs is None and job.version is None
        assert job.image == "" and job.error_message() is None

    def test_failed_job_error_message_without_reason(self):
        job = IBMJob.from_wire({"id": "a", "state": {"status": "Failed"}})
        assert job.error_message() == "Job a failed: the job ended Failed"

    @pytest.mark.parametrize(
        "payload",
        [[], "job", None, {"backend": "x"}, {"id": 5}, {"id": "a", "created": "tomorrow"}],
    )
    def test_unreadable_jobs_are_bad_responses(self, payload):
        with pytest.raises(BadResponseError):
            IBMJob.from_wire(payload)

    def test_epoch_and_out_of_range_timestamps(self):
        assert IBMJob.from_wire({"id": "a", "created": 0}).created.year == 1970
        with pytest.raises(BadResponseError):
            IBMJob.from_wire({"id": "a", "created": 1e300})

    def test_job_page(self):
        page = IBMJobPage.from_wire({"jobs": [REALISTIC_JOB], "count": 1, "limit": 10, "offset": 0})
        assert page.jobs[0].status is IBMJobStatus.ERROR


class TestMetrics:
    def test_queue_info_from_older_servers(self):
        metrics = IBMJobMetrics.from_wire(
            {
                "timestamps": {"created": "2025-01-01T00:00:00.1234567Z", "running": None},
                "usage": {"quantum_seconds": 4, "status": "pending"},
                "position_in_queue": 3,
                "estimated_start_time": "2025-01-01T00:10:00Z",
                "estimated_completion_time": "2025-01-01T00:11:00Z",
                "something_new": {"a": 1},
            }
        )
        info = IBMQueueInfo.from_metrics("j", metrics)
        assert info.position == 3 and info.estimated_start_time.minute == 10
        assert metrics.model_extra["something_new"] == {"a": 1}

    def test_no_queue_info_on_current_servers(self):
        metrics = IBMJobMetrics.from_wire(
            {"timestamps": {"created": "2025-01-01T00:00:00Z"}, "usage": {"status": "complete"}}
        )
        assert IBMQueueInfo.from_metrics("j", metrics) is None


# ------------------------------------------------------------------------ error bodies


@pytest.mark.parametrize(
    ("body", "code", "message", "request_id"),
    [
        (
            {"trace": "abc123",
             "errors": [{"code": 1291, "message": "Job not found.", "more_info": "x"}]},
            "1291",
            "Job not found.",
            "abc123",
        ),
        ({"error": {"code": "1234", "message": "Old shape."}}, "1234", "Old shape.", None),
        (
            {"errorCode": "BXNIM0415E", "errorMessage": "Provided API key could not be found.",
             "context": {"requestId": "r-1"}},
            "BXNIM0415E",
            "Provided API key could not be found.",
            "r-1",
        ),
    ],
)  # fmt: skip
def test_both_ibm_error_shapes_and_iams(body, code, message, request_id):
    content = json.dumps(body).encode()
    assert parse_error_body(content, {}) == (code, message, request_id)
    error = api_error("IBM Quantum", 404, {}, content, "GET", "https://x/api/v1/jobs/a")
    assert isinstance(error, QuantumError) and error.code == code


def test_error_bodies_that_are_not_json_keep_their_text():
    code, message, _ = parse_error_body(b"<html>Bad gateway</html>", {})
    assert code is None and "Bad gateway" in message


# ---------------------------------------------------------------------- the protocol


class TestProtocol:
    #: A client that sends nothing here: the tests read the calls its operations build.
    protocol = IBMQuantumClient(IBMQuantumSettings(KEY, CRN, api_version="2025-05-01"))

    def test_every_request_carries_the_crn_and_api_version(self):
        request = self.protocol.get_job.call("abc").request
        assert request.headers["Service-CRN"] == CRN
        assert request.headers["IBM-API-Version"] == "2025-05-01"
        assert request.url == "https://quantum.cloud.ibm.com/api/v1/jobs/abc"
        assert request.params == {"exclude_params": "true"}
        assert KEY not in repr(request)

    def test_run_job_body(self):
        job = IBMPreparedJob.program(
            "my-program",  # a program whose circuits are not checked: POST is the only call
            "ibm_fez",
            {"pubs": [], "version": 2},
            tags=["a"],
            log_level="warning",
            max_execution_time=300,
            image="qiskit/runtime:1.0",
            private=True,
        )
        call = self.submission(job)
        body = json.loads(call.request.content)
        assert body == {
            "program_id": "my-program",
            "params": {"pubs": [], "version": 2},
            "backend": "ibm_fez",
            "tags": ["a"],
            "log_level": "WARNING",
            "cost": 300,
            "runtime": "qiskit/runtime:1.0",
            "private": True,
        }
        assert call.request.headers["Content-Type"] == "application/json"
        assert not call.request.safe_to_repeat

    def submission(self, job):
        """The ``POST /jobs`` call of a job that needs no ISA check (its flow's only call)."""
        return next(self.protocol.run_job.call(job))

    def test_session_jobs_need_no_backend(self):
        job = IBMPreparedJob.program("my-program", None, {}, session_id="s1")
        body = json.loads(self.submission(job).request.content)
        assert body["session_id"] == "s1" and "backend" not in body

    def test_list_filters_repeat_tags(self):
        query = job_filters(
            pending=True,
            tags=["a", "b"],
            created_after=pendulum.datetime(2025, 1, 2, 3, 4, 5, tz="Europe/Paris"),
            sort="asc",
        )
        assert ("tags", "a") in query and ("tags", "b") in query
        assert ("pending", "true") in query and ("sort", "ASC") in query
        assert ("created_after", "2025-01-02T02:04:05.000000Z") in query

    def test_retry_policy_is_the_official_clients(self):
        get, post = Request("GET", "https://x/jobs/a"), Request("POST", "https://x/jobs")
        for status in (500, 502, 503, 504, 520, 521, 522, 523, 524):
            assert decide(IBM_RETRY_POLICY, post, 1, status=status).retry
        retry_after = {"Retry-After": "2"}
        for status in (429, 413):
            assert decide(IBM_RETRY_POLICY, get, 1, status=status, headers=retry_after).retry
            assert not decide(IBM_RETRY_POLICY, get, 1, status=status).retry
            assert not decide(IBM_RETRY_POLICY, post, 1, status=status, headers=retry_after).retry
        assert not decide(IBM_RETRY_POLICY, get, 6, status=503).retry
        assert not decide(IBM_RETRY_POLICY, get, 1, status=401).retry
        delays = [decide(IBM_RETRY_POLICY, get, n, status=503).delay for n in range(1, 6)]
        assert 0 < delays[0] <= 0.75 and 4 <= delays[4] <= 12

    @pytest.mark.parametrize("job_id", ["a/b", "a b", "", "é", None, 5, "../x"])
    def test_job_ids_are_checked(self, job_id):
        with pytest.raises(InvalidInputError, match="job_id"):
            self.protocol.get_job.call(job_id)


def test_pager_stops_at_the_limit_short_pages_and_count_and_skips_duplicates():
    job = lambda i: IBMJob.from_wire({"id": f"j{i}"})  # noqa: E731
    pager = JobPager(limit=5, page_size=2)
    assert pager.next_size() == 2
    assert [j.id for j in pager.accept(IBMJobPage(jobs=[job(1), job(2)], count=9), 2)] == [
        "j1",
        "j2",
    ]
    # A new job shifted the listing: j2 comes again and is skipped.
    assert [j.id for j in pager.accept(IBMJobPage(jobs=[job(2), job(3)], count=10), 2)] == ["j3"]
    assert pager.offset == 4 and pager.next_size() == 2
    assert [j.id for j in pager.accept(IBMJobPage(jobs=[job(4)], count=10), 2)] == ["j4"]
    assert pager.next_size() is None  # a short page ends the listing
    everything = JobPager(limit=None, page_size=3)
    everything.accept(IBMJobPage(jobs=[job(1), job(2), job(3)], count=3), 3)
    assert everything.next_size() is None  # count reached


def test_ibm_errors_carry_their_solution_and_an_empty_401_its_challenge():
    body = {
        "errors": [
            {
                "code": 1217,
                "message": "You are not authorized to run a session when using the open plan",
                "solution": "Use batch or job mode instead.",
                "more_info": "https://quantum.cloud.ibm.com/docs/errors",
            }
        ],
        "trace": "t-1",
    }
    code, message, trace = parse_error_body(json.dumps(body).encode(), {})
    assert (code, trace) == ("1217", "t-1")
    assert message.endswith("open plan (Use batch or job mode instead.)")
    challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    _, refused, _ = parse_error_body(b"", challenge)
    assert refused == 'refused: Bearer error="invalid_token"'


@pytest.mark.parametrize(
    ("wire", "read"), [(" 1517 ", 1517), (1305.0, 1305), ("²", "²"), ("1²", "1²"), ("E17", "E17")]
)
def test_a_reason_code_is_a_number_only_when_it_is_ascii_digits(wire, read):
    """A superscript digit passes str.isdigit() but not int(): it stays text, never a crash."""
    assert IBMJobStateInfo.model_validate({"reasonCode": wire}).reason_code == read
