"""The Braket wire protocol (rest-json, SigV4): every operation of the Braket clients, defined
once. ``BraketClient`` and ``AsyncBraketClient`` are this class run by ``calls.SyncRunner`` and
``calls.AsyncRunner``. Inputs are checked when the call is built: a bad value raises
``InvalidInputError`` before anything is sent.

A task, a QPU and its spending limit live in the region of their ARN; simulators, searches and
everything else in the connection's region (``BraketSettings.region_for``). Results are read
from S3 with the same signer (``s3``, the task's region).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from airflow_quantum.clients.auth import Authenticator, TokenCache
from airflow_quantum.clients.base import QuantumClient
from airflow_quantum.clients.braket import listing, models
from airflow_quantum.clients.braket import prepared as check
from airflow_quantum.clients.braket import results as decoding
from airflow_quantum.clients.braket.auth import SigV4Signer
from airflow_quantum.clients.braket.prepared import BraketPreparedJob
from airflow_quantum.clients.braket.settings import BraketSettings, region_of_arn
from airflow_quantum.clients.calls import Call, Flow, Pager, json_call, operation, pages_of
from airflow_quantum.clients.calls import listing as paged
from airflow_quantum.clients.errors import (
    BadResponseError,
    InvalidInputError,
    InvalidStateError,
    JobFailedError,
    QuantumAPIError,
    QuotaExhaustedError,
    RetiredTargetError,
    ServiceError,
)
from airflow_quantum.clients.models import ListedJob
from airflow_quantum.clients.retries import RetryPolicy
from airflow_quantum.clients.transport import Request

VENDOR = "Amazon Braket"
T = TypeVar("T")

#: botocore's "standard" retry mode: throttling and 5xx, a few attempts, exponential backoff
#: with full jitter capped at 20 s. Every request but ``CreateQuantumTask`` is marked safe to
#: repeat (reads, searches, and writes that change nothing the second time). A create is sent
#: again by the transport only when refused (429) or never sent (no connection); after an
#: answer that leaves open whether the task exists, ``create_quantum_task`` looks for it first.
BRAKET_RETRY_POLICY = RetryPolicy(
    max_retries=4,
    backoff_base=1.0,
    backoff_factor=2.0,
    backoff_max=20.0,
    jitter=0.5,
    retry_statuses=frozenset({429, 500, 502, 503, 504}),
    unsafe_retry_statuses=frozenset({429}),
    unsafe_retry_with_retry_after=False,  # a 5xx with Retry-After may follow a made task
)
#: The tag every task is created with: its ``clientToken``, so that a create whose answer was
#: lost is found by a search (its summaries carry tags) whatever the service does with tokens.
CLIENT_TOKEN_TAG = "airflow-quantum:client-token"
#: How often a create whose answer was lost is looked for and sent again, at most.
LOST_CREATE_ROUNDS = 3
#: How far before the request a lost task's ``createdAt`` may read (clock skew), and how many
#: pages of the device's tasks created since then are read looking for it.
LOST_CREATE_SKEW = datetime.timedelta(minutes=10)
LOST_CREATE_PAGES = 10


def braket_error(exc: QuantumAPIError) -> QuantumAPIError | InvalidInputError:
    """The provider's error for the service's error types that its status alone does not say."""
    code = (exc.code or "").removesuffix("Exception")
    if exc.status == 402 or code == "ServiceQuotaExceeded":
        return QuotaExhaustedError(
            f"{VENDOR} refused the request: a service quota is used up: {exc}"
        )
    if exc.status == 410 or code == "DeviceRetired":
        return RetiredTargetError(f"{VENDOR}: the device is retired: {exc}")
    if exc.status == 424 or code == "DeviceOffline":
        return exc.reworded(ServiceError, f"the device is offline: {exc.vendor_message}")
    return exc


def _raise_mapped(exc: QuantumAPIError) -> Any:
    raise braket_error(exc) from None


class BraketProtocol(QuantumClient[BraketSettings]):
    """The operations of one account's Braket: quantum tasks, devices, spending limits, tags,
    and the tasks' results in S3. Built as ``QuantumClient`` (``BraketClient(settings)``)."""

    vendor = VENDOR
    settings_class = BraketSettings
    default_retry_policy = BRAKET_RETRY_POLICY

    def make_authenticator(self, token_cache: TokenCache | None) -> Authenticator:
        return SigV4Signer(self.settings.credentials)

    # ------------------------------------------------------------------------ requests

    def request(
        self,
        method: str,
        path: str,
        *,
        region: str | None = None,
        body: Any = None,
        query: Mapping[str, Any] | list[tuple[str, str]] | None = None,
    ) -> Request:
        """A signed request to the Braket API of ``region`` (default: the connection's)."""
        region = region or self.settings.region
        url = self.settings.braket_url(region) + path
        if query:
            url += "?" + urlencode(query, doseq=True, quote_via=quote)
        headers = {}
        content = None
        if body is not None:
            try:
                content = json.dumps(body, allow_nan=False).encode()
            except (TypeError, ValueError) as exc:
                raise InvalidInputError(f"the request body is not valid JSON: {exc}") from exc
            headers["Content-Type"] = "application/json"
        # Reads, searches and writes that change nothing the second time (a create is not).
        return Request(
            method, url, content=content, headers=headers, idempotent=True,
            signing=("braket", region),
        )  # fmt: skip

    def _json(self, request: Request, read: Callable[[Any], T]) -> Call[T]:
        call = json_call(VENDOR, request, read)
        return Call(call.request, call.parse, _raise_mapped)

    @staticmethod
    def _model(model: type[T], what: str) -> Callable[[Any], T]:
        return lambda payload: model.from_wire(payload, what)  # type: ignore[attr-defined]

    @staticmethod
    def _arn_path(prefix: str, arn: str, suffix: str = "") -> str:
        return f"/{prefix}/{quote(arn, safe='')}{suffix}"

    # ------------------------------------------------------------------------ quantum tasks

    @operation
    def create_quantum_task(
        self, job: BraketPreparedJob, client_token: str | None = None
    ) -> Flow[models.BraketCreatedTask]:
        """``CreateQuantumTask`` in the device's region -> ``BraketCreatedTask`` (its ARN).

        ``client_token`` (1-64 characters, default the job's, else a new UUID) is sent as the
        request's ``clientToken`` and as the task's ``CLIENT_TOKEN_TAG``. What the service does
        with a token it has seen is not documented (UNVERIFIED: the same task, a conflict, or
        a new task), so no reading is relied on: when the answer is lost (no answer, or a 5xx
        that may come after the task was made), the device's tasks created since shortly
        before are searched for the tag, and the request is sent again only if none has it.
        402 raises ``QuotaExhaustedError``, 410 ``RetiredTargetError`` (nothing was created).
        """
        if not isinstance(job, BraketPreparedJob):
            raise InvalidInputError(
                f"create_quantum_task takes a BraketPreparedJob, got {type(job).__name__}"
            )
        token = client_token or job.client_token or str(uuid.uuid4())
        body = job.with_tag(CLIENT_TOKEN_TAG, token).body(token)
        region = self.settings.region_for(job.device_arn)
        request = dataclasses.replace(
            self.request("POST", "/quantum-task", region=region, body=body), idempotent=False
        )
        create = self._json(request, self._model(models.BraketCreatedTask, "created task"))
        since = datetime.datetime.now(datetime.UTC) - LOST_CREATE_SKEW
        for _ in range(LOST_CREATE_ROUNDS - 1):
            try:
                return (yield create)
            except ServiceError as lost:
                # No answer, or a 5xx: the task may exist (a 424 says the device is offline).
                if (lost.status or 500) < 500:
                    raise
                found = yield from self._task_tagged(job.device_arn, region, token, since, lost)
                if found is not None:
                    return models.BraketCreatedTask(quantumTaskArn=found)
        return (yield create)  # the last round: its error is the caller's

    def _task_tagged(
        self,
        device_arn: str,
        region: str,
        token: str,
        since: datetime.datetime,
        lost: ServiceError,
    ) -> Flow[str | None]:
        """The ARN of the device's task created since ``since`` with ``token`` as its
        ``CLIENT_TOKEN_TAG`` (None: there is none); ``lost`` again if the search fails too."""
        filters = [
            listing.task_filter("deviceArn", device_arn),
            listing.task_filter("createdAt", since, "GTE"),
        ]
        pager = type(self).search_tasks.build(
            self, filters, region=region, max_pages=LOST_CREATE_PAGES
        )
        while (call := pager.next_call()) is not None:
            try:
                tasks = yield call
            except ServiceError:
                raise lost from None
            for task in tasks:
                if task.tags.get(CLIENT_TOKEN_TAG) == token:
                    return task.arn
        return None

    @operation
    def get_job(self, arn: str, *, queue_info: bool = False) -> Call[models.BraketQuantumTask]:
        """``GetQuantumTask`` -> ``BraketQuantumTask`` (with its ``queueInfo`` if asked)."""
        arn = check.task_arn(arn)
        query = {"additionalAttributeNames": "QueueInfo"} if queue_info else None
        request = self.request(
            "GET", self._arn_path("quantum-task", arn), region=region_of_arn(arn), query=query
        )
        return self._json(request, self._model(models.BraketQuantumTask, "quantum task"))

    @operation
    def queue_info(self, arn: str) -> Call[models.BraketQueueInfo | None]:
        """Where a task waits (``queueInfo``: queue, position, priority); None when the service
        gives none (the task is not queued)."""
        return self.get_job.call(arn, queue_info=True).then(lambda task: task.queue_info)

    @operation
    def cancel_job(self, arn: str) -> Call[models.BraketCancellation]:
        """``CancelQuantumTask`` -> ``CANCELLING`` or ``CANCELLED``; ``InvalidStateError`` when
        the task is already final. A QPU task already queued is cancelled on a best-effort
        basis (it may still run)."""
        arn = check.task_arn(arn)
        request = self.request(
            "PUT",
            self._arn_path("quantum-task", arn, "/cancel"),
            region=region_of_arn(arn),
            body={"clientToken": str(uuid.uuid4())},
        )

        def already_final(exc: QuantumAPIError) -> Any:
            if isinstance(exc, InvalidStateError):
                raise exc.reworded(
                    InvalidStateError,
                    f"quantum task {arn} cannot be cancelled: it is already final. "
                    f"The service said: {exc.vendor_message}",
                ) from None
            raise braket_error(exc) from None

        call = json_call(VENDOR, request, self._model(models.BraketCancellation, "cancellation"))
        return Call(call.request, call.parse, already_final)

    def _search(
        self,
        path: str,
        body: dict[str, Any],
        read: Callable[[Any], tuple[list[Any], str | None]],
        *,
        region: str | None = None,
        max_pages: int | None = None,
    ) -> listing.TokenPager:
        """The pages of one of the service's searches (a ``POST`` of ``body``, paged by
        ``nextToken``); ``read`` gives a page's items and the next page's token."""

        def page(token: str | None) -> Call[tuple[list[Any], str | None]]:
            sent = {**body, "nextToken": token} if token else body
            return self._json(self.request("POST", path, region=region, body=sent), read)

        return listing.TokenPager(page, max_pages)

    @staticmethod
    def _page(
        model: type[Any], what: str, items: str
    ) -> Callable[[Any], tuple[list[Any], str | None]]:
        def read(payload: Any) -> tuple[list[Any], str | None]:
            found = model.from_wire(payload, what)
            return getattr(found, items), found.next_token

        return read

    @paged
    def search_tasks(
        self,
        filters: Iterable[dict[str, Any]] = (),
        *,
        region: str | None = None,
        page_size: int = listing.MAX_RESULTS,
        max_pages: int | None = None,
    ) -> Pager[models.BraketQuantumTask]:
        """``SearchQuantumTasks``: the tasks matching all ``filters`` (``listing.task_filter``),
        page by page, in ``region`` (default: the connection's)."""
        body = {
            "filters": listing.checked_filters(filters),
            "maxResults": listing.page_size(page_size),
        }
        read = self._page(models.BraketTaskPage, "task search", "quantum_tasks")
        return self._search("/quantum-tasks", body, read, region=region, max_pages=max_pages)

    def listing_scope(self, job_ids: Iterable[str]) -> dict[str, Any]:
        """What ``pending_job_pages`` needs to see ``job_ids``: the regions they live in."""
        regions = {region_of_arn(arn) or self.settings.region for arn in job_ids}
        return {"regions": sorted(regions)}

    @paged
    def pending_job_pages(
        self,
        page_size: int | None = None,
        max_pages: int | None = None,
        regions: Iterable[str] | None = None,
    ) -> Pager[list[ListedJob]]:
        """Pages of the account's tasks that are not final, in each of ``regions`` (default:
        the connection's), unparsed: one ``SearchQuantumTasks`` of the pending statuses per
        100 pending tasks and region, however many waits there are. A task that ends while the
        search is paged is missing from it: callers confirm tasks they did not see with
        ``get_job``."""
        body = {
            "filters": [listing.task_filter("status", list(models.PENDING_STATUSES))],
            "maxResults": listing.page_size(page_size or listing.MAX_RESULTS),
        }
        chosen = sorted(set(regions)) if regions else [self.settings.region]
        return pages_of(
            listing.ChainedPager(
                [
                    self._search(
                        "/quantum-tasks", body, _listed_page, region=r, max_pages=max_pages
                    )
                    for r in chosen
                ]
            )
        )

    def job_from_listing(self, listed: ListedJob) -> models.BraketQuantumTask:
        """The ``BraketQuantumTask`` of a task from ``pending_job_pages``."""
        return models.BraketQuantumTask.from_wire(listed.raw, "quantum task summary")

    # ------------------------------------------------------------------------ results

    @operation
    def get_s3_object(self, bucket: str, key: str, region: str | None = None) -> Call[bytes]:
        """A signed S3 ``GET`` of one object (the connection's S3 endpoint, if it names one)."""
        region = region or self.settings.region
        url = self.settings.s3_object_url(bucket, key, region)
        request = Request("GET", url, signing=("s3", region))
        return Call(request, lambda answer: answer.content)

    def _results_location(self, task: models.BraketQuantumTask) -> tuple[str, str, str]:
        if not task.output_s3_bucket or not task.output_s3_directory:
            raise InvalidStateError(
                f"quantum task {task.arn} names no S3 output location", vendor=VENDOR
            )
        region = region_of_arn(task.arn) or self.settings.region
        return task.output_s3_bucket, task.output_s3_directory.strip("/"), region

    @operation
    def get_results_text(self, arn: str) -> Flow[bytes]:
        """The task's ``results.json`` as stored in S3 (no decoding, no waiting)."""
        task = yield self.get_job.call(arn)
        bucket, directory, region = self._results_location(task)
        return (yield self.get_s3_object.call(bucket, f"{directory}/results.json", region))

    @operation
    def get_results(self, task: models.BraketQuantumTask | str) -> Flow[dict[str, Any]]:
        """The decoded result of a completed task (``clients.braket.results``; no waiting).

        ``JobFailedError`` if it failed or was cancelled, ``InvalidStateError`` while it is not
        final. Entries of a program-set result stored as relative S3 paths are read too.
        """
        if isinstance(task, str):
            task = yield self.get_job.call(task)
        if not task.done():
            if task.errored() or task.cancelled():
                raise JobFailedError(
                    task.error_message() or f"quantum task {task.arn} was cancelled",
                    job_id=task.arn,
                    state=task.state.value,
                    code=task.failure_reason,
                )
            raise InvalidStateError(
                f"quantum task {task.arn} is {task.status_word}: no result yet", vendor=VENDOR
            )
        bucket, directory, region = self._results_location(task)
        raw = yield self.get_s3_object.call(bucket, f"{directory}/results.json", region)
        document = decoding.parse(raw)
        located = document.get("s3Location")
        base = directory
        if isinstance(located, list) and len(located) == 2 and all(located):
            bucket, base = str(located[0]), str(located[1]).strip("/")
        known: dict[str, Any] = {}
        while missing := decoding.missing_paths(document, known):
            for path in missing:
                key = f"{base}/{path}"
                known[path] = decoding.parse((yield self.get_s3_object.call(bucket, key, region)))
        return decoding.decode(document, known.__getitem__)

    # ------------------------------------------------------------------------ devices

    @operation
    def get_device(self, arn: str) -> Call[models.BraketDevice]:
        """``GetDevice`` (in the QPU's region) -> ``BraketDevice`` with its capabilities."""
        arn = check.device_arn(arn)
        request = self.request(
            "GET", self._arn_path("device", arn), region=self.settings.region_for(arn)
        )
        return self._json(request, self._model(models.BraketDevice, "device"))

    @paged
    def search_devices(
        self,
        filters: Mapping[str, Iterable[str]] | None = None,
        *,
        region: str | None = None,
        max_pages: int | None = None,
    ) -> Pager[models.BraketDevice]:
        """``SearchDevices``: devices matching ``filters`` (``deviceArn``, ``deviceType``,
        ``deviceStatus``, ``providerName``, ... to lists of values), page by page."""
        chosen = [
            {"name": name, "values": [values] if isinstance(values, str) else list(values)}
            for name, values in (filters or {}).items()
        ]
        body = {"filters": listing.checked_filters(chosen)}
        read = self._page(models.BraketDevicePage, "device search", "devices")
        return self._search("/devices", body, read, region=region, max_pages=max_pages)

    # ------------------------------------------------------------------------ spending limits

    @paged
    def search_spending_limits(
        self, device_arn: str | None = None, *, max_pages: int | None = None
    ) -> Pager[models.BraketSpendingLimit]:
        """``SearchSpendingLimits`` (of one device, in its region; or all of the connection's
        region)."""
        filters: list[dict[str, Any]] = []
        region = None
        if device_arn is not None:
            arn = check.device_arn(device_arn)
            filters = [{"name": "deviceArn", "operator": "EQUAL", "values": [arn]}]
            region = self.settings.region_for(arn)
        read = self._page(models.BraketSpendingLimitPage, "spending limits", "spending_limits")
        body = {"filters": filters}
        return self._search("/spending-limits", body, read, region=region, max_pages=max_pages)

    @operation
    def create_spending_limit(
        self,
        device_arn: str,
        amount: float | str,
        *,
        start_at: float | None = None,
        end_at: float | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Call[str]:
        """``CreateSpendingLimit`` of ``amount`` USD on a device (optionally between two epoch
        times) -> its ARN."""
        body: dict[str, Any] = {
            "clientToken": str(uuid.uuid4()),
            "deviceArn": check.device_arn(device_arn),
            "spendingLimit": _usd(amount),
        }
        if start_at is not None or end_at is not None:
            body["timePeriod"] = {"startAt": start_at, "endAt": end_at}
        if tags:
            body["tags"] = dict(tags)
        region = self.settings.region_for(device_arn)
        request = self.request("POST", "/spending-limit", region=region, body=body)
        return self._json(request, lambda payload: _field(payload, "spendingLimitArn"))

    @operation
    def update_spending_limit(self, arn: str, amount: float | str) -> Call[None]:
        """``UpdateSpendingLimit``: a new amount in USD."""
        body = {"clientToken": str(uuid.uuid4()), "spendingLimit": _usd(amount)}
        path = self._arn_path("spending-limit", _limit_arn(arn), "/update")
        request = self.request("PATCH", path, region=region_of_arn(arn), body=body)
        return self._json(request, lambda payload: None)

    @operation
    def delete_spending_limit(self, arn: str) -> Call[None]:
        """``DeleteSpendingLimit``."""
        path = self._arn_path("spending-limit", _limit_arn(arn), "/delete")
        return self._json(self.request("DELETE", path, region=region_of_arn(arn)), lambda p: None)

    # ------------------------------------------------------------------------ tags

    @operation
    def list_tags(self, arn: str) -> Call[dict[str, str]]:
        """``ListTagsForResource`` of a task (or any Braket resource)."""
        request = self.request("GET", self._arn_path("tags", _arn(arn)), region=region_of_arn(arn))
        return self._json(request, lambda payload: dict((payload or {}).get("tags") or {}))

    @operation
    def tag_resource(self, arn: str, tags: Mapping[str, str]) -> Call[None]:
        """``TagResource``: add or replace tags."""
        if not tags or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
            raise InvalidInputError("tags must be a non-empty dict of strings to strings")
        path = self._arn_path("tags", _arn(arn))
        request = self.request("POST", path, region=region_of_arn(arn), body={"tags": dict(tags)})
        return self._json(request, lambda payload: None)

    @operation
    def untag_resource(self, arn: str, keys: Iterable[str]) -> Call[None]:
        """``UntagResource``: remove the tags of ``keys``."""
        chosen = [keys] if isinstance(keys, str) else list(keys)
        if not chosen:
            raise InvalidInputError("untag_resource needs at least one tag key")
        request = self.request(
            "DELETE",
            self._arn_path("tags", _arn(arn)),
            region=region_of_arn(arn),
            query=[("tagKeys", key) for key in chosen],
        )
        return self._json(request, lambda payload: None)


def _listed_page(payload: Any) -> tuple[list[ListedJob], str | None]:
    if not isinstance(payload, dict) or not isinstance(payload.get("quantumTasks"), list):
        raise BadResponseError("the task search answer has no quantumTasks list", vendor=VENDOR)
    tasks = [models.listed_task(item) for item in payload["quantumTasks"] if isinstance(item, dict)]
    token = payload.get("nextToken")
    return tasks, token if isinstance(token, str) and token else None


def _field(payload: Any, name: str) -> str:
    value = payload.get(name) if isinstance(payload, dict) else None
    if not isinstance(value, str):
        raise BadResponseError(f"the answer has no {name}", vendor=VENDOR)
    return value


def _usd(amount: Any) -> str:
    try:
        value = float(amount)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"a spending limit is an amount in USD, got {amount!r:.40}"
        ) from None
    if not 0 <= value < 1e12:
        raise InvalidInputError(f"a spending limit must be 0 or more, got {amount!r:.40}")
    return f"{value:.2f}"


def _arn(arn: Any) -> str:
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        raise InvalidInputError(f"expected an ARN, got {arn!r:.80}")
    return arn


def _limit_arn(arn: Any) -> str:
    if not isinstance(arn, str) or ":spending-limit/" not in arn:
        raise InvalidInputError(f"expected a spending limit ARN, got {arn!r:.80}")
    return arn
