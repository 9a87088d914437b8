"""Client-side checks of what a caller passes, made before anything is sent (or paid for).

Each check raises ``InvalidInputError`` naming the field, and returns the value in the form the
wire wants. The limits are the service's documented ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.clients.timestamps import parse_timestamp

MAX_TAGS = 8
MAX_TAG_LENGTH = 86
MAX_EXECUTION_TIME = 10800
MAX_PAGE_SIZE = 200
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
SESSION_MODES = ("dedicated", "batch")

_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_BACKEND = re.compile(r"^[A-Za-z0-9_.-]+$")
_PROGRAM = re.compile(r"^[A-Za-z0-9_.-]+$")
_IMAGE = re.compile(r"^[A-Za-z0-9._/-]+:[A-Za-z0-9._-]+$")


def _show(value: Any) -> str:
    return repr(value)[:60]


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def identifier(value: Any, field: str) -> str:
    """A job or session id: letters, digits, ``_`` and ``-`` (it goes into the URL path)."""
    if not isinstance(value, str) or not _ID.match(value):
        raise InvalidInputError(
            f"{field} must be an id of letters, digits, '_' and '-', got {_show(value)}"
        )
    return value


def job_id(value: Any, field: str = "job_id") -> str:
    return identifier(value, field)


def session_id(value: Any, field: str = "session_id") -> str:
    return identifier(value, field)


def backend(value: Any, field: str = "backend") -> str:
    """A backend name such as ``ibm_fez``."""
    if value is None or value == "":
        raise InvalidInputError(f"{field} is required: the name of a backend such as 'ibm_fez'")
    if not isinstance(value, str) or not _BACKEND.match(value):
        raise InvalidInputError(
            f"{field} must be a backend name such as 'ibm_fez', got {_show(value)}"
        )
    return value


def program_id(value: Any) -> str:
    if not isinstance(value, str) or not _PROGRAM.match(value):
        raise InvalidInputError(
            "program_id must be a program name such as 'sampler' or 'estimator', "
            f"got {_show(value)}"
        )
    return value


def tags(value: Any, field: str = "tags") -> list[str]:
    """At most 8 non-empty tags of at most 86 characters each."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInputError(f"{field} must be a list of strings, got {_show(value)}")
    result = list(value)
    if len(result) > MAX_TAGS:
        raise InvalidInputError(f"{field} has {len(result)} tags; at most {MAX_TAGS} are allowed")
    for index, tag in enumerate(result):
        if not isinstance(tag, str) or not tag:
            raise InvalidInputError(
                f"{field}[{index}] must be a non-empty string, got {_show(tag)}"
            )
        if len(tag) > MAX_TAG_LENGTH:
            raise InvalidInputError(
                f"{field}[{index}] has {len(tag)} characters; at most {MAX_TAG_LENGTH} are allowed"
            )
    return result


def log_level(value: Any) -> str:
    text = value.upper() if isinstance(value, str) else None
    if text not in LOG_LEVELS:
        raise InvalidInputError(
            f"log_level must be one of {', '.join(LOG_LEVELS)}, got {_show(value)}"
        )
    return text


def max_execution_time(value: Any) -> int:
    """The job's maximum execution time (the wire's ``cost``), whole seconds 0-10800."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not _whole(value) or not 0 <= value <= MAX_EXECUTION_TIME:
        raise InvalidInputError(
            f"max_execution_time must be whole seconds from 0 to {MAX_EXECUTION_TIME}, "
            f"got {_show(value)}"
        )
    return value


def image(value: Any) -> str:
    if not isinstance(value, str) or not _IMAGE.match(value):
        raise InvalidInputError(f"image must be a runtime image 'name:tag', got {_show(value)}")
    return value


def boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInputError(f"{field} must be true or false, got {_show(value)}")
    return value


def count(value: Any, field: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    """A whole number in ``[minimum, maximum]``."""
    if not _whole(value) or value < minimum or (maximum is not None and value > maximum):
        bound = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
        raise InvalidInputError(f"{field} must be a whole number {bound}, got {_show(value)}")
    return value


def sort_order(value: Any) -> str:
    text = value.upper() if isinstance(value, str) else None
    if text not in ("ASC", "DESC"):
        raise InvalidInputError(f"sort must be 'ASC' or 'DESC', got {_show(value)}")
    return text


def moment(value: Any, field: str) -> str:
    """A time filter (datetime, pendulum or ISO text; naive means UTC) as ISO text in UTC."""
    try:
        parsed = parse_timestamp(value) if isinstance(value, datetime | str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise InvalidInputError(
            f"{field} must be a datetime or an ISO 8601 string, got {_show(value)}"
        )
    return parsed.in_timezone("UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def session_mode(value: Any) -> str:
    if value not in SESSION_MODES:
        raise InvalidInputError(f"mode must be 'dedicated' or 'batch', got {_show(value)}")
    return value


def text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInputError(f"{field} must be a non-empty string, got {_show(value)}")
    return value
