"""
### Approval before paid hardware: a person says yes when the estimate is over a threshold

A scheduled DAG runs unattended; quantum hardware is billed per gate-shot. This DAG prices the
job **before** submitting it and asks a person only when the price is worth a look:

* `estimate` asks the Azure Quantum hook what the job would cost (`estimate_cost` of the prepared
  job: the target's published pricing applied to this circuit and shot count, in the workspace's
  currency);
* `route` compares it with the `approval_threshold` parameter of the run (default 500, in the
  estimate's currency). Above it, or when the target has no public price, the run goes through
  `approve_spend`; at or below it, straight to the job (`within_threshold`);
* `approve_spend` is Airflow's human-in-the-loop `ApprovalOperator`: the run waits (no worker
  slot held) until someone answers **Approve** or **Reject** in the *Required Actions* page of
  the UI, or through the REST API (`PATCH .../taskInstances/approve_spend/-1/hitlDetails`).
  *Reject* skips the paid run; no answer within a day counts as *Reject*;
* `run_on_qpu` runs the GHZ circuit on IonQ Aria, deferring while it waits, and reports its
  queue time, run time and cost through Airflow's metrics (see *Spending* in the docs).

Trigger it with `{"approval_threshold": 0}` to see the approval step on any priced target.
Runs unchanged against the local emulator or a real workspace: only the
`azure_quantum_default` connection differs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import Param, dag, task

from airflow_quantum.clients.azure import AzurePreparedJob
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.operators.azure_quantum import AzureQuantumSubmitJobOperator

TARGET = "ionq.qpu.aria-1"
SHOTS = 500
GHZ_CIRCUIT: list[dict[str, Any]] = [
    {"gate": "h", "target": 0},
    {"gate": "cnot", "control": 0, "target": 1},
    {"gate": "cnot", "control": 1, "target": 2},
]
#: What the approver reads (Markdown): the estimate and the threshold it is over.
APPROVAL_BODY = """\
{% set e = ti.xcom_pull(task_ids='estimate') %}
The GHZ job on **{{ e.target }}** ({{ e.shots }} shots) would cost
{% if e.priced %}**{{ e.estimated_total }} {{ e.currency }}**{% else %}an unknown amount
(no public price: {{ e.detail or 'unpriced' }}){% endif %}; the threshold of this run is
{{ params.approval_threshold }}. Approve to submit it to the hardware, reject to skip it.
"""


@dag(
    dag_id="example_quantum_spend_approval",
    schedule=None,
    catchup=False,
    doc_md=__doc__,
    params={
        "approval_threshold": Param(
            500.0,
            type="number",
            minimum=0,
            description="Estimates above this (in the estimate's currency) need an approval",
        )
    },
    tags=["example", "quantum", "azure-quantum", "spending", "approval"],
)
def example_quantum_spend_approval():
    @task
    def estimate() -> dict[str, Any]:
        job = AzurePreparedJob.ionq_circuit(GHZ_CIRCUIT, qubits=3, shots=SHOTS, target=TARGET)
        found = AzureQuantumHook().estimate_cost(job)
        print(f"Estimate for {TARGET}: {found}")
        return {**found, "shots": SHOTS}

    # --8<-- [start:approval]
    @task.branch
    def route(found: dict[str, Any], params: dict[str, Any] | None = None) -> str:
        threshold = float((params or {})["approval_threshold"])
        if not found.get("priced") or found["estimated_total"] > threshold:
            return "approve_spend"
        return "within_threshold"

    approve_spend = ApprovalOperator(
        task_id="approve_spend",
        subject=f"Run the GHZ job on {TARGET}?",
        body=APPROVAL_BODY,
        defaults="Reject",  # what a timeout answers
        response_timeout=timedelta(days=1),
    )
    within_threshold = EmptyOperator(task_id="within_threshold")

    run_on_qpu = AzureQuantumSubmitJobOperator(
        task_id="run_on_qpu",
        target=TARGET,
        ionq_circuit=GHZ_CIRCUIT,
        qubits=3,
        shots=SHOTS,
        name="ghz-approved",
        deferrable=True,
        # Whichever way the run came: approved, or within the threshold.
        trigger_rule="none_failed_min_one_success",
    )

    route(estimate()) >> [approve_spend, within_threshold]
    [approve_spend, within_threshold] >> run_on_qpu
    # --8<-- [end:approval]


example_quantum_spend_approval()
