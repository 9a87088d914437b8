"""The ``executor`` program: known to the service, refused here with the reason a client needs.

Qiskit Runtime runs ``executor`` jobs (quantum programs, qiskit-ibm-runtime's ``Executor``
since 0.47) whose ``params`` carry ``schema_version`` (``v0.1`` ... ``v2.0``),
``quantum_program`` and ``options``. A client that does not support the program sends
something else (primitive pubs, no schema version): that is a 400 naming the schema versions,
not the 404 of an unknown program. Valid executor params are refused too (400), saying that
the emulator does not run quantum programs: it runs the sampler and estimator.
"""

from __future__ import annotations

from typing import Any

from airflow_quantum_emulator.errors import VendorError

PROGRAM_ID = "executor"
#: The params schema versions the official client can send (quantum_program/params_converters).
SCHEMA_VERSIONS = ("v0.1", "v0.2", "v1.0", "v1.1", "v2.0")


def refuse(params: Any) -> None:
    """Raise the 400 an ``executor`` submission gets from the emulator."""
    version = params.get("schema_version") if isinstance(params, dict) else None
    if version not in SCHEMA_VERSIONS or not isinstance(params.get("quantum_program"), dict):
        raise VendorError(
            400,
            "The executor program takes a quantum program: params need schema_version (one of "
            f"{', '.join(SCHEMA_VERSIONS)}) and quantum_program, got "
            f"schema_version {version!r}. Use a client that supports the executor "
            "(qiskit-ibm-runtime's Executor), or the sampler and estimator programs.",
        )
    raise VendorError(
        400,
        f"The emulator does not run executor quantum programs (schema {version}); it runs the "
        "sampler and estimator primitives.",
    )
