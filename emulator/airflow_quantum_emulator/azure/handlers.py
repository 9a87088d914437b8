"""Every job input format the emulator runs: importing this module registers their handlers.

Each module below registers itself with ``formats.register``; ``formats`` itself imports none
of them, so the registry and the handlers form no import cycle. A new format is a module that
registers its handler, and a line here.
"""

from __future__ import annotations

from airflow_quantum_emulator.azure import (  # noqa: F401 (imported to register)
    ionq_jobs,
    pasqal_jobs,
    qir_jobs,
    quantinuum_jobs,
    rigetti_jobs,
)
from airflow_quantum_emulator.azure.formats import prepare, registered_formats

#: ``formats.prepare`` with every format registered: what submissions use.
__all__ = ["prepare", "registered_formats"]
