"""The demo's summary of the Azure example DAG, from XComs as the metadata DB returns them."""

from __future__ import annotations

import io

from airflow_quantum_emulator.demo import DagRunRecord
from airflow_quantum_emulator.demo_render import Glyphs, render_run


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
