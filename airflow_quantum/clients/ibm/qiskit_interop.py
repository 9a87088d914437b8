"""qiskit interop (the optional ``qiskit`` extra): qiskit objects in, qiskit results out.

In: a ``QuantumCircuit`` becomes OpenQASM 3 (``qiskit.qasm3.dumps``), a ``SparsePauliOp`` or
``Pauli`` becomes the wire's ``{pauli: coefficient}`` object, numpy arrays become lists. Out: a
result decoded by ``results.decode_result`` (plain JSON, e.g. from XCom) becomes qiskit's own
``PrimitiveResult`` of ``SamplerPubResult`` (one ``BitArray`` per classical register) or
estimator ``PubResult`` (``DataBin`` with ``evs``, ``stds``, ``ensemble_standard_error``).

qiskit is never imported to look at an input: if the caller holds a qiskit object, qiskit is
already in ``sys.modules``. A DAG file passing OpenQASM strings does not pay qiskit's import time.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from typing import Any

from airflow_quantum.clients.errors import InvalidInputError, MissingExtraError

QISKIT_EXTRA = "qiskit"
QISKIT_HINT = "pip install 'airflow-quantum[qiskit]' to pass qiskit objects"


def qiskit_installed() -> bool:
    """Whether qiskit can be imported (without importing it)."""
    return importlib.util.find_spec("qiskit") is not None


def require_qiskit(feature: str) -> None:
    """``MissingExtraError`` naming the extra when qiskit is not installed."""
    if not qiskit_installed():
        raise MissingExtraError(feature, QISKIT_EXTRA, "qiskit")


def _loaded_types() -> tuple[type, type, type] | None:
    """``(QuantumCircuit, SparsePauliOp, Pauli)`` if the caller has imported qiskit."""
    if sys.modules.get("qiskit") is None:
        return None
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Pauli, SparsePauliOp

    return QuantumCircuit, SparsePauliOp, Pauli


def is_circuit(value: Any) -> bool:
    types = _loaded_types()
    return types is not None and isinstance(value, types[0])


def is_observable(value: Any) -> bool:
    types = _loaded_types()
    return types is not None and isinstance(value, types[1] | types[2])


def circuit_to_qasm3(value: Any, where: str = "circuit") -> str:
    """OpenQASM 3 text of a ``QuantumCircuit``; ``InvalidInputError`` naming ``where``."""
    from qiskit import qasm3

    try:
        return qasm3.dumps(value)
    except Exception as exc:  # qiskit's exporter raises several exception types
        raise InvalidInputError(
            f"{where}: qiskit could not export the circuit to OpenQASM 3: {exc}"
        ) from exc


def observable_terms(value: Any, where: str = "observable") -> list[tuple[str, complex]]:
    """``(pauli label, coefficient)`` pairs of a ``SparsePauliOp`` or ``Pauli``."""
    types = _loaded_types()
    assert types is not None  # callers check is_observable first
    try:
        return [(str(label), complex(c)) for label, c in types[1](value).to_list()]
    except Exception as exc:
        raise InvalidInputError(f"{where}: not a usable Pauli operator: {exc}") from exc


def to_primitive_result(decoded: Mapping[str, Any]) -> Any:
    """qiskit's ``PrimitiveResult`` from a decoded result (``IBMQuantumHook.result`` / XCom).

    Sampler registers use each shot's bitstring when the result carries them (``bitstrings``),
    so ``BitArray`` keeps the shots in order; otherwise the counts (same counts, shots grouped
    by outcome).
    """
    require_qiskit("qiskit result objects")
    from qiskit.primitives import PrimitiveResult

    if not isinstance(decoded, Mapping) or not isinstance(decoded.get("pub_results"), list):
        raise InvalidInputError(
            "result must be a decoded primitive result with pub_results, got "
            f"{type(decoded).__name__}"
        )
    pubs = [_pub_result(pub, f"pub_results[{i}]") for i, pub in enumerate(decoded["pub_results"])]
    return PrimitiveResult(pubs, metadata=dict(decoded.get("metadata") or {}))


def _pub_result(pub: Any, where: str) -> Any:
    import numpy as np
    from qiskit.primitives import DataBin, PubResult, SamplerPubResult

    if not isinstance(pub, Mapping) or pub.get("kind") not in ("sampler", "estimator"):
        raise InvalidInputError(f"{where} is not a sampler or estimator pub result")
    shape = tuple(pub.get("shape") or ())
    fields: dict[str, Any] = {
        name: np.asarray(value) for name, value in (pub.get("data") or {}).items()
    }
    metadata = dict(pub.get("metadata") or {})
    if pub["kind"] == "sampler":
        for name, register in (pub.get("registers") or {}).items():
            fields[name] = _bit_array(register, shape, f"{where} register {name!r}")
        return SamplerPubResult(DataBin(shape=shape, **fields), metadata=metadata)
    for name in ("evs", "stds", "ensemble_standard_error"):
        if pub.get(name) is not None:
            fields[name] = np.asarray(pub[name], dtype=float)
    return PubResult(DataBin(shape=shape, **fields), metadata=metadata)


def _bit_array(register: Mapping[str, Any], shape: tuple[int, ...], where: str) -> Any:
    import numpy as np
    from qiskit.primitives import BitArray

    num_bits = register.get("num_bits")
    if isinstance(num_bits, bool) or not isinstance(num_bits, int) or num_bits < 0:
        raise InvalidInputError(f"{where}: num_bits is {num_bits!r:.20}")
    samples = register.get("bitstrings")
    if samples is not None:
        elements = [
            BitArray.from_samples(shots or [], num_bits) for shots in _elements(samples, shape)
        ]
    else:
        elements = [
            BitArray.from_counts(counts, num_bits)
            for counts in _elements(register.get("counts"), shape)
        ]
    arrays = [element.array for element in elements]
    if not shape:
        return elements[0]
    stacked = np.stack(arrays).reshape(shape + arrays[0].shape)
    return BitArray(stacked, num_bits)


def _elements(nested: Any, shape: tuple[int, ...]) -> list[Any]:
    """The entries of a nested list of ``shape`` (one per pub element), in row-major order."""
    if not shape:
        return [nested]
    if not isinstance(nested, list) or len(nested) != shape[0]:
        raise InvalidInputError(f"a register's data does not have the pub shape {list(shape)}")
    return [item for sub in nested for item in _elements(sub, shape[1:])]
