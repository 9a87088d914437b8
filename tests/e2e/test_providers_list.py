"""The provider as Airflow's own CLI sees it: package, connection types, hooks."""

from __future__ import annotations

import json
import subprocess

import pytest
from e2e_support import AirflowE2E

from airflow_quantum import __version__
from airflow_quantum_emulator import demo

pytestmark = pytest.mark.slow

HOOKS = {
    "azure_quantum": ("airflow_quantum.hooks.azure_quantum.AzureQuantumHook", "Azure Quantum"),
    "ibm_quantum": ("airflow_quantum.hooks.ibm_quantum.IBMQuantumHook", "IBM Quantum"),
}


@pytest.fixture(scope="module")
def cli_json(airflow_e2e: AirflowE2E) -> dict[str, object]:
    """The JSON answers of a few ``airflow providers`` commands, run side by side."""
    commands = {
        "list": ("providers", "list", "-o", "json"),
        "get": ("providers", "get", "airflow-quantum", "--full", "-o", "json"),
        "hooks": ("providers", "hooks", "-o", "json"),
        "widgets": ("providers", "widgets", "-o", "json"),
    }
    running = {
        name: subprocess.Popen(
            demo.airflow_command(*args),
            env=airflow_e2e.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, args in commands.items()
    }
    answers: dict[str, object] = {}
    for name, process in running.items():
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, f"airflow {' '.join(commands[name])}: {stderr[-2000:]}"
        answers[name] = json.loads(stdout)
    return answers


def test_providers_list_shows_the_package(cli_json):
    providers = {row["package_name"]: row for row in cli_json["list"]}
    assert providers["airflow-quantum"]["version"] == __version__
    assert "Azure Quantum" in providers["airflow-quantum"]["description"]


def test_providers_get_describes_both_connection_types(cli_json):
    (info,) = cli_json["get"]
    assert info["package-name"] == "airflow-quantum"
    kinds = {kind["connection-type"]: kind for kind in info["connection-types"]}
    assert set(kinds) == set(HOOKS)
    for conn_type, (hook_class, hook_name) in HOOKS.items():
        assert kinds[conn_type]["hook-class-name"] == hook_class
        assert kinds[conn_type]["hook-name"] == hook_name
    assert {"workspace", "endpoint", "api_key"} <= set(kinds["azure_quantum"]["conn-fields"])
    assert {"instance", "runtime_url", "iam_url"} <= set(kinds["ibm_quantum"]["conn-fields"])
    modules = {m for hook in info["hooks"] for m in hook["python-modules"]}
    # BraketHook is listed too, with no connection type of its own: it uses the Amazon
    # provider's ``aws`` connection.
    assert modules == {
        "airflow_quantum.hooks.azure_quantum",
        "airflow_quantum.hooks.ibm_quantum",
        "airflow_quantum.hooks.braket",
    }


def test_providers_hooks_registers_both_hooks(cli_json):
    ours = {
        row["connection_type"]: row
        for row in cli_json["hooks"]
        if row.get("package_name") == "airflow-quantum"
    }
    assert set(ours) == set(HOOKS)
    for conn_type, (hook_class, hook_name) in HOOKS.items():
        assert ours[conn_type]["class"] == hook_class
        assert ours[conn_type]["hook_name"] == hook_name
        assert ours[conn_type]["package_name"] == "airflow-quantum"
    assert ours["azure_quantum"]["conn_id_attribute_name"] == "azure_quantum_conn_id"
    assert ours["ibm_quantum"]["conn_id_attribute_name"] == "ibm_quantum_conn_id"


def test_connection_form_widgets_come_from_the_provider(cli_json):
    widgets = {row["connection_parameter_name"]: row for row in cli_json["widgets"]}
    for conn_type, field_name in (("azure_quantum", "workspace"), ("ibm_quantum", "instance")):
        widget = widgets[f"extra__{conn_type}__{field_name}"]
        assert widget["class"] == HOOKS[conn_type][0]
        assert widget["package_name"] == "airflow-quantum"


def test_the_quantum_config_section_comes_with_its_defaults(airflow_e2e: AirflowE2E):
    """``[quantum]`` (results_base_path, max_xcom_result_bytes) is the provider's config."""
    done = airflow_e2e.airflow("config", "get-value", "quantum", "max_xcom_result_bytes")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "1048576"
    listed = airflow_e2e.airflow("config", "list", "--section", "quantum", "--defaults")
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert "results_base_path" in listed.stdout
