"""The job's facts on the events of the task's outlet assets."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from airflow.sdk import Asset

from airflow_quantum.results.summary import JobFacts


def attach_to_outlets(context: Any, outlets: Iterable[Any], facts: JobFacts) -> list[str]:
    """Put ``facts`` in the ``extra`` of the event of each ``Asset`` outlet; their names.

    A DAG scheduled on the asset reads them from ``triggering_asset_events`` (or a task with
    the asset as an inlet, from ``inlet_events``). Asset aliases are left to the DAG author:
    which asset an alias stands for is theirs to say.
    """
    events = context.get("outlet_events") if hasattr(context, "get") else None
    if events is None:
        return []
    named = []
    for outlet in outlets or ():
        if isinstance(outlet, Asset):
            events[outlet].extra.update(facts.as_dict())
            named.append(outlet.name)
    return named
