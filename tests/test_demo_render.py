"""The demo's summary of the example DAGs, from XComs as the metadata DB returns them, and the
spend of each job, read from the emulator."""

from __future__ import annotations

import io
import json
import math

import pytest
from airflow_face_support import BELL_IONQ, BELL_QASM, control

from airflow_quantum.clients.azure import AzurePreparedJob
from airflow_quantum.clients.azure.client import AzureQuantumClient
from airflow_quantum.clients.azure.settings import AzureQuantumSettings
from airflow_quantum.clients.ibm import IBMPreparedJob
from airflow_quantum.clients.ibm.client import IBMQuantumClient
from airflow_quantum.clients.ibm.settings import IBMQuantumSettings
from airflow_quantum_emulator import demo
from airflow_quantum_emulator.demo import DagRunRecord
from airflow_quantum_emulator.demo_render import Glyphs, render_run, spend_lines


def test_the_quantinuum_run_is_summarised_with_both_formats_and_the_estimate(tmp_path):
    report = {
        "openqasm_counts": {"00": 94, "11": 106},
        "qir_counts": {"00": 105, "11": 95},
        "physical_qubits": 16856,
        "runtime_ns": 36400.0,
        "code_distance": 7,
        "logical_qubits": 12,
    }
    record = DagRunRecord(
        dag_id="example_azure_quantum_quantinuum",
        run_id="manual",
        state="success",
        tasks={("report", -1): "success"},
        xcoms={("report", -1, "return_value"): report},
    )
    ascii_glyphs = Glyphs.for_stream(io.TextIOWrapper(io.BytesIO(), encoding="ascii"))
    lines = render_run(record, tmp_path / "no-log.txt", ascii_glyphs)
    assert lines[0] == (
        "Bell pair on quantinuum.sim.h2-1e, 200 shots as OpenQASM 2 and 200 as QIR: counts"
    )
    assert "     00        94  105" in lines and "     11       106   95" in lines
    assert lines[-1] == (
        "Toffoli on microsoft.estimator: 16,856 physical qubits, 36.4 microseconds, "
        "code distance 7 (12 logical qubits)"
    )
    assert all(line.isascii() for line in lines)


def test_each_job_is_shown_with_its_spend_read_from_the_emulator(emulator, tmp_path):
    """Real jobs at the emulator, in the demo's workspace and instance, read back by the demo."""
    connections = demo.emulator_connections(emulator.url)
    azure_extra = json.loads(connections["AIRFLOW_CONN_AZURE_QUANTUM_DEFAULT"])["extra"]
    ibm_conn = json.loads(connections["AIRFLOW_CONN_IBM_QUANTUM_DEFAULT"])
    azure = AzureQuantumClient(AzureQuantumSettings.create(**azure_extra))
    ibm = IBMQuantumClient(IBMQuantumSettings(api_key=ibm_conn["password"], **ibm_conn["extra"]))
    qpu = azure.submit_job(
        AzurePreparedJob.ionq_circuit(BELL_IONQ, 2, shots=100, target="ionq.qpu.aria-1")
    ).id
    params = {"version": 2, "pubs": [[BELL_QASM, None, 100]]}
    sampler = ibm.run_job(IBMPreparedJob.program("sampler", "ibm_fez", params)).id
    azure.close()
    ibm.close()
    for job_id in (qpu, sampler):
        control(emulator, "POST", f"/jobs/{job_id}/finish")
    times = {job_id: control(emulator, "GET", f"/jobs/{job_id}") for job_id in (qpu, sampler)}

    spends = demo.job_spends(emulator.url, {qpu: "azure", sampler: "ibm"})
    assert spends[qpu]["backend"] == "ionq.qpu.aria-1"
    # IonQ's minimum per program (97.50 USD, error mitigation on) plus 100 shots of one
    # 1-qubit and one 2-qubit gate at the emulator's Aria gate-shot prices.
    assert spends[qpu]["cost"] == pytest.approx(97.5 + 100 * 0.000220 + 100 * 0.000975)
    assert spends[sampler]["backend"] == "ibm_fez"
    ran = times[sampler]["ended_at"] - times[sampler]["starts_at"]
    assert spends[sampler]["run_seconds"] == pytest.approx(ran, abs=1e-3)
    assert spends[sampler]["quantum_seconds"] == math.ceil(round(ran, 6))

    record = DagRunRecord(
        dag_id="any",
        run_id="manual",
        state="success",
        tasks={},
        xcoms={
            ("run_on_qpu", -1, "job_id"): qpu,
            ("run_on_qpu", -1, "cost_estimate"): {
                "target": "ionq.qpu.aria-1",
                "currency": "USD",
                "estimated_total": 97.6195,
                "priced": True,
            },
            ("sample", -1, "job_id"): sampler,
            ("too_dear", -1, "cost_estimate"): {"target": "x", "priced": False},
        },
    )
    qpu_line, sample_line, dear_line = spend_lines(record, spends)
    assert qpu_line.startswith(f"spend of run_on_qpu: job {qpu[:8]}… on ionq.qpu.aria-1, queued ")
    assert qpu_line.endswith(", cost 97.6195 USD, estimated 97.6195 USD before submitting")
    assert sample_line.startswith(f"spend of sample: job {sampler[:8]}… on ibm_fez, queued ")
    assert sample_line.endswith(f", {spends[sampler]['quantum_seconds']:g} quantum seconds billed")
    assert dear_line == "spend of too_dear: no estimate before submitting (unpriced target)"


def test_a_braket_spend_line_says_what_the_task_record_gives():
    """A Braket task's record has no start time (one span from creation to end), and a
    simulator bills its run time, which the record does not give: the line says so."""
    record = DagRunRecord(
        dag_id="any",
        run_id="manual",
        state="success",
        tasks={},
        xcoms={("bell", -1, "job_id"): "arn:aws:braket:us-east-1:123456789012:quantum-task/abc"},
    )
    spends = {
        "arn:aws:braket:us-east-1:123456789012:quantum-task/abc": {
            "backend": "arn:aws:braket:::device/quantum-simulator/amazon/sv1",
            "queue_seconds": None,
            "run_seconds": None,
            "took_seconds": 4.25,
            "cost": None,
            "currency": None,
            "cost_note": "billed per minute of run time, which the task record does not give",
        }
    }
    (line,) = spend_lines(record, spends)
    assert line == (
        "spend of bell: job arn:aws:… on arn:aws:braket:::device/quantum-simulator/amazon/sv1, "
        "queued and ran 4.2 s in all, "
        "billed per minute of run time, which the task record does not give"
    )
