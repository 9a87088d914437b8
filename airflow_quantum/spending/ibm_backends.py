"""Choosing an IBM Quantum backend by its queue: ``backend="least_busy"`` or a list of names.

The rule (as the official ``QiskitRuntimeService.least_busy(operational=True,
simulator=False, min_num_qubits=n)``): among the instance's devices (``GET /backends``), or
those named in the list, keep the ones that are online and operational (``status.name``
``online`` and the status route's ``state`` true), not simulators, with at least as many qubits
as the widest circuit; take the shortest queue (``length_queue`` of ``GET
/backends/{name}/status``). Ties go to the earlier name of the list (else of the listing).
This module is the rule only; the hook reads the service.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.clients.ibm import isa, validation
from airflow_quantum.spending.choice import BackendChoice, NoBackendAvailableError

#: The ``backend`` value asking for the least busy device of the instance.
LEAST_BUSY = "least_busy"


def is_choice(backend: Any) -> bool:
    """Whether ``backend`` asks for a choice (``"least_busy"`` or a list of names)."""
    return backend == LEAST_BUSY or (isinstance(backend, Sequence) and not isinstance(backend, str))


def check_choice(backend: Any, session_id: str | None) -> list[str] | None:
    """The names to choose from (None: any device); ``InvalidInputError`` for a bad value."""
    if session_id is not None:
        raise InvalidInputError(
            f"backend={backend!r:.60} cannot be combined with session_id: a session runs its "
            "jobs on the backend it was opened on"
        )
    if backend == LEAST_BUSY:
        return None
    names = [validation.backend(name, "backend[]") for name in backend]
    if not names:
        raise InvalidInputError("backend: the list of backends to choose from is empty")
    return names


def needed_qubits(circuits: Iterable[Any]) -> int:
    """Qubits of the widest OpenQASM circuit (QPY circuits and unreadable ones count 0)."""
    widest = 0
    for circuit in circuits:
        if isinstance(circuit, str):
            try:
                widest = max(widest, isa.scan(circuit)[1])
            except ValueError:
                continue
    return widest


def choose(
    devices: Sequence[Any],
    status_of: Callable[[str], Any],
    min_qubits: int = 0,
    names: Sequence[str] | None = None,
) -> BackendChoice:
    """Apply the rule to the ``IBMBackend`` listing; ``status_of(name)`` reads a status.

    ``InvalidInputError`` when no device could ever run the circuits (simulators, too small,
    not on the instance); ``NoBackendAvailableError`` when some could but none is online now.
    """
    listed = {device.name: device for device in devices}
    order = list(dict.fromkeys(names)) if names is not None else list(listed)
    skipped: dict[str, str] = {}
    fitting: list[str] = []
    for name in order:
        device = listed.get(name)
        if device is None:
            skipped[name] = "not a backend of this instance"
        elif device.is_simulator:
            skipped[name] = "a simulator"
        elif device.qubits is not None and device.qubits < min_qubits:
            skipped[name] = f"{device.qubits} qubits, the circuits need {min_qubits}"
        else:
            fitting.append(name)
    best: tuple[float, int, str, int | None] | None = None
    for rank, name in enumerate(fitting):
        device = listed[name]
        word = device.status.name if device.status is not None else None
        if word is not None and word.lower() != "online":
            skipped[name] = word
            continue
        status = status_of(name)
        if not status.operational:
            skipped[name] = f"not operational ({status.status or 'state false'})"
            continue
        queue = status.length_queue if status.length_queue is not None else device.queue_length
        key = (math.inf if queue is None else queue, rank, name, queue)
        if best is None or key[:2] < best[:2]:
            best = key
    if best is not None:  # the chosen backend was never skipped
        return BackendChoice(best[2], best[3], "", skipped)
    reasons = "; ".join(f"{name}: {why}" for name, why in skipped.items()) or "no devices"
    if fitting:
        raise NoBackendAvailableError(f"no backend takes jobs now ({reasons})")
    raise InvalidInputError(f"no backend of the instance can run these circuits ({reasons})")
