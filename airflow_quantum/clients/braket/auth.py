"""AWS Signature Version 4 for the Braket and S3 requests, with botocore's own signer.

Each request says what it is signed for (``Request.signing``: ``("braket", region)`` or
``("s3", region)``): the signer hashes the exact body and URL the transport sends, so requests
are built with their body as bytes and their query in the URL. Keys come from a
``CredentialSource``; botocore refreshes refreshable ones (assumed roles) before they expire.
On the async face a refresh, which may call STS, runs in a worker thread, never on the loop.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest

from airflow_quantum.clients.auth import Authenticator
from airflow_quantum.clients.braket.settings import CredentialSource
from airflow_quantum.clients.errors import ConfigurationError

if TYPE_CHECKING:
    from airflow_quantum.clients.transport import Request

#: Headers botocore adds when signing that the transport must send as they were signed.
_SIGNED = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-SHA256")


class SigV4Signer(Authenticator):
    """Signs each request with SigV4 for the service and region its ``signing`` names."""

    def __init__(self, credentials: CredentialSource) -> None:
        self.source = credentials

    def headers(self, request: Request | None = None) -> dict[str, str]:
        return self._sign(request, self.source.frozen())

    async def aheaders(self, request: Request | None = None) -> dict[str, str]:
        if self.source.ready():
            frozen = self.source.frozen()
        else:
            frozen = await asyncio.to_thread(self.source.frozen)
        return self._sign(request, frozen)

    @staticmethod
    def _sign(request: Request | None, frozen: Any) -> dict[str, str]:
        if request is None or request.signing is None:
            raise ConfigurationError("an AWS request must say what it is signed for (signing)")
        if request.params:
            raise ConfigurationError("a signed AWS request carries its query in its URL")
        service, region = request.signing
        signer_class = S3SigV4Auth if service == "s3" else SigV4Auth
        aws_request = AWSRequest(
            method=request.method,
            url=request.url,
            data=request.content or b"",
            headers=dict(request.headers),
        )
        signer_class(frozen, service, region).add_auth(aws_request)
        signed = aws_request.headers
        return {name: signed[name] for name in _SIGNED if name in signed}

    def __repr__(self) -> str:
        return "SigV4Signer(***)"
