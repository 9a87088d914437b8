"""DAGs of the reliability scenarios: one IBM Sampler job, or one Amazon Braket task, waited
for in the triggerer.

Every DAG submits a Bell-state job (deferrable, polling every 1-2 s) and hands the counts to a
downstream task, so a test sees both whether the wait ended well and whether the work after it
ran. The Braket DAGs (``reliability_braket_*``) are the IBM ones with a task on SV1.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import dag, task

from airflow_quantum.operators.azure_quantum_sweep import AzureQuantumSweepOperator
from airflow_quantum.operators.braket import BraketRunQuantumTaskOperator
from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator

BELL_QASM = """OPENQASM 3.0;
include "stdgates.inc";
bit[2] c;
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
c[0] = measure $0;
c[1] = measure $1;
"""
SHOTS = 200
BRAKET_BELL_QASM = """OPENQASM 3.0;
qubit[2] q;
bit[2] c;
h q[0];
cnot q[0], q[1];
c = measure q;
"""
SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"


#: What each vendor's ``sample`` task runs: a Bell pair on IBM's Sampler, or on Braket's SV1.
IBM_SAMPLE = {
    "operator": IBMQuantumRunSamplerOperator,
    "circuits": [BELL_QASM],
    "backend": "ibm_fez",
}
BRAKET_SAMPLE = {
    "operator": BraketRunQuantumTaskOperator,
    "device_arn": SV1,
    "program": BRAKET_BELL_QASM,
}


def _reliability_dag(dag_id: str, operator: type, **task_kwargs: Any) -> None:
    @dag(dag_id=dag_id, schedule=None, catchup=False, tags=["reliability"])
    def reliability_dag() -> None:
        sample = operator(
            task_id="sample",
            shots=SHOTS,
            deferrable=True,
            poll_interval=1,
            max_poll_interval=2,
            **task_kwargs,
        )

        @task
        def summarize(result: dict[str, Any]) -> dict[str, Any]:
            # A Braket task's counts, or those of the Sampler's first pub.
            counts = result.get("counts") or result["pub_results"][0]["counts"]
            return {"counts": counts, "shots": sum(counts.values())}

        summarize(sample.output)

    reliability_dag()


#: Waits as long as the job takes (scenarios: triggerer killed, outages, tokens, job failed).
_reliability_dag("reliability_wait", **IBM_SAMPLE)
#: Gives up after 8 s: the trigger's deadline cancels the job.
_reliability_dag("reliability_timeout", **IBM_SAMPLE, timeout=8)
#: One retry, soon: a try killed mid-submit is retried and must find the job already submitted.
_reliability_dag("reliability_retry", **IBM_SAMPLE, retries=1, retry_delay=timedelta(seconds=3))
#: The same three on Amazon Braket (SV1).
_reliability_dag("reliability_braket_wait", **BRAKET_SAMPLE)
_reliability_dag("reliability_braket_timeout", **BRAKET_SAMPLE, timeout=8)
_reliability_dag(
    "reliability_braket_retry", **BRAKET_SAMPLE, retries=1, retry_delay=timedelta(seconds=3)
)
#: Signs with temporary credentials that expire every few seconds, renewed through the
#: connection (a profile's ``credential_process``: braket_temporary_credentials.py).
_reliability_dag("reliability_braket_temporary", **BRAKET_SAMPLE, aws_conn_id="braket_temporary")


#: A sweep of three Azure jobs (one per angle), one retry: a try killed mid-submission must
#: reattach to the chunks it sent and submit only the others.
@dag(dag_id="reliability_sweep", schedule=None, catchup=False, tags=["reliability"])
def reliability_sweep() -> None:
    AzureQuantumSweepOperator(
        task_id="sweep",
        target="quantinuum.sim.h2-1e",
        circuits=(
            'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\ncreg c[1];\n'
            "ry(theta) q[0];\nmeasure q -> c;\n"
        ),
        parameter_values={"theta": [0.0, 3.141592653589793, 0.0]},
        shots=50,
        deferrable=True,
        poll_interval=1,
        max_poll_interval=2,
        retries=1,
        retry_delay=timedelta(seconds=3),
    )


reliability_sweep()
