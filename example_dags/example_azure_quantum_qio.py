"""
### Azure Quantum: Max-Cut as an Ising problem, solved by simulated annealing

Splits the eight nodes of a small weighted graph into two groups so that the edges running
between the groups weigh as much as possible (Max-Cut). Written as an Ising model, each node is
a spin `s = ±1` and each edge `(i, j, w)` the term `w·sᵢ·sⱼ`: an edge that is cut costs `-w`, an
uncut one `+w`, so the lowest cost is the best cut (`cut = (total weight - cost) / 2`).

* `solve` submits the problem to `microsoft.simulatedannealing.cpu` and **defers**: the wait for
  the job happens in the triggerer, and the decoded `microsoft.qio-results.v2` result (best
  `configuration`, its `cost`, the other `solutions`) lands in XCom, with the job id and its
  portal link (`job_id`, `job_url`).
* `report` reads the best configuration and cost, checks the cost against the terms, and
  prints the two groups and the weight of the cut.

Runs unchanged against the local emulator or a real workspace: only the
`azure_quantum_default` connection differs.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import dag, task

from airflow_quantum.operators.azure_quantum import AzureQuantumSubmitJobOperator

#: The graph: (node, node, weight).
EDGES: list[tuple[int, int, float]] = [
    (0, 1, 3.0),
    (0, 2, 1.0),
    (1, 2, 2.0),
    (1, 3, 4.0),
    (2, 4, 2.0),
    (3, 4, 1.0),
    (3, 5, 3.0),
    (4, 6, 5.0),
    (5, 6, 2.0),
    (5, 7, 1.0),
    (6, 7, 3.0),
    (2, 7, 2.0),
]
#: The Ising terms the solver minimises: one `w·sᵢ·sⱼ` per edge.
ISING_TERMS: list[dict[str, Any]] = [{"c": w, "ids": [i, j]} for i, j, w in EDGES]


def ising_cost(configuration: dict[str, int]) -> float:
    """The cost of a configuration (spin id as text → ±1) under ISING_TERMS."""
    return sum(
        term["c"] * configuration[str(term["ids"][0])] * configuration[str(term["ids"][1])]
        for term in ISING_TERMS
    )


@dag(
    dag_id="example_azure_quantum_qio",
    schedule=None,
    catchup=False,
    doc_md=__doc__,
    tags=["example", "quantum", "azure-quantum", "optimization"],
)
def example_azure_quantum_qio():
    # --8<-- [start:solve]
    solve = AzureQuantumSubmitJobOperator(
        task_id="solve",
        target="microsoft.simulatedannealing.cpu",
        qio_problem=ISING_TERMS,
        problem_type="ising",
        input_params={"sweeps": 1000, "seed": 42},
        name="max-cut-8",
        tags=["example", "max-cut"],
        deferrable=True,  # wait in the triggerer, not on a worker slot
        poll_interval=1,  # first check after about a second, then less and less often
        timeout=3600,  # give up (and cancel the job) after an hour
    )
    # --8<-- [end:solve]

    @task(multiple_outputs=False)  # one XCom holding the whole dict
    def report(result: dict[str, Any]) -> dict[str, Any]:
        configuration = {str(k): int(v) for k, v in result["configuration"].items()}
        cost = float(result["cost"])
        recomputed = ising_cost(configuration)
        if abs(recomputed - cost) > 1e-6:
            raise ValueError(f"the solver reports cost {cost}, the terms give {recomputed}")
        total = sum(w for _, _, w in EDGES)
        groups = [
            sorted(int(node) for node, spin in configuration.items() if spin == side)
            for side in (1, -1)
        ]
        cut = (total - cost) / 2
        print(f"Best configuration: {configuration}")
        print(f"Cost {cost:g}; groups {groups[0]} | {groups[1]}; cut weight {cut:g} of {total:g}")
        return {"cost": cost, "configuration": configuration, "groups": groups, "cut": cut}

    report(solve.output)


example_azure_quantum_qio()
