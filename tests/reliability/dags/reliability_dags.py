"""DAGs of the reliability scenarios: one IBM Sampler job waited for in the triggerer.

Every DAG submits a Bell-state Sampler job (deferrable, polling every 1-2 s) and hands the
counts to a downstream task, so a test sees both whether the wait ended well and whether the
work after it ran.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import dag, task

from airflow_quantum.operators.azure_quantum_sweep import AzureQuantumSweepOperator
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


def _reliability_dag(dag_id: str, **sampler_kwargs: Any) -> None:
    @dag(dag_id=dag_id, schedule=None, catchup=False, tags=["reliability"])
    def reliability_dag() -> None:
        sample = IBMQuantumRunSamplerOperator(
            task_id="sample",
            circuits=[BELL_QASM],
            backend="ibm_fez",
            shots=SHOTS,
            deferrable=True,
            poll_interval=1,
            max_poll_interval=2,
            **sampler_kwargs,
        )

        @task
        def summarize(result: dict[str, Any]) -> dict[str, Any]:
            counts = result["pub_results"][0]["counts"]
            return {"counts": counts, "shots": sum(counts.values())}

        summarize(sample.output)

    reliability_dag()


#: Waits as long as the job takes (scenarios: triggerer killed, outages, tokens, job failed).
_reliability_dag("reliability_wait")
#: Gives up after 8 s: the trigger's deadline cancels the job.
_reliability_dag("reliability_timeout", timeout=8)
#: One retry, soon: a try killed mid-submit is retried and must find the job already submitted.
_reliability_dag("reliability_retry", retries=1, retry_delay=timedelta(seconds=3))


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
