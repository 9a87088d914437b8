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

from functools import partial
from urllib.parse import quote

from pydantic import AliasChoices, Field

from airflow_quantum.clients.azure.models import AzureModel
from airflow_quantum.clients.azure.protocol import VENDOR, AzureQuantumProtocol, check_job_id
from airflow_quantum.clients.calls import Call, Flow, json_of
from airflow_quantum.clients.errors import NotFoundError
from airflow_quantum.clients.models import Timestamp
from airflow_quantum.clients.transport import Request

#: The first api-version with ``Jobs_GetQueuePosition``.
QUEUE_POSITION_VERSION = "2026-08-01-preview"
_PATH_VARIANTS = ("/queuePosition", ":queuePosition")


class AzureQueueInfo(AzureModel):
    """A job's place in its target's queue; ``position`` is None once it has left the queue."""

    job_id: str
    position: int | None = Field(None, validation_alias=AliasChoices("position", "queuePosition"))
    estimated_start_time: Timestamp = None


def has_queue_position(api_version: str) -> bool:
    """Whether ``api_version`` has the queue-position operation."""
    return api_version >= QUEUE_POSITION_VERSION


def queue_position_requests(protocol: AzureQuantumProtocol, job_id: str) -> list[Request]:
    """The requests to try in turn (see the module's note on the unverified path)."""
    path = f"{protocol.base}/jobs/{quote(check_job_id(job_id), safe='')}"
    params = {"api-version": protocol.api_version}
    return [Request("GET", path + suffix, params=params) for suffix in _PATH_VARIANTS]


def queue_info(protocol: AzureQuantumProtocol, job_id: str) -> Flow[AzureQueueInfo | None]:
    """The job's queue position, or None when the api-version has no such operation."""
    requests = queue_position_requests(protocol, job_id)
    if not has_queue_position(protocol.api_version):
        return None
    for index, request in enumerate(requests):
        try:
            body = yield Call(request, partial(json_of, VENDOR, request=request))
        except NotFoundError as exc:
            if exc.code == "JobNotFound" or index == len(requests) - 1:
                raise
            continue
        if isinstance(body, dict):
            body = {"jobId": job_id, **body}
        return AzureQueueInfo.from_wire(body, "queue position")
    return None
