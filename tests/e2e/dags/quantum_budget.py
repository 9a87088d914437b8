"""Two Azure jobs with a budget (see test_budget_dag.py): the Bell pair on an IonQ QPU is
estimated at 97.6195 USD (IonQ's 97.50 minimum plus 100 gate-shots of each kind)."""

from __future__ import annotations

from airflow.sdk import dag

from airflow_quantum.operators.azure_quantum import AzureQuantumSubmitJobOperator

BELL = [{"gate": "h", "target": 0}, {"gate": "cnot", "control": 0, "target": 1}]


@dag(dag_id="quantum_budget", schedule=None, catchup=False, default_args={"retries": 2})
def quantum_budget():
    for task_id, max_cost in (("over_budget", 50), ("within_budget", 150)):
        AzureQuantumSubmitJobOperator(
            task_id=task_id,
            target="ionq.qpu.aria-1",
            ionq_circuit=BELL,
            qubits=2,
            shots=100,
            name=f"budget-{task_id}",
            max_cost=max_cost,
            poll_interval=0.5,
            deferrable=True,
        )


quantum_budget()
