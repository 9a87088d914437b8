"""Hypothesis pieces the fuzz and property tests share: JSON values of every kind, documents
with one value replaced somewhere inside (close to valid ones), and a call that may only fail
with the provider's own errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from airflow_quantum.clients.errors import QuantumError

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)


def json_paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside ``node`` (dict keys and list indexes), ``()`` first."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += json_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += json_paths(value, (*prefix, index))
    return found


def replaced(node: Any, path: tuple, value: Any) -> Any:
    """A copy of ``node`` with the value at ``path`` replaced by ``value``."""
    if not path:
        return value
    copy = dict(node) if isinstance(node, dict) else list(node)
    copy[path[0]] = replaced(node[path[0]], path[1:], value)
    return copy


def mutated_json(document: Any, values: st.SearchStrategy[Any] = json_values) -> Any:
    """``document`` with one value somewhere inside it (or itself) replaced by one of ``values``."""
    paths = json_paths(document)
    return st.builds(
        lambda index, value: replaced(document, paths[index % len(paths)], value),
        st.integers(0, len(paths) - 1),
        values,
    )


def provider_errors_only(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``call``'s value, or None when it failed with a ``QuantumError`` (anything else fails
    the test)."""
    try:
        return call(*args, **kwargs)
    except QuantumError:
        return None
