"""The Braket device catalogue of today (SDK ``devices.py``, 2026-08) and their capabilities.

``deviceCapabilities`` is a JSON string in the shape of ``amazon-braket-schemas`` (the header
names the schema the SDK parses it with); tests parse every device's through the schemas.
Prices are the wire page's where it has them (a task: $0.30; a shot: IonQ Forte $0.08, IQM
Garnet $0.00145, QuEra Aquila $0.01); the others (and the simulators' $0.075 a minute) are
marked ``UNVERIFIED`` below. What a provider's QPUs share is written once, in its ``Family``.
Every device is open all day (``Everyday`` 00:00-23:59) unless the control API narrows its
windows, so that no test or demo depends on the hour it runs at.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

PROGRAM = "braket.ir.openqasm.program"
PROGRAM_SET = "braket.ir.openqasm.program_set"
AHS = "braket.ir.ahs.program"
#: The fee of one QPU task (wire page, pricing page of 2026-08), in USD.
TASK_PRICE = 0.30
#: The most executables a program set may hold.
MAX_EXECUTABLES = 100
ALL_DAY = ({"executionDay": "Everyday", "windowStartHour": "00:00", "windowEndHour": "23:59"},)

#: The gates every gate-model device accepts (the service compiles them to the native ones).
_STANDARD_GATES = [
    "ccnot",
    "cnot",
    "cphaseshift",
    "cswap",
    "cy",
    "cz",
    "ecr",
    "h",
    "i",
    "iswap",
    "phaseshift",
    "rx",
    "ry",
    "rz",
    "s",
    "si",
    "swap",
    "t",
    "ti",
    "v",
    "vi",
    "x",
    "xx",
    "xy",
    "y",
    "yy",
    "z",
    "zz",
    "gpi",
    "gpi2",
    "ms",
    "prx",
]


@dataclass(frozen=True)
class Device:
    """One Braket device: identity, limits, prices and what it runs."""

    arn: str
    name: str
    provider: str
    qubits: int
    #: ``sv`` (state vector), ``dm`` (density matrix) or ``ahs`` (Rydberg atoms) run it here.
    engine: str
    schema: str
    shots_range: tuple[int, int]
    native_gates: tuple[str, ...] = ()
    actions: tuple[str, ...] = (PROGRAM,)
    price_per_shot: float = 0.0
    price_per_minute: float = 0.0
    poll_interval_ms: int = 1000
    #: When it was retired (``None``: current); a retired device answers 410.
    retired: str | None = None
    max_total_shots: int = 0
    documentation: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return "SIMULATOR" if "/quantum-simulator/" in self.arn else "QPU"

    @property
    def region(self) -> str | None:
        """The region of a QPU (its ARN's fourth field); ``None`` for simulators."""
        return self.arn.split(":")[3] or None

    def estimated_cost(self, shots: int) -> float:
        """What a task of ``shots`` shots costs on a QPU (simulators bill by the minute)."""
        if self.kind == "SIMULATOR":
            return 0.0
        return TASK_PRICE + self.price_per_shot * shots


@dataclass(frozen=True)
class Family:
    """What every QPU of one provider shares (its region, capability schema, shots, native
    gates, actions and limits), written once; ``qpu`` makes one of its devices."""

    provider: str
    region: str
    schema: str
    shots_range: tuple[int, int]
    native_gates: tuple[str, ...] = ()
    actions: tuple[str, ...] = (PROGRAM,)
    engine: str = "sv"
    max_total_shots: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def qpu(self, name: str, qubits: int, price_per_shot: float, **fields: Any) -> Device:
        """The device ``name`` of this family (``fields`` override the family's values)."""
        shared = {
            "schema": self.schema,
            "shots_range": self.shots_range,
            "native_gates": self.native_gates,
            "actions": self.actions,
            "engine": self.engine,
            "max_total_shots": self.max_total_shots,
            "extra": self.extra,
        }
        return Device(
            arn=f"arn:aws:braket:{self.region}::device/qpu/{self.provider.lower()}/{name}",
            name=name,
            provider=self.provider,
            qubits=qubits,
            price_per_shot=price_per_shot,
            **{**shared, **fields},
        )


def _simulator(name: str, **fields: Any) -> Device:
    return Device(
        arn=f"arn:aws:braket:::device/quantum-simulator/amazon/{name.lower()}",
        name=name,
        provider="Amazon Braket",
        schema="braket.device_schema.simulators.gate_model_simulator_device_capabilities",
        price_per_minute=0.075,  # UNVERIFIED: not on the wire page
        poll_interval_ms=500,
        # UNVERIFIED: the wire page names IQM and Rigetti for program sets; the simulators take
        # them too here (accepted rather than refused while it is not known).
        actions=(PROGRAM, PROGRAM_SET),
        **fields,
    )


IONQ = Family(
    "IonQ",
    "us-east-1",
    "braket.device_schema.ionq.ionq_device_capabilities",
    (1, 5000),
    ("gpi", "gpi2", "zz"),
)
IQM = Family(
    "IQM",
    "eu-north-1",
    "braket.device_schema.iqm.iqm_device_capabilities",
    (1, 20_000),
    ("cz", "prx"),
    (PROGRAM, PROGRAM_SET),
    max_total_shots=200_000,
)
RIGETTI = Family(
    "Rigetti",
    "us-west-1",
    "braket.device_schema.rigetti.rigetti_device_capabilities",
    (1, 50_000),
    ("rx", "rz", "iswap"),
    (PROGRAM, PROGRAM_SET),
    max_total_shots=200_000,
)
QUERA = Family(
    "QuEra",
    "us-east-1",
    "braket.device_schema.quera.quera_device_capabilities",
    (1, 1000),
    actions=(AHS,),
    engine="ahs",
)
AQT = Family(
    "AQT",
    "eu-north-1",
    "braket.device_schema.aqt.aqt_device_capabilities",
    (1, 2000),  # the wire page: Ibex-Q1 takes at most 2,000 shots
    ("prx", "rz", "xx"),
    extra={  # the AQT schema requires both; figures UNVERIFIED (typical trapped-ion values)
        "provider": {
            "braketSchemaHeader": {
                "name": "braket.device_schema.aqt.aqt_provider_properties",
                "version": "1",
            },
            "properties": {
                "single_qubit_gate_fidelity": {
                    str(q): {"value": 99.9, "uncertainty": 0.05} for q in range(12)
                },
                "mean_two_qubit_gate_fidelity": {"value": 97.5, "uncertainty": 0.5},
                "spam_fidelity_lower_bound": 99.0,
                "t2_coherence_time_s": {"value": 0.2, "uncertainty": 0.05},
                "t1_s": {"value": 1.17, "uncertainty": 0.01},
                "readout_time_micros": 1500.0,
                "single_qubit_gate_duration_micros": 20.0,
                "two_qubit_gate_duration_micros": 200.0,
                "updated_at": "2026-08-01T00:00:00Z",
            },
        },
        "standardized": {
            "braketSchemaHeader": {
                "name": "braket.device_schema.standardized_gate_model_qpu_device_properties",
                "version": "3",
            },
            "oneQubitProperties": {},
            "twoQubitProperties": {},
        },
    },
)

#: Prices per shot: the wire page's for Forte-1, Garnet and Aquila; the others UNVERIFIED.
DEVICES: tuple[Device, ...] = (
    _simulator("SV1", qubits=34, engine="sv", shots_range=(0, 100_000), max_total_shots=100_000),
    _simulator("DM1", qubits=17, engine="dm", shots_range=(0, 150_000), max_total_shots=150_000),
    _simulator("TN1", qubits=50, engine="sv", shots_range=(0, 1000), retired="2026-06"),
    IONQ.qpu("Forte-1", 36, 0.08),
    IONQ.qpu("Forte-Enterprise-1", 36, 0.08),  # UNVERIFIED: Forte's price
    IONQ.qpu("Aria-1", 25, 0.03, native_gates=("gpi", "gpi2", "ms"), retired="2026-03"),
    IQM.qpu("Garnet", 20, 0.00145),
    IQM.qpu("Emerald", 54, 0.0016),  # UNVERIFIED
    RIGETTI.qpu("Cepheus-1-108Q", 108, 0.000425),  # UNVERIFIED
    RIGETTI.qpu("Ankaa-3", 84, 0.0009, actions=(PROGRAM,), max_total_shots=0, retired="2026-04"),
    QUERA.qpu("Aquila", 256, 0.01),
    AQT.qpu("Ibex-Q1", 12, 0.0235),  # UNVERIFIED
)
BY_ARN = {device.arn: device for device in DEVICES}


def serves(device: Device, region: str) -> bool:
    """Whether a Braket endpoint in ``region`` knows ``device`` (simulators: every region)."""
    return device.region is None or device.region == region


def capabilities(
    device: Device, windows: tuple[dict[str, str], ...], updated_at: str
) -> dict[str, Any]:
    """``deviceCapabilities`` of ``device`` (before JSON encoding)."""
    unit = (
        ("minute", device.price_per_minute)
        if device.kind == "SIMULATOR"
        else (
            "shot",
            device.price_per_shot,
        )
    )
    service = {
        "braketSchemaHeader": {
            "name": "braket.device_schema.device_service_properties",
            "version": "1",
        },
        "executionWindows": [dict(window) for window in windows],
        "shotsRange": list(device.shots_range),
        "deviceCost": {"price": unit[1], "unit": unit[0]},
        "deviceDocumentation": {
            "imageUrl": None,
            "summary": f"{device.provider} {device.name}, emulated by airflow-quantum-emulator.",
            "externalDocumentationUrl": None,
        },
        "deviceLocation": device.region or "any Braket region",
        "updatedAt": updated_at,
        "getTaskPollIntervalMillis": device.poll_interval_ms,
    }
    document: dict[str, Any] = {
        "braketSchemaHeader": {"name": device.schema, "version": _schema_version(device)},
        "service": service,
        "action": _actions(device),
        "deviceParameters": {},
    }
    if device.engine == "ahs":
        from airflow_quantum_emulator.braket.aquila import paradigm

        document["paradigm"] = paradigm(device.qubits)
    elif device.kind == "SIMULATOR":
        document["paradigm"] = {
            "braketSchemaHeader": {
                "name": "braket.device_schema.simulators.gate_model_simulator_paradigm_properties",
                "version": "1",
            },
            "qubitCount": device.qubits,
        }
    else:
        document["paradigm"] = {
            "braketSchemaHeader": {
                "name": "braket.device_schema.gate_model_qpu_paradigm_properties",
                "version": "1",
            },
            "qubitCount": device.qubits,
            "nativeGateSet": list(device.native_gates),
            "connectivity": {"fullyConnected": True, "connectivityGraph": {}},
        }
    document.update(device.extra)
    return document


def capabilities_json(device: Device, windows: tuple[dict[str, str], ...], updated_at: str) -> str:
    return json.dumps(capabilities(device, windows, updated_at))


def _schema_version(device: Device) -> str:
    return "2" if device.schema == RIGETTI.schema else "1"


def _actions(device: Device) -> dict[str, Any]:
    actions: dict[str, Any] = {}
    if PROGRAM in device.actions:
        actions[PROGRAM] = {
            "actionType": PROGRAM,
            "version": ["1"],
            "supportedOperations": list(_STANDARD_GATES),
            "supportedModifiers": [],
            "supportedPragmas": ["braket_verbatim", "braket_result_type_probability"]
            if device.kind == "QPU"
            else ["braket_result_type_probability", "braket_result_type_expectation"],
            "forbiddenPragmas": [],
            "supportPhysicalQubits": device.kind == "QPU",
            "supportsPartialVerbatimBox": device.kind == "QPU",
            "supportedResultTypes": [
                {
                    "name": "Probability",
                    "observables": None,
                    "minShots": 1,
                    "maxShots": device.shots_range[1],
                },
            ],
        }
    if PROGRAM_SET in device.actions:
        actions[PROGRAM_SET] = {
            "actionType": PROGRAM_SET,
            "version": ["1"],
            "maximumExecutables": MAX_EXECUTABLES,
            "maximumTotalShots": device.max_total_shots,
        }
    if AHS in device.actions:
        actions[AHS] = {"actionType": AHS, "version": ["1"]}
    return actions
