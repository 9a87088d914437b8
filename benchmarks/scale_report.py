"""The generated tables of the real triggerer at scale, and the sizing guide drawn from them.

Everything here is computed from one ``benchmarks.triggerer_scale.measure`` result (the
``scale`` entry of a ``make bench`` JSON): no figure of the sizing guide is typed by hand.
"""

from __future__ import annotations

from typing import Any

#: The targets of issue 14 (ours as multiples of ``DateTimeTrigger``, same run, same size).
TARGETS = {"peak_rss": 1.2, "cpu": 2.0, "lag_max": 1.2}
#: The phases of a run (``triggerer_scale.PHASES``) as the tables name them. Runs made before
#: the "settling" phase was split off count "waiting" from the last trigger's claim.
PHASE_NAMES = {
    "claiming": "while the triggers are claimed",
    "settling": "first rounds until the cap",
    "waiting": "waiting until the jobs end",
    "ending": "from the jobs' end to the last event",
}


def _f(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def _x(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}x"


def _verdict(name: str, value: float | None) -> str:
    limit = TARGETS[name]
    if value is None:
        return f"≤ {limit}x: not measured"
    return f"≤ {limit}x: {'met' if value <= limit else 'missed'}"


def _lag(row: dict[str, Any]) -> str:
    lag = row["lag_ms"]
    return f"{_f(lag['p50'])} / {_f(lag['p99'])} / {_f(lag['max'], 0)}"


def _short(route: str) -> str:
    """``GET /subscriptions/.../workspaces/{workspace}/jobs`` as ``GET .../jobs``."""
    method, _, path = route.partition(" ")
    tail = path.rsplit("/", 2)[-2:] if path.endswith("}") else path.rsplit("/", 1)[-1:]
    return f"{method} .../{'/'.join(tail)}"


def _phase(row: dict[str, Any], name: str) -> dict[str, Any]:
    return (row.get("lag_ms_by_phase") or {}).get(name) or {}


def _phase_lag(row: dict[str, Any], name: str) -> str:
    phase = _phase(row, name)
    return f"{_f(phase.get('p99'))} / {_f(phase.get('max'), 0)}" if phase else "–"


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds else "–"


def _seconds(ms: float | None) -> str:
    return "–" if ms is None else f"{ms / 1e3:.1f} s"


def _phases(row: dict[str, Any]) -> str:
    """CPU seconds spent between the run's marks (claiming, waiting, the end)."""
    marks = row.get("marks") or {}
    order = [m for m in ("claimed", "steady_from", "event", "drained") if m in marks]
    parts, before = [], {"at_s": 0.0, "cpu_seconds": 0.0}
    names = {
        "claimed": "claiming",
        "steady_from": "reaching the cap",
        "event": "waiting",
        "drained": "the end",
    }
    for mark in order:
        now = marks[mark]
        cpu = now["cpu_seconds"] - before["cpu_seconds"]
        parts.append(f"{names[mark]} {cpu:.0f} s in {now['at_s'] - before['at_s']:.0f} s")
        before = now
    return ", ".join(parts)


#: How the report names each vendor.
VENDOR_NAMES = {"ibm": "IBM", "azure": "Azure", "braket": "Braket"}


def _mix(row: dict[str, Any]) -> str:
    """Our waits by vendor, e.g. ``3,334 IBM, 3,333 Azure, 3,333 Braket`` (runs before the
    count was kept were half IBM, half Azure)."""
    counts = row.get("vendors")
    if not counts:
        return "half IBM, half Azure"
    return ", ".join(f"{n:,} {VENDOR_NAMES.get(v, v)}" for v, n in counts.items() if n)


def comparison(scale: dict[str, Any]) -> list[str]:
    ours, theirs, ratios = scale["quantum"], scale["datetime"], scale["ratios"]
    n = scale["n"]
    lost = "met" if ours["lost"] == 0 else "missed"
    return [
        f"| {n:,} deferred task instances | ours ({_mix(ours)}) | `DateTimeTrigger` "
        "| ours / `DateTimeTrigger` | target |",
        "|---|---:|---:|---:|---|",
        f"| peak RSS of the triggerer (both processes), MB | {_f(ours['peak_rss_mb'], 0)} "
        f"| {_f(theirs['peak_rss_mb'], 0)} | {_x(ratios['peak_rss'])} "
        f"| {_verdict('peak_rss', ratios['peak_rss'])} |",
        f"| CPU seconds, start to last task out of DEFERRED | {_f(ours['cpu_seconds'])} "
        f"| {_f(theirs['cpu_seconds'])} | {_x(ratios['cpu'])} "
        f"| {_verdict('cpu', ratios['cpu'])} |",
        f"| event-loop lag p50 / p99 / max, ms | {_lag(ours)} | {_lag(theirs)} "
        f"| max {_x(ratios['lag_max'])}, p99 {_x(ratios['lag_p99'])} "
        f"| {_verdict('lag_max', ratios['lag_max'])} |",
        *(
            f"| loop lag {PHASE_NAMES[phase]}, p99 / max ms | {_phase_lag(ours, phase)} "
            f"| {_phase_lag(theirs, phase)} | – | – |"
            for phase in PHASE_NAMES
            if _phase(ours, phase) or _phase(theirs, phase)
        ),
        f"| events delivered / lost | {_f(ours['delivered'])} / {ours['lost']} "
        f"| {_f(theirs['delivered'])} / {theirs['lost']} | – | 0 lost: {lost} |",
        f"| seconds to claim every trigger | {_f(ours['claim_s'])} | {_f(theirs['claim_s'])} "
        "| – | – |",
        f"| jobs' end (the moment) after the triggerer's start, s | {_f(ours['event_after_s'])} "
        f"| {_f(theirs['event_after_s'])} | – | – |",
        f"| jobs' end (the moment) to the last task out of DEFERRED, s | {_f(ours['drain_s'])} "
        f"| {_f(theirs['drain_s'])} | {_x(ratios['drain'])} | – |",
    ]


def steady_state(scale: dict[str, Any]) -> list[str]:
    steady = scale["quantum"]["steady"]
    routes = "; ".join(
        f"{vendor}: " + ", ".join(f"{count:,} x `{_short(route)}`" for route, count in r.items())
        for vendor, r in steady["routes"].items()
        if r
    )
    return [
        f"- **Steady state**: {scale['n']:,} jobs queued, every wait at the 60 s cap, a window of "
        f"{steady['window_s']:.0f} s (real time, the emulator's clock not sped up): "
        f"{steady['requests']:,} requests ({routes or 'none'}), that is "
        f"**{steady['per_job_hour']:.2f} status requests per job-hour** (target ≤ 7; the "
        f"official IBM client's 0.5 s polling: {steady['official_ibm_per_job_hour']:,.0f}).",
        "  Formula: one listing per connection per round, `ceil(N_ibm / 200) + "
        "ceil(N_azure / 500) + ceil(N_braket / 100)` pages a round (Braket's "
        "`SearchQuantumTasks` returns at most 100 tasks a page), `3600 / 60` rounds an hour, "
        "divided by N: "
        f"{steady['formula_per_job_hour']:.2f} for this run. Per job and not per hour come the "
        "one `GET` confirming its end and, for IBM, one `/metrics` read when it is first seen "
        "queued.",
    ]


def sizing(scale: dict[str, Any]) -> list[str]:
    """The sizing guide: every number computed from the measured run."""
    ours, theirs, n = scale["quantum"], scale["datetime"], scale["n"]
    base = ours.get("rss_at_first_claim_mb") or 0.0
    per_wait_kb = max(0.0, ours["peak_rss_mb"] - base) * 1e3 / n
    per_gb = int((1000 - base) * 1e3 / per_wait_kb) if per_wait_kb and base < 1000 else None
    hours = ours["wall_s"] / 3600
    cpu_share = ours["cpu_seconds"] / ours["wall_s"] if ours["wall_s"] else None
    claim_rate = n / ours["claim_s"] if ours["claim_s"] else None
    theirs_base = theirs.get("rss_at_first_claim_mb") or 0.0
    theirs_kb = max(0.0, theirs["peak_rss_mb"] - theirs_base) * 1e3 / n
    lines = [
        f"- **Memory**: an `airflow triggerer` (supervisor and trigger runner) took "
        f"{base:.0f} MB with its first triggers and peaked at {ours['peak_rss_mb']:.0f} MB with "
        f"{n:,} of our waits: about {per_wait_kb:.0f} KB per wait on top of the base, of which "
        f"Airflow's own bookkeeping of a deferred task is most (a `DateTimeTrigger` wait: "
        f"{theirs_kb:.0f} KB).",
    ]
    if per_gb:
        lines[-1] += f" One GB holds about {per_gb:,} of our waits."
    lines += [
        f"- **CPU**: {ours['cpu_seconds']:.0f} CPU seconds over the {ours['wall_s']:.0f} s run "
        f"({hours * n:,.0f} wait-hours), {cpu_share:.0%} of one core on average; by phase: "
        f"{_phases(ours)}. `DateTimeTrigger`: {_phases(scale['datetime'])}.",
        f"- **`[triggerer] capacity`** (default 1,000) caps the triggers one triggerer runs: "
        "set it to the waits you expect at the peak with headroom, within the memory above "
        f"(a 1 GB limit: about {per_gb or 0:,}). Triggers above every triggerer's capacity "
        "wait unclaimed, and their tasks wait with them.",
        f"- **Claiming** is paced by `[triggerer] max_trigger_to_select_per_loop` (default 50 "
        f"a loop): {n:,} triggers took {ours['claim_s']:.0f} s "
        f"({claim_rate:.0f} a second) to be claimed after a start. That is also how long a "
        "restarted triggerer takes to pick its waits up; the waits lose nothing meanwhile "
        "(the jobs keep running in the cloud and are polled once claimed).",
        f"- **Many jobs ending at once**: the {n:,} events took {ours['drain_s']:.0f} s to "
        f"reach the DB ({_rate(n, ours['drain_s'])} a second; `DateTimeTrigger`: "
        f"{theirs['drain_s']:.0f} s), and meanwhile the triggerer's event loop stalled for up "
        f"to {_seconds(ours['lag_ms']['max'])} (`DateTimeTrigger`: "
        f"{_seconds(theirs['lag_ms']['max'])}). A trigger runner silent for longer than "
        "`[triggerer] runner_health_check_threshold` (30 s) stops its triggerer's heartbeat, "
        "and the other triggerers take its triggers over after "
        "`triggerer_health_check_threshold` (30 s): where thousands of jobs can end together, "
        "raise both above the stall measured here.",
        "- **A second triggerer** is for availability first: when one dies, the other "
        "claims its triggers after `[triggerer] triggerer_health_check_threshold` (30 s). "
        "For load, watch memory against its limit and the loop lag (Airflow warns past "
        "`[triggerer] blocked_main_thread_warning_threshold`, 0.2 s). While waiting, this "
        f"run's p99 was {_f(_phase(ours, 'waiting').get('p99'), 0)} ms with {n:,} of our "
        f"waits and {_f(_phase(theirs, 'waiting').get('p99'), 0)} ms with as many "
        "`DateTimeTrigger`s: past the warning at this size whatever the trigger, so it "
        "comes from the trigger runner at this size. A poll that runs a second late costs a "
        "wait of ours nothing; triggers that need to fire on the second (a "
        "`DateTimeTrigger`'s) do better on a triggerer holding fewer waits.",
    ]
    return lines


def render(scale: dict[str, Any]) -> list[str]:
    lines = [
        "### Real triggerer at scale, beside Airflow's own `DateTimeTrigger`",
        "",
        *comparison(scale),
        "",
        *steady_state(scale),
        "",
        "### Sizing a triggerer (from the run above)",
        "",
        *sizing(scale),
    ]
    return lines
