"""Amazon Braket operators: run an OpenQASM 3 task, a program set or an AHS program (and wait
for its result), get results, cancel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from airflow_quantum.clients.braket.prepared import BraketPreparedJob, plain_programs
from airflow_quantum.hooks.braket import BraketHook
from airflow_quantum.links.braket import BraketTaskLink
from airflow_quantum.operators.base import QuantumJobOperator, attempt_key
from airflow_quantum.operators.submitted_job import (
    QuantumCancelJobOperator,
    QuantumGetResultsOperator,
)
from airflow_quantum.spending.braket_pricing import BraketSpendControl
from airflow_quantum.triggers.braket import BraketTaskTrigger


class BraketTaskOperator(QuantumJobOperator):
    """What the Braket operators that run a task share: device, shots, output, parameters, tags,
    reservation, spending limit.

    The task's ARN and its console URL go to XCom (``job_id``, ``job_url``) before any wait. A
    retry of the same task instance finds the task an earlier try created (it is tagged with
    the task instance's idempotency key) and reattaches to it unless it failed or was
    cancelled; each try creates with its own ``clientToken`` (the key and the try number), so
    a request the transport repeats never makes a second task.

    :param device_arn: the device, e.g. ``arn:aws:braket:::device/quantum-simulator/amazon/sv1``
        or ``arn:aws:braket:us-east-1::device/qpu/quera/Aquila`` (a QPU runs in its region).
    :param shots: shots of the task.
    :param s3_bucket: the bucket the task writes ``results.json`` to (default: the connection's
        extra ``s3_bucket``); in the device's region.
    :param s3_prefix: the key prefix under it (default: the connection's extra ``s3_prefix``).
    :param device_parameters: the device's parameters (a dict, sent as JSON).
    :param tags: tags of the task (one more is the provider's idempotency tag).
    :param reservation_arn: run inside a Braket Direct reservation.
    :param max_cost: the most the task may cost in USD, checked against the price table and
        the device's spending limit before it is created (default: the connection's extra
        ``max_cost``, else ``[quantum] max_cost``, else no limit).
    :param aws_conn_id: the ``aws`` connection (default ``braket_default``).
    See :class:`~airflow_quantum.operators.base.QuantumJobOperator` for waiting and cancelling.
    """

    hook_class = BraketHook
    trigger_class = BraketTaskTrigger
    operator_extra_links = (BraketTaskLink(),)
    template_fields: Sequence[str] = (
        "aws_conn_id",
        "device_arn",
        "s3_bucket",
        "s3_prefix",
        "device_parameters",
        "tags",
        "results_path",
    )

    def __init__(
        self,
        *,
        device_arn: str,
        shots: int = 1000,
        s3_bucket: str | None = None,
        s3_prefix: str | None = None,
        device_parameters: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
        reservation_arn: str | None = None,
        max_cost: float | None = None,
        aws_conn_id: str = "braket_default",
        **kwargs: Any,
    ) -> None:
        super().__init__(spend=BraketSpendControl(max_cost), **kwargs)
        self.device_arn = device_arn
        self.shots = shots
        self.s3_bucket = s3_bucket
        self.s3_prefix = s3_prefix
        self.device_parameters = device_parameters
        self.tags = tags
        self.reservation_arn = reservation_arn
        self.aws_conn_id = aws_conn_id
        self.client_token: str | None = None

    def execute(self, context: Any) -> Any:
        # One clientToken per try: repeated requests of this try create one task, a retry
        # after a failed task may create a new one (find_job reattaches to a live one first).
        self.client_token = attempt_key(context)
        return super().execute(context)

    def options(self) -> dict[str, Any]:
        """The keyword arguments every ``BraketPreparedJob`` constructor takes."""
        return {
            "device_parameters": self.device_parameters,
            "tags": self.tags,
            "reservation_arn": self.reservation_arn,
        }

    def build(self) -> BraketPreparedJob:
        """The prepared task of the operator's input."""
        raise NotImplementedError

    def prepare(self) -> BraketPreparedJob:
        job = self.build()
        if self.s3_bucket is not None or self.s3_prefix is not None:
            job = job.with_output(self.s3_bucket, self.s3_prefix)
        # The device says what it takes and how often it wants to be asked about a task.
        device = self.hook.device_for(job)
        if device.poll_interval is not None:
            self.waits = self.waits.polling_at_least(device.poll_interval)
        return job.with_client_token(self.client_token) if self.client_token else job


class BraketRunQuantumTaskOperator(BraketTaskOperator):
    """Run an OpenQASM 3 program on a Braket device and (by default) return its counts.

    .. code-block:: python

        BraketRunQuantumTaskOperator(
            task_id="bell",
            device_arn="arn:aws:braket:::device/quantum-simulator/amazon/sv1",
            program=BELL_QASM3,  # or a qiskit QuantumCircuit
            shots=100,
            deferrable=True,
        )

    The result is ``{"format", "counts", "probabilities", "shots", "measured_qubits", ...}``;
    bitstrings list the bit of ``measured_qubits[0]`` first, as the Braket SDK does.

    :param program: OpenQASM 3 text, or a qiskit ``QuantumCircuit`` (exported with
        ``qiskit.qasm3.dumps`` when the operator is created).
    :param inputs: values of the program's ``input`` parameters.
    See :class:`BraketTaskOperator` for the device, output, tags and limits.
    """

    template_fields: Sequence[str] = (*BraketTaskOperator.template_fields, "program", "inputs")
    template_fields_renderers: ClassVar[dict[str, str]] = {"inputs": "json"}

    def __init__(self, *, program: Any, inputs: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.program = plain_programs(program)
        self.inputs = inputs

    def build(self) -> BraketPreparedJob:
        return BraketPreparedJob.openqasm(
            self.program, self.device_arn, self.shots, inputs=self.inputs, **self.options()
        )


class BraketRunProgramSetOperator(BraketTaskOperator):
    """Run a program set (up to 100 executables, one task) and return counts per executable.

    :param programs: OpenQASM 3 programs (text or circuits), or ``(program, inputs)`` pairs
        whose inputs are lists: one executable per position.
    :param shots: shots of each executable (the task's ``shots`` is this times the number of
        executables).
    The result's ``results`` has one entry per executable (``program_index``,
    ``inputs_index``, ``counts``, ...). See :class:`BraketTaskOperator` for the rest.
    """

    template_fields: Sequence[str] = (*BraketTaskOperator.template_fields, "programs")

    def __init__(self, *, programs: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.programs = plain_programs(programs)

    def build(self) -> BraketPreparedJob:
        return BraketPreparedJob.program_set(
            self.programs, self.device_arn, self.shots, **self.options()
        )


class BraketRunAHSOperator(BraketTaskOperator):
    """Run an analog Hamiltonian simulation program (QuEra Aquila) and return its shots and
    the counts of its site states (``e`` empty, ``r`` Rydberg, ``g`` ground).

    :param ahs_program: the ``braket.ir.ahs.program`` document (``setup`` and
        ``hamiltonian``), e.g. ``AnalogHamiltonianSimulation.to_ir().dict()`` from the SDK.
    See :class:`BraketTaskOperator` for the rest.
    """

    template_fields: Sequence[str] = (*BraketTaskOperator.template_fields, "ahs_program")
    template_fields_renderers: ClassVar[dict[str, str]] = {"ahs_program": "json"}

    def __init__(self, *, ahs_program: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ahs_program = ahs_program

    def build(self) -> BraketPreparedJob:
        return BraketPreparedJob.ahs(
            self.ahs_program, self.device_arn, self.shots, **self.options()
        )


class BraketGetResultsOperator(QuantumGetResultsOperator):
    """Return the decoded result of a Braket quantum task (``job_id``: its ARN).

    Waits up to ``timeout`` seconds (None: no limit) on the worker; a failed or cancelled task
    fails the task with the service's reason. See
    :class:`~airflow_quantum.operators.submitted_job.QuantumGetResultsOperator`.
    """

    hook_class = BraketHook
    template_fields: Sequence[str] = ("job_id", "aws_conn_id", "results_path")
    operator_extra_links = (BraketTaskLink(),)

    def __init__(self, *, aws_conn_id: str = "braket_default", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.aws_conn_id = aws_conn_id


class BraketCancelTaskOperator(QuantumCancelJobOperator):
    """Cancel a Braket quantum task; returns its state afterwards (a finished task is left as
    it is). A QPU task already queued is cancelled on a best-effort basis by the service."""

    hook_class = BraketHook
    template_fields: Sequence[str] = ("job_id", "aws_conn_id")

    def __init__(self, *, aws_conn_id: str = "braket_default", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.aws_conn_id = aws_conn_id
