"""Checks of the fields of Azure Quantum requests, made before anything is sent."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from airflow_quantum.clients.errors import InvalidInputError

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def check_job_id(job_id: Any, what: str = "job_id") -> str:
    """A job or session id as the service accepts it: a GUID (other ids get 400 there)."""
    if not isinstance(job_id, str) or not _GUID.match(job_id):
        shown = job_id[:60] if isinstance(job_id, str) else type(job_id).__name__
        raise InvalidInputError(
            f"{what} {shown!r} is not a valid id: use a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
        )
    return job_id


def new_job_id() -> str:
    """A fresh client-generated job id (a GUID): retries of the same PUT reuse it."""
    return str(uuid.uuid4())


def check_name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{what} must be a non-empty string")
    if len(value) > 1024:
        raise InvalidInputError(f"{what} is longer than 1024 characters")
    return value


def check_tags(tags: Any, what: str = "tags") -> list[str]:
    """Tags: a list of strings (a single string is refused, it is almost always a mistake)."""
    if isinstance(tags, str) or not isinstance(tags, Iterable) or isinstance(tags, Mapping):
        raise InvalidInputError(f"{what} must be a list of strings")
    result = []
    for index, tag in enumerate(tags):
        if not isinstance(tag, str):
            raise InvalidInputError(f"{what}[{index}] must be a string, got {type(tag).__name__}")
        if len(tag) > 1024:
            raise InvalidInputError(f"{what}[{index}] is longer than 1024 characters")
        result.append(tag)
    if len(result) > 100:
        raise InvalidInputError(f"{what}: a job has at most 100 tags")
    return result


def check_json_object(value: Any, what: str) -> dict[str, Any]:
    """A JSON-serialisable object with string keys and finite numbers."""
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"{what} must be a JSON object (dict)")
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{what} is not JSON-serialisable: {exc}") from None
    return dict(value)
