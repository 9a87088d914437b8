"""moto's S3 server on loopback, reached like a real bucket through an Airflow AWS connection."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

BUCKET = "quantum-results"
#: moto accepts any credentials; these are what the AWS connection sends.
ACCESS_KEY = "testing"
SECRET_KEY = "moto-secret-key"


@dataclass
class MotoS3:
    """A running moto S3 server with one bucket."""

    url: str
    bucket: str
    client: Any

    def connection(self) -> str:
        """``AIRFLOW_CONN_AWS_DEFAULT``: an Airflow AWS connection with moto as endpoint."""
        return json.dumps(
            {
                "conn_type": "aws",
                "login": ACCESS_KEY,
                "password": SECRET_KEY,
                "extra": {"endpoint_url": self.url, "region_name": "us-east-1"},
            }
        )

    def read_json(self, key: str) -> Any:
        return json.loads(self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def read_bytes(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def keys(self, prefix: str = "") -> list[str]:
        answer = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for item in answer.get("Contents", []))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def moto_s3(bucket: str = BUCKET) -> Iterator[MotoS3]:
    """Start moto's S3 server on a free loopback port, with ``bucket`` created."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        client = boto3.client(
            "s3",
            endpoint_url=url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
        )
        client.create_bucket(Bucket=bucket)
        yield MotoS3(url, bucket, client)
    finally:
        server.stop()
