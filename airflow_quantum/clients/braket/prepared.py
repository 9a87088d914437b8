"""What goes to Braket: a quantum task's action, device, shots and output location, checked once.

One constructor per kind of action: ``openqasm`` (an OpenQASM 3 program), ``program_set`` (up to
100 executables of OpenQASM 3 programs with input lists), ``ahs`` (an analog Hamiltonian
simulation program, QuEra Aquila). Every field is checked and the wire body is built here,
before anything is sent; ``InvalidInputError`` names the bad field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from airflow_quantum.clients.errors import InvalidInputError

OPENQASM_PROGRAM = "braket.ir.openqasm.program"
PROGRAM_SET = "braket.ir.openqasm.program_set"
AHS_PROGRAM = "braket.ir.ahs.program"
#: Executables one program set may hold (the service's limit).
MAX_EXECUTABLES = 100
#: ``clientToken`` is 1 to 64 characters.
MAX_CLIENT_TOKEN = 64
#: Tags of one task at most (AWS's limit for a resource), the provider's own included: the
#: task instance's idempotency key and the request's client token (``PROVIDER_TAGS``).
MAX_TAGS = 50
PROVIDER_TAGS = 2
#: A bit string, the one kind of text an OpenQASM program's input may be.
_BITS = re.compile(r"^[01]+$")

DEVICE_ARN = re.compile(r"^arn:aws[a-z-]*:braket:[a-z0-9-]*:[0-9]{0,12}:device/[A-Za-z0-9._/-]+$")
TASK_ARN = re.compile(r"^arn:aws[a-z-]*:braket:[a-z0-9-]+:[0-9]{12}:quantum-task/[A-Za-z0-9-]+$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_OPENQASM3 = re.compile(r"^\s*(//[^\n]*\n\s*|/\*.*?\*/\s*)*OPENQASM\s+3(\.\d+)?\s*;", re.S)


def device_arn(value: Any) -> str:
    """``value`` if it is a Braket device ARN, else ``InvalidInputError``."""
    if not isinstance(value, str) or not DEVICE_ARN.match(value.strip()):
        raise InvalidInputError(
            "device_arn must be a Braket device ARN such as "
            f"arn:aws:braket:::device/quantum-simulator/amazon/sv1, got {value!r:.80}"
        )
    return value.strip()


def task_arn(value: Any) -> str:
    """``value`` if it is a quantum task ARN, else ``InvalidInputError``."""
    if not isinstance(value, str) or not TASK_ARN.match(value.strip()):
        raise InvalidInputError(
            "a quantum task id is its ARN, "
            f"arn:aws:braket:<region>:<account>:quantum-task/<id>, got {value!r:.80}"
        )
    return value.strip()


def shots(value: Any, name: str = "shots") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(f"{name} must be an int of 0 or more, got {value!r:.40}")
    return value


def openqasm3_source(value: Any, where: str = "program") -> str:
    """An OpenQASM 3 program's text (a qiskit ``QuantumCircuit`` is exported with
    ``qiskit.qasm3.dumps``, its gates defined in the program)."""
    if _is_circuit(value):
        from qiskit import qasm3

        # Self-contained (no ``include "stdgates.inc"``, which Braket's interpreter cannot
        # open): every gate defined down to ``U``. QPUs may want their native gate names.
        value = qasm3.dumps(value, includes=())
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{where} must be OpenQASM 3 text or a QuantumCircuit")
    if not _OPENQASM3.match(value):
        raise InvalidInputError(f"{where} must start with 'OPENQASM 3.0;' (Braket runs OpenQASM 3)")
    return value


def _is_circuit(value: Any) -> bool:
    return hasattr(value, "num_qubits") and hasattr(value, "data")


def plain_programs(value: Any) -> Any:
    """``value`` with qiskit circuits as OpenQASM 3 text (a program, a list of programs or of
    ``(program, inputs)`` pairs); anything else as it is, checked when the task runs. The
    operators call it in ``__init__``, so templates and DAG serialization see only text."""
    if _is_circuit(value):
        return openqasm3_source(value)
    if isinstance(value, list | tuple):
        return [plain_programs(item) for item in value]
    return value


def _json_value(value: Any, where: str) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{where} must be plain JSON: {exc}") from None
    return value


def _program(source: Any, inputs: Any, where: str) -> dict[str, Any]:
    program: dict[str, Any] = {
        "braketSchemaHeader": {"name": OPENQASM_PROGRAM, "version": "1"},
        "source": openqasm3_source(source, where),
    }
    if inputs is not None:
        if not isinstance(inputs, Mapping) or not all(isinstance(k, str) for k in inputs):
            raise InvalidInputError(f"{where} inputs must be a dict of input names to values")
        program["inputs"] = _json_value(dict(inputs), f"{where} inputs")
        for name, value in inputs.items():
            if not all(_input_leaf(item) for item in _leaves(value)):
                raise InvalidInputError(
                    f"{where} input {name!r} must be a number, a bit string or a list of them, "
                    f"got {value!r:.40} (a templated value renders as text unless the DAG "
                    "sets render_template_as_native_obj)"
                )
    return program


def _leaves(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _input_leaf(value: Any) -> bool:
    """What ``braket.ir.openqasm.Program`` takes as an input: an int, a float or bits."""
    if isinstance(value, str):
        return bool(_BITS.match(value))
    return isinstance(value, int | float)


def executables_of(program: Mapping[str, Any], where: str) -> int:
    """How many executables a program of a set makes: one per position of its input lists."""
    inputs = program.get("inputs") or {}
    lengths = {len(v) if isinstance(v, list) else -1 for v in inputs.values()}
    if -1 in lengths:
        raise InvalidInputError(f"{where}: in a program set every input must be a list of values")
    if len(lengths) > 1:
        raise InvalidInputError(f"{where}: the input lists of a program must have one length")
    return lengths.pop() if lengths else 1


@dataclass(frozen=True)
class BraketPreparedJob:
    """A checked quantum task, ready for ``CreateQuantumTask`` (``body``).

    ``shots`` is the task's ``shots`` field as the API takes it; for a program set,
    ``shots_per_executable`` times its executables.
    """

    device_arn: str
    action: dict[str, Any]
    shots: int
    s3_bucket: str | None = None
    s3_prefix: str | None = None
    device_parameters: dict[str, Any] | None = None
    tags: dict[str, str] = field(default_factory=dict)
    reservation_arn: str | None = None
    #: Executables of a program set (1 otherwise): the per-task price counts them once, the
    #: per-shot price their shots.
    executables: int = 1
    #: The ``clientToken`` to create it with (None: a new one per request): the same token
    #: sent again returns the task it created instead of a second one.
    client_token: str | None = None

    @property
    def action_name(self) -> str:
        return str(self.action["braketSchemaHeader"]["name"])

    @classmethod
    def openqasm(
        cls,
        program: Any,
        device_arn: str,
        shots: int,
        *,
        inputs: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> BraketPreparedJob:
        """An OpenQASM 3 program (text or a qiskit ``QuantumCircuit``) with its inputs."""
        return cls._make(device_arn, _program(program, inputs, "program"), shots, **options)

    @classmethod
    def program_set(
        cls,
        programs: Sequence[Any],
        device_arn: str,
        shots_per_executable: int,
        **options: Any,
    ) -> BraketPreparedJob:
        """Programs, each an OpenQASM 3 text or circuit, or ``(program, inputs)`` with input
        lists (one executable per position); at most ``MAX_EXECUTABLES`` executables."""
        if isinstance(programs, str | bytes) or not isinstance(programs, Sequence) or not programs:
            raise InvalidInputError("programs must be a non-empty list of OpenQASM 3 programs")
        built = []
        for index, item in enumerate(programs):
            where = f"programs[{index}]"
            source, inputs = (
                item if isinstance(item, tuple | list) and len(item) == 2 else (item, None)
            )
            built.append(_program(source, inputs, where))
        executables = sum(executables_of(p, f"programs[{i}]") for i, p in enumerate(built))
        if executables > MAX_EXECUTABLES:
            raise InvalidInputError(
                f"a program set holds at most {MAX_EXECUTABLES} executables, got {executables}"
            )
        action = {"braketSchemaHeader": {"name": PROGRAM_SET, "version": "1"}, "programs": built}
        per = shots(shots_per_executable, "shots_per_executable")
        job = cls._make(device_arn, action, per * executables, **options)
        return replace(job, executables=executables)

    @classmethod
    def ahs(cls, program: Mapping[str, Any], device_arn: str, shots: int, **options: Any):
        """An analog Hamiltonian simulation program (``braket.ir.ahs.program``: its ``setup``
        and ``hamiltonian``), e.g. for QuEra Aquila."""
        if not isinstance(program, Mapping):
            raise InvalidInputError("ahs_program must be a dict (braket.ir.ahs.program)")
        body = dict(_json_value(dict(program), "ahs_program"))
        header = body.get("braketSchemaHeader") or {"name": AHS_PROGRAM, "version": "1"}
        if not isinstance(header, Mapping) or header.get("name") != AHS_PROGRAM:
            raise InvalidInputError(f"ahs_program's braketSchemaHeader must name {AHS_PROGRAM}")
        for part in ("setup", "hamiltonian"):
            if not isinstance(body.get(part), Mapping):
                raise InvalidInputError(f"ahs_program must have a '{part}' object")
        body["braketSchemaHeader"] = dict(header)
        return cls._make(device_arn, body, shots, **options)

    @classmethod
    def _make(
        cls,
        device: str,
        action: dict[str, Any],
        count: int,
        *,
        s3_bucket: str | None = None,
        s3_prefix: str | None = None,
        device_parameters: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
        reservation_arn: str | None = None,
    ) -> BraketPreparedJob:
        if device_parameters is not None and not isinstance(device_parameters, Mapping):
            raise InvalidInputError("device_parameters must be a dict")
        job = cls(
            device_arn=device_arn(device),
            action=action,
            shots=shots(count),
            device_parameters=None
            if device_parameters is None
            else _json_value(dict(device_parameters), "device_parameters"),
            tags=_tags(tags, MAX_TAGS - PROVIDER_TAGS),
            reservation_arn=reservation_arn,
        )
        return job.with_output(s3_bucket, s3_prefix) if s3_bucket is not None else job

    def with_output(self, bucket: Any, prefix: Any) -> BraketPreparedJob:
        """The same task writing its results to ``s3://bucket/prefix/``."""
        if not isinstance(bucket, str) or not _BUCKET.match(bucket):
            raise InvalidInputError(f"s3_bucket must be an S3 bucket name, got {bucket!r:.80}")
        prefix = (prefix or "").strip("/") if isinstance(prefix, str | type(None)) else None
        if not prefix or len(prefix) > 1024:
            raise InvalidInputError("s3_prefix must be a key prefix of 1 to 1024 characters")
        return replace(self, s3_bucket=bucket, s3_prefix=prefix)

    def with_tag(self, key: str, value: str) -> BraketPreparedJob:
        return replace(self, tags=_tags({**self.tags, key: value}))

    def with_client_token(self, token: str) -> BraketPreparedJob:
        """The same task, created with ``token`` (1-64 characters)."""
        return replace(self, client_token=_client_token(token))

    def body(self, client_token: str) -> dict[str, Any]:
        """The ``CreateQuantumTask`` body (``action`` and ``deviceParameters`` as JSON text)."""
        client_token = _client_token(client_token)
        if self.s3_bucket is None or self.s3_prefix is None:
            raise InvalidInputError(
                "the task needs an S3 output location: s3_bucket and s3_prefix (or the "
                "connection's extras of those names)"
            )
        body: dict[str, Any] = {
            "clientToken": client_token,
            "deviceArn": self.device_arn,
            "shots": self.shots,
            "outputS3Bucket": self.s3_bucket,
            "outputS3KeyPrefix": self.s3_prefix,
            "action": json.dumps(self.action, separators=(",", ":")),
        }
        if self.device_parameters is not None:
            body["deviceParameters"] = json.dumps(self.device_parameters, separators=(",", ":"))
        if self.tags:
            body["tags"] = dict(self.tags)
        if self.reservation_arn:
            body["associations"] = [
                {"arn": self.reservation_arn, "type": "RESERVATION_TIME_WINDOW_ARN"}
            ]
        return body


def _client_token(token: Any) -> str:
    if not isinstance(token, str) or not 0 < len(token) <= MAX_CLIENT_TOKEN:
        raise InvalidInputError(f"clientToken must be 1 to {MAX_CLIENT_TOKEN} characters")
    return token


def _tags(tags: Any, most: int = MAX_TAGS) -> dict[str, str]:
    if tags is None:
        return {}
    if not isinstance(tags, Mapping) or not all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in tags.items()
    ):
        raise InvalidInputError("tags must be a dict of non-empty string keys to string values")
    if len(tags) > most:
        reserved = MAX_TAGS - most
        why = f" ({reserved} more are the provider's)" if reserved else ""
        raise InvalidInputError(f"tags: at most {most}{why}, got {len(tags)}")
    return dict(tags)
