"""What the demo prints for each example DAG: its results, and the job states its triggers saw.

Split from :mod:`airflow_quantum_emulator.demo` (which runs the DAGs): each example DAG has a
renderer reading its XComs from the metadata DB (``demo_records``); ``render_run`` adds the
trigger's state changes.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow_quantum_emulator.demo_records import DagRunRecord, ti_label

_TRIGGER_LINE = re.compile(
    # A Braket task's id is its ARN, colons and all: the id ends at the first ": ".
    r"(?P<vendor>Azure Quantum|IBM Quantum|Amazon Braket) job (?P<job>\S+?): (?P<state>\w+).*"
    r"airflow_quantum\.triggers\."
)
_TASK_START = re.compile(r"\[DAG TEST\] starting task_id=(?P<task>\S+) map_index=(?P<index>-?\d+)")


def trigger_states(log_path: Path) -> dict[tuple[str, int], list[tuple[str, str]]]:
    """The job states each task's trigger logged, read from a ``dags test`` log.

    (task_id, map_index) → [(job id, state), ...] in the order the trigger saw them.
    """
    seen: dict[tuple[str, int], list[tuple[str, str]]] = {}
    current: tuple[str, int] | None = None
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return seen
    for line in text.splitlines():
        start = _TASK_START.search(line)
        if start:
            current = (start["task"], int(start["index"]))
            continue
        match = _TRIGGER_LINE.search(line)
        if match and current is not None:
            seen.setdefault(current, []).append((match["job"], match["state"]))
    return seen


# ------------------------------------------------------------------------------ rendering


@dataclass
class Glyphs:
    """Characters the terminal can show (a plain-ASCII fallback for other encodings)."""

    bar: str = "█"
    ok: str = "✓"
    failed: str = "✗"
    arrow: str = "→"
    plus_minus: str = "±"

    @classmethod
    def for_stream(cls, stream: Any) -> Glyphs:
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "█✓✗→±⟨⟩Φ".encode(encoding)
        except (LookupError, UnicodeEncodeError):
            return cls(bar="#", ok="ok", failed="x", arrow="->", plus_minus="+/-")
        return cls()


def bar(fraction: float, glyphs: Glyphs, width: int = 32) -> str:
    return glyphs.bar * max(0, round(fraction * width))


def _histogram(counts: Mapping[str, float], glyphs: Glyphs, *, as_int: bool) -> list[str]:
    total = sum(counts.values()) or 1
    lines = []
    for outcome, value in sorted(counts.items()):
        shown = f"{int(value)}" if as_int else f"{value:.3f}"
        lines.append(f"{outcome} {bar(value / total, glyphs):<32} {shown}")
    return lines


def _render_quantinuum(run: DagRunRecord, g: Glyphs) -> list[str]:
    report = run.xcom("report") or {}
    openqasm, qir = report.get("openqasm_counts", {}), report.get("qir_counts", {})
    return [
        f"Bell pair on quantinuum.sim.h2-1e, {sum(openqasm.values())} shots as OpenQASM 2 "
        f"and {sum(qir.values())} as QIR: counts",
        "outcome  OpenQASM  QIR",
        *(
            f"{outcome:>7} {openqasm.get(outcome, 0):9d} {qir.get(outcome, 0):4d}"
            for outcome in sorted(set(openqasm) | set(qir))
        ),
        f"Toffoli on microsoft.estimator: {report.get('physical_qubits', 0):,} physical qubits, "
        f"{report.get('runtime_ns', 0) / 1000:g} microseconds, "
        f"code distance {report.get('code_distance')} "
        f"({report.get('logical_qubits')} logical qubits)",
    ]


def _render_ionq(run: DagRunRecord, g: Glyphs) -> list[str]:
    probabilities = run.xcom("histogram") or {}
    return [
        "GHZ state on ionq.simulator (submit, deferrable sensor, get results): probabilities",
        *_histogram(probabilities, g, as_int=False),
    ]


def _render_sampler(run: DagRunRecord, g: Glyphs) -> list[str]:
    counts = run.xcom("histogram") or {}
    return [
        f"Bell state on ibm_fez, Sampler V2, {sum(counts.values())} shots: counts",
        *_histogram(counts, g, as_int=True),
    ]


def _render_estimator(run: DagRunRecord, g: Glyphs) -> list[str]:
    data = run.xcom("correlations") or {}
    evs, stds = data.get("evs", {}), data.get("stds", {})
    lines = ["Bell state on ibm_fez, Estimator V2: expectation values"]
    lines += [
        f"<{name}> = {value:+.3f} {g.plus_minus} {stds.get(name, 0.0):.3f}"
        for name, value in evs.items()
    ]
    fidelity, spread = data.get("fidelity", float("nan")), data.get("fidelity_std", 0.0)
    lines.append(
        f"fidelity with the ideal Bell state: {fidelity:.3f} {g.plus_minus} {spread:.3f} "
        "(an estimate: shot noise can take it a little above 1)"
    )
    return lines


def _render_session(run: DagRunRecord, g: Glyphs) -> list[str]:
    rows = run.xcom("summary") or []
    session = run.xcom("open_batch")
    lines = [
        f"Phase sweep, {len(rows)} sampler jobs in one batch ({session}), closed by a teardown",
        "theta   P(1)   cos²(θ/2)",
    ]
    for row in rows:
        lines.append(
            f"{row['degrees']:>4}°  {row['p1']:.3f}  {row['expected']:.3f}  "
            f"{bar(row['p1'], g, width=24)}"
        )
    return lines


def _render_qiskit(run: DagRunRecord, g: Glyphs) -> list[str]:
    data = run.xcom("report") or {}
    lines = ["qiskit circuits: RY(θ) + CNOT sweep, P(11) against sin²(θ/2)"]
    for theta, p11 in zip(data.get("angles", []), data.get("p11", []), strict=True):
        ideal = math.sin(theta / 2) ** 2
        lines.append(f"θ = {theta:.3f}  {p11:.3f}  {ideal:.3f}  {bar(p11, g, width=24)}")
    evs = data.get("evs", {})
    lines.append(
        "Bell state, SparsePauliOp observables: "
        + ", ".join(f"<{name}> = {value:+.3f}" for name, value in evs.items())
    )
    return lines


def _render_cross_vendor(run: DagRunRecord, g: Glyphs) -> list[str]:
    data = run.xcom("compare") or {}
    ionq, ibm = data.get("ionq", {}), data.get("ibm", {})
    lines = ["GHZ state on both vendors: probabilities", "outcome   IonQ    IBM"]
    for outcome in sorted(set(ionq) | set(ibm)):
        lines.append(f"{outcome:>7} {ionq.get(outcome, 0.0):6.3f} {ibm.get(outcome, 0.0):6.3f}")
    lines.append(f"total variation distance {data.get('tvd', float('nan')):.3f}")
    return lines


def _render_any(run: DagRunRecord, g: Glyphs) -> list[str]:
    """Any other DAG: the return values of its tasks, shortened."""
    lines = []
    for (task_id, index, key), value in sorted(run.xcoms.items()):
        if key == "return_value":
            text = json.dumps(value, default=str)
            lines.append(
                f"{ti_label(task_id, index)}: {text[:100]}{'…' if len(text) > 100 else ''}"
            )
    return lines


def _render_results_storage(run: DagRunRecord, g: Glyphs) -> list[str]:
    summary = run.xcom("sample_ghz") or {}
    top = (summary.get("top_counts") or [{}])[0]
    return [
        f"GHZ state on {summary['backend']}, {summary['shots']} shots kept one by one "
        f"({summary['results_bytes']:,} bytes of JSON): written to object storage",
        f"results  {summary['results_uri']}",
        f"raw      {summary.get('raw_results_uri', '-')}",
        "XCom and the asset event quantum_ghz_shots carry the summary: top counts "
        + ", ".join(f"{k}: {v}" for k, v in top.items()),
    ]


def _render_results_consumer(run: DagRunRecord, g: Glyphs) -> list[str]:
    data = run.xcom("analyse") or {}
    return [
        f"Read job {data['job_id']}'s {data['shots']} shots from the URI of the asset event",
        f"counts recomputed from the shots match the service's: {data['counts_match']}",
        f"P(000) + P(111) = {data['ghz_fraction']:.3f}; "
        f"consecutive shots equal: {data['repeat_fraction']:.3f} (about 0.5 if independent)",
    ]


def _render_sweep(run: DagRunRecord, g: Glyphs) -> list[str]:
    lines = []
    for task_id in ("ibm_sweep", "azure_sweep"):
        summary = run.xcom(task_id) or {}
        lines.append(
            f"{summary.get('vendor')} {summary.get('backend')}: {summary.get('items')} angles x "
            f"{summary.get('shots')} shots in {summary.get('jobs')} job(s), one deferral"
        )
    merged = run.xcom("merge") or {}
    lines.append(
        f"merged {merged.get('rows')} rows into {merged.get('table')}; largest distance from "
        f"sin^2(theta/2): {merged.get('max_deviation', float('nan')):.3f}"
    )
    return lines


def _render_spend_approval(run: DagRunRecord, g: Glyphs) -> list[str]:
    estimate = run.xcom("estimate") or {}
    approved = run.tasks.get(("approve_spend", -1)) == "success"
    way = "approved by a person" if approved else "within the threshold: no approval asked"

    def cost(found: dict) -> str:
        if not found.get("priced"):
            return "unpriced"
        jobs = f" (sum of {found['jobs']} tasks)" if found.get("jobs") else ""
        return f"{found['estimated_total']:g} {found['currency']}{jobs}"

    result = run.xcom("run_on_qpu") or {}
    return [
        f"Estimated {cost(estimate)} before submitting anything, {way}:",
        *(
            f"  {item.get('work')} on {item.get('target')}: {cost(item)}"
            for item in estimate.get("items") or []
        ),
        "GHZ state on the IonQ QPU:",
        *_histogram(result.get("probabilities") or {}, g, as_int=False),
    ]


RENDERERS: dict[str, Callable[[DagRunRecord, Glyphs], list[str]]] = {
    "example_azure_quantum_quantinuum": _render_quantinuum,
    "example_azure_quantum_ionq": _render_ionq,
    "example_ibm_quantum_sampler": _render_sampler,
    "example_ibm_quantum_estimator": _render_estimator,
    "example_ibm_quantum_session": _render_session,
    "example_ibm_quantum_qiskit": _render_qiskit,
    "example_quantum_cross_vendor": _render_cross_vendor,
    "example_quantum_results_storage": _render_results_storage,
    "example_quantum_results_consumer": _render_results_consumer,
    "example_quantum_spend_approval": _render_spend_approval,
    "example_quantum_sweep": _render_sweep,
}


def job_ids(run: DagRunRecord) -> dict[str, str]:
    """The jobs the run's tasks submitted (their ``job_id`` XComs): job id → task label."""
    found: dict[str, str] = {}
    for (task_id, index, key), value in sorted(run.xcoms.items()):
        if key == "job_id" and isinstance(value, str):
            found.setdefault(value, ti_label(task_id, index))
        elif key == "job_ids" and isinstance(value, list):  # a sweep's jobs, chunk by chunk
            for chunk, job_id in enumerate(value):
                found.setdefault(job_id, f"{ti_label(task_id, index)} chunk {chunk}")
    return found


def spend_lines(
    run: DagRunRecord,
    spends: Mapping[str, Mapping[str, Any]],
    ran: Collection[str] | None = None,
) -> list[str]:
    """One line per job: where it ran, how long it queued and ran, and what it spent (Azure:
    the job's cost; IBM: quantum seconds billed), with the estimate made before it was
    submitted when the task left one (XCom ``cost_estimate``).

    ``ran``: the jobs this run submitted, when known. A job another run submitted (the results
    consumer names the producer's job in its XComs) is billed there, not here: no line.
    """
    labels = {
        label: job_id for job_id, label in job_ids(run).items() if ran is None or job_id in ran
    }
    # A sweep's jobs are labelled "<task> chunk <n>": its summed estimate is no job of its own.
    swept = {label.partition(" chunk ")[0] for label in labels if " chunk " in label}
    for task_id, index, key in run.xcoms:
        if key == "cost_estimate" and ti_label(task_id, index) not in swept:
            labels.setdefault(ti_label(task_id, index), "")  # estimated, never submitted
    lines = []
    for label, job_id in sorted(labels.items()):
        facts = spends.get(job_id, {})
        said = []
        if job_id:
            short = job_id if len(job_id) <= 12 else job_id[:8] + "…"
            said.append(f"job {short} on {facts.get('backend') or '?'}")
        for name, word in (("queue_seconds", "queued"), ("run_seconds", "ran")):
            if facts.get(name) is not None:
                said.append(f"{word} {facts[name]:.1f} s")
        if facts.get("took_seconds") is not None:
            said.append(f"queued and ran {facts['took_seconds']:.1f} s in all")
        if facts.get("quantum_seconds") is not None:
            said.append(f"{facts['quantum_seconds']:g} quantum seconds billed")
        if facts.get("cost") is not None:
            said.append(f"cost {facts['cost']:g} {facts.get('currency') or ''}".rstrip())
        if facts.get("cost_note"):
            said.append(facts["cost_note"])
        estimate = _task_xcom(run, label, "cost_estimate")
        if isinstance(estimate, Mapping):
            if estimate.get("priced") and estimate.get("estimated_total") is not None:
                total = f"{estimate['estimated_total']:g} {estimate.get('currency') or ''}"
                said.append(f"estimated {total.rstrip()} before submitting")
            else:
                said.append("no estimate before submitting (unpriced target)")
        lines.append(f"spend of {label}: " + ", ".join(said))
    return lines


def _task_xcom(run: DagRunRecord, label: str, key: str) -> Any:
    for (task_id, index, name), value in run.xcoms.items():
        if name == key and ti_label(task_id, index) == label:
            return value
    return None


def deferral_lines(run: DagRunRecord, log_path: Path, g: Glyphs) -> list[str]:
    """One line per deferred task: its states, and the job states its trigger saw."""
    seen = trigger_states(log_path)
    lines = []
    for key in run.deferred_tasks():
        states = f" {g.arrow} ".join(event for event, _ in run.events[key])
        jobs = seen.get(key, [])
        trail = ""
        if jobs:
            job_id = jobs[0][0]
            short = job_id if len(job_id) <= 12 else job_id[:8] + "…"
            trail = f"  (trigger: job {short} " + f" {g.arrow} ".join(s for _, s in jobs) + ")"
        lines.append(f"{ti_label(*key)}: {states}{trail}")
    return lines


def render_run(run: DagRunRecord, log_path: Path, g: Glyphs) -> list[str]:
    """The summary lines of a successful run (deferrals, then what it produced)."""
    renderer = RENDERERS.get(run.dag_id, _render_any)
    try:
        produced = renderer(run, g)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        produced = [f"(could not summarise the XComs: {exc!r})", *_render_any(run, g)]
    return [*deferral_lines(run, log_path, g), *produced]
