"""The operator and sensor guides document every parameter the classes take.

docs/operators.md names each parameter of every operator (its own and its provider base
classes'; Airflow's own are Airflow's to document), docs/sensors.md each of the sensors'; the
Azure spending parameters and the list form of ``target`` link to docs/spending.md, where they
are explained in full. The options of the provider's ``[quantum]`` config section are listed with
their defaults, and how to see their values.
"""

from __future__ import annotations

import inspect
import re
from types import ModuleType

import pytest
from docs_support import DOCS

from airflow_quantum.get_provider_info import get_provider_info
from airflow_quantum.operators import azure_quantum as azure_operators
from airflow_quantum.operators import azure_quantum_sweep as azure_sweeps
from airflow_quantum.operators import braket as braket_operators
from airflow_quantum.operators import braket_sweep as braket_sweeps
from airflow_quantum.operators import ibm_quantum as ibm_operators
from airflow_quantum.operators import ibm_quantum_sweep as ibm_sweeps
from airflow_quantum.sensors import azure_quantum as azure_sensors
from airflow_quantum.sensors import braket as braket_sensors
from airflow_quantum.sensors import ibm_quantum as ibm_sensors

GUIDES = {
    "operators.md": (azure_operators, ibm_operators, braket_operators),
    "sensors.md": (azure_sensors, ibm_sensors, braket_sensors),
    "sweeps.md": (azure_sweeps, ibm_sweeps, braket_sweeps),
}


def _classes(module: ModuleType) -> list[type]:
    """The public operator or sensor classes a module defines."""
    return [
        value
        for name, value in vars(module).items()
        if inspect.isclass(value)
        and value.__module__ == module.__name__
        and not name.startswith("_")
        and name.endswith(("Operator", "Sensor"))
    ]


def _parameters(cls: type) -> set[str]:
    """The named parameters of ``cls.__init__`` and of its provider base classes'."""
    found = set()
    for klass in cls.__mro__:
        init = vars(klass).get("__init__")
        if init is not None and klass.__module__.startswith("airflow_quantum."):
            parameters = inspect.signature(init).parameters.values()
            found |= {p.name for p in parameters if p.name != "self" and p.kind != p.VAR_KEYWORD}
    return found


CASES = [
    (guide, cls)
    for guide, modules in GUIDES.items()
    for module in modules
    for cls in _classes(module)
]


@pytest.mark.parametrize(("guide", "cls"), CASES, ids=[cls.__name__ for _, cls in CASES])
def test_the_guide_names_every_parameter(guide, cls):
    text = (DOCS / guide).read_text()
    missing = sorted(name for name in _parameters(cls) if not re.search(rf"`{name}\b", text))
    assert not missing, f"{guide} does not mention {missing} of {cls.__name__}"


@pytest.mark.parametrize("guide", sorted(GUIDES))
def test_the_guide_documents_no_parameter_that_does_not_exist(guide):
    """Every name in the first column of a ``| parameter |`` table is taken by some class of
    the guide (Airflow's own included: ``poke_interval``, ``mode``, ...)."""
    taken = set()
    for module in GUIDES[guide]:
        for cls in _classes(module):
            for klass in cls.__mro__:
                if "__init__" in vars(klass):
                    taken |= set(inspect.signature(vars(klass)["__init__"]).parameters)
    text = (DOCS / guide).read_text()
    tables = re.findall(r"^\| parameter \|.*\n\|[-| ]+\|\n((?:\|.*\n)+)", text, flags=re.M)
    assert tables
    cells = [row.split("|")[1] for table in tables for row in table.splitlines()]
    unknown = {name for cell in cells for name in re.findall(r"`(\w+)`", cell)} - taken
    assert not unknown, unknown


def test_the_azure_spending_parameters_link_to_the_spending_page():
    text = (DOCS / "operators.md").read_text()
    rows = dict(re.findall(r"^\| `(\w+)` \| (.*) \|$", text, flags=re.M))
    for name in ("target", "max_cost", "prices"):
        assert "(spending.md#" in rows[name], rows[name]
    assert "a list of targets" in rows["target"]
    assert "max_cost" in rows["allow_unpriced"]


def test_the_quantum_config_options_are_listed_with_their_defaults():
    text = (DOCS / "operators.md").read_text()
    table = text[text.index("| option | default | meaning |") :]
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|", table[: table.index("\n\n")], re.M))
    options = get_provider_info()["config"]["quantum"]["options"]
    assert set(rows) == set(options)
    for name, option in options.items():
        shown = f"`{option['default']}`" if option["default"] else "empty"
        assert rows[name].startswith(shown), (name, rows[name])
    assert "airflow config list --section quantum --show-values" in " ".join(text.split())
