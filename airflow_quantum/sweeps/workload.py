"""What a sweep or batch hands over: circuits, or one circuit and a table of parameter values.

An item is what one row of the merged table answers: a circuit of the list, or the circuit
with one row of parameter values. Parameter names are sorted (the order qiskit and the IBM
service give a circuit's parameters), so a row is a tuple of floats in that order.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

from airflow_quantum.clients.errors import InvalidInputError


@dataclass(frozen=True)
class Workload:
    """The items of a sweep (one circuit, many rows of values) or a batch (many circuits).

    :param circuits: the circuits, as the vendor's operator takes them (plain JSON).
    :param names: the parameter names (sorted), empty for a batch.
    :param rows: one tuple of values per item, in ``names`` order (empty for a batch).
    :param shots: shots of every item.
    """

    circuits: tuple[Any, ...]
    names: tuple[str, ...]
    rows: tuple[tuple[float, ...], ...]
    shots: int

    @classmethod
    def of(cls, circuits: Any, parameter_values: Any, shots: Any) -> Workload:
        """Check what the user gave (``InvalidInputError`` naming the field)."""
        if isinstance(circuits, str | Mapping) or not isinstance(circuits, Sequence):
            circuits = [circuits]
        circuits = tuple(circuits)
        if not circuits:
            raise InvalidInputError("circuits must hold at least one circuit")
        if isinstance(shots, bool) or not isinstance(shots, int) or shots < 1:
            raise InvalidInputError(f"shots must be a whole number >= 1, got {shots!r:.40}")
        if parameter_values is None:
            return cls(circuits, (), (), shots)
        if len(circuits) != 1:
            raise InvalidInputError(
                "parameter_values sweeps one circuit: give exactly one circuit with it, "
                f"got {len(circuits)}"
            )
        names, rows = parameter_table(parameter_values)
        return cls(circuits, names, rows, shots)

    def __len__(self) -> int:
        return len(self.rows) if self.names else len(self.circuits)

    @property
    def is_sweep(self) -> bool:
        return bool(self.names)

    def circuit_of(self, item: int) -> Any:
        return self.circuits[0] if self.is_sweep else self.circuits[item]

    def values_of(self, item: int) -> dict[str, float]:
        """The parameter values of ``item`` by name (``{}`` in a batch)."""
        return dict(zip(self.names, self.rows[item], strict=True)) if self.is_sweep else {}

    def item_shots(self) -> Iterator[int]:
        for _ in range(len(self)):
            yield self.shots


def parameter_table(value: Any) -> tuple[tuple[str, ...], tuple[tuple[float, ...], ...]]:
    """Names (sorted) and rows from a list of ``{name: value}`` rows or a ``{name: [values]}``
    table of columns of one length."""
    if isinstance(value, Mapping):
        names = _names(value.keys())
        columns = [value[name] for name in names]
        if not all(_is_list(column) for column in columns):
            raise InvalidInputError("parameter_values as a table maps each name to a list")
        lengths = {len(column) for column in columns}
        if len(lengths) != 1:
            raise InvalidInputError(
                f"parameter_values: every column must be as long, got lengths {sorted(lengths)}"
            )
        rows = zip(*columns, strict=True)
    elif _is_list(value) and value and all(isinstance(row, Mapping) for row in value):
        names = _names(value[0].keys())
        for index, row in enumerate(value):
            if set(row) != set(names):
                raise InvalidInputError(
                    f"parameter_values[{index}] names {sorted(row)}, not {list(names)}"
                )
        rows = ([row[name] for name in names] for row in value)
    else:
        raise InvalidInputError(
            "parameter_values must be a list of {name: value} rows or a {name: [values]} "
            f"table, got {type(value).__name__}"
        )
    table = tuple(
        tuple(_number(v, f"parameter_values[{i}]") for v in row) for i, row in enumerate(rows)
    )
    if not table:
        raise InvalidInputError("parameter_values holds no rows")
    return names, table


def _names(keys: Any) -> tuple[str, ...]:
    names = tuple(sorted(keys))
    if not names or not all(isinstance(name, str) and name.isidentifier() for name in names):
        raise InvalidInputError(f"parameter names must be identifiers, got {list(names)!r:.80}")
    return names


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise InvalidInputError(
            f"{where}: parameter values must be finite numbers, got {value!r:.40}"
        )
    return float(value)
