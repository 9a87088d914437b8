"""
### Results in object storage, announced as an Asset

Samples a three-qubit GHZ state 2,000 times and keeps **every shot** (`bitstrings=True`), a
result too big to belong in XCom. The operator writes it whole to object storage at
`results_path` (and the raw IBM payload beside it, `ghz.raw.json`); XCom only gets the URI and
a summary: job id, backend, shots, usage and the top counts.

The task has the Asset `quantum_ghz_shots` as an outlet. When it succeeds, the asset event's
`extra` carries the same facts (vendor, job id, backend, shots, usage, `results_uri`), and
`example_quantum_results_consumer`, scheduled on that asset, reads the file it names.

Where the results go is the Airflow Variable `quantum_results_base`: e.g.
`s3://aws_default@my-bucket/quantum` (with `pip install airflow-quantum[amazon]` and an AWS
connection), `gs://...`, or a local `file:///...` folder (the default, `/tmp`). The demo sets a
folder in its Airflow home; the tests use moto's S3 server.

Runs unchanged against the local emulator or IBM Quantum: only the `ibm_quantum_default`
connection differs.
"""

from __future__ import annotations

from airflow.sdk import Asset, dag

from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator

#: A Heron device (native gates rz, sx, cz; qubits 0-1-2 form a chain).
BACKEND = "ibm_fez"
SHOTS = 2000
# --8<-- [start:asset]
#: What the consumer DAG is scheduled on; the event's extra says which job and where.
GHZ_SHOTS = Asset("quantum_ghz_shots")
RESULTS_BASE = "{{ var.value.get('quantum_results_base', 'file:///tmp/airflow-quantum-results') }}"
# --8<-- [end:asset]

GHZ_QASM = """OPENQASM 3.0;
include "stdgates.inc";
bit[3] c;
rz(pi/2) $0;
sx $0;
rz(pi/2) $0;
rz(pi/2) $1;
sx $1;
rz(pi/2) $1;
cz $0, $1;
rz(pi/2) $1;
sx $1;
rz(pi/2) $1;
rz(pi/2) $2;
sx $2;
rz(pi/2) $2;
cz $1, $2;
rz(pi/2) $2;
sx $2;
rz(pi/2) $2;
c[0] = measure $0;
c[1] = measure $1;
c[2] = measure $2;
"""


@dag(
    dag_id="example_quantum_results_storage",
    schedule=None,
    catchup=False,
    doc_md=__doc__,
    tags=["example", "quantum", "ibm-quantum", "object-storage", "assets"],
)
def example_quantum_results_storage():
    # --8<-- [start:sample_ghz]
    IBMQuantumRunSamplerOperator(
        task_id="sample_ghz",
        circuits=[GHZ_QASM],
        backend=BACKEND,
        shots=SHOTS,
        bitstrings=True,  # every shot's outcome: the whole record goes to storage
        results_path=RESULTS_BASE + "/{{ dag.dag_id }}/{{ run_id }}/ghz.json",
        store_raw_payload=True,  # and IBM's payload as sent, beside it
        outlets=[GHZ_SHOTS],  # the asset event carries the job's facts and the URI
        deferrable=True,
        poll_interval=1,
        timeout=6 * 3600,
    )
    # --8<-- [end:sample_ghz]


example_quantum_results_storage()
