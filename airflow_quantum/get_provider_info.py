"""Provider metadata read by Airflow through the ``apache_airflow_provider`` entry point."""

from __future__ import annotations

from typing import Any

from airflow_quantum import __version__
from airflow_quantum.clients.azure.credentials import IDENTITY_METHODS


def _text(
    label: str,
    description: str,
    *,
    secret: bool = False,
    default: str | None = None,
    required: bool = False,
):
    # The connection form marks a field required when its type does not admit null.
    schema: dict[str, Any] = {"type": "string" if required else ["string", "null"]}
    if secret:
        schema["format"] = "password"
    if default is not None:
        schema["default"] = default
    return {"label": label, "schema": schema, "description": description}


AZURE_CONN_FIELDS = {
    "tenant_id": _text("Tenant ID", "Entra ID (Azure AD) tenant of the service principal."),
    "subscription_id": _text("Subscription ID", "Azure subscription of the workspace."),
    "resource_group": _text("Resource group", "Resource group of the workspace."),
    "workspace": _text("Workspace", "Azure Quantum workspace name."),
    "location": _text("Location", "Workspace region, e.g. eastus (sets the endpoint)."),
    "endpoint": _text(
        "Endpoint", "Overrides https://{location}.quantum.azure.com (e.g. the local emulator)."
    ),
    "authority_host": _text(
        "Authority host", "Overrides https://login.microsoftonline.com (sovereign clouds)."
    ),
    "api_key": _text(
        "Workspace API key", "Use a workspace access key instead of a client secret.", secret=True
    ),
    "connection_string": _text(
        "Connection string",
        "Workspace connection string (SubscriptionId=...;ApiKey=...;QuantumEndpoint=...;); "
        "replaces all other fields.",
        secret=True,
    ),
    "credential": {
        "label": "azure-identity credential",
        # A choice list (the form renders an enum as a drop-down); empty = none.
        "schema": {"type": ["string", "null"], "enum": [None, *IDENTITY_METHODS]},
        "description": "Instead of a secret or key: default, managed_identity, "
        "workload_identity, environment or azure_cli (needs airflow-quantum[azure]). "
        "Client ID = a user-assigned identity.",
    },
    "token_file": _text(
        "Federated token file", "Workload identity token file (else AZURE_FEDERATED_TOKEN_FILE)."
    ),
    "api_version": _text("API version", "Data-plane api-version to send."),
}

#: Transport settings both connection types accept.
TRANSPORT_FIELDS = {
    "verify": _text("TLS verification", "true (default), false, or the path of a CA bundle."),
    "allow_insecure_http": {
        "label": "Allow insecure http",
        "schema": {"type": ["boolean", "null"], "default": False},
        "description": "Send credentials over plain http to a non-loopback host (not advised).",
    },
    "shared_polling": {
        "label": "Shared polling",
        "schema": {"type": ["boolean", "null"], "default": True},
        "description": "Deferred waits on this connection share one listing of pending jobs "
        "per poll (default); off: every wait polls its own job.",
    },
}

IBM_CONN_FIELDS = {
    "instance": _text(
        "Instance CRN",
        "Required. crn:v1:bluemix:public:quantum-computing:{region}:a/{account}:{id}::",
        required=True,
    ),
    "runtime_url": _text(
        "Runtime URL", "Overrides the API URL derived from the CRN region (e.g. the emulator)."
    ),
    "iam_url": _text("IAM URL", "Overrides https://iam.cloud.ibm.com."),
    "api_version": _text("API version", "IBM-API-Version header (a date)."),
    "private_endpoint": {
        "label": "Private endpoint",
        "schema": {"type": ["boolean", "null"], "default": False},
        "description": "Use the private-network runtime endpoint of the region.",
    },
}


#: The ``[quantum]`` section of the Airflow config (``airflow config list`` shows it).
CONFIG = {
    "quantum": {
        "description": "Settings of the quantum operators, sensors and triggers.",
        "options": {
            "results_base_path": {
                "description": (
                    "Object storage URL under which results larger than "
                    "max_xcom_result_bytes are written as "
                    "{base}/{dag_id}/{run_id}/{task_id}.json when the task has no results_path; "
                    "XCom then gets the URI and a summary. Empty: such results are trimmed "
                    "(or left whole to the object-storage XCom backend when it is configured).\n"
                ),
                "version_added": "0.1.0",
                "type": "string",
                "example": "s3://aws_default@bucket/quantum-results",
                "default": "",
            },
            "max_xcom_result_bytes": {
                "description": (
                    "Results whose JSON is larger do not go to XCom whole (operators' "
                    "max_xcom_result_bytes overrides it).\n"
                ),
                "version_added": "0.1.0",
                "type": "integer",
                "example": "262144",
                "default": "1048576",
            },
            "max_cost": {
                "description": (
                    "Default spending limit of each Azure Quantum job, in the workspace's "
                    "currency (e.g. USD), checked against the estimate before submission. An "
                    "operator's max_cost, then the connection extra max_cost, override it. "
                    "Empty: no limit.\n"
                ),
                "version_added": "0.2.0",
                "type": "float",
                "example": "25",
                "default": "",
            },
            "max_quantum_seconds": {
                "description": (
                    "Default limit of each IBM Quantum job's quantum seconds (the service's "
                    "usage estimate and the instance's remaining usage are checked against it). "
                    "An operator's max_quantum_seconds, then the connection extra "
                    "max_quantum_seconds, override it. Empty: no limit.\n"
                ),
                "version_added": "0.2.0",
                "type": "float",
                "example": "60",
                "default": "",
            },
            "min_deferral_seconds": {
                "description": (
                    "A deferred quantum task resumes no sooner than this many seconds after it "
                    "deferred: a job that ends sooner has its trigger event held until then, "
                    "so that the scheduler has processed the deferring attempt's exit first "
                    "(otherwise Airflow may mark the resumed task failed: apache/airflow#71580). "
                    "0 turns the hold off. Jobs that end later are not delayed.\n"
                ),
                "version_added": "0.1.0",
                "type": "float",
                "example": "30",
                "default": "20",
            },
            "defer_after_seconds": {
                "description": (
                    "A deferrable quantum operator or sensor waits this many seconds for its "
                    "job on the worker (looking every 1-3 s, at most half its timeout) before it "
                    "defers: a quick job (a simulator, a small circuit) then ends the task "
                    "without a deferral, instead of resuming it min_deferral_seconds after "
                    "deferring. "
                    "The worker slot is held that long. 0: defer after one look.\n"
                ),
                "version_added": "0.2.0",
                "type": "float",
                "example": "0",
                "default": "20",
            },
        },
    }
}


def _modules(
    kind: str,
    *ibm_extra: str,
    azure_extra: tuple[str, ...] = (),
    braket_extra: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    return [
        {
            "integration-name": "Amazon Braket",
            "python-modules": [
                f"airflow_quantum.{kind}.braket",
                *(f"airflow_quantum.{kind}.{name}" for name in braket_extra),
            ],
        },
        {
            "integration-name": "Azure Quantum",
            "python-modules": [
                f"airflow_quantum.{kind}.azure_quantum",
                *(f"airflow_quantum.{kind}.{name}" for name in azure_extra),
            ],
        },
        {
            "integration-name": "IBM Quantum",
            "python-modules": [
                f"airflow_quantum.{kind}.ibm_quantum",
                *(f"airflow_quantum.{kind}.{name}" for name in ibm_extra),
            ],
        },
    ]


def get_provider_info() -> dict[str, Any]:
    """Describe the provider to Airflow (``airflow providers list``, connection forms)."""
    return {
        "package-name": "airflow-quantum",
        "name": "Quantum (Azure Quantum, IBM Quantum, Amazon Braket)",
        "description": "Run Azure Quantum, IBM Quantum (Qiskit Runtime) and Amazon Braket jobs "
        "from Airflow.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "Amazon Braket",
                "external-doc-url": "https://docs.aws.amazon.com/braket/",
                "tags": ["aws"],
            },
            {
                "integration-name": "Azure Quantum",
                "external-doc-url": "https://learn.microsoft.com/azure/quantum/",
                "tags": ["azure"],
            },
            {
                "integration-name": "IBM Quantum",
                "external-doc-url": "https://quantum.cloud.ibm.com/docs",
                "tags": ["software"],
            },
        ],
        "operators": _modules(
            "operators",
            "ibm_quantum_sessions",
            "ibm_quantum_sweep",
            azure_extra=("azure_quantum_sweep",),
            braket_extra=("braket_sweep",),
        ),
        "sensors": _modules("sensors"),
        "triggers": _modules("triggers"),
        "config": CONFIG,
        "extra-links": [
            "airflow_quantum.links.braket.BraketTaskLink",
            "airflow_quantum.links.azure_quantum.AzureQuantumJobLink",
            "airflow_quantum.links.ibm_quantum.IBMQuantumJobLink",
        ],
        "hooks": [
            {
                # Braket uses the Amazon provider's ``aws`` connection type (no type of its own).
                "integration-name": "Amazon Braket",
                "python-modules": ["airflow_quantum.hooks.braket"],
            },
            {
                "integration-name": "Azure Quantum",
                "python-modules": ["airflow_quantum.hooks.azure_quantum"],
            },
            {
                "integration-name": "IBM Quantum",
                "python-modules": ["airflow_quantum.hooks.ibm_quantum"],
            },
        ],
        "connection-types": [
            {
                "hook-class-name": "airflow_quantum.hooks.azure_quantum.AzureQuantumHook",
                "hook-name": "Azure Quantum",
                "connection-type": "azure_quantum",
                "conn-fields": {**AZURE_CONN_FIELDS, **TRANSPORT_FIELDS},
                "ui-field-behaviour": {
                    "hidden-fields": ["host", "schema", "port"],
                    "relabeling": {"login": "Client ID", "password": "Client secret"},
                    "placeholders": {
                        "login": "application (client) id of the service principal",
                        "password": "client secret (or leave empty: API key or credential)",
                    },
                },
            },
            {
                "hook-class-name": "airflow_quantum.hooks.ibm_quantum.IBMQuantumHook",
                "hook-name": "IBM Quantum",
                "connection-type": "ibm_quantum",
                "conn-fields": {**IBM_CONN_FIELDS, **TRANSPORT_FIELDS},
                "ui-field-behaviour": {
                    "hidden-fields": ["host", "schema", "port", "login"],
                    "relabeling": {"password": "IBM Cloud API key"},
                    "placeholders": {"password": "IBM Cloud API key"},
                },
            },
        ],
    }
