"""The emulated blob storage account, in the storage emulator's URL shape.

URLs are ``{base}/{account}/{container}[/{blob}]`` (the official client takes the first path
segment as the account name on ``127.0.0.1`` and ``localhost``). Only block blobs exist; every
request must carry a SAS issued by ``POST /storage/sasUri``. A blob ``PUT`` creates its
container when it does not exist yet, as the service does for job containers.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import itertools
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import Scope

from airflow_quantum_emulator.azure.sas import SasSigner
from airflow_quantum_emulator.azure.store import AzureStore, Blob, Container
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.state import EmulatorState

STORAGE_VERSION = "2023-11-03"
CONTAINER_NAME = re.compile(r"^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
MAX_BLOB_NAME = 1024
_RANGE = re.compile(r"^\s*bytes=(\d+)-(\d*)\s*$")
_etags = itertools.count(1)


# ---------------------------------------------------------------- URLs and blobs (used elsewhere)


def container_url(base_url: str, account: str, container: str) -> str:
    return f"{base_url}/{account}/{quote(container, safe='')}"


def blob_url(base_url: str, account: str, container: str, blob: str) -> str:
    return f"{container_url(base_url, account, container)}/{quote(blob, safe='/')}"


def parse_storage_uri(uri: str, account: str) -> tuple[str, str | None]:
    """(container, blob or None) of a URL of the emulated account; ValueError otherwise.

    Accepts the storage-emulator shape ``http://host/{account}/{container}/{blob}`` and the
    real-service shape ``https://{account}.blob.core.windows.net/{container}/{blob}``.
    """
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{uri!r} is not an absolute http(s) URL")
    segments = [unquote(s) for s in parts.path.split("/")[1:]]
    if segments and segments[0] == account:
        segments = segments[1:]
    elif not (parts.hostname or "").startswith(f"{account}."):
        raise ValueError(
            f"{uri!r} is not in the emulated storage account {account!r} "
            f"(expected http://host/{account}/<container>/<blob>)"
        )
    if not segments or not segments[0]:
        raise ValueError(f"{uri!r} names no container")
    blob = "/".join(segments[1:]) or None
    return segments[0], blob


def check_container_name(name: str) -> None:
    if not CONTAINER_NAME.match(name):
        raise ValueError(
            f"{name!r} is not a valid container name: 3-63 characters, lowercase letters, digits "
            "and single hyphens, starting and ending with a letter or digit"
        )


def new_etag(now: float) -> str:
    return f'"0x8D{(int(now * 1e7) + next(_etags)) & 0xFFFFFFFFFFFFF:013X}"'


def ensure_container(store: AzureStore, name: str, now: float) -> Container:
    """The container ``name``, created empty if it does not exist yet."""
    box = store.containers.get(name)
    if box is None:
        box = store.containers[name] = Container(name, now, new_etag(now))
    return box


def write_blob(
    store: AzureStore,
    container: str,
    name: str,
    data: bytes,
    now: float,
    content_type: str = "application/octet-stream",
    content_encoding: str | None = None,
    metadata: dict[str, str] | None = None,
) -> Blob:
    """Store a block blob, creating its container if needed (the service's own writes)."""
    box = ensure_container(store, container, now)
    old = box.blobs.get(name)
    blob = Blob(
        data=data,
        content_type=content_type,
        content_encoding=content_encoding,
        content_md5=base64.b64encode(hashlib.md5(data).digest()).decode(),
        etag=new_etag(now),
        created_at=old.created_at if old is not None else now,
        last_modified=now,
        metadata=dict(metadata or {}),
    )
    box.blobs[name] = blob
    return blob


# ---------------------------------------------------------------- routes


def _account_route_class(state: EmulatorState) -> type[APIRoute]:
    class AccountRoute(APIRoute):
        """Matches only when the first path segment is the configured account name."""

        def matches(self, scope: Scope) -> tuple[Match, Scope]:
            match, child = super().matches(scope)
            if match is not Match.NONE:
                account = child.get("path_params", {}).get("account")
                if account != state.config.storage_account:
                    return Match.NONE, {}
            return match, child

    return AccountRoute


def build_storage_router(
    state: EmulatorState, store: AzureStore, materialize: Callable[[str, str], None]
) -> APIRouter:
    """Blob and container routes.

    ``materialize(container, blob)`` is called before a blob is read: it writes a finished
    job's output blob the first time it is asked for.
    """
    router = APIRouter(route_class=_account_route_class(state), tags=["azure blob storage"])
    signer = SasSigner(store.sas_key)

    def _sas(request: Request, container: str, blob: str | None, needs: str, alt: str = "") -> None:
        signer.check(request.query_params, container, blob, needs, state.now(), alt)

    @router.api_route("/{account}/{container}", methods=["GET", "HEAD", "PUT"])
    async def container_op(request: Request, account: str, container: str) -> Response:
        params = request.query_params
        if params.get("restype") != "container":
            raise VendorError(
                400,
                "A container URL needs the query parameter restype=container.",
                "MissingRequiredQueryParameter",
            )
        method = request.method
        if method == "PUT":
            _sas(request, container, None, "c", "w")
            try:
                check_container_name(container)
            except ValueError as exc:
                raise VendorError(400, f"{exc}.", "InvalidResourceName") from None
            if container in store.containers:
                raise VendorError(
                    409, "The specified container already exists.", "ContainerAlreadyExists"
                )
            now = state.now()
            box = store.containers[container] = Container(container, now, new_etag(now))
            return _storage_response(request, 201, b"", _container_headers(box))
        if params.get("comp") == "list":
            _sas(request, container, None, "l")
            box = _container(container)
            return _storage_response(
                request,
                200,
                _list_xml(box, params.get("prefix") or ""),
                {"Content-Type": "application/xml"},
            )
        _sas(request, container, None, "r", "l")
        box = _container(container)
        return _storage_response(request, 200, b"", _container_headers(box))

    @router.api_route("/{account}/{container}/{blob:path}", methods=["GET", "HEAD", "PUT"])
    async def blob_op(request: Request, account: str, container: str, blob: str) -> Response:
        if len(blob) > MAX_BLOB_NAME:
            raise VendorError(
                400, "The blob name is longer than 1024 characters.", "InvalidResourceName"
            )
        if request.method == "PUT":
            return await _put_blob(request, container, blob)
        _sas(request, container, blob, "r")
        materialize(container, blob)
        stored = store.blob(container, blob)
        if stored is None:
            _container(container)
            raise VendorError(404, "The specified blob does not exist.", "BlobNotFound")
        return _get_blob(request, stored)

    async def _put_blob(request: Request, container: str, name: str) -> Response:
        headers = request.headers
        existing = store.blob(container, name)
        _sas(request, container, name, "w" if existing is not None else "c", "w")
        if request.query_params.get("comp"):
            raise VendorError(
                400,
                f"comp={request.query_params['comp']} (staged block upload) is not supported by "
                "the emulator; upload the blob in one Put Blob request.",
                "UnsupportedQueryParameter",
            )
        blob_type = headers.get("x-ms-blob-type")
        if blob_type is None:
            raise VendorError(
                400,
                "An HTTP header that's mandatory for this request is not specified: "
                "x-ms-blob-type.",
                "MissingRequiredHeader",
            )
        if blob_type != "BlockBlob":
            raise VendorError(
                400,
                f"The value {blob_type!r} of x-ms-blob-type is not supported here; use BlockBlob.",
                "InvalidHeaderValue",
            )
        try:
            check_container_name(container)
        except ValueError as exc:
            raise VendorError(400, f"{exc}.", "InvalidResourceName") from None
        # Before 2026-01-15-preview the client creates the container (the service does not).
        _container(container)
        _check_conditions(headers, existing)
        data = await request.body()
        md5 = headers.get("content-md5")
        if md5 is not None and md5 != base64.b64encode(hashlib.md5(data).digest()).decode():
            raise VendorError(
                400,
                "The MD5 value specified in the request did not match with the MD5 value "
                "calculated by the server.",
                "Md5Mismatch",
            )
        content_type = (
            headers.get("x-ms-blob-content-type")
            or headers.get("content-type")
            or "application/octet-stream"
        )
        encoding = headers.get("x-ms-blob-content-encoding") or headers.get("content-encoding")
        metadata = {
            key[len("x-ms-meta-") :]: value
            for key, value in headers.items()
            if key.lower().startswith("x-ms-meta-")
        }
        stored = write_blob(
            store, container, name, data, state.now(), content_type, encoding, metadata
        )
        return _storage_response(
            request,
            201,
            b"",
            {
                "ETag": stored.etag,
                "Last-Modified": _http_date(stored.last_modified),
                "Content-MD5": stored.content_md5,
                "x-ms-request-server-encrypted": "true",
            },
        )

    def _get_blob(request: Request, blob: Blob) -> Response:
        size = len(blob.data)
        headers = {
            "Content-Type": blob.content_type,
            "ETag": blob.etag,
            "Last-Modified": _http_date(blob.last_modified),
            "Accept-Ranges": "bytes",
            "x-ms-blob-type": "BlockBlob",
            "x-ms-creation-time": _http_date(blob.created_at),
            "x-ms-server-encrypted": "true",
            "x-ms-lease-state": "available",
            "x-ms-lease-status": "unlocked",
        }
        if blob.content_encoding:
            headers["Content-Encoding"] = blob.content_encoding
        headers.update({f"x-ms-meta-{k}": v for k, v in blob.metadata.items()})
        wanted = request.headers.get("x-ms-range") or request.headers.get("range")
        match = _RANGE.match(wanted) if wanted else None
        if match is None:
            headers["Content-MD5"] = blob.content_md5
            return _storage_response(request, 200, blob.data, headers, length=size)
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else size - 1
        if start >= size or end < start:
            raise VendorError(
                416,
                "The range specified is invalid for the current size of the resource.",
                "InvalidRange",
                {"Content-Range": f"bytes */{size}"},
            )
        end = min(end, size - 1)
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        headers["x-ms-blob-content-md5"] = blob.content_md5
        return _storage_response(
            request, 206, blob.data[start : end + 1], headers, length=end - start + 1
        )

    def _container(name: str) -> Container:
        box = store.containers.get(name)
        if box is None:
            raise VendorError(404, "The specified container does not exist.", "ContainerNotFound")
        return box

    return router


def _check_conditions(headers: Any, existing: Blob | None) -> None:
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None and existing is not None:
        if if_none_match.strip() == "*":
            raise VendorError(409, "The specified blob already exists.", "BlobAlreadyExists")
        if existing.etag in (tag.strip() for tag in if_none_match.split(",")):
            raise VendorError(
                412,
                "The condition specified using HTTP conditional header(s) is not met.",
                "ConditionNotMet",
            )
    if_match = headers.get("if-match")
    if if_match is not None:
        tags = [tag.strip() for tag in if_match.split(",")]
        if existing is None or ("*" not in tags and existing.etag not in tags):
            raise VendorError(
                412,
                "The condition specified using HTTP conditional header(s) is not met.",
                "ConditionNotMet",
            )


def _container_headers(box: Container) -> dict[str, str]:
    return {
        "ETag": box.etag,
        "Last-Modified": _http_date(box.created_at),
        "x-ms-lease-state": "available",
        "x-ms-lease-status": "unlocked",
        "x-ms-has-immutability-policy": "false",
        "x-ms-has-legal-hold": "false",
    }


def _list_xml(box: Container, prefix: str) -> bytes:
    items = []
    for name in sorted(box.blobs):
        if not name.startswith(prefix):
            continue
        blob = box.blobs[name]
        items.append(
            f"<Blob><Name>{escape(name)}</Name><Properties>"
            f"<Creation-Time>{_http_date(blob.created_at)}</Creation-Time>"
            f"<Last-Modified>{_http_date(blob.last_modified)}</Last-Modified>"
            f"<Etag>{escape(blob.etag)}</Etag>"
            f"<Content-Length>{len(blob.data)}</Content-Length>"
            f"<Content-Type>{escape(blob.content_type)}</Content-Type>"
            f"<Content-Encoding>{escape(blob.content_encoding or '')}</Content-Encoding>"
            f"<Content-MD5>{blob.content_md5}</Content-MD5>"
            "<BlobType>BlockBlob</BlobType><LeaseStatus>unlocked</LeaseStatus>"
            "<LeaseState>available</LeaseState><ServerEncrypted>true</ServerEncrypted>"
            "</Properties></Blob>"
        )
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<EnumerationResults ContainerName="{escape(box.name)}">'
        f"<Prefix>{escape(prefix)}</Prefix><Blobs>{''.join(items)}</Blobs><NextMarker />"
        "</EnumerationResults>"
    )
    return xml.encode()


def _http_date(epoch: float) -> str:
    return email.utils.formatdate(epoch, usegmt=True)


def _storage_response(
    request: Request,
    status: int,
    body: bytes,
    headers: dict[str, str],
    length: int | None = None,
) -> Response:
    headers = dict(headers)
    headers["x-ms-version"] = request.headers.get("x-ms-version") or STORAGE_VERSION
    headers["x-ms-request-id"] = str(uuid.uuid4())
    client_id = request.headers.get("x-ms-client-request-id")
    if client_id:
        headers["x-ms-client-request-id"] = client_id[:256]
    headers["Content-Length"] = str(len(body) if length is None else length)
    media_type = headers.pop("Content-Type", None)
    if request.method == "HEAD":
        body = b""
    return Response(body, status, headers=headers, media_type=media_type)
