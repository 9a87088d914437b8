"""
### Azure Quantum: a GHZ state on IonQ, submitted, then waited for by a sensor

Prepares the three-qubit GHZ state `(|000⟩ + |111⟩)/√2` with IonQ's own circuit format
(`ionq.circuit.v1`: a Hadamard and two CNOTs) and measures it: only `000` and `111` come out,
each about half of the time.

This DAG splits submitting from waiting, the pattern to use when something else should happen
between the two, or when the job was submitted elsewhere:

* `submit_ghz` submits the job and returns at once (`wait_for_completion=False`): its return
  value is the job id (also in XCom as `job_id`, with the portal link as `job_url`);
* `wait_for_ghz` is a **deferrable sensor**: it checks the job once, then waits in the
  triggerer until the job is final (a failed or cancelled job fails the task);
* `get_results` downloads and decodes the result (`ionq.quantum-results.v1`: `probabilities`
  by bitstring, qubit 0 rightmost, and the raw `histogram`);
* `histogram` prints the distribution as a text histogram.

Runs unchanged against the local emulator or a real workspace: only the
`azure_quantum_default` connection differs.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import dag, task

from airflow_quantum.operators.azure_quantum import (
    AzureQuantumGetResultsOperator,
    AzureQuantumSubmitJobOperator,
)
from airflow_quantum.sensors.azure_quantum import AzureQuantumJobSensor

#: GHZ on three qubits, in IonQ's QIS gate set.
GHZ_CIRCUIT: list[dict[str, Any]] = [
    {"gate": "h", "target": 0},
    {"gate": "cnot", "control": 0, "target": 1},
    {"gate": "cnot", "control": 1, "target": 2},
]


@dag(
    dag_id="example_azure_quantum_ionq",
    schedule=None,
    catchup=False,
    doc_md=__doc__,
    tags=["example", "quantum", "azure-quantum", "ionq", "sensor"],
)
def example_azure_quantum_ionq():
    # --8<-- [start:submit_and_wait]
    submit_ghz = AzureQuantumSubmitJobOperator(
        task_id="submit_ghz",
        target="ionq.simulator",
        ionq_circuit=GHZ_CIRCUIT,
        qubits=3,
        shots=1000,
        name="ghz-3",
        tags=["example", "ghz"],
        wait_for_completion=False,  # return the job id right after submission
    )

    wait_for_ghz = AzureQuantumJobSensor(
        task_id="wait_for_ghz",
        job_id=submit_ghz.output,
        deferrable=True,  # the wait happens in the triggerer
        poke_interval=1,  # first check after about a second, growing to max_poll_interval
        max_poll_interval=60,
        timeout=3600,
    )

    get_results = AzureQuantumGetResultsOperator(task_id="get_results", job_id=submit_ghz.output)
    # --8<-- [end:submit_and_wait]

    @task(multiple_outputs=False)  # one XCom holding the whole dict
    def histogram(result: dict[str, Any]) -> dict[str, float]:
        probabilities = {k: float(v) for k, v in sorted(result["probabilities"].items())}
        width = 40
        for bitstring, p in probabilities.items():
            print(f"{bitstring} {'█' * round(p * width):<{width}} {p:.3f}")
        return probabilities

    wait_for_ghz >> get_results
    histogram(get_results.output)


example_azure_quantum_ionq()
