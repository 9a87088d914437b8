"""Samplex items of a quantum program: samplomatic draws each execution's parameter values.

qiskit-ibm-runtime's client-side Estimator (every resilience level) and its twirled Sampler
send ``samplex`` items: a template circuit and a samplomatic ``Samplex`` (its JSON) that, given
the item's arguments (parameter values, basis changes, ...), draws one set of template parameters
per randomization plus outputs the client needs to undo the randomization (measurement flips).
The service runs the samplex; so does the emulator, with the ``samplomatic`` package installed
beside it (``pip install "airflow-quantum-emulator[executor]"``); without it, such items are
refused at submission.

Broadcasting: the item's ``shape`` extends the shape of its arguments. Axes where the arguments
have more than one entry sweep over them; the others enumerate randomizations, drawn together by
one ``sample`` call per sweep point.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from airflow_quantum_emulator.errors import VendorError

NEEDS_SAMPLOMATIC = (
    "Samplex items (qiskit-ibm-runtime's client-side Estimator, a twirled Sampler) need the "
    "samplomatic package beside the emulator: pip install 'airflow-quantum-emulator[executor]'. "
    "Circuit items run without it."
)


def load(samplex_json: str, where: str) -> Any:
    """The finalized samplex of ``samplex_json`` (a 400 if it cannot be read here)."""
    try:
        from samplomatic.serialization import samplex_from_json
    except ImportError:
        raise VendorError(400, f"{where}: {NEEDS_SAMPLOMATIC}") from None
    try:
        samplex = samplex_from_json(samplex_json)
        samplex.finalize()
    except Exception as exc:  # samplomatic raises its own types for documents it cannot read
        raise VendorError(400, f"{where}: the samplex cannot be read: {exc}") from exc
    return samplex


def arguments_of(samplex: Any, values: dict[str, Any], where: str) -> Any:
    """The samplex's broadcastable inputs, filled with the item's arguments."""
    inputs = samplex.inputs().make_broadcastable()
    try:
        for name, value in values.items():
            inputs[name] = value
    except Exception as exc:
        raise VendorError(400, f"{where}: the samplex arguments do not fit it: {exc}") from exc
    return inputs


def sample(
    samplex: Any, inputs: Any, shape: tuple[int, ...], rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """The samplex's outputs for every execution of an item of ``shape``: (*shape, *intrinsic)."""
    own = tuple(inputs.shape)
    if len(own) > len(shape):
        raise ValueError(f"the arguments' shape {own} has more axes than the item's {shape}")
    aligned = (1,) * (len(shape) - len(own)) + own
    sweeps = [axis for axis, size in enumerate(aligned) if size > 1]
    repeats = [axis for axis in range(len(shape)) if axis not in sweeps]
    repeat_shape = tuple(shape[axis] for axis in repeats)
    outputs: dict[str, np.ndarray] = {}
    for point in np.ndindex(*(shape[axis] for axis in sweeps)):
        at = dict(zip(sweeps, point, strict=True))
        offset = len(shape) - len(own)
        own_index = tuple(at.get(offset + axis, 0) for axis in range(len(own)))
        drawn = samplex.sample(
            inputs[own_index], num_randomizations=math.prod(repeat_shape), rng=rng
        )
        target = tuple(at[axis] if axis in at else slice(None) for axis in range(len(shape)))
        for name, value in dict(drawn).items():
            value = np.asarray(value)
            if name not in outputs:
                outputs[name] = np.empty((*shape, *value.shape[1:]), dtype=value.dtype)
            outputs[name][target] = value.reshape(*repeat_shape, *value.shape[1:])
    return outputs
