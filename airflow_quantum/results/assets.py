"""The job's facts on the events of the task's outlet assets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from airflow.sdk import Asset

from airflow_quantum.results.summary import JobFacts


def attach_to_outlets(
    context: Any, outlets: Iterable[Any], facts: JobFacts | Mapping[str, Any]
) -> list[str]:
    """Put ``facts`` (a job's, or a sweep's: a dict) in the ``extra`` of the event of each
    ``Asset`` outlet; their names.

    A DAG scheduled on the asset reads them from ``triggering_asset_events`` (or a task with
    the asset as an inlet, from ``inlet_events``). Asset aliases are left to the DAG author:
    which asset an alias stands for is theirs to say.
    """
    events = context.get("outlet_events") if hasattr(context, "get") else None
    if events is None:
        return []
    extra = dict(facts) if isinstance(facts, Mapping) else facts.as_dict()
    named = []
    for outlet in outlets or ():
        if isinstance(outlet, Asset):
            events[outlet].extra.update(extra)
            named.append(outlet.name)
    return named
