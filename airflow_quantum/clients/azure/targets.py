"""Azure Quantum targets: today's defaults, and the retired ones refused before sending.

Target names follow the official ``azure-quantum`` client's target classes (``IonQ``,
``Quantinuum``, ``Rigetti``, ``Pasqal``) and its former ``MicrosoftEstimator``. Optimization
(QIO) was retired (the official client removed it in February 2024) and Quantinuum's H1
systems in October 2025: a job for them is refused with ``RetiredTargetError`` naming what to
use instead, before anything is uploaded. Reading earlier jobs of those targets still works.
"""

from __future__ import annotations

from airflow_quantum.clients.errors import RetiredTargetError

DEFAULT_IONQ_TARGET = "ionq.simulator"
DEFAULT_QUANTINUUM_TARGET = "quantinuum.sim.h2-1e"
ESTIMATOR_TARGET = "microsoft.estimator"
ESTIMATOR_PROVIDER = "microsoft-qc"

QIO_INPUT_FORMAT = "microsoft.qio.v2"
_QIO_SOLVERS = (
    "simulatedannealing",
    "paralleltempering",
    "tabu",
    "qmc",
    "populationannealing",
    "substochasticmontecarlo",
)
_QIO_INSTEAD = (
    f"a circuit target such as {DEFAULT_IONQ_TARGET!r} or {DEFAULT_QUANTINUUM_TARGET!r}, "
    f"or {ESTIMATOR_TARGET!r} for resource estimates"
)
_QIO_WHY = (
    "Azure Quantum optimization (QIO) was retired; the official client removed it in February 2024"
)
_H1_INSTEAD = (
    "an H2 or Helios target ('quantinuum.sim.h2-1e', 'quantinuum.sim.h2-1sc', "
    "'quantinuum.qpu.h2-1', 'quantinuum.qpu.helios-1')"
)
_H1_WHY = "Quantinuum's H1 systems were retired in October 2025"


def retirement(target: str) -> tuple[str, str] | None:
    """``(why, what to use instead)`` if ``target`` was retired, else None."""
    name = target.strip().lower()
    if name.startswith("microsoft.") and name.endswith(".cpu"):
        solver = name.removeprefix("microsoft.").removesuffix(".cpu")
        if solver.removesuffix("-parameterfree") in _QIO_SOLVERS:
            return _QIO_WHY, _QIO_INSTEAD
    if name.startswith(("quantinuum.", "honeywell.")) and ".h1-" in name:
        return _H1_WHY, _H1_INSTEAD
    return None


def check_current(target: str, input_data_format: str | None = None) -> None:
    """Raise ``RetiredTargetError`` if the target or the input format was retired."""
    retired = retirement(target)
    if retired is None and (input_data_format or "").strip().lower() == QIO_INPUT_FORMAT:
        retired = (_QIO_WHY, _QIO_INSTEAD)
        target = input_data_format or target
    if retired is not None:
        why, instead = retired
        raise RetiredTargetError(
            f"{target.strip()!r} was retired ({why}) and accepts no new jobs; use {instead} "
            "instead. Details and results of earlier jobs can still be read."
        )
