"""The Airflow UI as a user sees it, in headless Chromium against a real api-server.

The connection form offers both vendors' connection types with the fields the provider
declares (labels from ``conn-fields`` and ``ui-field-behaviour``, secrets masked), and after a
real DAG run against the emulator each quantum task's extra link opens the emulator's own page
of the job (the vendor portals do not know emulated jobs).
Screenshots land in ``test-artifacts/ui/``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Locator, Page
from ui_support import ADMIN, UI_TASKS, AirflowDeployment, form_field, log_in, screenshot, wait_for

from airflow_quantum.clients.portal import azure_job_url, ibm_job_url
from airflow_quantum.get_provider_info import get_provider_info
from airflow_quantum_emulator import demo

pytestmark = pytest.mark.slow

CONNECTION_TYPES = {c["hook-name"]: c for c in get_provider_info()["connection-types"]}
#: Extra fields that hold secrets: whatever the provider info says, these must be masked.
SECRET_EXTRAS = {"Azure Quantum": {"api_key", "connection_string"}, "IBM Quantum": set()}
#: The standard fields of Airflow's connection form, by their default labels.
STANDARD_FIELDS = {"host": "Host", "schema": "Schema", "login": "Login", "password": "Password"}


def open_add_connection(page: Page, base_url: str) -> None:
    log_in(page, base_url, *ADMIN)
    page.get_by_role("button", name="Admin").click()
    page.get_by_role("menuitem", name="Connections").click()
    page.get_by_role("button", name="Add Connection").click()


def input_type(entry: Locator) -> str:
    """What the browser renders (an input without a ``type`` attribute is a text box)."""
    return entry.evaluate("element => element.type")


def expected_input_type(schema: dict[str, Any]) -> str:
    if "enum" in schema:  # a drop-down: its value travels in a hidden input
        return "hidden"
    if "boolean" in schema["type"]:
        return "checkbox"
    return "password" if schema.get("format") == "password" else "text"


@pytest.mark.parametrize("hook_name", sorted(CONNECTION_TYPES))
def test_connection_form_shows_the_vendor_fields_and_masks_secrets(
    airflow_ui: AirflowDeployment, browser_page: Page, hook_name: str
):
    page, info = browser_page, CONNECTION_TYPES[hook_name]
    behaviour = info["ui-field-behaviour"]
    open_add_connection(page, airflow_ui.api_url)

    page.get_by_role("combobox", name="Connection Type").click()
    offered = page.get_by_role("option").all_inner_texts()
    assert {"Azure Quantum", "IBM Quantum"} <= set(offered), offered
    page.get_by_role("option", name=hook_name, exact=True).click()

    # Standard fields: relabelled, hidden, and the password field masked.
    for field, default_label in STANDARD_FIELDS.items():
        label = behaviour["relabeling"].get(field, default_label)
        shown = form_field(page, label)
        if field in behaviour["hidden-fields"]:
            assert shown.count() == 0, f"{hook_name}: {label} should be hidden"
            continue
        assert shown.count() == 1, f"{hook_name}: no field labelled {label!r}"
        kind = input_type(shown.locator("input"))
        assert kind == ("password" if field == "password" else "text"), (label, kind)
        placeholder = behaviour["placeholders"].get(field)
        if placeholder:
            assert shown.locator("input").get_attribute("placeholder") == placeholder
    # A typed secret stays masked (the screenshot shows dots).
    secret = form_field(page, behaviour["relabeling"].get("password", "Password")).locator("input")
    secret.fill("typed-secret")
    assert input_type(secret) == "password"
    screenshot(page, f"connection-form-{info['connection-type']}")

    # The provider's own fields, each under its label, secrets as password inputs.
    page.get_by_role("button", name="Extra Fields", exact=True).click()
    for key, spec in info["conn-fields"].items():
        field = form_field(page, spec["label"])
        assert field.count() == 1, f"{hook_name}: no field labelled {spec['label']!r}"
        assert spec["description"] in field.inner_text()
        entry = field.locator(f"input[name='element_{key}']")
        assert input_type(entry) == expected_input_type(spec["schema"]), key
        # A required field (its type does not admit null) is marked with an asterisk.
        marked = field.locator("label").first.inner_text().strip().endswith("*")
        assert marked == ("null" not in spec["schema"]["type"]), key
    for key in SECRET_EXTRAS[hook_name]:
        assert input_type(page.locator(f"input[name='element_{key}']")) == "password", key

    screenshot(page, f"connection-form-{info['connection-type']}-extra-fields")


def failure_report(deployment: AirflowDeployment, dag_id: str, run_id: str) -> str:
    """The states of a run's tasks and the logs of those that failed."""
    tasks = deployment.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
    lines = [f"{dag_id}/{run_id} did not succeed"]
    for ti in tasks["task_instances"]:
        lines.append(f"{ti['task_id']}: {ti['state']}")
        if ti["state"] not in {"success", "skipped"}:
            lines.append(deployment.task_log(dag_id, run_id, ti["task_id"], ti["try_number"]))
    return "\n".join(lines)


def expected_job_pages(deployment: AirflowDeployment, runs: dict[str, str]) -> dict:
    """(dag id, task id, link name) → the URL the link must open: the emulator's job page."""
    conns = demo.emulator_connections(deployment.emulator.url)
    azure = json.loads(conns["AIRFLOW_CONN_AZURE_QUANTUM_DEFAULT"])["extra"]
    ibm = json.loads(conns["AIRFLOW_CONN_IBM_QUANTUM_DEFAULT"])["extra"]
    azure_dag = "example_azure_quantum_quantinuum"
    ibm_run, azure_run = runs["example_ibm_quantum_sampler"], runs[azure_dag]
    ibm_job = deployment.xcom("example_ibm_quantum_sampler", ibm_run, "sample_bell", "job_id")
    azure_job = deployment.xcom(azure_dag, azure_run, "bell_openqasm", "job_id")
    return {
        ("example_ibm_quantum_sampler", "sample_bell", "IBM Quantum job"): ibm_job_url(
            ibm_job, ibm["runtime_url"]
        ),
        (azure_dag, "bell_openqasm", "Azure Quantum job"): azure_job_url(
            azure["subscription_id"],
            azure["resource_group"],
            azure["workspace"],
            azure_job,
            endpoint=azure["endpoint"],
        ),
    }


def release_when_deferred(deployment: AirflowDeployment, dag_id: str, run_id: str, task_id: str):
    """Finish the job of ``task_id`` once the scheduler has seen the task leave its worker.

    The emulator holds jobs queued until then: a job that ends sooner can resume the task
    before the scheduler has handled its deferral, and Airflow then fails it ("finished with
    state success, but the task instance's state attribute is queued").
    """
    deployment.wait_for_task_state(dag_id, run_id, task_id, {"deferred"}, timeout=120)
    job_id = deployment.xcom(dag_id, run_id, task_id, "job_id")
    seen = (
        "Received executor event with state success for task instance "
        f"TaskInstanceKey(dag_id='{dag_id}', task_id='{task_id}', run_id='{run_id}'"
    )
    wait_for(
        lambda: seen in deployment.process_log("scheduler"),
        60,
        f"the scheduler to see {dag_id}.{task_id} deferred",
    )
    deployment.emulator_api("POST", f"/jobs/{job_id}/finish")


def test_extra_links_open_the_emulator_job_pages(airflow_ui: AirflowDeployment, browser_page: Page):
    runs = {dag_id: airflow_ui.trigger(dag_id) for dag_id, _ in UI_TASKS}
    for dag_id, task_id in UI_TASKS:
        release_when_deferred(airflow_ui, dag_id, runs[dag_id], task_id)
    for dag_id, run_id in runs.items():
        state = airflow_ui.wait_for_run(dag_id, run_id, timeout=120)
        assert state == "success", failure_report(airflow_ui, dag_id, run_id)
    page = browser_page
    log_in(page, airflow_ui.api_url, *ADMIN)

    for (dag_id, task_id, link_name), url in expected_job_pages(airflow_ui, runs).items():
        assert url.startswith(airflow_ui.emulator.url.rstrip("/") + "/_emulator/jobs/"), url
        page.goto(f"{airflow_ui.api_url}/dags/{dag_id}/runs/{runs[dag_id]}/tasks/{task_id}")
        page.get_by_role("link", name="Details", exact=True).click()  # the tab with the links
        link = page.get_by_role("link", name=link_name, exact=True)
        link.wait_for()
        assert link.get_attribute("href") == url
        screenshot(page, f"extra-link-{dag_id}")
        with page.context.expect_page() as new_tab:
            link.click()
        tab = new_tab.value
        tab.wait_for_load_state()
        assert tab.url == url
        # The emulator's page of the job: its state and a summary of its result.
        body = tab.locator("body").inner_text()
        assert "succeeded" in body and "Result" in body, body
        screenshot(tab, f"emulator-job-page-{dag_id}")
        tab.close()
