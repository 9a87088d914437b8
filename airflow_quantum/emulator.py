"""Deprecated: the local emulator is a distribution of its own, ``airflow-quantum-emulator``.

``from airflow_quantum.emulator import EmulatorConfig, EmulatorServer`` (what earlier releases
documented) keeps working for this release, with a DeprecationWarning, when
``airflow-quantum-emulator`` is installed; import from ``airflow_quantum_emulator`` instead. The
provider ships no emulator code: this module only re-exports it, and is removed in the next
release.
"""

from __future__ import annotations

import importlib
import sys
import warnings

try:
    from airflow_quantum_emulator import (
        DEFAULT_SECRET,
        EmulatorConfig,
        EmulatorServer,
        EmulatorState,
    )
except ImportError as exc:
    raise ImportError(
        "airflow_quantum.emulator moved out of the provider: pip install airflow-quantum-emulator,"
        " then import airflow_quantum_emulator"
    ) from exc

warnings.warn(
    "airflow_quantum.emulator is deprecated and will be removed: import airflow_quantum_emulator"
    " (pip install airflow-quantum-emulator) instead",
    DeprecationWarning,
    stacklevel=2,
)

# The modules the API reference named (airflow_quantum.emulator.server.EmulatorServer, ...).
for _module in ("config", "server", "state"):
    sys.modules[f"{__name__}.{_module}"] = importlib.import_module(
        f"airflow_quantum_emulator.{_module}"
    )

__all__ = ["DEFAULT_SECRET", "EmulatorConfig", "EmulatorServer", "EmulatorState"]
