"""The plan of an IBM instance: Open (free) or pay-as-you-go, and what each allows.

IBM's docs send a new user to the Open plan, where the session execution mode is not available
("You are not authorized to run a session when using the open plan"); batch and job modes are.
The emulator puts the instances listed in ``config.ibm_open_plan_instances`` (by default the
quickstart's and demo's ``OPEN_PLAN_CRN``) on the Open plan and every other on pay-as-you-go.

UNVERIFIED: the status and code of the refusal (neither the official client nor its tests carry
it): the emulator answers 403 with code 1217 in the IBM error shape; clients should key on the
wording, not the status.
"""

from __future__ import annotations

from airflow_quantum_emulator.config import EmulatorConfig
from airflow_quantum_emulator.errors import VendorError

OPEN = "open"
PAY_AS_YOU_GO = "pay-as-you-go"
#: ``plan_id`` of ``GET /instances/usage`` for each plan.
PLAN_IDS = {OPEN: "emulator-open", PAY_AS_YOU_GO: "emulator-pay-as-you-go"}
OPEN_PLAN_REFUSAL = "You are not authorized to run a session when using the open plan."
OPEN_PLAN_SOLUTION = (
    "Open a batch (mode 'batch') or run jobs without a session; dedicated sessions need a "
    "Pay-As-You-Go, Flex or Premium plan."
)


def plan_of(instance: str, config: EmulatorConfig) -> str:
    """The plan of the instance with CRN ``instance``."""
    open_plan = {crn.strip() for crn in config.ibm_open_plan_instances}
    return OPEN if instance.strip() in open_plan else PAY_AS_YOU_GO


def check_session_mode(instance: str, mode: str, config: EmulatorConfig) -> None:
    """Refuse a dedicated session on an Open plan instance, as the service does."""
    if mode == "dedicated" and plan_of(instance, config) == OPEN:
        raise VendorError(403, OPEN_PLAN_REFUSAL, 1217, solution=OPEN_PLAN_SOLUTION)
