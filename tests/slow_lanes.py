"""How ``make test`` lays out the slow tests: which pytest run collects which module, in what
order the modules are handed out, and which modules one pytest-xdist worker runs together.

``make test`` starts two pytest runs of slow tests beside the other tests (see the Makefile):
"early" (EARLY_MODULES, one after the other in a pytest of its own) and "rest" (every other
module of SLOW_MODULES, in xdist workers, ``--dist loadfile --no-loadscope-reorder``). Each
collects only its own modules: a collection of the whole suite costs each of those pytest
processes about 3 s of CPU more, at the start, when every core is busy. A test marked slow in
a module missing from SLOW_MODULES would then run in neither: every run without the variable
(the tests that start no Airflow process among them) refuses such a module.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: The slow test modules, in the order they are handed out: the longest first (as measured
#: with everything side by side), so that the workers end about together.
SLOW_MODULES = (
    "test_soak",
    "test_reliability_scenarios",
    "test_reliability_service_faults",
    "test_example_dags",
    "test_reliability_quick_jobs",
    "test_reliability_start_race",
    "test_airflow_ui",
    "test_spend_approval",
    "test_reliability_ha_secrets",
    "test_first_hour",
    "test_scale_smoke",
    "test_sweep_vs_expand_smoke",
    "test_demo_cli",
    "test_xcom_object_storage_backend",
    "test_budget_dag",
    "test_providers_list",
)
#: Slow modules that ``make test`` runs in a pytest of their own, beside the others, one after
#: the other. First the module paced by a clock, not by the CPU (the soak's CI profile runs two
#: minutes of DAG runs at a fixed rate, then drains, on about half a core). In the xdist run, a
#: worker given the soak's one test would at once be handed a second module too (pytest-xdist
#: hands out more work to a worker with two tests or fewer pending), which would wait behind the
#: soak while other workers idle. Then two modules that the xdist workers ran last, with a core
#: idle beside them, and that fit in what the soak leaves of this run (measured on fresh clones:
#: the xdist run ended 548 s after the start with them in it; 510 and 521 s without them, this
#: run then ending at 503 and 537 s).
EARLY_MODULES = ("test_soak", "test_reliability_ha_secrets", "test_scale_smoke")
#: Modules that share one Airflow deployment (tests/shared_deployments.py): one xdist worker
#: runs them one after the other, so that the deployment starts once. Each module still works
#: alone, or in another worker: it then starts a deployment of its own.
SHARED_DEPLOYMENT_MODULES = {
    "test_reliability_scenarios": "reliability",
    "test_reliability_service_faults": "reliability",
    "test_airflow_ui": "example-dags",
    "test_spend_approval": "example-dags",
}
#: ``make test`` sets it for its two runs of slow tests: "early" selects EARLY_MODULES only,
#: "rest" all the others; unset (any other pytest run), nothing is left out.
GROUP_VARIABLE = "AIRFLOW_QUANTUM_TEST_GROUP"


def _group() -> str | None:
    group = os.environ.get(GROUP_VARIABLE)
    return group if group in ("early", "rest") else None


def _in_group(stem: str, group: str) -> bool:
    return (stem in EARLY_MODULES) == (group == "early") and stem in SLOW_MODULES


def ignore_collect(collection_path: Path) -> bool | None:
    """True for a test module the current run of slow tests does not run (None: no opinion)."""
    group = _group()
    if group is None or not collection_path.name.startswith("test_"):
        return None
    if collection_path.suffix != ".py":
        return None
    return None if _in_group(collection_path.stem, group) else True


def order_and_select(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put the slow tests last, in SLOW_MODULES order; leave out what this run does not run."""
    unlisted = sorted(
        {
            str(item.path)
            for item in items
            if item.get_closest_marker("slow") and item.path.stem not in SLOW_MODULES
        }
    )
    if unlisted:
        raise pytest.UsageError(
            f"slow tests in modules missing from tests/slow_lanes.py SLOW_MODULES: {unlisted}"
        )
    rank = {name: i for i, name in enumerate(SLOW_MODULES)}

    def order(item: pytest.Item) -> int:
        if item.get_closest_marker("slow") is None:
            return -1  # the other tests keep their place, before the slow ones
        return rank[item.path.stem]

    items.sort(key=order)  # stable: a module's tests keep their order
    group = _group()
    if group is not None:
        left_out = [item for item in items if not _in_group(item.path.stem, group)]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = [item for item in items if _in_group(item.path.stem, group)]


def xdist_scope(nodeid: str) -> str:
    """A test's unit of work: its module, or the SHARED_DEPLOYMENT_MODULES group of it."""
    path = nodeid.split("::", 1)[0]
    return SHARED_DEPLOYMENT_MODULES.get(Path(path).stem, path)


def xdist_scheduler(config: pytest.Config, log):
    """``--dist loadfile``, with the units of work of ``xdist_scope``.

    (``--dist loadgroup`` would group with marks, but with pytest 9 it groups nothing: it puts
    the group into a node id that pytest no longer reads.) pytest-xdist is imported here, not
    at the top: the official clients' tests run these conftests without it.
    """
    from xdist.scheduler import LoadFileScheduling

    class SharedDeploymentScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_scope(nodeid)

    return SharedDeploymentScheduling(config, log)
