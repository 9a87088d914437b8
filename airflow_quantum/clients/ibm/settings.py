"""Where an IBM Quantum (Qiskit Runtime) instance lives and how to authenticate to it.

``IBMQuantumSettings`` is built from plain values (no Airflow here): the IBM Cloud API key, the
instance CRN, and optional overrides of the runtime and IAM URLs. The runtime URL defaults to
the one of the CRN's region (``us-east`` -> ``https://quantum.cloud.ibm.com/api/v1``, any other
region -> ``https://{region}.quantum.cloud.ibm.com/api/v1``, with ``private.`` in front on the
private network). Every check raises ``ConfigurationError`` naming the field; no message and no
``repr`` ever shows the API key, and the key is never sent over plain http to a host other than
loopback unless ``allow_insecure_http`` says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from airflow_quantum.clients.config import given, parse_bool, parse_verify
from airflow_quantum.clients.errors import ConfigurationError
from airflow_quantum.clients.transport import check_secure_url

DEFAULT_IAM_URL = "https://iam.cloud.ibm.com"
#: The ``IBM-API-Version`` current official clients send.
DEFAULT_API_VERSION = "2026-04-15"
#: The region whose runtime host has no region prefix.
HOME_REGION = "us-east"

#: ``crn:v1:bluemix:public:quantum-computing:us-east:a/<account>:<instance id>::``
CRN_PATTERN = re.compile(
    r"^crn:v1:(?P<cname>[A-Za-z0-9-]+):(?P<ctype>[A-Za-z0-9-]+):quantum-computing:"
    r"(?P<region>[a-z0-9-]+):(?P<scope>a/[A-Za-z0-9-]+):(?P<guid>[A-Za-z0-9-]+):[^:]*:[^:]*$"
)
_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CRN_EXAMPLE = "crn:v1:bluemix:public:quantum-computing:<region>:a/<account>:<instance id>::"


def runtime_url_for(region: str, *, private_endpoint: bool = False) -> str:
    """The Qiskit Runtime API base URL of a CRN region."""
    if private_endpoint:
        return f"https://private.{region}.quantum.cloud.ibm.com/api/v1"
    if region == HOME_REGION:
        return "https://quantum.cloud.ibm.com/api/v1"
    return f"https://{region}.quantum.cloud.ibm.com/api/v1"


def parse_crn(instance: Any) -> re.Match[str]:
    """The parts of an instance CRN, or ``ConfigurationError`` naming ``instance``."""
    if not given(instance):
        raise ConfigurationError(
            f"instance (the Qiskit Runtime instance CRN) is required: {_CRN_EXAMPLE}"
        )
    if not isinstance(instance, str):
        raise ConfigurationError(f"instance must be a CRN string, not {type(instance).__name__}")
    match = CRN_PATTERN.match(instance.strip())
    if match is None:
        raise ConfigurationError(
            f"instance {instance.strip()[:200]!r} is not a Qiskit Runtime instance CRN "
            f"(expected {_CRN_EXAMPLE})"
        )
    return match


@dataclass(frozen=True)
class IBMQuantumSettings:
    """Validated settings of one IBM Quantum instance (see the module docstring).

    ``runtime_url`` and ``iam_url`` may be given with or without their paths: a runtime URL
    with no path gets ``/api/v1``, an IAM URL loses a trailing ``/identity/token``.
    """

    api_key: str = field(repr=False)
    instance: str
    runtime_url: str | None = None
    iam_url: str | None = None
    api_version: str | None = None
    private_endpoint: bool | str | None = False
    verify: bool | str | None = True
    allow_insecure_http: bool | str | None = False
    region: str = field(init=False)

    def __post_init__(self) -> None:
        if not given(self.api_key):
            raise ConfigurationError("api_key (the IBM Cloud API key) is required")
        if not isinstance(self.api_key, str):
            raise ConfigurationError(f"api_key must be a string, not {type(self.api_key).__name__}")
        crn = parse_crn(self.instance)
        private = parse_bool(self.private_endpoint, "private_endpoint", default=False)
        insecure = parse_bool(self.allow_insecure_http, "allow_insecure_http", default=False)
        runtime_url = _url(self.runtime_url, "runtime_url") or runtime_url_for(
            crn["region"], private_endpoint=private
        )
        if not urlsplit(runtime_url).path.strip("/"):
            runtime_url = runtime_url.rstrip("/") + "/api/v1"
        iam_url = _url(self.iam_url, "iam_url") or DEFAULT_IAM_URL
        iam_url = iam_url.rstrip("/").removesuffix("/identity/token")
        api_version = self.api_version.strip() if given(self.api_version) else DEFAULT_API_VERSION
        if not isinstance(api_version, str) or not _API_VERSION.match(api_version):
            raise ConfigurationError(
                f"api_version must be a date such as {DEFAULT_API_VERSION}, "
                f"got {str(self.api_version)[:40]!r}"
            )
        values = {
            "api_key": self.api_key.strip(),
            "instance": self.instance.strip(),
            "runtime_url": check_secure_url(
                runtime_url, allow_insecure_http=insecure, what="runtime_url"
            ),
            "iam_url": check_secure_url(iam_url, allow_insecure_http=insecure, what="iam_url"),
            "api_version": api_version,
            "private_endpoint": private,
            "verify": parse_verify(self.verify),
            "allow_insecure_http": insecure,
            "region": crn["region"],
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def token_url(self) -> str:
        """IAM's token endpoint."""
        return f"{self.iam_url}/identity/token"

    def describe(self) -> str:
        """A one-line, secret-free description (for logs and connection tests)."""
        return f"IBM Quantum instance {self.instance} at {self.runtime_url}"

    def __repr__(self) -> str:
        return (
            f"IBMQuantumSettings(instance={self.instance!r}, runtime_url={self.runtime_url!r}, "
            f"iam_url={self.iam_url!r}, api_version={self.api_version!r}, api_key=***)"
        )


def _url(value: Any, name: str) -> str | None:
    if not given(value):
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"{name} must be a URL string, not {type(value).__name__}")
    return value.strip()
