"""
### Approval before paid hardware: a person says yes when the estimate is over a threshold

A scheduled DAG runs unattended; quantum hardware is billed per gate-shot, per task and per shot.
This DAG prices **all** its paid work **before** submitting any of it and asks a person only when
the price is worth a look:

* `estimate` prices three pieces of work: a GHZ job on Azure Quantum's IonQ Aria
  (`AzureQuantumHook.estimate_cost` of the prepared job: the target's published pricing applied
  to this circuit and shot count), a GHZ task on Amazon Braket's IQM Garnet
  (`BraketHook.estimate_cost`: a per-task fee plus a per-shot price), and a 240-point rotation
  sweep on Garnet, priced by the sweep task itself (`estimate_cost` of `BraketSweepOperator`:
  the sweep split into tasks by the device's limits, program sets of at most 100 circuits,
  each task priced, summed), and adds them up;
* `route` compares the total with the `approval_threshold` parameter of the run (default 500,
  in the estimates' currency). Above it, or when a piece has no public price, the run goes
  through `approve_spend`; at or below it, straight to the work (`within_threshold`);
* `approve_spend` is Airflow's human-in-the-loop `ApprovalOperator`: the run waits (no worker
  slot held) until someone answers **Approve** or **Reject** in the *Required Actions* page of
  the UI, or through the REST API (`PATCH .../taskInstances/approve_spend/-1/hitlDetails`). The
  approver reads each piece's estimate (the sweep's as the sum of its tasks) and the total.
  *Reject* skips the paid runs; no answer within a day counts as *Reject*;
* `run_on_qpu` runs the GHZ circuit on IonQ Aria, `run_on_braket` on Garnet, `sweep_on_qpu`
  the sweep (each deferring while it waits); each checks its own `max_cost` again before it
  sends anything.

Trigger it with `{"approval_threshold": 0}` to see the approval step on any priced target.
Runs unchanged against the local emulator or real accounts: only the `azure_quantum_default`
and `braket_default` connections differ.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import Param, dag, task

from airflow_quantum.clients.azure import AzurePreparedJob
from airflow_quantum.clients.braket import BraketPreparedJob
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.hooks.braket import BraketHook
from airflow_quantum.operators.azure_quantum import AzureQuantumSubmitJobOperator
from airflow_quantum.operators.braket import BraketRunQuantumTaskOperator
from airflow_quantum.operators.braket_sweep import BraketSweepOperator

TARGET = "ionq.qpu.aria-1"
SHOTS = 500
GHZ_CIRCUIT: list[dict[str, Any]] = [
    {"gate": "h", "target": 0},
    {"gate": "cnot", "control": 0, "target": 1},
    {"gate": "cnot", "control": 1, "target": 2},
]
#: IQM Garnet on Amazon Braket: priced per task and per shot; runs program sets.
GARNET = "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet"
BRAKET_SHOTS = 100
GHZ_QASM3 = """OPENQASM 3.0;
qubit[3] q;
bit[3] c;
h q[0];
cnot q[0], q[1];
cnot q[1], q[2];
c = measure q;
"""
#: rx(phi) over 240 angles, 100 shots each: 3 program sets of at most 100 circuits.
RX_QASM3 = """OPENQASM 3.0;
input float phi;
qubit[1] qb;
bit[1] b;
rx(phi) qb[0];
b = measure qb;
"""
SWEEP_POINTS = 240
#: What the approver reads (Markdown): each piece's estimate, the total and the threshold.
APPROVAL_BODY = """\
{% set e = ti.xcom_pull(task_ids='estimate') %}
| work | where | estimate |
|---|---|---|
{% for item in e["items"] %}| {{ item.work }} | {{ item.target }} | \
{% if item.priced %}{{ item.estimated_total }} {{ item.currency }}{% if item.get('jobs') %} \
(sum of {{ item.jobs }} tasks){% endif %}{% else %}unknown ({{ item.get('detail') or 'unpriced' }})\
{% endif %} |
{% endfor %}

In all {% if e.priced %}**{{ e.estimated_total }} {{ e.currency }}**{% else %}an unknown amount
{% endif %}; the threshold of this run is {{ params.approval_threshold }}. Approve to submit it
to the hardware, reject to skip it.
"""


def total(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The pieces' estimates and their sum (priced only if every piece is, in one currency)."""
    currencies = {item.get("currency") for item in items}
    priced = all(item.get("priced") for item in items) and len(currencies) == 1
    summed = round(sum(item["estimated_total"] for item in items), 6) if priced else None
    return {
        "items": items,
        "priced": priced,
        "estimated_total": summed,
        "currency": currencies.pop() if len(currencies) == 1 else None,
    }


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
    tags=["example", "quantum", "azure-quantum", "amazon-braket", "sweep", "spending", "approval"],
)
def example_quantum_spend_approval():
    @task
    def estimate(dag: Any = None) -> dict[str, Any]:
        azure = AzurePreparedJob.ionq_circuit(GHZ_CIRCUIT, qubits=3, shots=SHOTS, target=TARGET)
        braket = BraketPreparedJob.openqasm(GHZ_QASM3, GARNET, BRAKET_SHOTS)
        sweep = dag.get_task("sweep_on_qpu").estimate_cost()  # the sweep task's own estimate
        found = total(
            [
                {"work": "GHZ job", **AzureQuantumHook().estimate_cost(azure), "shots": SHOTS},
                {"work": "GHZ task", **BraketHook().estimate_cost(braket)},
                {"work": f"rx sweep of {SWEEP_POINTS} points", **sweep},
            ]
        )
        print(f"Estimate: {found}")
        return found

    # --8<-- [start:approval]
    @task.branch
    def route(found: dict[str, Any], params: dict[str, Any] | None = None) -> str:
        threshold = float((params or {})["approval_threshold"])
        if not found.get("priced") or found["estimated_total"] > threshold:
            return "approve_spend"
        return "within_threshold"

    approve_spend = ApprovalOperator(
        task_id="approve_spend",
        subject=f"Run the GHZ job on {TARGET}, and a GHZ task and a sweep on IQM Garnet?",
        body=APPROVAL_BODY,
        defaults="Reject",  # what a timeout answers
        response_timeout=timedelta(days=1),
    )
    within_threshold = EmptyOperator(task_id="within_threshold")

    # Whichever way the run came: approved, or within the threshold.
    approved = {"deferrable": True, "trigger_rule": "none_failed_min_one_success"}
    run_on_qpu = AzureQuantumSubmitJobOperator(
        task_id="run_on_qpu",
        target=TARGET,
        ionq_circuit=GHZ_CIRCUIT,
        qubits=3,
        shots=SHOTS,
        name="ghz-approved",
        **approved,
    )
    run_on_braket = BraketRunQuantumTaskOperator(
        task_id="run_on_braket",
        device_arn=GARNET,
        program=GHZ_QASM3,
        shots=BRAKET_SHOTS,
        **approved,
    )
    sweep_on_qpu = BraketSweepOperator(
        task_id="sweep_on_qpu",
        device_arn=GARNET,
        circuits=RX_QASM3,
        parameter_values={"phi": [2 * math.pi * i / SWEEP_POINTS for i in range(SWEEP_POINTS)]},
        shots=BRAKET_SHOTS,
        max_cost=100.0,  # checked again on the sum of the tasks before any is created
        **approved,
    )

    route(estimate()) >> [approve_spend, within_threshold]
    for paid in (run_on_qpu, run_on_braket, sweep_on_qpu):
        [approve_spend, within_threshold] >> paid
    # --8<-- [end:approval]


example_quantum_spend_approval()
