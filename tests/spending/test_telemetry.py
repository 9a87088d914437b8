"""Job telemetry reaches a real StatsD listener: Airflow's own StatsD client, pointed at a UDP
socket of the test, receives the metrics of real jobs of both vendors run by the operators
against the emulator, in every wait mode, with the documented names, values and tags."""

from __future__ import annotations

import asyncio
import socket
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from airflow.sdk import Asset
from airflow.sdk.exceptions import AirflowException, TaskDeferred
from airflow.sdk.observability.metrics import stats_utils
from airflow.sdk.observability.stats import initialize
from airflow_face_support import (
    BELL_IONQ,
    BELL_QASM,
    HOLD,
    SECRET,
    configure,
    control,
    hold,
    job_fault,
    make_context,
    run_trigger,
)

from airflow_quantum.clients.state import JobState
from airflow_quantum.operators.azure_quantum import AzureQuantumSubmitJobOperator
from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator
from airflow_quantum.results.assets import attach_to_outlets
from airflow_quantum.results.lineage import FACET_NAME
from airflow_quantum.spending.telemetry import report_finished_job

FAST = {"poll_interval": 0.05, "max_poll_interval": 0.1}
PREFIX = "airflow"


@dataclass(frozen=True)
class Datagram:
    """One StatsD line: ``name,tag=value,...:value|kind`` (InfluxDB tag style)."""

    name: str
    tags: dict[str, str]
    value: float
    kind: str

    @classmethod
    def parse(cls, line: str) -> Datagram:
        head, _, rest = line.partition(":")
        name, *pairs = head.split(",")
        value, kind = rest.split("|")[:2]
        tags = dict(pair.split("=", 1) for pair in pairs)
        return cls(name.removeprefix(PREFIX + "."), tags, float(value), kind)


class Listener:
    """A UDP socket on loopback that collects what the StatsD client sends."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.lines: list[str] = []

    def drain(self) -> list[Datagram]:
        """Every datagram received so far (each may hold several lines)."""
        while True:
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                break
            self.lines.extend(line for line in data.decode().splitlines() if line)
        return [Datagram.parse(line) for line in self.lines]

    def quantum(self) -> dict[str, Datagram]:
        """The quantum job metrics received, by name (each job test sends one of each)."""
        found: dict[str, Datagram] = {}
        for gram in self.drain():
            if gram.name.startswith("quantum.job."):
                assert gram.name not in found, f"{gram.name} sent twice: {self.lines}"
                found[gram.name] = gram
        return found


@pytest.fixture
def statsd(monkeypatch) -> Iterator[Listener]:
    """Airflow's StatsD client (InfluxDB-style tags) sending to a listener of the test.

    ``Stats`` is built lazily from ``[metrics]``; the task runner builds it at its start with
    ``initialize(factory=get_stats_factory(), ...)``, and so does this fixture once the config
    points at the listener.
    """
    listener = Listener()
    for key, value in {
        "STATSD_ON": "True",
        "STATSD_HOST": "127.0.0.1",
        "STATSD_PORT": str(listener.port),
        "STATSD_PREFIX": PREFIX,
        "STATSD_INFLUXDB_ENABLED": "True",
    }.items():
        monkeypatch.setenv(f"AIRFLOW__METRICS__{key}", value)
    initialize(factory=stats_utils.get_stats_factory(), export_legacy_names=True)
    yield listener
    monkeypatch.undo()
    initialize(factory=stats_utils.get_stats_factory(), export_legacy_names=True)
    listener.sock.close()


def record(emulator, job_id: str) -> dict:
    """The emulator's own times of a job (epoch seconds)."""
    return control(emulator, "GET", f"/jobs/{job_id}")


def tags_of(vendor: str, backend: str, task_id: str) -> dict[str, str]:
    return {"vendor": vendor, "backend": backend, "dag_id": "quantum_dag", "task_id": task_id}


def test_ibm_job_waited_on_the_worker_sends_its_times_and_quantum_seconds(
    ibm_connection, emulator, statsd
):
    op = IBMQuantumRunSamplerOperator(
        task_id="sample",
        backend="ibm_fez",
        circuits=[BELL_QASM],
        shots=100,
        deferrable=False,
        **FAST,
    )
    op.execute(make_context(op))
    times = record(emulator, op.job_id)
    metrics = statsd.quantum()
    assert set(metrics) == {
        "quantum.job.queue_seconds",
        "quantum.job.run_seconds",
        "quantum.job.quantum_seconds",
        "quantum.job.finished",
    }
    tags = tags_of("ibm", "ibm_fez", "sample")
    queued, ran = metrics["quantum.job.queue_seconds"], metrics["quantum.job.run_seconds"]
    assert queued.kind == ran.kind == "g"
    assert queued.tags == ran.tags == tags
    assert queued.value == pytest.approx(times["starts_at"] - times["created_at"], abs=1e-3)
    assert ran.value == pytest.approx(times["ended_at"] - times["starts_at"], abs=1e-3)
    # The emulator bills the run time rounded up to whole seconds (0.3 s here: 1 s).
    billed = metrics["quantum.job.quantum_seconds"]
    assert (billed.value, billed.kind, billed.tags) == (1.0, "g", tags)
    finished = metrics["quantum.job.finished"]
    assert (finished.value, finished.kind) == (1.0, "c")
    assert finished.tags == {**tags, "state": "succeeded"}
    assert SECRET not in "".join(statsd.lines)

    # The same facts are on the OpenLineage run facet and the events of Asset outlets.
    facet = op.get_openlineage_facets_on_complete(None).run_facets[FACET_NAME]
    assert facet.queueSeconds == queued.value and facet.runSeconds == ran.value
    assert facet.quantumSeconds == 1.0 and facet.cost is None
    events = defaultdict(lambda: SimpleNamespace(extra={}))
    attach_to_outlets({"outlet_events": events}, [Asset("bell_counts")], op.delivery.known_facts())
    extra = events[Asset("bell_counts")].extra
    assert (extra["queue_seconds"], extra["run_seconds"]) == (queued.value, ran.value)
    assert extra["quantum_seconds"] == 1.0 and "cost" not in extra


def test_azure_job_resumed_from_the_trigger_sends_its_cost(azure_connection, emulator, statsd):
    hold(emulator)  # still queued at the first look, however slow
    op = AzureQuantumSubmitJobOperator(
        task_id="bell_qpu",
        target="ionq.qpu.aria-1",
        ionq_circuit=BELL_IONQ,
        qubits=2,
        shots=100,
        deferrable=True,
        **FAST,
    )
    context = make_context(op)
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(context)
    assert statsd.quantum() == {}  # nothing is final yet
    # The emulator's clock past the queue: the job runs (its 0.3 s) and ends by itself.
    control(emulator, "POST", "/clock/advance", {"seconds": HOLD})
    (event,) = asyncio.run(run_trigger(deferred.value.trigger))
    op.execute_complete(context, event=event)

    times = record(emulator, op.job_id)
    metrics = statsd.quantum()
    assert set(metrics) == {
        "quantum.job.queue_seconds",
        "quantum.job.run_seconds",
        "quantum.job.cost",
        "quantum.job.finished",
    }
    tags = tags_of("azure", "ionq.qpu.aria-1", "bell_qpu")
    assert metrics["quantum.job.queue_seconds"].value == pytest.approx(
        times["starts_at"] - times["created_at"], abs=1e-3
    )
    assert metrics["quantum.job.run_seconds"].value == pytest.approx(
        times["ended_at"] - times["starts_at"], abs=1e-3
    )
    assert metrics["quantum.job.run_seconds"].tags == tags
    # IonQ bills a minimum per program (97.50 USD with error mitigation on) plus gate-shots:
    # 100 shots of one 1-qubit gate (H) and one 2-qubit gate (CNOT) at the emulator's Aria
    # prices, 0.000220 and 0.000975 USD.
    cost = metrics["quantum.job.cost"]
    assert cost.value == pytest.approx(97.5 + 100 * 0.000220 + 100 * 0.000975)
    assert (cost.kind, cost.tags) == ("g", {**tags, "currency": "USD"})
    assert metrics["quantum.job.finished"].tags == {**tags, "state": "succeeded"}
    facet = op.get_openlineage_facets_on_complete(None).run_facets[FACET_NAME]
    assert facet.cost == cost.value and facet.currency == "USD"


def test_a_job_final_at_the_first_look_and_failed_is_counted_as_failed(
    ibm_connection, emulator, statsd
):
    configure(emulator, queue_seconds=0, run_seconds=0)
    job_fault(emulator, "ibm", outcome="fail", code="1517", message="bad circuit")
    op = IBMQuantumRunSamplerOperator(
        task_id="doomed", backend="ibm_fez", circuits=[BELL_QASM], shots=10, **FAST
    )
    with pytest.raises(AirflowException, match="bad circuit"):
        op.execute(make_context(op))  # deferrable or not: the first look sees it final
    finished = statsd.quantum()["quantum.job.finished"]
    assert (finished.value, finished.kind) == (1.0, "c")
    assert finished.tags == {**tags_of("ibm", "ibm_fez", "doomed"), "state": "failed"}


def test_a_job_cancelled_while_deferred_is_counted_as_cancelled(azure_connection, emulator, statsd):
    hold(emulator)  # still queued at the first look and at the cancel, however slow
    op = AzureQuantumSubmitJobOperator(
        task_id="gone",
        target="ionq.simulator",
        ionq_circuit=BELL_IONQ,
        qubits=2,
        shots=10,
        deferrable=True,
        **FAST,
    )
    context = make_context(op)
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(context)
    control(emulator, "POST", f"/jobs/{op.job_id}/cancel")
    (event,) = asyncio.run(run_trigger(deferred.value.trigger))
    with pytest.raises(AirflowException):
        op.execute_complete(context, event=event)
    metrics = statsd.quantum()
    tags = tags_of("azure", "ionq.simulator", "gone")
    assert metrics["quantum.job.finished"].tags == {**tags, "state": "cancelled"}
    # It never ran: it queued until it was cancelled, and nothing was billed.
    assert "quantum.job.run_seconds" not in metrics and "quantum.job.cost" not in metrics
    times = record(emulator, op.job_id)
    assert metrics["quantum.job.queue_seconds"].value == pytest.approx(
        times["ended_at"] - times["created_at"], abs=1e-3
    )


def test_a_broken_metrics_setup_never_fails_the_task(ibm_connection, emulator, monkeypatch, capsys):
    # A custom StatsD client that is not one: Airflow refuses it when Stats is first used.
    monkeypatch.setenv("AIRFLOW__METRICS__STATSD_ON", "True")
    monkeypatch.setenv("AIRFLOW__METRICS__STATSD_CUSTOM_CLIENT_PATH", "builtins.object")
    initialize(factory=stats_utils.get_stats_factory(), export_legacy_names=True)
    try:
        op = IBMQuantumRunSamplerOperator(
            task_id="sample", backend="ibm_fez", circuits=[BELL_QASM], shots=10, **FAST
        )
        result = op.execute(make_context(op))
    finally:
        monkeypatch.undo()
        initialize(factory=stats_utils.get_stats_factory(), export_legacy_names=True)
    assert sum(result["pub_results"][0]["counts"].values()) == 10
    warning = f"Could not send the metrics of IBM Quantum job {op.job_id}: AirflowConfigException"
    assert warning in capsys.readouterr().out


def test_without_a_metrics_backend_the_job_is_not_read_again(monkeypatch):
    monkeypatch.setenv("AIRFLOW__METRICS__STATSD_ON", "False")
    monkeypatch.setenv("AIRFLOW__METRICS__OTEL_ON", "False")

    reads: list[str] = []
    delivery = SimpleNamespace(
        known_facts=lambda: reads.append("facts"), task=SimpleNamespace(log=None)
    )
    report_finished_job(delivery, {"ti": None}, JobState.SUCCEEDED)
    assert reads == []  # no request to the service for metrics nobody receives


def test_braket_qpu_task_sends_its_price_and_state(braket_connection, emulator, statsd):
    from airflow_quantum.operators.braket import BraketRunQuantumTaskOperator

    forte = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"
    bell = "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncnot q[0], q[1];\nc = measure q;\n"
    op = BraketRunQuantumTaskOperator(
        task_id="bell_forte", device_arn=forte, program=bell, shots=50, **FAST
    )
    op.execute(make_context(op))
    metrics = statsd.quantum()
    tags = tags_of("braket", "device/qpu/ionq/Forte-1", "bell_forte")  # no ':' in a tag
    # The dated table: 0.30 USD a task and 0.08 USD a shot on Forte-1.
    cost = metrics["quantum.job.cost"]
    assert cost.value == pytest.approx(0.30 + 50 * 0.08)
    assert cost.tags == {**tags, "currency": "USD"}
    assert metrics["quantum.job.finished"].tags == {**tags, "state": "succeeded"}
    # Braket gives creation and end only: no queue or run time is made up.
    assert "quantum.job.run_seconds" not in metrics
