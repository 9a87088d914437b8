"""Helpers of the trigger, sensor and operator tests: circuits, a fake task instance, the
emulator's control API, and running a trigger as the triggerer does."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from ibm_circuits import ISA_BELL
from qio_support import stored_qio_result

from airflow_quantum.clients.azure import AzurePreparedJob
from airflow_quantum.clients.ibm import IBMPreparedJob
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook
from airflow_quantum.triggers.azure_quantum import AzureQuantumJobTrigger
from airflow_quantum.triggers.base import QuantumJobTrigger
from airflow_quantum.triggers.ibm_quantum import IBMQuantumJobTrigger

#: The Bell circuit every IBM test runs: an ISA circuit of the Heron fleet (see ibm_circuits).
BELL_QASM = ISA_BELL
BELL_IONQ = [{"gate": "h", "target": 0}, {"gate": "cnot", "control": 0, "target": 1}]
#: A Bell pair for Quantinuum's H2 targets (OpenQASM 2): only "00" and "11".
BELL_QASM2 = (
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\n'
    "h q[0];\ncx q[0],q[1];\nmeasure q -> c;\n"
)
#: Base-profile QIR (LLVM text): a Toffoli on three qubits, all measured. The resource
#: estimator's recorded sample has these counts (one CCZ, three measurements).
TOFFOLI_QIR = (
    "define void @main() #0 {\nentry:\n"
    "  call void @__quantum__qis__ccx__body(ptr null, ptr inttoptr (i64 1 to ptr), "
    "ptr inttoptr (i64 2 to ptr))\n"
    + "".join(
        f"  call void @__quantum__qis__mz__body({q}, {q})\n"
        for q in ("ptr null", "ptr inttoptr (i64 1 to ptr)", "ptr inttoptr (i64 2 to ptr)")
    )
    + "  ret void\n}\n"
    "declare void @__quantum__qis__ccx__body(ptr, ptr, ptr)\n"
    "declare void @__quantum__qis__mz__body(ptr, ptr)\n"
    'attributes #0 = { "entry_point" "required_num_qubits"="3" "required_num_results"="3" }\n'
)
#: Two spins that want to differ, and a field on spin 0: ground states cost -2 (historic QIO).
ISING = [{"c": 1, "ids": [0, 1]}, {"c": -1, "ids": [0]}]
#: The secret of every emulator connection: it must show up nowhere.
SECRET = "local-emulator-key"


# ----------------------------------------------------------------------- emulator control


def plant_qio(emulator: Any, terms: Any = ISING, **extra: Any) -> str:
    """A finished historic QIO job in the default test workspace, its optimum stored; its id."""
    problem = {"cost_function": {"version": "1.0", "type": "ising", "terms": terms}}
    body = {
        "subscription_id": "sub",
        "resource_group": "rg",
        "workspace": "ws",
        "input": problem,
        "output": stored_qio_result(problem, extra.get("input_params")),
        **extra,
    }
    return control(emulator, "POST", "/azure/historic-jobs", body)["id"]


def control(emulator: Any, method: str, route: str, body: Any = None) -> Any:
    answer = requests.request(method, f"{emulator.url}/_emulator{route}", json=body, timeout=10)
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.content else None


def stats(emulator: Any, vendor: str) -> dict[str, Any]:
    return control(emulator, "GET", "/stats")[vendor]


def phase(emulator: Any, job_id: str) -> str:
    """The emulator's own view of a job: queued, running, succeeded, failed, cancelled."""
    return str(control(emulator, "GET", f"/jobs/{job_id}")["phase"]).lower()


def configure(emulator: Any, **changes: Any) -> None:
    control(emulator, "PATCH", "/config", changes)


#: The queue of a held job (seconds): longer than any test, so the job leaves the queue when
#: the test ends it (``finish``), not when a loaded machine happens to be slow.
HOLD = 3600.0


def hold(emulator: Any) -> None:
    """Jobs submitted from now on stay queued until the test ends them (``finish``)."""
    configure(emulator, queue_seconds=HOLD)


def finish(emulator: Any, *job_ids: str) -> None:
    """End these jobs now (control API), each with its outcome (success, or its job fault)."""
    for job_id in job_ids:
        control(emulator, "POST", f"/jobs/{job_id}/finish")


@contextmanager
def finished_once_polled(
    emulator: Any, vendor: str, job_ids: list[str], polls: int = 3
) -> Iterator[None]:
    """Inside: another thread ends the held jobs once the code under test has made ``polls``
    more requests to the vendor (it is really waiting on them), however long that takes."""
    before = stats(emulator, vendor)["requests"]

    def end_them() -> None:
        wait_for(
            lambda: stats(emulator, vendor)["requests"] >= before + polls,
            timeout=60,
            what=f"{polls} requests to {vendor}",
        )
        finish(emulator, *job_ids)

    thread = threading.Thread(target=end_them, daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join(60)


def job_fault(emulator: Any, vendor: str, **fault: Any) -> None:
    control(emulator, "POST", "/faults/jobs", {"vendor": vendor, **fault})


def http_fault(emulator: Any, vendor: str, **rule: Any) -> None:
    control(emulator, "POST", "/faults", {"vendor": vendor, **rule})


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "it") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


# ----------------------------------------------------------------------- vendors


@dataclass
class Vendor:
    """What a test needs to know to run the same scenario on either vendor."""

    name: str  # the emulator's vendor key: "azure" or "ibm"
    conn_id: str
    trigger_class: type[QuantumJobTrigger]
    hook: Any

    def submit(self, **kwargs: Any) -> str:
        """A small real job (a Quantinuum H2 Bell program / a Bell sampler), queued now."""
        if self.name == "azure":
            client = self.hook.get_conn()
            return client.submit_job(
                AzurePreparedJob.quantinuum_program(BELL_QASM2, shots=100, **kwargs)
            ).id
        return (
            self.hook.get_conn()
            .run_job(IBMPreparedJob.sampler([BELL_QASM], "ibm_fez", 100, **kwargs))
            .id
        )

    def trigger(self, job_id: str, **kwargs: Any) -> QuantumJobTrigger:
        options = {"poll_interval": 0.05, "max_poll_interval": 0.1, **kwargs}
        return self.trigger_class(conn_id=self.conn_id, job_id=job_id, **options)

    def state(self, job_id: str) -> str:
        return self.hook.get_conn().get_job(job_id).state.value


def make_vendor(name: str, request: pytest.FixtureRequest) -> Vendor:
    if name == "azure":
        conn_id = request.getfixturevalue("azure_connection")
        return Vendor(name, conn_id, AzureQuantumJobTrigger, AzureQuantumHook(conn_id))
    conn_id = request.getfixturevalue("ibm_connection")
    return Vendor(name, conn_id, IBMQuantumJobTrigger, IBMQuantumHook(conn_id))


# ----------------------------------------------------------------------- triggers


async def run_trigger(trigger: QuantumJobTrigger, timeout: float = 20.0) -> list[dict[str, Any]]:
    """Iterate ``run()`` to its end, as the triggerer does; the payloads of its events."""

    async def drain() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    return await asyncio.wait_for(drain(), timeout)


def only_event(trigger: QuantumJobTrigger) -> dict[str, Any]:
    events = asyncio.run(run_trigger(trigger))
    assert len(events) == 1, events
    return events[0]


def check_small_event(event: dict[str, Any], job_id: str) -> None:
    """The event the design promises: five keys, plain JSON, small, no results, no secret."""
    assert set(event) == {"status", "job_id", "state", "message", "cause"}
    assert event["job_id"] == job_id
    text = json.dumps(event)
    assert len(text) < 600, text
    assert SECRET not in text
    for word in ("counts", "solutions", "configuration", "pub_results", "histogram"):
        assert word not in text


# ----------------------------------------------------------------------- task instances


@dataclass
class FakeTI:
    """The parts of a task instance the provider touches; records every XCom push in order."""

    dag_id: str = "quantum_dag"
    task_id: str = "task"
    run_id: str = "manual__2026-01-01T00:00:00+00:00"
    map_index: int = -1
    try_number: int = 1
    pushes: list[tuple[str, Any]] = field(default_factory=list)

    def xcom_push(self, key: str, value: Any) -> None:
        json.dumps(value)  # XCom takes plain JSON only
        self.pushes.append((key, value))

    def pushed(self, key: str) -> Any:
        values = [value for name, value in self.pushes if name == key]
        assert values, f"nothing pushed under {key!r}: {self.pushes}"
        return values[-1]

    def xcom_pull(self, task_ids: str | None = None, key: str = "return_value") -> Any:
        """The last value this task instance pushed under ``key`` (None if none)."""
        values = [value for name, value in self.pushes if name == key]
        return values[-1] if values else None

    def get_first_reschedule_date(self, context: Any) -> None:
        return None


def make_context(task: Any = None, ti: FakeTI | None = None, **ti_fields: Any) -> dict[str, Any]:
    """A minimal Airflow context for calling ``execute`` / ``poke`` directly."""
    if ti is None:
        ti = FakeTI(task_id=getattr(task, "task_id", "task"), **ti_fields)
    return {"ti": ti, "task_instance": ti, "run_id": ti.run_id, "task": task}
