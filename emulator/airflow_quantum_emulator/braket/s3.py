"""The S3 subset at ``/s3`` where the emulator writes each task's ``results.json``.

Path-style only (``/s3/{bucket}/{key}``), so that boto3 with ``endpoint_url={emulator}/s3``
reads it: CreateBucket, HeadBucket, ListObjectsV2 (prefix, delimiter, max-keys, continuation),
PutObject, GetObject, HeadObject, DeleteObject, signed with SigV4 (service ``s3``). A bucket
exists once something was written to it (the emulator creates a task's output bucket when
the task is created); any other bucket answers ``NoSuchBucket``. It keeps ``make demo``
self-contained: no moto server, no second process.
"""

from __future__ import annotations

import base64
import hashlib
import html
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from airflow_quantum_emulator.clock import iso_utc
from airflow_quantum_emulator.errors import VendorError

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
MAX_KEYS = 1000


@dataclass(frozen=True)
class StoredObject:
    body: bytes
    etag: str
    modified: float
    content_type: str


class ObjectStore:
    """Buckets of objects in memory."""

    def __init__(self) -> None:
        self.buckets: dict[str, dict[str, StoredObject]] = {}

    def reset(self) -> None:
        self.buckets.clear()

    def ensure_bucket(self, bucket: str) -> dict[str, StoredObject]:
        return self.buckets.setdefault(bucket, {})

    def put(
        self, bucket: str, key: str, body: bytes, now: float, content_type: str = "application/json"
    ) -> StoredObject:
        stored = StoredObject(body, hashlib.md5(body).hexdigest(), now, content_type)
        self.ensure_bucket(bucket)[key] = stored
        return stored

    def bucket(self, bucket: str) -> dict[str, StoredObject]:
        objects = self.buckets.get(bucket)
        if objects is None:
            raise VendorError(404, "The specified bucket does not exist", "NoSuchBucket")
        return objects

    def get(self, bucket: str, key: str) -> StoredObject:
        stored = self.bucket(bucket).get(key)
        if stored is None:
            raise VendorError(404, "The specified key does not exist.", "NoSuchKey")
        return stored


def decode_aws_chunked(body: bytes) -> bytes:
    """The payload of an ``aws-chunked`` body (botocore's streamed uploads with checksums)."""
    payload = bytearray()
    rest = body
    while rest:
        header, _, rest = rest.partition(b"\r\n")
        size = int(header.split(b";", 1)[0] or b"0", 16)
        if size == 0:
            break
        payload += rest[:size]
        rest = rest[size + 2 :]
    return bytes(payload)


def build_s3_router(objects: ObjectStore, authenticate: Any, settle: Any, now: Any) -> APIRouter:
    """The S3 routes; ``settle(bucket, prefix)`` writes the results of tasks finished by now."""
    router = APIRouter(prefix="/s3", tags=["Amazon S3 (subset)"])
    signed = [Depends(authenticate)]

    def headers_of(stored: StoredObject) -> dict[str, str]:
        return {
            "ETag": f'"{stored.etag}"',
            "Last-Modified": formatdate(stored.modified, usegmt=True),
            "Content-Type": stored.content_type,
        }

    @router.put("/{bucket}", dependencies=signed)
    async def create_bucket(bucket: str) -> Response:
        objects.ensure_bucket(bucket)
        return Response(b"", 200, headers={"Location": f"/{bucket}"})

    @router.head("/{bucket}", dependencies=signed)
    async def head_bucket(bucket: str) -> Response:
        if bucket not in objects.buckets:
            return Response(b"", 404)
        return Response(b"", 200)

    @router.get("/{bucket}", dependencies=signed)
    async def list_objects(bucket: str, request: Request) -> Response:
        query = request.query_params
        prefix = query.get("prefix", "")
        settle(bucket, prefix)
        contents = objects.bucket(bucket)
        delimiter = query.get("delimiter") or ""
        try:
            max_keys = min(int(query.get("max-keys", MAX_KEYS)), MAX_KEYS)
        except ValueError:
            raise VendorError(400, "max-keys must be an integer.", "InvalidArgument") from None
        token = query.get("continuation-token")
        start_after = (
            base64.urlsafe_b64decode(token.encode()).decode()
            if token
            else query.get("start-after", "")
        )
        keys = sorted(key for key in contents if key.startswith(prefix) and key > start_after)
        listed: list[str] = []
        prefixes: list[str] = []
        truncated = False
        last = ""
        for key in keys:
            if delimiter and delimiter in key[len(prefix) :]:
                common = key[: len(prefix) + key[len(prefix) :].index(delimiter) + len(delimiter)]
                if common in prefixes:
                    last = key
                    continue
                item_count = len(listed) + len(prefixes)
                if item_count >= max_keys:
                    truncated = True
                    break
                prefixes.append(common)
            else:
                if len(listed) + len(prefixes) >= max_keys:
                    truncated = True
                    break
                listed.append(key)
            last = key
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<ListBucketResult xmlns="{S3_NS}"><Name>{html.escape(bucket)}</Name>',
            f"<Prefix>{html.escape(prefix)}</Prefix>",
            f"<KeyCount>{len(listed) + len(prefixes)}</KeyCount><MaxKeys>{max_keys}</MaxKeys>",
            f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>",
        ]
        if delimiter:
            parts.append(f"<Delimiter>{html.escape(delimiter)}</Delimiter>")
        if token:
            parts.append(f"<ContinuationToken>{html.escape(token)}</ContinuationToken>")
        if truncated:
            next_token = base64.urlsafe_b64encode(last.encode()).decode()
            parts.append(f"<NextContinuationToken>{next_token}</NextContinuationToken>")
        for key in listed:
            stored = contents[key]
            parts.append(
                f"<Contents><Key>{html.escape(key)}</Key>"
                f"<LastModified>{iso_utc(stored.modified, 3)}</LastModified>"
                f"<ETag>&quot;{stored.etag}&quot;</ETag><Size>{len(stored.body)}</Size>"
                "<StorageClass>STANDARD</StorageClass></Contents>"
            )
        for common in prefixes:
            parts.append(f"<CommonPrefixes><Prefix>{html.escape(common)}</Prefix></CommonPrefixes>")
        parts.append("</ListBucketResult>")
        return Response("".join(parts), 200, media_type="application/xml")

    @router.put("/{bucket}/{key:path}", dependencies=signed)
    async def put_object(bucket: str, key: str, request: Request) -> Response:
        body = await request.body()
        encoding = request.headers.get("content-encoding", "")
        sha = request.headers.get("x-amz-content-sha256", "")
        if "aws-chunked" in encoding or sha.startswith("STREAMING-"):
            body = decode_aws_chunked(body)
        content_type = request.headers.get("content-type") or "binary/octet-stream"
        stored = objects.put(bucket, key, body, now(), content_type)
        return Response(b"", 200, headers={"ETag": f'"{stored.etag}"'})

    @router.get("/{bucket}/{key:path}", dependencies=signed)
    async def get_object(bucket: str, key: str) -> Response:
        settle(bucket, key.rsplit("/", 1)[0])
        stored = objects.get(bucket, key)
        return Response(stored.body, 200, headers=headers_of(stored))

    @router.head("/{bucket}/{key:path}", dependencies=signed)
    async def head_object(bucket: str, key: str) -> Response:
        settle(bucket, key.rsplit("/", 1)[0])
        stored = objects.buckets.get(bucket, {}).get(key)
        if stored is None:
            return Response(b"", 404)
        return Response(
            b"", 200, headers={**headers_of(stored), "Content-Length": str(len(stored.body))}
        )

    @router.delete("/{bucket}/{key:path}", dependencies=signed, status_code=204)
    async def delete_object(bucket: str, key: str) -> Response:
        objects.bucket(bucket).pop(key, None)
        return Response(b"", 204)

    return router
