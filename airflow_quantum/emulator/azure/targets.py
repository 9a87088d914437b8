"""Providers and targets every emulated workspace offers, with their formats and limits."""

from __future__ import annotations

from dataclasses import dataclass

QIO_INPUT = "microsoft.qio.v2"
QIO_OUTPUT = "microsoft.qio-results.v2"
IONQ_INPUT = "ionq.circuit.v1"
IONQ_OUTPUT = "ionq.quantum-results.v1"
MS_RESULTS_V1 = "microsoft.quantum-results.v1"
MS_RESULTS_V2 = "microsoft.quantum-results.v2"
QUANTINUUM_INPUT = "honeywell.openqasm.v1"
QUANTINUUM_OUTPUT = "honeywell.quantum-results.v1"


@dataclass(frozen=True)
class Target:
    """One target: who provides it, what it reads and writes, how many qubits it has.

    ``family`` picks how jobs run: ``qio`` (annealer), ``ionq`` (IonQ JSON circuits) or
    ``quantinuum`` (OpenQASM 2). ``prices`` are USD per unit of each usage dimension.
    """

    id: str
    provider: str
    family: str
    input_formats: tuple[str, ...]
    output_formats: tuple[str, ...]
    simulator: bool
    max_qubits: int | None = None
    status_page: str | None = None
    queue_factor: float = 1.0

    @property
    def default_output_format(self) -> str:
        return self.output_formats[0]

    @property
    def job_type(self) -> str:
        return "Optimization" if self.family == "qio" else "QuantumComputing"


_QIO_SOLVERS = (
    "simulatedannealing",
    "paralleltempering",
    "tabu",
    "qmc",
    "populationannealing",
    "substochasticmontecarlo",
)
#: Every solver but quantum Monte Carlo also came as a "-parameterfree" variant.
QIO_TARGET_IDS = tuple(f"microsoft.{name}.cpu" for name in _QIO_SOLVERS) + tuple(
    f"microsoft.{name}-parameterfree.cpu" for name in _QIO_SOLVERS if name != "qmc"
)

_IONQ_FORMATS = (IONQ_OUTPUT, MS_RESULTS_V1, MS_RESULTS_V2)
_IONQ_STATUS = "https://status.ionq.co"
_QUANTINUUM_STATUS = "https://www.quantinuum.com/hardware"

TARGETS: dict[str, Target] = {
    target.id: target
    for target in (
        *(
            Target(tid, "microsoft", "qio", (QIO_INPUT,), (QIO_OUTPUT,), True)
            for tid in QIO_TARGET_IDS
        ),
        Target(
            "ionq.simulator", "ionq", "ionq", (IONQ_INPUT,), _IONQ_FORMATS, True, 29, _IONQ_STATUS
        ),
        Target(
            "ionq.qpu.aria-1",
            "ionq",
            "ionq",
            (IONQ_INPUT,),
            _IONQ_FORMATS,
            False,
            25,
            _IONQ_STATUS,
            30,
        ),
        Target(
            "ionq.qpu.forte-1",
            "ionq",
            "ionq",
            (IONQ_INPUT,),
            _IONQ_FORMATS,
            False,
            36,
            _IONQ_STATUS,
            40,
        ),
        Target(
            "quantinuum.sim.h1-1e",
            "quantinuum",
            "quantinuum",
            (QUANTINUUM_INPUT,),
            (QUANTINUUM_OUTPUT,),
            True,
            20,
            _QUANTINUUM_STATUS,
            2,
        ),
        Target(
            "quantinuum.qpu.h1-1",
            "quantinuum",
            "quantinuum",
            (QUANTINUUM_INPUT,),
            (QUANTINUUM_OUTPUT,),
            False,
            20,
            _QUANTINUUM_STATUS,
            60,
        ),
    )
}

PROVIDERS: tuple[str, ...] = tuple(dict.fromkeys(target.provider for target in TARGETS.values()))


def find_target(target_id: str) -> Target | None:
    """The target named ``target_id`` (targets are matched case-insensitively)."""
    return TARGETS.get(target_id.strip().lower())


def targets_of(provider: str) -> list[Target]:
    return [target for target in TARGETS.values() if target.provider == provider]
