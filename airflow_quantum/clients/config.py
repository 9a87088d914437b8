"""Small converters for settings that arrive as text (connection URIs, environment variables)."""

from __future__ import annotations

from typing import Any

from airflow_quantum.clients.errors import ConfigurationError

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def given(value: Any) -> bool:
    """Whether a setting was given: not None and not blank text."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def parse_bool(value: Any, name: str, *, default: bool) -> bool:
    """A boolean from a bool or from text (``true``/``false``, ``1``/``0``, ``yes``/``no``)."""
    if not given(value):
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigurationError(f"{name} must be true or false, got {str(value)[:40]!r}")


def parse_verify(value: Any) -> bool | str:
    """TLS verification: a boolean (as above), or the path of a CA bundle."""
    if not given(value):
        return True
    if isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise ConfigurationError(
            f"verify must be true, false or a CA bundle path, not {type(value).__name__}"
        )
    text = value.strip()
    if text.lower() in _TRUE | _FALSE:
        return parse_bool(text, "verify", default=True)
    return text
