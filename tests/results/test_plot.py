"""The SVG line chart (plain Python) and the sweep example's plot beside its CSV: a valid SVG
document with one line per target and one point per row."""

from __future__ import annotations

import json
import math
import runpy
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from airflow_quantum.results.plot import line_chart

SVG = "{http://www.w3.org/2000/svg}"
EXAMPLE = Path(__file__).parents[2] / "example_dags" / "example_quantum_sweep.py"


def polylines(document: str) -> dict[str, list[tuple[float, float]]]:
    root = ET.fromstring(document)  # raises on anything that is not well-formed XML
    assert root.tag == f"{SVG}svg"
    return {
        line.get("data-series"): [
            tuple(float(v) for v in pair.split(",")) for pair in line.get("points").split()
        ]
        for line in root.iter(f"{SVG}polyline")
    }


def test_one_polyline_per_series_with_every_point_in_x_order():
    chart = line_chart(
        {"ibm_fez": [(1.0, 0.5), (0.0, 0.0), (2.0, 1.0)], "a<b & c": [(0.0, 1.0)]},
        x_label="theta",
        y_label="P(1)",
        title="sweep",
    )
    lines = polylines(chart)
    assert list(lines) == ["ibm_fez", "a<b & c"]  # names escaped, still readable
    xs = [x for x, _ in lines["ibm_fez"]]
    assert len(xs) == 3 and xs == sorted(xs)
    # y grows upwards: P(1) = 1 is drawn above P(1) = 0.
    assert lines["ibm_fez"][2][1] < lines["ibm_fez"][0][1]
    assert "theta" in chart and "P(1)" in chart


@pytest.mark.parametrize("points", [{}, {"a": []}, {"a": [(0.0, math.nan)]}])
def test_no_point_or_a_non_finite_one_is_refused(points):
    with pytest.raises(ValueError):
        line_chart(points, x_label="x", y_label="y")


def test_the_sweep_example_writes_its_plot_beside_its_table(tmp_path):
    """The example's merge on two small tables: a line per target, a point per row."""
    merge_tables = runpy.run_path(str(EXAMPLE))["merge_tables"]
    summaries = []
    for vendor, backend, points in (
        ("IBM Quantum", "ibm_fez", 5),
        ("Azure Quantum", "quantinuum.sim.h2-1e", 3),
    ):
        table = tmp_path / f"{backend}.jsonl"
        rows = [
            {
                "item": index,
                "parameters": {"theta": math.pi * index / (points - 1)},
                "shots": 4,
                "counts": {"0": 4 - index % 2 * 4, "1": index % 2 * 4},
                "jobs": ["j"],
            }
            for index in range(points)
        ]
        table.write_text("".join(json.dumps(row) + "\n" for row in rows))
        summaries.append({"vendor": vendor, "backend": backend, "results_uri": f"file://{table}"})
    merged = merge_tables(summaries, f"file://{tmp_path}")  # the folder of the sweeps' tables
    assert merged["plot"] == f"file://{tmp_path}/sweep.svg" and merged["rows"] == 8
    lines = polylines((tmp_path / "sweep.svg").read_text())
    assert {name: len(points) for name, points in lines.items()} == {
        "ibm_fez": 5,
        "quantinuum.sim.h2-1e": 3,
    }
    assert (tmp_path / "sweep.csv").read_text().count("\n") == 9
