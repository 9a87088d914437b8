"""URLs and logs without secrets: SAS signatures redacted, credentials only over TLS.

``redact_url`` is used in every message that names a URL; ``RedactingFilter`` keeps the HTTP
libraries' own log lines (httpx at INFO, urllib3 at DEBUG) free of SAS signatures.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from airflow_quantum.clients.errors import ConfigurationError

_SECRET_QUERY_KEYS = frozenset({"sig", "signature", "apikey", "api_key", "code", "client_secret"})


def redact_url(url: str) -> str:
    """The URL with SAS signatures and other secrets in its query replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable url>"
    if not parts.query:
        return url
    query = [
        (key, "***" if key.lower() in _SECRET_QUERY_KEYS else value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*:/")))


class RedactingFilter(logging.Filter):
    """Redacts SAS signatures and other URL secrets from what HTTP libraries log.

    ``httpx`` logs every request URL at INFO (so in Airflow task and triggerer logs), and
    ``urllib3`` at DEBUG; a SAS URL's ``sig`` must not appear there.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(_redact_log_arg(arg) for arg in record.args)
        return True


def _redact_log_arg(value: Any) -> Any:
    if isinstance(value, str):
        text = value
    elif type(value).__name__ == "URL" and type(value).__module__.startswith("httpx"):
        text = str(value)
    else:
        return value
    if "?" not in text:
        return value
    redacted = redact_url(text)
    return redacted if redacted != text else value


_REDACTING_FILTER = RedactingFilter()


def install_log_redaction() -> None:
    """Attach ``RedactingFilter`` to the loggers of httpx and urllib3 (idempotent)."""
    for name in ("httpx", "urllib3.connectionpool"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(_REDACTING_FILTER)


install_log_redaction()


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_secure_url(url: str, *, allow_insecure_http: bool, what: str) -> str:
    """Refuse to send credentials over plain http to anything but loopback."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"{what} {url!r} is not an http(s) URL")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"{what} {redact_url(url)!r} uses plain http to a non-loopback host; credentials "
            "would travel unencrypted. Use https, or set allow_insecure_http if you mean it."
        )
    return url.rstrip("/")
