"""Where a queued Azure job stands: ``Jobs_GetQueuePosition`` (api-version 2026-08-01-preview).

UNVERIFIED: the 2026-08-01-preview spec names the operation, but neither the official client
(its generated REST client stops at 2026-01-15-preview) nor a stored copy of that spec gave its
path and answer, so every variant in sight is accepted:

- path: ``GET /jobs/{id}/queuePosition`` first; when that route is unknown (a 404 whose code is
  not ``JobNotFound``), ``GET /jobs/{id}:queuePosition``;
- answer: the position under ``position`` or ``queuePosition`` (an integer, or null when the job
  is not queued), with an optional ``estimatedStartTime``; unknown fields are kept.

Before 2026-08-01-preview there is no such operation: no request is sent and the answer is None.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field

from airflow_quantum.clients.azure.models import AzureModel
from airflow_quantum.clients.models import Timestamp

#: The first api-version with ``Jobs_GetQueuePosition``.
QUEUE_POSITION_VERSION = "2026-08-01-preview"
#: The paths to try in turn, after ``/jobs/{id}`` (see the note above on the unverified path).
PATH_VARIANTS = ("/queuePosition", ":queuePosition")


class AzureQueueInfo(AzureModel):
    """A job's place in its target's queue; ``position`` is None once it has left the queue."""

    job_id: str
    position: int | None = Field(None, validation_alias=AliasChoices("position", "queuePosition"))
    estimated_start_time: Timestamp = None


def has_queue_position(api_version: str) -> bool:
    """Whether ``api_version`` has the queue-position operation."""
    return api_version >= QUEUE_POSITION_VERSION
