"""The maintained simulator library behind the whole emulator, loaded once per process.

Every state the emulator evolves (any vendor's circuit) and every Braket task it runs goes
through ``amazon-braket-default-simulator``, AWS's own local simulator. Importing it pulls in
numba: seconds of CPU. :func:`warm_up` starts that import in a background thread: when the
command-line server starts (a process of its own exists to serve jobs), and otherwise at a
process's first vendor request (an emulator inside a test process that only reads control
routes never pays for it), so that the first job does not take that much longer than others.
"""

from __future__ import annotations

import threading

_warming = threading.Lock()
_warmed = False

#: Held by every call into the library's numba kernels (its paths for states over 10 qubits,
#: and Braket's gate-model runs). They run in parallel on numba's default threading layer,
#: which aborts the whole process when two threads enter it at once, and jobs run in a pool of
#: worker threads. Smaller states take the library's numpy paths, without the lock.
KERNEL_LOCK = threading.Lock()


def warm_up() -> None:
    """Import the library in a background thread, once per process (returns at once)."""
    global _warmed
    with _warming:
        if _warmed:
            return
        _warmed = True
    threading.Thread(target=_import_library, name="simulator-warm-up", daemon=True).start()


def _import_library() -> None:
    import braket.default_simulator
    import braket.default_simulator.linalg_utils  # noqa: F401
    import openqasm3  # noqa: F401
