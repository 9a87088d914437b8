"""Amazon Braket's sweep operator: program sets or one task per circuit, by the device's limits."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any

from airflow_quantum.clients.braket.prepared import plain_programs
from airflow_quantum.hooks.braket import BraketHook
from airflow_quantum.operators.sweep import QuantumSweepOperator
from airflow_quantum.spending.braket_pricing import BraketSpendControl
from airflow_quantum.sweeps import braket
from airflow_quantum.sweeps.limits import Chunk, JobLimits
from airflow_quantum.sweeps.workload import Workload
from airflow_quantum.triggers.braket import BraketSweepTrigger


class BraketSweepOperator(QuantumSweepOperator):
    """Run a sweep (one OpenQASM 3 circuit with ``input`` parameters, a table of values) or a
    batch of circuits on an Amazon Braket device as few tasks as its limits allow, and merge
    the counts into one table.

    The device says what a task may hold: on a device that runs program sets (IQM, Rigetti) a
    task is a program set of up to 100 executables, all with the same shots, their total
    within the device's shot range; elsewhere a task is one circuit. An item with more shots
    than the device's range allows (AQT Ibex-Q1: 2,000) is split over tasks and summed. Each
    chunk's task is created with its own ``clientToken`` per try and resubmit, and tagged with
    the chunk's idempotency key, so a retry reattaches to the tasks already created.

    .. code-block:: python

        BraketSweepOperator(
            task_id="sweep",
            device_arn="arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet",
            circuits=RX_QASM3,  # "input float theta; ... rx(theta) q[0];"
            parameter_values={"theta": [i * math.pi / 100 for i in range(100)]},
            shots=100,
            max_cost=50.0,  # applies to the sum of all the tasks, before any is created
            deferrable=True,
        )

    :param device_arn: the device.
    :param circuits: OpenQASM 3 programs (text or qiskit circuits); a sweep's names its
        parameters as ``input float <name>;``.
    :param s3_bucket: the bucket the tasks write to (default: the connection's extra).
    :param s3_prefix: the key prefix under it (default: the connection's extra).
    :param device_parameters: the device's parameters of every task.
    :param tags: tags of every task (one more is each chunk's idempotency tag).
    :param reservation_arn: run inside a Braket Direct reservation.
    :param max_cost: the most the whole sweep may cost in USD (the sum of its tasks'
        estimates), also checked against the device's spending limits.
    :param allow_unpriced: with a limit set, run on a device the price table cannot price.
    :param aws_conn_id: the ``aws`` connection (default ``braket_default``).
    See :class:`~airflow_quantum.operators.sweep.QuantumSweepOperator` for the rest.
    """

    hook_class = BraketHook
    trigger_class = BraketSweepTrigger
    template_fields: Sequence[str] = (
        *QuantumSweepOperator.template_fields,
        "aws_conn_id",
        "device_arn",
        "s3_bucket",
        "s3_prefix",
        "device_parameters",
        "tags",
    )
    results_timeout = 300.0

    def __init__(
        self,
        *,
        device_arn: str,
        circuits: Any,
        s3_bucket: str | None = None,
        s3_prefix: str | None = None,
        device_parameters: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
        reservation_arn: str | None = None,
        max_cost: float | None = None,
        allow_unpriced: bool = False,
        aws_conn_id: str = "braket_default",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            circuits=plain_programs(circuits),
            spend=BraketSpendControl(max_cost, allow_unpriced),
            **kwargs,
        )
        self.device_arn = device_arn
        self.s3_bucket = s3_bucket
        self.s3_prefix = s3_prefix
        self.device_parameters = device_parameters
        self.tags = tags
        self.reservation_arn = reservation_arn
        self.aws_conn_id = aws_conn_id

    @property
    def backend_name(self) -> str:
        return self.device_arn

    @cached_property
    def _device(self) -> Any:
        return self.hook.device(self.device_arn)

    def job_limits(self) -> JobLimits:
        return braket.limits(self._device)

    def chunk_job(self, workload: Workload, chunk: Chunk) -> Any:
        job = braket.chunk_job(
            workload,
            chunk,
            self.device_arn,
            braket.runs_program_sets(self._device),
            device_parameters=self.device_parameters,
            tags=self.tags,
            reservation_arn=self.reservation_arn,
        )
        if self.s3_bucket is not None or self.s3_prefix is not None:
            job = job.with_output(self.s3_bucket, self.s3_prefix)
        return job

    def find_chunk(self, key: str, workload: Workload, chunk: Chunk) -> str | None:
        # The device's tasks are searched: the chunk's job says which device and region.
        return self.hook.find_job(key, self.chunk_job(workload, chunk))

    def with_request_token(self, job: Any, token: str) -> Any:
        return job.with_client_token(token)

    def part_results(self, workload: Workload, chunk: Chunk, result: Any) -> Iterable[Any]:
        return braket.part_counts(chunk, result)

    def chunk_content(self, job: Any) -> dict[str, Any]:
        return {
            "device_arn": job.device_arn,
            "action": json.dumps(job.action, sort_keys=True),
            "shots": job.shots,
            "device_parameters": job.device_parameters,
        }
