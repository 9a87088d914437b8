"""OpenLineage facets of the quantum operators: with the provider installed, through its own
extractor manager; without it (import blocked in a subprocess), the operators still work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

from airflow.providers.openlineage.extractors.manager import ExtractorManager
from airflow.sdk import ObjectStoragePath
from airflow.utils.state import TaskInstanceState
from airflow_face_support import BELL_QASM, BELL_QASM2, FakeTI, make_context
from openlineage.client.serde import Serde

from airflow_quantum.operators.azure_quantum import AzureQuantumSubmitJobOperator
from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator
from airflow_quantum.results.lineage import FACET_NAME, QuantumJobRunFacet

FAST = {"poll_interval": 0.05, "max_poll_interval": 0.1, "deferrable": False}


def test_openlineage_finds_the_job_facet_and_the_results_file(ibm_connection, tmp_path):
    target = tmp_path / "out" / "sample.json"
    op = IBMQuantumRunSamplerOperator(
        task_id="sample",
        backend="ibm_fez",
        circuits=[BELL_QASM],
        shots=100,
        # An ObjectStoragePath is a template field as a URL is.
        results_path=ObjectStoragePath(tmp_path.as_uri() + "/out/{{ ti.task_id }}.json"),
        **FAST,
    )
    ti = FakeTI(task_id="sample")
    context = make_context(op, ti=ti)
    op.render_template_fields(context)
    summary = op.execute(context)
    assert json.loads(target.read_text())["kind"] == "sampler"  # local folders are made

    # What the OpenLineage listener does when the task succeeds.
    lineage = ExtractorManager().extract_metadata(
        dagrun=SimpleNamespace(run_id=ti.run_id),
        task=op,
        task_instance_state=TaskInstanceState.SUCCESS,
        task_instance=ti,
    )
    facet = lineage.run_facets[FACET_NAME]
    assert isinstance(facet, QuantumJobRunFacet)
    wire = Serde.to_dict(facet)
    assert wire["vendor"] == "IBM Quantum" and wire["jobId"] == summary["job_id"]
    assert wire["backend"] == "ibm_fez" and wire["shots"] == 100
    assert wire["status"] == "succeeded" and wire["resultsUri"] == target.as_uri()
    assert wire["_schemaURL"].endswith("docs/operators.md#openlineage")
    (output,) = lineage.outputs
    assert (output.namespace, output.name) == ("file", str(target).lstrip("/"))


def test_a_job_without_stored_results_has_the_facet_and_no_output(azure_connection):
    op = AzureQuantumSubmitJobOperator(
        task_id="bell_h2",
        target="quantinuum.sim.h2-1e",
        quantinuum_program=BELL_QASM2,
        shots=50,
        **FAST,
    )
    assert op.get_openlineage_facets_on_complete(None) is None  # nothing ran yet
    op.execute(make_context(op))
    lineage = op.get_openlineage_facets_on_complete(None)
    assert lineage.outputs == []
    facet = lineage.run_facets[FACET_NAME]
    assert facet.vendor == "Azure Quantum"
    assert facet.backend == "quantinuum.sim.h2-1e" and facet.resultsUri is None


BLOCKED = textwrap.dedent(
    """
    import importlib.abc
    import importlib.metadata
    import json
    import sys

    import importlib_metadata

    HIDDEN = ("openlineage", "airflow.providers.openlineage")


    class NoOpenLineage(importlib.abc.MetaPathFinder):
        \"\"\"As if the OpenLineage packages were not installed: nothing of them imports...\"\"\"

        def find_spec(self, name, path=None, target=None):
            if any(name == hidden or name.startswith(hidden + ".") for hidden in HIDDEN):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None


    def without_openlineage(distributions):
        \"\"\"...and Airflow's provider discovery finds no distribution of theirs.\"\"\"

        def listed(**kwargs):
            for dist in distributions(**kwargs):
                if "openlineage" not in (dist.metadata["Name"] or "").lower():
                    yield dist

        return listed


    sys.meta_path.insert(0, NoOpenLineage())
    for module in (importlib.metadata, importlib_metadata):
        module.distributions = without_openlineage(module.distributions)

    from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator

    class TI:
        dag_id, task_id, run_id, map_index = "d", "sample", "manual__1", -1
        def xcom_push(self, key, value):
            pass

    op = IBMQuantumRunSamplerOperator(
        task_id="sample", backend="ibm_fez", circuits=[sys.argv[1]], shots=50,
        results_path=sys.argv[2], deferrable=False, poll_interval=0.05,
    )
    summary = op.execute({"ti": TI(), "run_id": "manual__1"})
    lineage = op.get_openlineage_facets_on_complete(None)
    loaded = sorted(m for m in sys.modules if "openlineage" in m)
    print(json.dumps({"summary": summary, "lineage": repr(lineage), "loaded": loaded}))
    """
)


def test_operators_work_without_the_openlineage_provider(ibm_connection, tmp_path):
    target = tmp_path / "bell.json"
    done = subprocess.run(
        [sys.executable, "-c", BLOCKED, BELL_QASM, target.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        cwd=Path(__file__).parent,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["lineage"] == "None" and answer["loaded"] == []
    assert answer["summary"]["results_uri"] == target.as_uri()
    assert json.loads(target.read_text())["pub_results"][0]["shots"] == 50


def test_a_braket_task_writes_its_result_and_raw_payload_and_lineage(braket_connection, tmp_path):
    from airflow.sdk import Asset

    from airflow_quantum.operators.braket import BraketRunQuantumTaskOperator

    sv1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
    bell = "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncnot q[0], q[1];\nc = measure q;\n"
    target = tmp_path / "braket" / "bell.json"
    op = BraketRunQuantumTaskOperator(
        task_id="bell",
        device_arn=sv1,
        program=bell,
        shots=50,
        results_path=target.as_uri(),
        store_raw_payload=True,
        outlets=[Asset(target.as_uri())],
        **FAST,
    )
    ti = FakeTI(task_id="bell")
    summary = op.execute(make_context(op, ti=ti))
    assert sum(json.loads(target.read_text())["counts"].values()) == 50
    raw = json.loads((tmp_path / "braket" / "bell.raw.json").read_text())
    assert raw["braketSchemaHeader"]["name"] == "braket.task_result.gate_model_task_result"
    assert summary["results_uri"] == target.as_uri() and summary["backend"] == sv1
    assert summary["top_counts"] == json.loads(target.read_text())["counts"]  # two outcomes
    lineage = ExtractorManager().extract_metadata(
        dagrun=SimpleNamespace(run_id=ti.run_id),
        task=op,
        task_instance_state=TaskInstanceState.SUCCESS,
        task_instance=ti,
    )
    wire = Serde.to_dict(lineage.run_facets[FACET_NAME])
    assert wire["vendor"] == "Amazon Braket" and wire["jobId"] == summary["job_id"]
    assert wire["backend"] == sv1 and wire["shots"] == 50 and wire["status"] == "succeeded"
