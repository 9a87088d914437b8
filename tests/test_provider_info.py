"""Airflow discovers the provider: entry point, schema-valid metadata, connection forms."""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from pathlib import Path

import airflow
import jsonschema

from airflow_quantum.get_provider_info import get_provider_info


def test_entry_point_points_at_get_provider_info():
    (entry,) = [
        ep
        for ep in entry_points(group="apache_airflow_provider")
        if ep.value.startswith("airflow_q")
    ]
    assert entry.load() is get_provider_info


def test_provider_info_is_valid_for_airflow():
    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    jsonschema.validate(get_provider_info(), schema)


def test_both_connection_types_declare_secret_fields_as_passwords():
    types = {c["connection-type"]: c for c in get_provider_info()["connection-types"]}
    assert set(types) == {"azure_quantum", "ibm_quantum"}
    azure = types["azure_quantum"]["conn-fields"]
    assert azure["api_key"]["schema"]["format"] == "password"
    assert azure["connection_string"]["schema"]["format"] == "password"
    assert (
        types["ibm_quantum"]["ui-field-behaviour"]["relabeling"]["password"] == "IBM Cloud API key"
    )


def _fields(conn_type: str) -> dict:
    (info,) = [
        c for c in get_provider_info()["connection-types"] if c["connection-type"] == conn_type
    ]
    return info["conn-fields"]


def test_both_forms_offer_the_documented_shared_polling_switch():
    for conn_type in ("azure_quantum", "ibm_quantum"):
        schema = _fields(conn_type)["shared_polling"]["schema"]
        assert "boolean" in schema["type"] and schema["default"] is True


def test_the_azure_credential_is_a_choice_of_what_the_hook_accepts():
    from airflow_quantum.clients.azure.credentials import IDENTITY_METHODS

    schema = _fields("azure_quantum")["credential"]["schema"]
    assert schema["enum"] == [None, *IDENTITY_METHODS]  # None: no credential (the default)
    assert "null" in schema["type"]  # optional


def test_only_the_ibm_instance_crn_is_required():
    # The form marks a field required when its schema type does not admit null.
    required = {
        (conn_type, key)
        for conn_type in ("azure_quantum", "ibm_quantum")
        for key, spec in _fields(conn_type).items()
        if "null" not in spec["schema"]["type"]
    }
    assert required == {("ibm_quantum", "instance")}


def test_the_quantum_options_default_to_what_the_code_falls_back_to():
    # "airflow config list --section quantum" shows no values (Airflow 3 hides every value
    # unless --show-values); the defaults themselves are declared, and Airflow reads them.
    from airflow.configuration import conf

    from airflow_quantum.operators.wait_settings import DEFAULT_DEFER_AFTER_SECONDS
    from airflow_quantum.results.storage import DEFAULT_MAX_XCOM_RESULT_BYTES
    from airflow_quantum.triggers.hold import DEFAULT_MIN_DEFERRAL_SECONDS

    options = get_provider_info()["config"]["quantum"]["options"]
    assert float(options["min_deferral_seconds"]["default"]) == DEFAULT_MIN_DEFERRAL_SECONDS
    assert float(options["defer_after_seconds"]["default"]) == DEFAULT_DEFER_AFTER_SECONDS
    assert int(options["max_xcom_result_bytes"]["default"]) == DEFAULT_MAX_XCOM_RESULT_BYTES
    for name, option in options.items():
        assert conf.get_default_value("quantum", name) == option["default"], name
