"""The demo's summary follows each deferred job through the trigger's log lines."""

from __future__ import annotations

from airflow_quantum_emulator import demo_render

IBM_TRIGGER = "[airflow_quantum.triggers.ibm_quantum.IBMQuantumJobTrigger]"
AZURE_TRIGGER = "[airflow_quantum.triggers.azure_quantum.AzureQuantumJobTrigger]"
IBM_OPERATOR = "[airflow.task.operators.airflow_quantum.operators.ibm_quantum.SamplerOperator]"
LOG = f"""\
[DAG TEST] starting task_id=sample_bell map_index=-1
[info] Submitted IBM Quantum sampler job ctytle634 on ibm_fez {IBM_OPERATOR}
[info] IBM Quantum job ctytle634: http://127.0.0.1:1/_emulator/jobs/ctytle634/page {IBM_OPERATOR}
[info] IBM Quantum job ctytle634: queued (queue position 1) {IBM_TRIGGER}
[info] IBM Quantum job ctytle634: succeeded {IBM_TRIGGER}
[DAG TEST] starting task_id=solve map_index=2
[info] Azure Quantum job a13ac334-73af: running {AZURE_TRIGGER}
[info] Azure Quantum job a13ac334-73af: succeeded [airflow_quantum.clients.azure.flows]
"""


def test_trigger_states_reads_the_triggers_lines_only(tmp_path):
    log = tmp_path / "run.log"
    log.write_text(LOG)
    assert demo_render.trigger_states(log) == {
        ("sample_bell", -1): [("ctytle634", "queued"), ("ctytle634", "succeeded")],
        ("solve", 2): [("a13ac334-73af", "running")],
    }
