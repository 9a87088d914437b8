"""The shared HTTP policy: retry decisions, Retry-After, error mapping, secret-safe URLs."""

from __future__ import annotations

import email.utils
import time

import pytest
import requests

from airflow_quantum.clients.auth import StaticHeaderAuth
from airflow_quantum.clients.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InvalidStateError,
    NotFoundError,
    RateLimitedError,
    ServiceError,
)
from airflow_quantum.clients.retries import RetryPolicy, decide, parse_retry_after
from airflow_quantum.clients.transport import (
    Request,
    SyncTransport,
    api_error,
    check_secure_url,
    parse_error_body,
    redact_url,
)

FAST = RetryPolicy(max_retries=3, backoff_base=0.01, backoff_max=0.05, jitter=0.0)
GET = Request("GET", "https://example.invalid/jobs/1")
POST = Request("POST", "https://example.invalid/jobs")


class TestRetryAfter:
    def test_seconds(self):
        assert parse_retry_after({"Retry-After": "3"}) == 3.0

    def test_http_date(self):
        when = email.utils.formatdate(1000.0 + 30, usegmt=True)
        assert parse_retry_after({"retry-after": when}, now=1000.0) == pytest.approx(30, abs=1)

    def test_milliseconds_header_wins(self):
        assert parse_retry_after({"retry-after-ms": "1500", "Retry-After": "9"}) == 1.5

    @pytest.mark.parametrize("value", ["soon", "", "Thu, 99 Foo"])
    def test_garbage_is_ignored(self, value):
        assert parse_retry_after({"Retry-After": value}) is None


class TestDecide:
    def test_get_is_retried_on_5xx_with_growing_backoff(self):
        delays = [decide(FAST, GET, n, status=503).delay for n in (1, 2, 3)]
        assert delays == sorted(delays) and delays[0] > 0

    def test_retries_stop_after_the_limit(self):
        assert not decide(FAST, GET, 4, status=503).retry

    def test_retry_after_sets_the_delay(self):
        decision = decide(FAST, GET, 1, status=429, headers={"Retry-After": "2"})
        assert decision.retry and decision.delay == 2.0

    def test_retry_after_beyond_the_cap_gives_up(self):
        assert not decide(FAST, GET, 1, status=429, headers={"Retry-After": "100000"}).retry

    def test_post_is_not_retried_on_502_without_retry_after(self):
        assert not decide(FAST, POST, 1, status=502).retry
        assert decide(FAST, POST, 1, status=503).retry

    def test_post_with_retry_after_depends_on_the_vendor_policy(self):
        headers = {"Retry-After": "1"}
        assert decide(FAST, POST, 1, status=429, headers=headers).retry
        strict = RetryPolicy(unsafe_retry_with_retry_after=False)
        assert not decide(strict, POST, 1, status=429, headers=headers).retry

    def test_post_is_retried_only_when_the_connection_never_opened(self):
        assert decide(FAST, POST, 1, status=None, connect_error=True).retry
        assert not decide(FAST, POST, 1, status=None, connect_error=False).retry
        assert decide(FAST, GET, 1, status=None, connect_error=False).retry

    def test_401_refreshes_the_token_once(self):
        first = decide(FAST, GET, 1, status=401, auth_refreshable=True)
        assert first.retry and first.refresh_auth and first.delay == 0
        assert not decide(
            FAST, GET, 1, status=401, auth_refreshable=True, auth_refreshed=True
        ).retry
        assert not decide(FAST, GET, 1, status=401, auth_refreshable=False).retry

    @pytest.mark.parametrize("status", [400, 403, 404, 409, 413])
    def test_client_errors_are_final(self, status):
        assert not decide(FAST, GET, 1, status=status).retry


class TestErrors:
    def test_ibm_shape(self):
        body = b'{"trace": "t-1", "errors": [{"code": 1291, "message": "Job not found."}]}'
        assert parse_error_body(body, {}) == ("1291", "Job not found.", "t-1")

    def test_azure_shape_with_request_id_header(self):
        body = b'{"error": {"code": "JobNotFound", "message": "No job."}}'
        assert parse_error_body(body, {"x-ms-request-id": "r-9"}) == (
            "JobNotFound",
            "No job.",
            "r-9",
        )

    def test_iam_and_entra_and_storage_shapes(self):
        iam = (
            b'{"errorCode": "BXNIM0415E", "errorMessage": "bad key", "context": {"requestId": "q"}}'
        )
        assert parse_error_body(iam, {}) == ("BXNIM0415E", "bad key", "q")
        entra = (
            b'{"error": "invalid_client", "error_description": "AADSTS7000215: no", '
            b'"trace_id": "z"}'
        )
        assert parse_error_body(entra, {}) == ("invalid_client", "AADSTS7000215: no", "z")
        xml = (
            b"<?xml version='1.0'?><Error><Code>AuthenticationFailed</Code>"
            b"<Message>Sig\nRequestId:1</Message></Error>"
        )
        assert parse_error_body(xml, {})[:2] == ("AuthenticationFailed", "Sig")

    def test_garbage_body_keeps_a_bounded_message(self):
        code, message, _ = parse_error_body(b"x" * 5000, {})
        assert code is None and len(message) == 500

    @pytest.mark.parametrize(
        ("status", "kind"),
        [
            (401, AuthenticationError),
            (403, AuthenticationError),
            (404, NotFoundError),
            (409, InvalidStateError),
            (429, RateLimitedError),
            (503, ServiceError),
            (400, BadRequestError),
        ],
    )
    def test_statuses_map_to_the_provider_exceptions(self, status, kind):
        error = api_error(
            "ibm",
            status,
            {},
            b'{"errors": [{"code": 7, "message": "m"}]}',
            "GET",
            "https://h/x?sig=SECRET",
        )
        assert isinstance(error, kind)
        assert "SECRET" not in str(error) and "HTTP" in str(error) and "code 7" in str(error)


class TestUrls:
    def test_sas_signature_is_redacted(self):
        url = "https://acct.blob.core.windows.net/c/b?sv=1&se=2026&sp=r&sig=abc%2Bdef"
        assert "abc" not in redact_url(url) and "sig=***" in redact_url(url)
        assert "se=2026" in redact_url(url)

    @pytest.mark.parametrize(
        "url", ["http://127.0.0.1:8765", "http://localhost:1", "http://[::1]:2"]
    )
    def test_plain_http_is_fine_on_loopback(self, url):
        assert check_secure_url(url, allow_insecure_http=False, what="endpoint") == url

    def test_plain_http_elsewhere_is_refused_unless_allowed(self):
        with pytest.raises(ConfigurationError, match="plain http"):
            check_secure_url("http://quantum.example.com", allow_insecure_http=False, what="x")
        assert check_secure_url("http://quantum.example.com", allow_insecure_http=True, what="x")

    @pytest.mark.parametrize("url", ["quantum.example.com", "ftp://x", "https://", ""])
    def test_not_a_url_is_a_configuration_error(self, url):
        with pytest.raises(ConfigurationError, match="not an http"):
            check_secure_url(url, allow_insecure_http=False, what="endpoint")


IBM_HEADERS = {"Service-CRN": "crn:v1:bluemix:public:quantum-computing:us-east:a/x:y::"}


def _transport(policy: RetryPolicy = FAST) -> SyncTransport:
    return SyncTransport(
        "ibm", StaticHeaderAuth("Authorization", "apikey local-emulator-key"), policy
    )


def _backends(emulator) -> Request:
    return Request("GET", f"{emulator.url}/api/v1/backends", headers=IBM_HEADERS)


def _add_fault(emulator, **rule) -> None:
    answer = requests.post(f"{emulator.url}/_emulator/faults", json=rule, timeout=5)
    answer.raise_for_status()


class TestAgainstTheEmulator:
    def test_5xx_burst_is_retried_until_it_passes(self, emulator):
        _add_fault(emulator, kind="status", status=503, count=2, vendor="ibm")
        assert "devices" in _transport().json(_backends(emulator))
        routes = requests.get(f"{emulator.url}/_emulator/stats").json()["ibm"]["statuses"]
        assert routes == {"503": 2, "200": 1}

    def test_429_retry_after_is_obeyed(self, emulator):
        _add_fault(emulator, kind="status", status=429, retry_after=1, count=1, vendor="ibm")
        started = time.monotonic()
        _transport().json(_backends(emulator))
        assert time.monotonic() - started >= 1.0

    def test_gives_up_after_the_limit_with_a_clear_error(self, emulator):
        _add_fault(emulator, kind="status", status=502, vendor="ibm", code="1208")
        with pytest.raises(ServiceError) as caught:
            _transport().json(_backends(emulator))
        message = str(caught.value)
        assert "HTTP 502" in message and "code 1208" in message and "request id" in message
        stats = requests.get(f"{emulator.url}/_emulator/stats").json()["ibm"]
        assert stats["requests"] == FAST.max_retries + 1

    def test_dropped_connection_on_get_is_retried(self, emulator):
        _add_fault(emulator, kind="drop", count=1, vendor="ibm")
        assert "devices" in _transport().json(_backends(emulator))

    def test_unreachable_service_is_a_service_error_without_secrets(self):
        transport = SyncTransport(
            "ibm", StaticHeaderAuth("Authorization", "apikey TOPSECRET"), FAST
        )
        with pytest.raises(ServiceError) as caught:
            transport.send(Request("GET", "http://127.0.0.1:9/api/v1/jobs?apikey=TOPSECRET"))
        assert "TOPSECRET" not in str(caught.value) and "could not reach" in str(caught.value)
