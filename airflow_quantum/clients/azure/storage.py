"""Blob storage next to a workspace: SAS URLs, block-blob uploads and downloads.

Job input goes up as one block blob (``PUT`` with ``x-ms-blob-type: BlockBlob``, gzip-compressed
with ``x-ms-blob-content-encoding: gzip``, ``If-None-Match: *`` so nothing is overwritten); output
comes down with a SAS link the job details carry. A link without a SAS, or one whose ``se``
expiry is less than five minutes away, is renewed through ``POST /storage/sasUri`` first.

Two URL shapes exist: the real service's ``https://{account}.blob.core.windows.net/{container}/
{blob}`` and the storage emulator's ``http://127.0.0.1:10000/{account}/{container}/{blob}`` (path
style, used on loopback, IP addresses and single-label hosts); both are parsed.

Storage requests never carry the workspace credential: the SAS in the URL is the authorisation.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import ipaddress
import logging
import re
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

from airflow_quantum.clients.calls import Call, Flow
from airflow_quantum.clients.errors import (
    AuthenticationError,
    BadResponseError,
    InvalidInputError,
    InvalidStateError,
    NotFoundError,
)
from airflow_quantum.clients.transport import Request, is_loopback, redact_url

log = logging.getLogger(__name__)

STORAGE_API_VERSION = "2023-11-03"
#: A SAS link expiring within this many seconds is renewed before it is used.
RENEW_MARGIN = 300.0
#: Largest decompressed download accepted (guards against gzip bombs).
MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024
INPUT_BLOB = "inputData"
VENDOR = "Azure Storage"
_GZIP_MAGIC = b"\x1f\x8b"
_CONTAINER_NAME = re.compile(r"^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class BlobLocation:
    """A container or blob URL taken apart: ``(account, container, blob)`` and its SAS query."""

    scheme: str
    netloc: str
    account: str
    container: str
    blob: str | None
    query: str
    path_style: bool

    @property
    def container_url(self) -> str:
        """The container URL without a query."""
        prefix = f"/{quote(self.account, safe='')}" if self.path_style else ""
        path = f"{prefix}/{quote(self.container, safe='')}"
        return urlunsplit((self.scheme, self.netloc, path, "", ""))

    @property
    def bare_url(self) -> str:
        """The URL without its SAS (safe to store and show)."""
        base = self.container_url
        return base + ("/" + quote(self.blob, safe="/") if self.blob is not None else "")

    @property
    def url(self) -> str:
        """The full URL, SAS included."""
        return f"{self.bare_url}?{self.query}" if self.query else self.bare_url

    def with_blob(self, blob: str) -> BlobLocation:
        return replace(self, blob=blob)


def _path_style(host: str) -> bool:
    if is_loopback(host) or "." not in host:
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def parse_blob_url(url: str) -> BlobLocation:
    """Take a storage URL of either shape apart; ``BadResponseError`` if it is not one."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except (ValueError, TypeError):
        raise BadResponseError("a storage URL cannot be parsed", vendor=VENDOR) from None
    if parts.scheme not in ("http", "https") or not host:
        raise BadResponseError(
            f"{redact_url(url)!r} is not an absolute http(s) storage URL", vendor=VENDOR
        )
    segments = [unquote(segment) for segment in parts.path.split("/")[1:]]
    path_style = _path_style(host)
    if path_style:
        if len(segments) < 2 or not segments[0] or not segments[1]:
            raise BadResponseError(
                f"{redact_url(url)!r} is not /{{account}}/{{container}}[/{{blob}}]", vendor=VENDOR
            )
        account, rest = segments[0], segments[1:]
    else:
        account, rest = host.split(".", 1)[0], segments
        if not rest or not rest[0]:
            raise BadResponseError(f"{redact_url(url)!r} names no container", vendor=VENDOR)
    blob = "/".join(rest[1:]) or None
    return BlobLocation(parts.scheme, parts.netloc, account, rest[0], blob, parts.query, path_style)


def _sas(url: str) -> dict[str, str]:
    """The SAS fields of ``url``'s query (none for a URL that cannot be parsed)."""
    try:
        return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    except ValueError:
        return {}


def sas_expiry(url: str) -> float | None:
    """Epoch seconds of the SAS ``se`` field (None when there is no usable ``se``)."""
    try:
        moment = datetime.fromisoformat(_sas(url)["se"].strip().replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def needs_renewal(url: str, now: float | None = None, margin: float = RENEW_MARGIN) -> bool:
    """True when ``url`` has no SAS signature or its expiry is within ``margin`` seconds."""
    expiry = sas_expiry(url) if _sas(url).get("sig") else None
    return expiry is None or expiry - (time.time() if now is None else now) < margin


def compress(data: bytes) -> bytes:
    """gzip, with a fixed mtime so that the same input always gives the same bytes."""
    return gzip.compress(data, mtime=0)


def upload_request(
    container_sas_url: str,
    blob: str,
    data: bytes,
    *,
    content_type: str,
    content_encoding: str | None,
) -> tuple[Request, BlobLocation]:
    """A single-shot block-blob ``PUT`` of ``data`` into the container of a container SAS."""
    location = parse_blob_url(container_sas_url).with_blob(blob)
    headers = {
        "x-ms-blob-type": "BlockBlob",
        "x-ms-blob-content-type": content_type,
        "x-ms-version": STORAGE_API_VERSION,
        "Content-Type": "application/octet-stream",
        "Content-MD5": base64.b64encode(hashlib.md5(data).digest()).decode(),
        "If-None-Match": "*",
    }
    if content_encoding:
        headers["x-ms-blob-content-encoding"] = content_encoding
    request = Request(
        "PUT",
        location.url,
        content=data,
        headers=headers,
        authenticated=False,
        ok_statuses=frozenset({201}),
    )
    return request, location


def create_container_request(container_sas_url: str) -> Request:
    """``PUT {container}?restype=container`` with the container SAS: 201, or 409 if it exists.

    Before 2026-01-15-preview the service does not create the job's container; a Put Blob into
    it answers 404 ``ContainerNotFound`` until the client creates it (recorded real traffic).
    """
    location = parse_blob_url(container_sas_url)
    query = "restype=container" + (f"&{location.query}" if location.query else "")
    return Request(
        "PUT",
        f"{location.container_url}?{query}",
        headers={"x-ms-version": STORAGE_API_VERSION},
        authenticated=False,
        ok_statuses=frozenset({201}),
    )


def upload_input(
    container_sas: str, job_id: str, data: bytes, content_type: str, gzip: bool
) -> Flow[str]:
    """A flow step: put the job's input blob (gzip-compressed if asked) and give its URL without
    the SAS; create the container first if the service has not (before 2026-01-15-preview it
    answers 404 ``ContainerNotFound``, as recorded)."""
    body, encoding = (compress(data), "gzip") if gzip else (data, None)
    upload, location = upload_request(
        container_sas, INPUT_BLOB, body, content_type=content_type, content_encoding=encoding
    )
    for attempt in (1, 2):
        try:
            yield Call(upload, lambda answer: None)
            return location.bare_url
        except InvalidStateError as exc:
            if exc.code != "BlobAlreadyExists":
                raise
            log.info("Input blob of job %s already exists (an earlier attempt); reusing it", job_id)
            return location.bare_url
        except NotFoundError as exc:
            if exc.code != "ContainerNotFound" or attempt == 2:
                raise
        log.info("Creating the storage container of job %s", job_id)
        try:
            yield Call(create_container_request(container_sas), lambda answer: None)
        except InvalidStateError as exc:
            if exc.code != "ContainerAlreadyExists":
                raise


def download_request(url: str) -> Request:
    """``GET`` of a blob with its SAS (the whole blob, no range)."""
    parse_blob_url(url)
    return Request(
        "GET",
        url,
        headers={"x-ms-version": STORAGE_API_VERSION, "Accept": "*/*"},
        authenticated=False,
    )


def decode_blob(content: bytes, limit: int = MAX_DOWNLOAD_BYTES) -> bytes:
    """The blob's bytes with any gzip layer removed.

    HTTP clients undo ``Content-Encoding: gzip`` themselves; a blob stored gzip-compressed
    without that header still starts with the gzip magic number and is inflated here.
    """
    if content[:2] != _GZIP_MAGIC:
        return content
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        out = inflater.decompress(content, limit + 1)
    except zlib.error as exc:
        raise BadResponseError(f"the blob is not valid gzip data: {exc}", vendor=VENDOR) from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise BadResponseError(f"the decompressed blob is larger than {limit} bytes", vendor=VENDOR)
    return out


def container_name_for(job_id: str) -> str:
    """The container the official client uses for a job: ``job-{id}`` (lower case)."""
    name = f"job-{job_id}".lower()
    if not _CONTAINER_NAME.match(name):
        raise InvalidInputError(
            f"job_id {job_id[:60]!r} cannot name a storage container (job-<id>: at most 63 "
            "letters, digits and single hyphens, ending with a letter or digit)"
        )
    return name


def download_blob(
    url: str, sas_uri: Callable[[str, str], Call[str]], what: str, *, now: float | None = None
) -> Flow[bytes]:
    """The bytes of the blob at ``url`` (gzip removed); asks ``sas_uri(container, blob)`` for a
    new link first when it has none or it is about to expire, and once more if it was refused."""
    location = parse_blob_url(url)
    if location.blob is None:
        raise BadResponseError(f"{what} names no blob", vendor="Azure Quantum")
    renewed = False
    if needs_renewal(url, now):
        url = yield sas_uri(location.container, location.blob)
        renewed = True
    try:
        return (yield _download(url))
    except AuthenticationError:
        # The SAS expired between the check and the read (clock skew): renew once.
        if renewed:
            raise
        url = yield sas_uri(location.container, location.blob)
        return (yield _download(url))


def _download(url: str) -> Call[bytes]:
    return Call(download_request(url), lambda answer: decode_blob(answer.content))
