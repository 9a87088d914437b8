"""Settings of the emulator: credentials, timings, limits.

Every field can be changed at run time through ``PATCH /_emulator/config``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: The credentials the emulator accepts, documented in ``--help`` and docs/emulator.md.
DEFAULT_SECRET = "local-emulator-key"
#: The AWS access key id the emulator's Braket and S3 routes accept (secret: ``DEFAULT_SECRET``).
BRAKET_ACCESS_KEY_ID = "AKIALOCALEMULATOR000"
#: The AWS account every emulated Braket resource belongs to.
BRAKET_ACCOUNT = "123456789012"
#: The IBM instance of the quickstart and the demo: on the Open plan, as IBM's docs make a new
#: user's first instance, so it refuses dedicated sessions as the service does (batches run).
#: Every other instance CRN is on a pay-as-you-go plan.
OPEN_PLAN_CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/quickstart:open-plan::"

PROFILES: dict[str, dict[str, float]] = {
    # A real scheduler and triggerer (`airflow standalone`, `make emulator`; the command's
    # default): a job queues and runs for seconds, so a sensor defers and the UI shows it
    # deferred; an operator sees its job end within its wait before deferring ([quantum]
    # defer_after_seconds, 20 s), or defers too with that set to 0.
    "demo": {"queue_seconds": 4.0, "run_seconds": 3.0},
    # Tests and `airflow dags test` (the EmulatorConfig defaults): jobs end within half a
    # second, often before the task's first look, so most tasks never defer.
    "fast": {"queue_seconds": 0.2, "run_seconds": 0.3},
    # Closer to a real cloud queue; for trying out deferral and timeouts by hand.
    "realistic": {"queue_seconds": 60.0, "run_seconds": 20.0},
}
#: The profile ``airflow-quantum-emulator`` (and ``make emulator``) serves unless told otherwise.
DEFAULT_PROFILE = "demo"


class EmulatorConfig(BaseModel):
    """Credentials, job timings and limits of one emulator instance."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    azure_api_key: str = DEFAULT_SECRET
    azure_client_secret: str = DEFAULT_SECRET
    #: IDENTITY_HEADER of the emulated App Service managed identity (GET /msi/token).
    azure_identity_header: str = DEFAULT_SECRET
    ibm_api_key: str = DEFAULT_SECRET
    braket_access_key_id: str = BRAKET_ACCESS_KEY_ID
    braket_secret_access_key: str = DEFAULT_SECRET

    azure_token_lifetime: float = Field(86399.0, gt=0, description="Entra token lifetime (s)")
    ibm_token_lifetime: float = Field(3600.0, gt=0, description="IAM token lifetime (s)")
    sas_lifetime: float = Field(3600.0, gt=0, description="storage SAS URL lifetime (s)")

    queue_seconds: float = Field(PROFILES["fast"]["queue_seconds"], ge=0)
    run_seconds: float = Field(PROFILES["fast"]["run_seconds"], ge=0)

    max_body_bytes: int = Field(32 * 1024 * 1024, gt=0)
    max_qubits: int = Field(24, ge=1, le=24, description="the state-vector simulator's limit")
    ibm_usage_limit_seconds: int = Field(
        1_000_000, ge=0, description="IBM instance usage limit; at or over it new jobs get 409"
    )
    ibm_open_plan_instances: list[str] = Field(
        default_factory=lambda: [OPEN_PLAN_CRN],
        description="CRNs of the IBM instances on the Open plan (no dedicated sessions)",
    )
    ibm_session_idle_seconds: float = Field(
        1800.0, gt=0, description="an IBM session with no job for this long closes"
    )
    seed: int | None = Field(None, description="seed for shot sampling and annealing")
    storage_account: str = "devstoreaccount1"
    #: What CreateQuantumTask does with a ``clientToken`` it has seen (unconfirmed for the real
    #: service): ``idempotent`` answers the first task's ARN for the same body and a 400
    #: ValidationException for another body; ``first`` answers the first task's ARN whatever
    #: the body (what the API docs say of spending limits' tokens); ``ignored`` creates a new
    #: task every time.
    braket_client_token: Literal["idempotent", "first", "ignored"] = "idempotent"
    #: How a program set's results.json holds its parts: ``files`` (relative S3 paths beside
    #: it, with ``s3Location``) or ``inline`` (one document); the schema allows both.
    braket_program_set_results: Literal["files", "inline"] = "files"
    #: How long a cancelled Braket task reads CANCELLING before CANCELLED (seconds).
    braket_cancel_seconds: float = Field(0.2, ge=0)
    #: Azure job status words at every api-version: ``legacy`` (Waiting, Executing, Finishing,
    #: Succeeded: what the real service answers) or ``current`` (Queued, ..., Completed).
    azure_status_words: Literal["legacy", "current"] = Field(
        "legacy", description="Azure job status vocabulary: legacy (real traffic) or current"
    )

    @classmethod
    def for_profile(cls, profile: str, **overrides: object) -> EmulatorConfig:
        """Build a config from a named timing profile (``fast``, ``demo``, ``realistic``)."""
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; choose one of {sorted(PROFILES)}")
        values: dict[str, object] = dict(PROFILES[profile])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
