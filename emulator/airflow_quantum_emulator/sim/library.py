"""The maintained simulator library behind the whole emulator, loaded once per process.

Every state the emulator evolves (any vendor's circuit) and every Braket task it runs goes
through ``amazon-braket-default-simulator``, AWS's own local simulator. Importing it pulls in
numba: seconds of CPU, paid once per process, never by a job if it can be helped. The
command-line server starts the import in a background thread as it starts (:func:`warm_up`:
its health check answers at once, and a client's first job seconds later finds it done); an
emulator served in-process (tests) imports it before it accepts connections (:func:`load`),
so that no test's job waits for it, which would stretch its run time past the emulator's
clock. Elsewhere the first simulation imports it.
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


def load() -> None:
    """Import the library now, in this thread (at once when it is already imported)."""
    _import_library()


def _import_library() -> None:
    import braket.default_simulator
    import braket.default_simulator.linalg_utils  # noqa: F401
    import openqasm3  # noqa: F401
