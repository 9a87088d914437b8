"""Updating a job's name, priority, tags and metadata.

Two body shapes reach ``PATCH /jobs/{id}``: a JSON Merge Patch object (RFC 7396, newer
versions) and a JSON Patch array (RFC 6902, up to 2024-10). ``PATCH /jobUpdateOptions/{id}``
takes a merge patch of ``JobUpdateOptions`` (name, priority, tags). Every patch is checked
completely before anything changes, so a bad patch leaves the job as it was.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from airflow_quantum_emulator.azure.store import AzureJob
from airflow_quantum_emulator.errors import VendorError

PRIORITIES = ("Standard", "High")
MAX_TAGS = 100
MAX_TEXT = 1024


@dataclass
class Editable:
    """The updatable fields of a job, edited on a copy."""

    name: str
    priority: str
    tags: list[str]
    metadata: dict[str, Any] | None

    @classmethod
    def of(cls, record: AzureJob) -> Editable:
        return cls(record.name, record.priority, list(record.tags), copy.deepcopy(record.metadata))

    def apply_to(self, record: AzureJob) -> None:
        record.name, record.priority = self.name, self.priority
        record.tags, record.metadata = self.tags, self.metadata


def _bad(message: str, status: int = 400, code: str = "InvalidPatch") -> VendorError:
    return VendorError(status, message, code)


def check_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad("name must be a non-empty string.")
    if len(value) > MAX_TEXT:
        raise _bad(f"name is longer than {MAX_TEXT} characters.")
    return value


def check_priority(value: Any) -> str:
    if value not in PRIORITIES:
        raise _bad(f"priority must be one of {', '.join(PRIORITIES)}, got {value!r:.40}.")
    return value


def check_tag(value: Any) -> str:
    if not isinstance(value, str):
        raise _bad(f"a tag must be a string, got {value!r:.40}.")
    if len(value) > MAX_TEXT:
        raise _bad(f"a tag is longer than {MAX_TEXT} characters.")
    return value


def check_tags(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise _bad("tags must be a list of strings.")
    if len(value) > MAX_TAGS:
        raise _bad(f"a job has at most {MAX_TAGS} tags.")
    return [check_tag(tag) for tag in value]


def check_metadata(value: Any) -> dict[str, Any] | None:
    if value is not None and not isinstance(value, dict):
        raise _bad("metadata must be a JSON object or null.")
    return value


#: What a merge patch of ``PATCH /jobs/{id}`` may change.
JOB_FIELDS = ("name", "priority", "tags", "metadata")
#: The updatable fields of ``JobUpdateOptions`` (``PATCH /jobUpdateOptions/{id}``).
UPDATE_OPTIONS_FIELDS = ("name", "priority", "tags")


def merge_patch(
    record: AzureJob, body: dict[str, Any], fields: tuple[str, ...] = JOB_FIELDS
) -> None:
    """Apply ``{"name", "priority", "tags", "metadata"}`` (null removes tags/metadata keys)."""
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise _bad(
            f"These fields cannot be updated: {', '.join(unknown)}. "
            f"Updatable fields: {', '.join(fields)}."
        )
    edit = Editable.of(record)
    if "name" in body:
        edit.name = check_name(body["name"])
    if "priority" in body:
        edit.priority = "Standard" if body["priority"] is None else check_priority(body["priority"])
    if "tags" in body:
        edit.tags = [] if body["tags"] is None else check_tags(body["tags"])
    if "metadata" in body:
        patch = check_metadata(body["metadata"])
        if patch is None:
            edit.metadata = None
        else:
            merged = dict(edit.metadata or {})
            for key, value in patch.items():
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
            edit.metadata = merged
    edit.apply_to(record)


def json_patch(record: AzureJob, operations: list[Any]) -> None:
    """Apply RFC 6902 operations (add, replace, remove, test) to /name, /priority, /tags[/i|-],
    /metadata[/key]."""
    if not operations:
        raise _bad("The JSON Patch document has no operations.")
    edit = Editable.of(record)
    for number, operation in enumerate(operations):
        _apply(edit, operation, number)
    if len(edit.tags) > MAX_TAGS:
        raise _bad(f"a job has at most {MAX_TAGS} tags.")
    edit.apply_to(record)


def _apply(edit: Editable, operation: Any, number: int) -> None:
    where = f"operation {number}"
    if not isinstance(operation, dict):
        raise _bad(f"{where} is not a JSON object.")
    op, path = operation.get("op"), operation.get("path")
    if op not in ("add", "replace", "remove", "test"):
        raise _bad(f"{where}: op {op!r:.40} is not supported (use add, replace, remove or test).")
    if not isinstance(path, str) or not path.startswith("/"):
        raise _bad(f"{where}: path must be a JSON pointer such as /tags/-.")
    if op != "remove" and "value" not in operation:
        raise _bad(f"{where}: {op} needs a value.")
    value = operation.get("value")
    parts = [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]
    field, rest = parts[0], parts[1:]
    if op == "test":
        if _current(edit, field, rest, where) != value:
            raise _bad(f"{where}: test failed at {path}.", 409, "JsonPatchTestFailed")
        return
    if field == "name" and not rest:
        if op == "remove":
            raise _bad(f"{where}: name cannot be removed.")
        edit.name = check_name(value)
    elif field == "priority" and not rest:
        edit.priority = "Standard" if op == "remove" else check_priority(value)
    elif field == "tags":
        _patch_tags(edit, op, rest, value, where)
    elif field == "metadata":
        _patch_metadata(edit, op, rest, value, where)
    else:
        raise _bad(
            f"{where}: {path} cannot be changed; patchable paths are /name, /priority, "
            "/tags, /tags/-, /tags/<index>, /metadata and /metadata/<key>."
        )


def _patch_tags(edit: Editable, op: str, rest: list[str], value: Any, where: str) -> None:
    if not rest:
        edit.tags = [] if op == "remove" else check_tags(value)
        return
    if len(rest) > 1:
        raise _bad(f"{where}: tags are strings; /tags/{'/'.join(rest)} does not exist.")
    index_text = rest[0]
    if index_text == "-":
        if op != "add":
            raise _bad(f"{where}: /tags/- can only be used with add.")
        edit.tags.append(check_tag(value))
        return
    if not index_text.isdigit() or (len(index_text) > 1 and index_text.startswith("0")):
        raise _bad(f"{where}: {index_text!r} is not a list index.")
    index = int(index_text)
    limit = len(edit.tags) if op == "add" else len(edit.tags) - 1
    if index > limit:
        raise _bad(f"{where}: index {index} is out of range (the job has {len(edit.tags)} tags).")
    if op == "add":
        edit.tags.insert(index, check_tag(value))
    elif op == "replace":
        edit.tags[index] = check_tag(value)
    else:
        del edit.tags[index]


def _patch_metadata(edit: Editable, op: str, rest: list[str], value: Any, where: str) -> None:
    if not rest:
        edit.metadata = None if op == "remove" else check_metadata(value)
        return
    if len(rest) > 1:
        raise _bad(f"{where}: only top-level metadata keys can be patched.")
    key = rest[0]
    metadata = dict(edit.metadata or {})
    if op == "remove":
        if key not in metadata:
            raise _bad(f"{where}: metadata has no key {key!r}.")
        del metadata[key]
    elif op == "replace" and key not in metadata:
        raise _bad(f"{where}: metadata has no key {key!r} to replace.")
    else:
        metadata[key] = value
    edit.metadata = metadata


def _current(edit: Editable, field: str, rest: list[str], where: str) -> Any:
    if field == "name" and not rest:
        return edit.name
    if field == "priority" and not rest:
        return edit.priority
    if field == "tags":
        if not rest:
            return edit.tags
        if rest[0].isdigit() and int(rest[0]) < len(edit.tags):
            return edit.tags[int(rest[0])]
    if field == "metadata":
        if not rest:
            return edit.metadata
        if len(rest) == 1 and edit.metadata is not None and rest[0] in edit.metadata:
            return edit.metadata[rest[0]]
    raise _bad(f"{where}: nothing to test at /{'/'.join([field, *rest])}.")
