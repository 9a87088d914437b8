"""Unit tests of the emulator's shared parts: clock, tokens, faults, job lifecycle."""

from __future__ import annotations

import threading

import pytest
from pydantic import ValidationError

from airflow_quantum_emulator.clock import Clock, iso_utc, parse_iso
from airflow_quantum_emulator.errors import surface_for, vendor_of
from airflow_quantum_emulator.faults import FaultInjector, FaultRule, JobFault, parse_fault_spec
from airflow_quantum_emulator.jobs import (
    EmulatedJob,
    JobFailure,
    JobFailureError,
    JobRegistry,
    Phase,
)
from airflow_quantum_emulator.tokens import TokenCheck, TokenStore


class TestClock:
    def test_iso_utc_has_seven_fractional_digits_like_azure(self):
        assert iso_utc(1619833319.9498516) == "2021-05-01T01:41:59.9498516Z"

    def test_iso_utc_rounds_into_the_next_second_instead_of_printing_ten_million(self):
        assert iso_utc(1.99999999, digits=3) == "1970-01-01T00:00:02.000Z"

    def test_parse_iso_reads_seven_digits_and_offsets(self):
        assert parse_iso("2021-05-01T01:41:59.9498516+00:00") == pytest.approx(1619833319.949851)
        assert parse_iso("2021-05-01T01:41:59Z") == 1619833319.0

    def test_clock_moves_only_forward(self):
        clock = Clock()
        before = clock.now()
        clock.advance(100)
        assert clock.now() - before >= 100
        with pytest.raises(ValueError):
            clock.advance(-1)


class TestTokens:
    def test_issued_token_is_valid_until_it_expires(self):
        store = TokenStore()
        issued = store.issue("ibm", "user", now=1000.0, lifetime=60)
        assert store.check("ibm", issued.token, 1059.0) is TokenCheck.VALID
        assert store.check("ibm", issued.token, 1060.0) is TokenCheck.EXPIRED

    def test_token_of_one_vendor_is_unknown_to_the_other(self):
        store = TokenStore()
        issued = store.issue("azure", "client", now=0.0, lifetime=60)
        assert store.check("ibm", issued.token, 1.0) is TokenCheck.UNKNOWN
        assert store.check("azure", "made-up", 1.0) is TokenCheck.UNKNOWN

    def test_token_is_a_decodable_jwt_with_exp_and_iat(self):
        import base64
        import json

        issued = TokenStore().issue("ibm", "user", now=1000.0, lifetime=3600)
        payload = issued.token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        assert claims["iat"] == 1000 and claims["exp"] == 4600


class TestFaults:
    def test_count_limited_rule_applies_to_that_many_matching_requests(self):
        faults = FaultInjector()
        faults.add(FaultRule(kind="status", status=429, retry_after=2, count=2), now=0)
        plans = [faults.plan("ibm", "GET", "/api/v1/jobs/x", 0).status_rule for _ in range(3)]
        assert [p.status if p else None for p in plans] == [429, 429, None]

    def test_rule_filters_on_vendor_method_and_path(self):
        faults = FaultInjector()
        faults.add(FaultRule(kind="status", vendor="azure", method="get", path="/jobs/"), now=0)
        assert faults.plan("ibm", "GET", "/api/v1/jobs/x", 0).status_rule is None
        assert faults.plan("azure", "PUT", "/subscriptions/s/jobs/x", 0).status_rule is None
        assert faults.plan("azure", "GET", "/subscriptions/s/jobs/x", 0).status_rule is not None

    def test_duration_limited_rule_expires(self):
        faults = FaultInjector()
        faults.add(FaultRule(kind="drop", duration=10), now=100)
        assert faults.plan("ibm", "GET", "/x", 105).drop
        assert not faults.plan("ibm", "GET", "/x", 111).drop

    def test_latency_stacks_with_a_status_fault(self):
        faults = FaultInjector()
        faults.add(FaultRule(kind="latency", delay=0.5), now=0)
        faults.add(FaultRule(kind="status", status=503), now=0)
        plan = faults.plan("azure", "GET", "/x", 0)
        assert plan.delay == 0.5 and plan.status_rule.status == 503

    def test_late_rule_delays_the_answer_and_stacks_with_a_status_fault(self):
        faults = FaultInjector()
        faults.add(FaultRule(kind="late", delay=2.0, count=1), now=0)
        faults.add(FaultRule(kind="status", status=503, count=1), now=0)
        plan = faults.plan("ibm", "POST", "/api/v1/jobs", 0)
        assert (plan.late, plan.delay, plan.status_rule.status) == (2.0, 0.0, 503)
        assert faults.plan("ibm", "POST", "/api/v1/jobs", 0).late == 0.0

    def test_job_faults_are_taken_once_per_count_and_per_vendor(self):
        faults = FaultInjector()
        faults.add_job_fault(JobFault(vendor="ibm", outcome="fail", count=2))
        assert faults.take_job_fault("azure") is None
        assert faults.take_job_fault("ibm").outcome == "fail"
        assert faults.take_job_fault("ibm").outcome == "fail"
        assert faults.take_job_fault("ibm") is None

    def test_cli_fault_specs_parse(self):
        rule = parse_fault_spec("status:status=429,retry_after=2,count=5,vendor=ibm")
        assert (rule.status, rule.retry_after, rule.count, rule.vendor) == (429, 2, 5, "ibm")
        assert parse_fault_spec("job:outcome=cancel").outcome == "cancel"

    @pytest.mark.parametrize(
        "spec",
        ["status:status=200", "boom:count=1", "status:count=zero", "latency:delay", "x:path=("],
    )
    def test_bad_cli_fault_specs_are_rejected_with_a_message(self, spec):
        with pytest.raises((ValueError, ValidationError)):
            parse_fault_spec(spec)


class TestSurfaces:
    @pytest.mark.parametrize(
        ("path", "surface", "vendor"),
        [
            ("/api/v1/jobs", "ibm", "ibm"),
            ("/identity/token", "ibm_iam", "ibm"),
            ("/subscriptions/s/resourceGroups/r/jobs", "azure", "azure"),
            ("/devstoreaccount1/job-1/inputData", "azure_blob", "azure"),
            ("/my-tenant/oauth2/v2.0/token", "entra", "azure"),
            ("/_emulator/stats", "control", "control"),
        ],
    )
    def test_paths_map_to_their_vendor_surface(self, path, surface, vendor):
        assert surface_for(path, "devstoreaccount1") == surface
        assert vendor_of(surface) == vendor


class TestJobLifecycle:
    def _job(self, **kwargs):
        defaults = dict(
            vendor="ibm", job_id="j", created_at=100.0, queue_seconds=10, run_seconds=10
        )
        return EmulatedJob(**{**defaults, **kwargs})

    def test_phases_follow_the_clock(self):
        job = self._job()
        assert job.phase(105) is Phase.QUEUED
        assert job.phase(112) is Phase.RUNNING
        assert job.phase(119) is Phase.FINISHING
        assert job.phase(120) is Phase.SUCCEEDED
        assert job.started_at(112) == 110 and job.ended_at(125) == 120

    def test_cancel_while_queued_never_starts(self):
        job = self._job()
        job.cancel(105)
        assert job.phase(130) is Phase.CANCELLED
        assert job.started_at(130) is None and job.ended_at(130) == 105

    def test_forced_failure_shows_at_the_end_of_the_run(self):
        job = self._job(forced_failure=JobFailure("1517", "boom"))
        assert job.phase(115) is Phase.RUNNING
        assert job.phase(121) is Phase.FAILED
        assert job.failure(121).code == "1517"

    def test_external_cancel_happens_when_the_job_would_start(self):
        job = self._job(external_cancel=True)
        assert job.phase(105) is Phase.QUEUED
        assert job.phase(111) is Phase.CANCELLED

    def test_job_runs_until_its_computation_is_done(self):
        gate = threading.Event()
        registry = JobRegistry(Clock())
        job = registry.add(self._job(created_at=0.0, queue_seconds=0, run_seconds=0), gate.wait)
        try:
            assert job.phase(10**10) is Phase.RUNNING
            gate.set()
            job.result_future.result(timeout=5)
            assert job.phase(10**10) is Phase.SUCCEEDED
        finally:
            gate.set()
            registry.shutdown()

    def test_computation_error_fails_the_job_with_its_vendor_code(self):
        def compute():
            raise JobFailureError("InvalidInputData", "bad problem")

        registry = JobRegistry(Clock())
        job = registry.add(self._job(created_at=0.0, queue_seconds=0, run_seconds=0), compute)
        try:
            job.result_future.exception(timeout=5)
            assert job.phase(10**10) is Phase.FAILED
            assert job.failure(10**10) == JobFailure("InvalidInputData", "bad problem")
        finally:
            registry.shutdown()

    def test_finish_now_skips_the_rest_of_queue_and_run(self):
        job = self._job()
        job.finish_now(103)
        assert job.phase(103) is Phase.SUCCEEDED
