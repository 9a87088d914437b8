"""A local emulator of Azure Quantum and IBM Quantum (Qiskit Runtime), in the spirit of moto.

A test double, never for production: it accepts well-known credentials. Start it with
``airflow-quantum-emulator`` or, in tests::

    from airflow_quantum_emulator import EmulatorServer

    with EmulatorServer() as emulator:
        ...  # point connections at emulator.url

It imports nothing from Airflow or the airflow-quantum provider (only ``airflow-quantum-emulator
demo`` needs them, and imports them when it runs). The names below are imported on first use, so
that the command line answers ``--help`` (or names a missing package) without the web server.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from airflow_quantum_emulator._version import __version__

if TYPE_CHECKING:
    from airflow_quantum_emulator.config import DEFAULT_SECRET, EmulatorConfig
    from airflow_quantum_emulator.server import EmulatorServer
    from airflow_quantum_emulator.state import EmulatorState

#: Each public name and the module that defines it.
_HOMES = {
    "DEFAULT_SECRET": "config",
    "EmulatorConfig": "config",
    "EmulatorServer": "server",
    "EmulatorState": "state",
}

__all__ = ["DEFAULT_SECRET", "EmulatorConfig", "EmulatorServer", "EmulatorState", "__version__"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
