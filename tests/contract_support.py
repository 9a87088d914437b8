"""Contract fixtures: answers shaped like recorded real traffic, and a shape comparison.

A fixture (``tests/fixtures/<vendor>/<name>.json``) is written by us from the shape of an answer
the vendor's service really gave (field names, value types, timestamp formats, status words,
error bodies); its values are made up. Each one is decoded by our client in the tests, and the
emulator's answer to the same request is compared with it by shape, so that neither the client
nor the emulator can drift away from the service unnoticed. Vendor-neutral: the IBM fixtures can
use the same helpers.

``shape_of`` reduces a JSON value to its skeleton: objects keep their keys, lists the union of
their items' shapes, strings become a *kind* (``timestamp``, ``url``, ``guid`` or ``str``),
numbers ``number``, and so on. ``shape_differences`` lists where an answer does not have the
fixture's shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"

#: ISO 8601 date-times as the services write them: any fraction, ``Z`` or an offset.
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_URL = re.compile(r"^https?://")

NULL = "null"


def load_fixture(vendor: str, name: str) -> dict[str, Any]:
    """The fixture ``tests/fixtures/{vendor}/{name}.json``: ``source``, ``status``, ``body``..."""
    return json.loads((FIXTURES / vendor / f"{name}.json").read_text())


def fixture_names(vendor: str, prefix: str = "") -> list[str]:
    return sorted(p.stem for p in (FIXTURES / vendor).glob(f"{prefix}*.json"))


def string_kind(text: str) -> str:
    if _TIMESTAMP.match(text):
        return "timestamp"
    if _GUID.match(text):
        return "guid"
    if _URL.match(text):
        return "url"
    return "str"


def shape_of(value: Any) -> Any:
    """The skeleton of a JSON value (see the module's note)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return string_kind(value)
    if isinstance(value, Mapping):
        return {key: shape_of(item) for key, item in value.items()}
    if isinstance(value, list):
        merged: Any = None
        for item in value:
            merged = _merge(merged, shape_of(item))
        return [merged] if merged is not None else []
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _merge(left: Any, right: Any) -> Any:
    """One shape covering both (objects: union of keys; otherwise the non-null one)."""
    if left is None or left == NULL:
        return right
    if right == NULL:
        return left
    if isinstance(left, dict) and isinstance(right, dict):
        merged = dict(left)
        for key, item in right.items():
            merged[key] = _merge(merged.get(key), item)
        return merged
    return left


def shape_differences(
    expected: Any,
    actual: Any,
    *,
    keys: Iterable[str] | None = None,
    maps: Iterable[str] = (),
    path: str = "$",
) -> list[str]:
    """Where ``actual`` (a JSON value) does not have the shape of ``expected`` (a JSON value).

    Every key of an ``expected`` object must be in ``actual``, recursively, with a value of the
    same shape; ``null`` on either side matches anything (a field that is null at one moment of
    a job's life and set at another). ``keys`` limits the top-level keys compared (e.g. the
    fields a client reads); keys that only ``actual`` has are not differences. ``maps`` names
    the paths (``$.histogram``, ``$`` for the top level) of objects whose keys are data, not
    field names (a histogram's outcomes): there only the values' shapes are compared.
    """
    return _compare(shape_of(expected), shape_of(actual), keys, frozenset(maps), path)


def _values(shape: dict[str, Any]) -> dict[str, Any]:
    merged: Any = None
    for item in shape.values():
        merged = _merge(merged, item)
    return {"*": merged} if merged is not None else {}


def _compare(
    expected: Any, actual: Any, keys: Iterable[str] | None, maps: frozenset[str], path: str
) -> list[str]:
    if expected == NULL or actual == NULL:
        return []
    if path in maps and isinstance(expected, dict) and isinstance(actual, dict):
        expected, actual = _values(expected), _values(actual)
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {_name(actual)}"]
        wanted = [k for k in expected if keys is None or k in set(keys)]
        problems = [f"{path}.{key}: missing" for key in wanted if key not in actual]
        for key in wanted:
            if key in actual:
                problems += _compare(expected[key], actual[key], None, maps, f"{path}.{key}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: expected a list, got {_name(actual)}"]
        if not expected or not actual:
            return []
        return _compare(expected[0], actual[0], None, maps, f"{path}[]")
    if expected != actual:
        return [f"{path}: expected {expected}, got {_name(actual)}"]
    return []


def _name(shape: Any) -> str:
    if isinstance(shape, dict):
        return "an object"
    if isinstance(shape, list):
        return "a list"
    return str(shape)
