"""Providers and targets every emulated workspace offers, with their formats and limits.

The offered targets are today's (names as in the official ``azure-quantum`` client's target
classes): IonQ, Quantinuum H2/Helios, Rigetti, Pasqal and the Microsoft resource estimator.
Retired targets (the QIO optimization solvers, Quantinuum H1) are not offered; ``retirement``
says when they went and what to use instead, and ``HISTORIC_TARGETS`` keeps what is needed to
show the details and results of jobs that ran on them before.
"""

from __future__ import annotations

from dataclasses import dataclass

QIO_INPUT = "microsoft.qio.v2"
QIO_OUTPUT = "microsoft.qio-results.v2"
QIR_INPUT = "qir.v1"
IONQ_INPUT = "ionq.circuit.v1"
IONQ_OUTPUT = "ionq.quantum-results.v1"
MS_RESULTS_V1 = "microsoft.quantum-results.v1"
MS_RESULTS_V2 = "microsoft.quantum-results.v2"
QUANTINUUM_INPUT = "honeywell.openqasm.v1"
QUANTINUUM_OUTPUT = "honeywell.quantum-results.v1"
ESTIMATES_OUTPUT = "microsoft.resource-estimates.v1"
RIGETTI_INPUT = "rigetti.quil.v1"
RIGETTI_OUTPUT = "rigetti.quil-results.v1"
PASQAL_INPUT = "pasqal.pulser.v1"
PASQAL_OUTPUT = "pasqal.pulser-results.v1"


@dataclass(frozen=True)
class Target:
    """One target: who provides it, what it reads and writes, how many qubits it has.

    ``family`` picks how jobs run: ``ionq`` (IonQ JSON circuits or QIR), ``quantinuum``
    (OpenQASM 2 or QIR), ``rigetti`` (Quil or QIR), ``pasqal`` (Pulser sequences),
    ``estimator`` (QIR, resource estimates) or ``qio`` (the retired annealers: historic jobs
    only, with their stored results). ``queue_factor`` scales the configured queue time in
    ``providerStatus``; ``output_formats[0]`` is the default output of the first input format,
    ``qir_output`` the default of a QIR job.
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
    qir_output: str = MS_RESULTS_V2
    #: Most shots one job may ask for (None: the service-wide range, ``MAX_SHOTS``).
    max_shots: int | None = None

    @property
    def default_output_format(self) -> str:
        return self.output_formats[0]

    def default_output_for(self, input_format: str) -> str:
        """The output format a job gets when it names none (QIR jobs differ)."""
        return self.qir_output if input_format == QIR_INPUT else self.default_output_format

    @property
    def job_type(self) -> str:
        return "Optimization" if self.family == "qio" else "QuantumComputing"


@dataclass(frozen=True)
class Retirement:
    """Why a target is no longer offered, and what replaces it."""

    when: str
    replacement: str

    def message(self, target_id: str) -> str:
        return (
            f"The target {target_id!r} was retired ({self.when}) and no longer accepts jobs; "
            f"use {self.replacement} instead. Details and results of its earlier jobs can "
            "still be read."
        )


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
_QIO_RETIREMENT = Retirement(
    "Azure Quantum optimization (QIO) was retired; the official client removed it in February 2024",
    "a circuit target such as 'ionq.simulator' or 'quantinuum.sim.h2-1e', or "
    "'microsoft.estimator' for resource estimates",
)
_H1_RETIREMENT = Retirement(
    "Quantinuum's H1 systems were retired in October 2025",
    "the H2 or Helios targets ('quantinuum.sim.h2-1e', 'quantinuum.sim.h2-1sc', "
    "'quantinuum.qpu.h2-1', 'quantinuum.qpu.helios-1')",
)
_H1_TARGET_IDS = (
    "quantinuum.sim.h1-1e",
    "quantinuum.sim.h1-1sc",
    "quantinuum.qpu.h1-1",
    "quantinuum.sim.h1-2e",
    "quantinuum.sim.h1-2sc",
    "quantinuum.qpu.h1-2",
)
RETIRED: dict[str, Retirement] = {
    **dict.fromkeys(QIO_TARGET_IDS, _QIO_RETIREMENT),
    **dict.fromkeys(_H1_TARGET_IDS, _H1_RETIREMENT),
}
#: Input formats nothing reads any more.
RETIRED_INPUT_FORMATS: dict[str, Retirement] = {QIO_INPUT: _QIO_RETIREMENT}

_IONQ_OUTPUTS = (IONQ_OUTPUT, MS_RESULTS_V1, MS_RESULTS_V2)
_QUANTINUUM_OUTPUTS = (QUANTINUUM_OUTPUT, MS_RESULTS_V2, MS_RESULTS_V1)
_IONQ_STATUS = "https://status.ionq.co"
_QUANTINUUM_STATUS = "https://www.quantinuum.com/hardware"


#: Shots per job of the targets that have their own maximum: the ``max_shots`` of the official
#: ``azure-quantum`` client's Qiskit backends (IonQ QPUs, Quantinuum QPUs, every Rigetti target:
#: 10,000; the IonQ simulator and the Quantinuum emulators and syntax checkers: none), as of
#: 2026-12-07. UNVERIFIED: the service's own refusal was not observed; its wording here is the
#: emulator's shot-range message with the target's maximum.
TARGET_MAX_SHOTS = 10_000


def _ionq(tid: str, simulator: bool, qubits: int, queue: float) -> Target:
    return Target(
        tid,
        "ionq",
        "ionq",
        (IONQ_INPUT, QIR_INPUT),
        _IONQ_OUTPUTS,
        simulator,
        qubits,
        _IONQ_STATUS,
        queue,
        max_shots=None if simulator else TARGET_MAX_SHOTS,
    )


def _quantinuum(tid: str, qubits: int, queue: float) -> Target:
    return Target(
        tid,
        "quantinuum",
        "quantinuum",
        (QUANTINUUM_INPUT, QIR_INPUT),
        _QUANTINUUM_OUTPUTS,
        ".sim." in tid,
        qubits,
        _QUANTINUUM_STATUS,
        queue,
        max_shots=None if ".sim." in tid else TARGET_MAX_SHOTS,
    )


TARGETS: dict[str, Target] = {
    target.id: target
    for target in (
        _ionq("ionq.simulator", True, 29, 1),
        _ionq("ionq.qpu.aria-1", False, 25, 30),
        _ionq("ionq.qpu.forte-1", False, 36, 40),
        _ionq("ionq.qpu.forte-enterprise-1", False, 36, 40),
        # Syntax checkers ("sc") answer at once; emulators ("e") queue a little; QPUs a lot.
        *(
            _quantinuum(f"quantinuum.{kind}.{system}{suffix}", qubits, queue)
            for system, qubits in (("h2-1", 56), ("h2-2", 56), ("helios-1", 98))
            for kind, suffix, queue in (("sim", "sc", 0.5), ("sim", "e", 2), ("qpu", "", 60))
        ),
        *(
            Target(
                tid,
                "rigetti",
                "rigetti",
                (RIGETTI_INPUT, QIR_INPUT),
                (RIGETTI_OUTPUT, MS_RESULTS_V2, MS_RESULTS_V1),
                simulator,
                qubits,
                "https://qcs.rigetti.com/qpus",
                queue,
                max_shots=TARGET_MAX_SHOTS,
            )
            for tid, simulator, qubits, queue in (
                ("rigetti.sim.qvm", True, 20, 1),
                ("rigetti.qpu.cepheus-1-108q", False, 108, 30),
            )
        ),
        # Pulser sequences only (the official client's Pasqal target sets no QIR profile);
        # qubits as its ``PasqalTarget.num_qubits`` gives them (target/pasqal/target.py).
        *(
            Target(
                tid,
                "pasqal",
                "pasqal",
                (PASQAL_INPUT,),
                (PASQAL_OUTPUT,),
                simulator,
                qubits,
                None,
                q,
            )
            for tid, simulator, qubits, q in (
                ("pasqal.sim.emu-tn", True, 100, 1),
                ("pasqal.sim.emu-sv", True, 25, 1),
                ("pasqal.sim.emu-mps", True, 80, 1),
                ("pasqal.sim.emu-free", True, 12, 1),
                ("pasqal.qpu.fresnel", False, 100, 60),
                ("pasqal.qpu.fresnel-can1", False, 100, 60),
            )
        ),
        Target(
            "microsoft.estimator",
            "microsoft-qc",
            "estimator",
            (QIR_INPUT,),
            (ESTIMATES_OUTPUT,),
            True,
            None,
            None,
            0.5,
            ESTIMATES_OUTPUT,
        ),
    )
}

#: Targets of jobs that ran before their retirement: their details and results stay readable.
HISTORIC_TARGETS: dict[str, Target] = {
    **{
        tid: Target(tid, "microsoft", "qio", (QIO_INPUT,), (QIO_OUTPUT,), True)
        for tid in QIO_TARGET_IDS
    },
    **{tid: _quantinuum(tid, 20, 2) for tid in _H1_TARGET_IDS},
}

PROVIDERS: tuple[str, ...] = tuple(dict.fromkeys(target.provider for target in TARGETS.values()))


def find_target(target_id: str) -> Target | None:
    """The offered target named ``target_id`` (targets are matched case-insensitively)."""
    return TARGETS.get(target_id.strip().lower())


def find_any_target(target_id: str) -> Target | None:
    """An offered or a retired target: what a stored job ran on."""
    key = target_id.strip().lower()
    return TARGETS.get(key) or HISTORIC_TARGETS.get(key)


def retirement(target_id: str) -> Retirement | None:
    """Why ``target_id`` is no longer offered, if it was retired."""
    return RETIRED.get(target_id.strip().lower())


def targets_of(provider: str) -> list[Target]:
    return [target for target in TARGETS.values() if target.provider == provider]
