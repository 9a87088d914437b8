"""Cutting a workload into jobs at each vendor's limits, and the merge arithmetic (pure)."""

from __future__ import annotations

import math

import pytest

from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.sweeps import azure, ibm
from airflow_quantum.sweeps.limits import Chunk, JobLimits, Part, shot_parts, split
from airflow_quantum.sweeps.merge import EXPECTATIONS, RowMerger, add_counts
from airflow_quantum.sweeps.workload import Workload, parameter_table

IBM = ibm.limits("ibm_fez", 100_000)


def chunks(shots: list[int], limits: JobLimits) -> list[Chunk]:
    return list(split(shots, limits))


def check_covers(shots: list[int], result: list[Chunk], limits: JobLimits) -> None:
    """Every item's parts add up to its shots; every chunk is within every limit."""
    got = [0] * len(shots)
    for index, chunk in enumerate(result):
        assert chunk.index == index
        if limits.max_items is not None:
            assert len(chunk.parts) <= limits.max_items
        if limits.max_executions is not None:
            assert chunk.executions <= limits.max_executions
        for part in chunk.parts:
            if limits.max_shots is not None:
                assert part.shots <= limits.max_shots
            got[part.item] += part.shots
    assert got == shots


def test_ibm_sweep_of_2000_points_at_1000_shots_is_one_job():
    result = chunks([1000] * 2000, IBM)
    assert len(result) == 1 and result[0].executions == 2_000_000


@pytest.mark.parametrize(
    ("items", "shots", "jobs"),
    [
        (100, 100_000, 1),  # exactly 10 million executions: one job
        (101, 100_000, 2),  # one execution shot over: a second job
        (10_000, 1000, 1),
        (10_001, 1000, 2),
        (100_000, 1000, 10),
    ],
)
def test_ibm_executions_per_job_limit(items, shots, jobs):
    result = chunks([shots] * items, IBM)
    assert len(result) == jobs
    check_covers([shots] * items, result, IBM)


@pytest.mark.parametrize(("shots", "parts"), [(100_000, 1), (100_001, 2), (250_000, 3)])
def test_ibm_backend_max_shots_splits_the_shots_of_one_circuit(shots, parts):
    result = chunks([shots], IBM)
    pieces = [part for chunk in result for part in chunk.parts]
    assert len(pieces) == parts and sum(part.shots for part in pieces) == shots
    assert max(part.shots for part in pieces) - min(part.shots for part in pieces) <= 1


def test_azure_is_one_circuit_per_job_and_each_target_has_its_shot_maximum():
    qpu = azure.limits("quantinuum.qpu.h2-1")
    assert (qpu.max_items, qpu.max_shots) == (1, 10_000)
    assert azure.limits("ionq.qpu.aria-1").max_shots == 10_000
    assert azure.limits("rigetti.sim.qvm").max_shots == 10_000
    assert azure.limits("ionq.simulator").max_shots == 1_000_000  # the service-wide range
    assert azure.limits("quantinuum.sim.h2-1e").max_shots == 1_000_000
    assert chunks([10_000, 3], qpu) == [Chunk(0, (Part(0, 10_000),)), Chunk(1, (Part(1, 3),))]
    over = chunks([10_001], qpu)
    assert [chunk.parts for chunk in over] == [(Part(0, 5001),), (Part(0, 5000),)]
    check_covers([8192, 20_000, 1], chunks([8192, 20_000, 1], qpu), qpu)


def test_shot_parts_are_as_even_as_they_can_be():
    assert shot_parts(3, 8192, 2000) == [Part(3, 1639)] * 2 + [Part(3, 1638)] * 3
    assert shot_parts(0, 5, None) == [Part(0, 5)]
    with pytest.raises(InvalidInputError, match="shots"):
        shot_parts(0, 0, 10)


def test_limits_refuse_nonsense():
    with pytest.raises(InvalidInputError, match="max_items"):
        JobLimits(max_items=0)
    with pytest.raises(InvalidInputError, match="max_shots"):
        JobLimits(max_shots=True)


def test_parameter_tables_as_rows_or_columns_sort_the_names():
    rows = [{"theta": 0.5, "phi": 1}, {"phi": 2, "theta": 1.5}]
    assert parameter_table(rows) == (("phi", "theta"), ((1.0, 0.5), (2.0, 1.5)))
    assert parameter_table({"theta": [0.5, 1.5], "phi": [1, 2]}) == parameter_table(rows)
    for bad, words in [
        ({"theta": [1, 2], "phi": [1]}, "as long"),
        ([{"theta": 1}, {"phi": 2}], "names"),
        ([{"theta": float("nan")}], "finite"),
        ({"not a name": [1]}, "identifiers"),
        ("theta", "list of"),
    ]:
        with pytest.raises(InvalidInputError, match=words):
            parameter_table(bad)


def test_workload_checks_its_input():
    assert len(Workload.of(["a", "b"], None, 10)) == 2
    assert len(Workload.of("a", {"t": [1, 2, 3]}, 10)) == 3
    with pytest.raises(InvalidInputError, match="exactly one circuit"):
        Workload.of(["a", "b"], {"t": [1]}, 10)
    with pytest.raises(InvalidInputError, match="shots"):
        Workload.of(["a"], None, 0)
    with pytest.raises(InvalidInputError, match="at least one"):
        Workload.of([], None, 10)


def test_shot_split_parts_are_summed_into_one_row_per_item():
    workload = Workload.of("c", {"theta": [0.0, 1.0]}, 8192)
    limits = JobLimits(max_items=1, max_shots=2000)
    rows: list[dict] = []
    merger = RowMerger(workload, rows.append)
    for chunk in split(workload.item_shots(), limits):
        (part,) = chunk.parts
        ones = part.shots // 4 if part.item == 0 else part.shots // 2
        merger.add(part, {"0": part.shots - ones, "1": ones}, f"job-{chunk.index}")
    merger.close()
    assert [row["item"] for row in rows] == [0, 1]
    assert [row["shots"] for row in rows] == [8192, 8192]
    assert rows[0]["parameters"] == {"theta": 0.0} and rows[1]["parameters"] == {"theta": 1.0}
    # 8192 = 1639 + 1639 + 1638 + 1638 + 1638; a quarter of each part (floored) is "1"
    assert rows[0]["counts"] == {"0": 8192 - (409 * 2 + 409 * 3), "1": 409 * 5}
    assert sum(rows[1]["counts"].values()) == 8192
    assert rows[0]["jobs"] == [f"job-{index}" for index in range(5)]


def test_a_missing_part_is_named_when_the_merge_closes():
    workload = Workload.of(["a"], None, 10)
    merger = RowMerger(workload, lambda row: None)
    merger.add(Part(0, 4), {"0": 4}, "j")
    with pytest.raises(ValueError, match="item 0 has 4 of its 10 shots"):
        merger.close()


def test_register_counts_add_up_nested():
    total = add_counts({}, {"c": {"00": 1}, "d": {"1": 2}})
    assert add_counts(total, {"c": {"00": 2, "11": 1}}) == {"c": {"00": 3, "11": 1}, "d": {"1": 2}}


def test_azure_binding_replaces_whole_words_only():
    program = "ry(theta) q[0];\nrz(theta2) q[0];\n"
    assert azure.bind_program(program, {"theta": 0.5}) == "ry(0.5) q[0];\nrz(theta2) q[0];\n"
    circuit = [{"gate": "ry", "target": 0, "rotation": "theta"}, {"gate": "h", "target": 0}]
    assert azure.bind_circuit(circuit, {"theta": 0.25})[0]["rotation"] == 0.25


def test_expectation_values_of_parts_combine_shot_weighted():
    workload = Workload.of(["c"], None, 400)
    rows: list[dict] = []
    merger = RowMerger(workload, rows.append, EXPECTATIONS)
    merger.add(Part(0, 100), {"ev": 0.5, "std": 0.1}, "a")
    merger.add(Part(0, 300), {"ev": 0.7, "std": 0.2}, "b")
    (row,) = rows
    assert row["ev"] == pytest.approx((100 * 0.5 + 300 * 0.7) / 400)
    # sqrt((100 x 0.1)^2 + (300 x 0.2)^2) / 400
    assert row["std"] == pytest.approx(math.sqrt(10**2 + 60**2) / 400)
    assert row["jobs"] == ["a", "b"] and "counts" not in row


def test_one_part_keeps_its_value_and_error():
    workload = Workload.of(["c"], None, 4096)
    rows: list[dict] = []
    merger = RowMerger(workload, rows.append, EXPECTATIONS)
    merger.add(Part(0, 4096), {"ev": -0.25, "std": 0.015}, "a")
    assert (rows[0]["ev"], rows[0]["std"]) == (pytest.approx(-0.25), pytest.approx(0.015))


def test_estimator_precision_sizes_the_chunks():
    assert ibm.precision_shots(ibm.DEFAULT_PRECISION) == 4096
    assert ibm.precision_shots(0.001) == 1_000_000
    assert ibm.shots_precision(4096) == pytest.approx(0.015625)


def test_values_per_observable_combine_element_by_element():
    workload = Workload.of(["c"], None, 400)
    rows: list[dict] = []
    merger = RowMerger(workload, rows.append, EXPECTATIONS)
    merger.add(Part(0, 100), {"ev": [0.5, -1.0], "std": [0.1, 0.0]}, "a")
    merger.add(Part(0, 300), {"ev": [0.7, -0.5], "std": [0.2, 0.4]}, "b")
    (row,) = rows
    assert row["ev"] == pytest.approx([(50 + 210) / 400, (-100 - 150) / 400])
    assert row["std"] == pytest.approx([math.sqrt(10**2 + 60**2) / 400, 120 / 400])


def test_an_item_with_a_list_of_observables_counts_one_circuit_per_observable():
    """IBM counts executions after broadcasting: 3 observables on an item are 3 circuits."""
    shots = ibm.precision_shots(ibm.DEFAULT_PRECISION)  # 4,096
    one = ibm.limits("ibm_fez", None)
    three = ibm.limits("ibm_fez", None, ibm.observable_count(["Z", "X", "Y"]))
    assert three.max_executions == ibm.MAX_EXECUTIONS // 3
    # 2,441 items fit one job with one observable; with three, 813 do.
    assert len(chunks([shots] * 2441, one)) == 1
    assert [len(c.parts) for c in chunks([shots] * 2441, three)] == [813, 813, 813, 2]
    assert ibm.observable_count("Z") == ibm.observable_count({"ZZ": 1.0}) == 1
    with pytest.raises(InvalidInputError, match="flat"):
        ibm.observable_count([["Z"], ["X"]])
