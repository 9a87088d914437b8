"""
### Amazon Braket: a Bell pair on SV1 and two Rydberg atoms on QuEra Aquila

* `bell_sv1` runs the Bell circuit `(|00⟩ + |11⟩)/√2` in OpenQASM 3 on Braket's state-vector
  simulator SV1, 100 shots: only `00` and `11` come out, about half of the time each.
* `rydberg_aquila` runs an analog Hamiltonian simulation on QuEra's Aquila: two atoms 4 µm
  apart, driven through resonance. Close atoms block each other (the Rydberg blockade), so the
  counts (`g` ground, `r` Rydberg, one letter per atom) show mostly `gr` and `rg`, rarely `rr`.

Both tasks **defer**: the wait (minutes on SV1, up to days in Aquila's queue) happens in the
triggerer, one search of pending tasks per connection and region for all waits. The task ARN
and its console link are in XCom (`job_id`, `job_url`) before the wait; the decoded counts
are the task's return value. `report` prints both.

Runs unchanged against the local emulator or Amazon Braket: only the `braket_default`
connection (Airflow's `aws` connection type) differs. On AWS, set its extras `s3_bucket` (a
bucket named `amazon-braket-...` in the device's region) and `s3_prefix`.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import dag, task

from airflow_quantum.operators.braket import BraketRunAHSOperator, BraketRunQuantumTaskOperator

SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
AQUILA = "arn:aws:braket:us-east-1::device/qpu/quera/Aquila"

BELL_QASM = """OPENQASM 3.0;
qubit[2] pair;
bit[2] m;
h pair[0];
cnot pair[0], pair[1];
m = measure pair;
"""

#: Two atoms 4 µm apart; the Rabi drive ramps up, the detuning sweeps through resonance, both
#: within Aquila's limits (15.8 Mrad/s, ±125 Mrad/s, 4 µs).
RYDBERG_PAIR = {
    "setup": {"ahs_register": {"sites": [[0.0, 0.0], [0.0, 4e-6]], "filling": [1, 1]}},
    "hamiltonian": {
        "drivingFields": [
            {
                "amplitude": {
                    "time_series": {
                        "values": [0.0, 1.5e7, 1.5e7, 0.0],
                        "times": [0.0, 1e-7, 3.9e-6, 4e-6],
                    },
                    "pattern": "uniform",
                },
                "phase": {
                    "time_series": {"values": [0.0, 0.0], "times": [0.0, 4e-6]},
                    "pattern": "uniform",
                },
                "detuning": {
                    "time_series": {
                        "values": [-1.2e8, -1.2e8, 1.2e8, 1.2e8],
                        "times": [0.0, 1e-7, 3.9e-6, 4e-6],
                    },
                    "pattern": "uniform",
                },
            }
        ],
        "localDetuning": [],
    },
}


@dag(
    dag_id="example_braket_quantum",
    schedule=None,
    catchup=False,
    doc_md=__doc__,
    tags=["example", "quantum", "amazon-braket"],
)
def example_braket_quantum():
    # --8<-- [start:bell_sv1]
    bell_sv1 = BraketRunQuantumTaskOperator(
        task_id="bell_sv1",
        device_arn=SV1,
        program=BELL_QASM,  # or a qiskit QuantumCircuit
        shots=100,
        deferrable=True,  # wait in the triggerer, not on a worker slot
        poll_interval=1,
        timeout=3600,  # cancel the task if it has not finished within an hour
    )
    # --8<-- [end:bell_sv1]

    rydberg_aquila = BraketRunAHSOperator(
        task_id="rydberg_aquila",
        device_arn=AQUILA,
        ahs_program=RYDBERG_PAIR,
        shots=100,
        max_cost=5.0,  # 0.30 per task + 100 shots x 0.01 = 1.30 USD
        deferrable=True,
        poll_interval=1,
        timeout=7 * 24 * 3600,  # Aquila runs in windows: a week of queue is not unusual
    )

    @task
    def report(bell: dict[str, Any], rydberg: dict[str, Any]) -> dict[str, Any]:
        for name, counts in (("bell", bell["counts"]), ("rydberg", rydberg["counts"])):
            shots = sum(counts.values()) or 1
            for state, n in sorted(counts.items()):
                print(f"{name:8} {state} {'█' * round(n / shots * 40):<40} {n}")
        return {"bell": bell["counts"], "rydberg": rydberg["counts"]}

    report(bell_sv1.output, rydberg_aquila.output)


example_braket_quantum()
