"""Where Amazon Braket lives for one account and how to sign for it.

``BraketSettings`` is built from plain values (no Airflow here): the connection's region, a
source of botocore credentials, and optional endpoints of the Braket and S3 APIs (the
``service_config`` of Airflow's ``aws`` connection, e.g. the local emulator). A QPU lives in
the region of its ARN (``arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet``); simulators (no
region in their ARN) and everything else run in the connection's region. With an endpoint
given, every region is served by it and only the signature's scope names the region.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from airflow_quantum.clients.config import given, parse_bool, parse_verify
from airflow_quantum.clients.errors import ConfigurationError
from airflow_quantum.clients.transport import check_secure_url

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
#: A bucket name that can be a host name label (virtual-hosted S3 addressing).
_DNS_BUCKET = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


def region_of_arn(arn: str) -> str | None:
    """The region field of an ARN (``arn:partition:service:region:account:resource``); None
    when it is empty (the simulators' device ARNs)."""
    parts = arn.split(":")
    return (parts[3] or None) if len(parts) > 3 else None


def check_region(region: Any, what: str = "region_name") -> str:
    """``region`` if it looks like an AWS region (``us-east-1``), else ``ConfigurationError``."""
    if not isinstance(region, str) or not _REGION.match(region.strip()):
        raise ConfigurationError(
            f"{what} must be an AWS region such as us-east-1, got {region!r:.40}"
        )
    return region.strip()


class CredentialSource:
    """botocore credentials, resolved once when first needed (building them may call STS to
    assume a role) and refreshed by botocore itself when they are refreshable.

    :param resolve: returns a ``botocore.credentials.Credentials`` (or ``RefreshableCredentials``);
        None means no credentials could be found.
    """

    def __init__(self, resolve: Callable[[], Any]) -> None:
        self._resolve = resolve
        self._credentials: Any = None
        self._lock = threading.Lock()

    @classmethod
    def static(cls, access_key: str, secret_key: str, token: str | None = None) -> CredentialSource:
        """Fixed keys (an access key id and secret, and a session token when temporary)."""
        from botocore.credentials import Credentials

        credentials = Credentials(access_key, secret_key, token)
        return cls(lambda: credentials)

    def credentials(self) -> Any:
        """The botocore credentials (may block: the first call resolves them)."""
        if self._credentials is None:
            with self._lock:
                if self._credentials is None:
                    resolved = self._resolve()
                    if resolved is None:
                        raise ConfigurationError(
                            "no AWS credentials: give the connection a login and password, a "
                            "profile or a role to assume"
                        )
                    self._credentials = resolved
        return self._credentials

    def frozen(self) -> Any:
        """The current keys (blocking when they must be refreshed)."""
        return self.credentials().get_frozen_credentials()

    def ready(self) -> bool:
        """Whether ``frozen()`` can answer without any I/O (resolved and not due a refresh)."""
        credentials = self._credentials
        if credentials is None:
            return False
        refresh_needed = getattr(credentials, "refresh_needed", None)
        return refresh_needed is None or not refresh_needed()

    def __repr__(self) -> str:
        return "CredentialSource(***)"


@dataclass(frozen=True)
class BraketSettings:
    """Validated settings of one AWS account's Braket (see the module docstring).

    :param region: the connection's region (simulators, spending limits, searches).
    :param credentials: where the keys come from (``CredentialSource``).
    :param endpoint_url: the Braket API of every region (default
        ``https://braket.{region}.amazonaws.com``).
    :param s3_endpoint_url: the S3 API (path-style addressing); default the regional S3 host,
        virtual-hosted.
    """

    region: str
    credentials: CredentialSource = field(repr=False)
    endpoint_url: str | None = None
    s3_endpoint_url: str | None = None
    verify: bool | str | None = True
    allow_insecure_http: bool | str | None = False

    def __post_init__(self) -> None:
        if not isinstance(self.credentials, CredentialSource):
            raise ConfigurationError("credentials must be a CredentialSource")
        insecure = parse_bool(self.allow_insecure_http, "allow_insecure_http", default=False)
        values = {
            "region": check_region(self.region),
            "endpoint_url": _endpoint(self.endpoint_url, "braket endpoint_url", insecure),
            "s3_endpoint_url": _endpoint(self.s3_endpoint_url, "s3 endpoint_url", insecure),
            "verify": parse_verify(self.verify),
            "allow_insecure_http": insecure,
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def region_for(self, arn: str | None) -> str:
        """The region a resource lives in: its ARN's, else the connection's."""
        return (region_of_arn(arn) if arn else None) or self.region

    def braket_url(self, region: str) -> str:
        """The Braket API base URL of ``region``."""
        return self.endpoint_url or f"https://braket.{region}.amazonaws.com"

    def s3_object_url(self, bucket: str, key: str, region: str) -> str:
        """The URL of an S3 object: path-style on a configured endpoint (and for bucket names
        that are not host labels), virtual-hosted on AWS's regional host otherwise."""
        path = quote(key, safe="/~")
        if self.s3_endpoint_url:
            return f"{self.s3_endpoint_url}/{quote(bucket, safe='')}/{path}"
        if _DNS_BUCKET.match(bucket) and "--" not in bucket:
            return f"https://{bucket}.s3.{region}.amazonaws.com/{path}"
        return f"https://s3.{region}.amazonaws.com/{quote(bucket, safe='')}/{path}"

    def describe(self) -> str:
        """A one-line, secret-free description (for logs and connection tests)."""
        where = self.endpoint_url or f"https://braket.{self.region}.amazonaws.com"
        return f"Amazon Braket in {self.region} at {where}"


def _endpoint(value: Any, what: str, insecure: bool) -> str | None:
    if not given(value):
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"{what} must be a URL string, not {type(value).__name__}")
    url = value.strip().rstrip("/")
    return check_secure_url(url, allow_insecure_http=insecure, what=what)
