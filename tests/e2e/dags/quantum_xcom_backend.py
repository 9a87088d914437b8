"""Run with Airflow's object-storage XCom backend (see test_xcom_object_storage_backend.py).

``big`` returns a result larger than its ``max_xcom_result_bytes``: with that backend it goes to
XCom whole (the backend puts it in S3); ``stored`` writes its result itself (``results_path``)
and returns the small summary; ``check`` reads both back as a downstream task would.
"""

from __future__ import annotations

import json
from typing import Any

from airflow.sdk import ObjectStoragePath, dag, task

from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator

#: An ISA Bell circuit of ibm_fez (IBM runs nothing else): H = rz(pi/2) sx rz(pi/2) on the
#: coupled pair (0, 1), then cz, then H on qubit 1.
BELL = """OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
bit[2] c;
rz(pi/2) q[0];
sx q[0];
rz(pi/2) q[0];
rz(pi/2) q[1];
sx q[1];
rz(pi/2) q[1];
cz q[0], q[1];
rz(pi/2) q[1];
sx q[1];
rz(pi/2) q[1];
c = measure q;
"""


@dag(dag_id="quantum_xcom_backend", schedule=None, catchup=False)
def quantum_xcom_backend():
    big = IBMQuantumRunSamplerOperator(
        task_id="big",
        circuits=[BELL],
        backend="ibm_fez",
        shots=1500,
        bitstrings=True,
        max_xcom_result_bytes=4000,
        deferrable=True,
        poll_interval=0.5,
    )
    stored = IBMQuantumRunSamplerOperator(
        task_id="stored",
        circuits=[BELL],
        backend="ibm_fez",
        shots=100,
        results_path="s3://aws_default@quantum-results/explicit/{{ run_id }}.json",
        poll_interval=0.5,
    )

    @task
    def check(whole: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
        written = json.loads(ObjectStoragePath(summary["results_uri"]).read_text())
        return {
            "bitstrings": len(whole["pub_results"][0]["registers"]["c"]["bitstrings"]),
            "truncated": "truncated" in whole,
            "stored_shots": written["pub_results"][0]["shots"],
        }

    check(big.output, stored.output)


quantum_xcom_backend()
