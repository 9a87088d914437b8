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
