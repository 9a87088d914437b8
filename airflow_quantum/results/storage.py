"""Writing results to object storage (Airflow's ``ObjectStoragePath``), and where to.

A path is any URL ``ObjectStoragePath`` opens: ``s3://aws_default@bucket/key.json`` (the
``amazon`` extra), ``file:///data/key.json``, ``gs://...`` and so on, the connection id in the
user part. The provider's settings live in the ``[quantum]`` section of the Airflow config.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from airflow.sdk import ObjectStoragePath, conf

from airflow_quantum.clients.errors import InvalidInputError

SECTION = "quantum"
#: Default bound of a result returned to XCom (bytes of JSON), ``[quantum] max_xcom_result_bytes``.
DEFAULT_MAX_XCOM_RESULT_BYTES = 1024 * 1024
_LOCAL_PROTOCOLS = frozenset({"file", "local"})


def max_xcom_result_bytes() -> int:
    """``[quantum] max_xcom_result_bytes``: results above it do not go to XCom whole."""
    return conf.getint(SECTION, "max_xcom_result_bytes", fallback=DEFAULT_MAX_XCOM_RESULT_BYTES)


def results_base_path() -> str | None:
    """``[quantum] results_base_path``: where results too big for XCom go (None: unset)."""
    return conf.get(SECTION, "results_base_path", fallback="").strip() or None


def storage_path(value: Any, field: str = "results_path") -> ObjectStoragePath:
    """``value`` (an ``ObjectStoragePath`` or a URL) as a path to a file, checked.

    ``InvalidInputError`` naming ``field`` when it is not a URL, names a folder, or its
    filesystem is not installed.
    """
    path = value if isinstance(value, ObjectStoragePath) else _open(value, field)
    if str(value).endswith("/") or not path.name:
        raise InvalidInputError(f"{field} must name a file, not a folder: {str(path)!r:.120}")
    return path


def base_folder(base: str) -> ObjectStoragePath:
    """``[quantum] results_base_path`` as a folder, checked (the error names the setting)."""
    return _open(base, f"[{SECTION}] results_base_path")


def default_path(base: str, context: Any) -> ObjectStoragePath:
    """``{base}/{dag_id}/{run_id}/{task_id}[.{map_index}].json`` for the task instance."""
    ti = context["ti"]
    map_index = getattr(ti, "map_index", -1)
    name = ti.task_id + (f".{map_index}" if map_index is not None and map_index >= 0 else "")
    return base_folder(base) / ti.dag_id / context["run_id"] / f"{name}.json"


def _open(value: Any, field: str) -> ObjectStoragePath:
    if not isinstance(value, str) or "://" not in value:
        raise InvalidInputError(
            f"{field} must be an ObjectStoragePath or a URL such as "
            "'s3://aws_default@bucket/results.json' or 'file:///data/results.json', "
            f"got {value!r:.80}"
        )
    try:
        return ObjectStoragePath(value.strip())
    except (ImportError, ValueError) as exc:
        scheme = value.split("://", 1)[0]
        hint = " (install airflow-quantum[amazon])" if scheme in ("s3", "s3a") else ""
        raise InvalidInputError(f"{field}: cannot open {scheme}:// storage{hint}: {exc}") from None


def raw_sibling(path: ObjectStoragePath) -> ObjectStoragePath:
    """Where the raw vendor payload of ``path`` goes: ``results.json`` → ``results.raw.json``."""
    return path.with_name(f"{path.stem}.raw{path.suffix or '.json'}")


def write_json(path: ObjectStoragePath, value: Any) -> int:
    """Write ``value`` as JSON to ``path``; returns the bytes written."""
    return write_bytes(path, json.dumps(value, default=str).encode())


def write_bytes(path: ObjectStoragePath, data: bytes) -> int:
    """Write ``data`` to ``path``; returns the bytes written."""
    with writing(path) as stream:
        stream.write(data)
    return len(data)


@contextmanager
def writing(path: ObjectStoragePath) -> Iterator[IO[bytes]]:
    """``path`` open for writing bytes, streamed (a table written row by row).

    Folders are made on local disks only: on object stores there are none to make, and
    s3fs's ``mkdir`` would create a missing bucket instead of failing on it.
    """
    if path.protocol in _LOCAL_PROTOCOLS:
        path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as stream:
        yield stream


def xcom_backend_offloads(size: int) -> bool:
    """Whether the configured XCom backend is Airflow's object-storage backend and will put a
    value of ``size`` bytes of JSON in object storage itself (``[common.io]`` threshold)."""
    try:
        from airflow.providers.common.io.xcom.backend import XComObjectStorageBackend
        from airflow.sdk.execution_time.xcom import resolve_xcom_backend
    except ImportError:  # pragma: no cover - common.io comes with Airflow
        return False
    try:
        backend = resolve_xcom_backend()
    except (ImportError, TypeError):
        return False
    if not issubclass(backend, XComObjectStorageBackend):
        return False
    if not conf.get("common.io", "xcom_objectstorage_path", fallback=""):
        return False
    threshold = conf.getint("common.io", "xcom_objectstorage_threshold", fallback=-1)
    return 0 <= threshold <= size
