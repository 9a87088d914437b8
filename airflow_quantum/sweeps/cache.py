"""The optional result cache of sweeps: the same work, run again, is read instead of paid for.

A chunk's key is a content hash of what decides its result: the vendor, the backend or target,
the program and its parameters (circuits, parameter values, shots, the primitive's options) and
the calibration it ran against where there is one (IBM's ``calibration_id``). The entry is the
chunk's counts, part by part, as JSON in ``<folder>/<key>.json`` (any ``ObjectStoragePath``).
Off by default: a cached result is a sample that was drawn once, not a new one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from airflow_quantum.results.storage import base_folder, write_bytes

#: What the job ids of chunks read from the cache start with (then the chunk's key).
CACHED = "cached:"


def content_key(
    vendor: str, backend: str, content: Mapping[str, Any], calibration: str | None
) -> str:
    """The chunk's key: SHA-256 of its canonical JSON (sorted keys, no spaces)."""
    document = {
        "vendor": vendor,
        "backend": backend,
        "content": content,
        "calibration": calibration,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def is_cached(job_id: str) -> bool:
    return job_id.startswith(CACHED)


class ResultCache:
    """Counts of chunks by key, in a folder of object storage.

    :param folder: an ``ObjectStoragePath`` or URL of a folder (``InvalidInputError`` if not).
    """

    def __init__(self, folder: Any) -> None:
        self.folder = folder if hasattr(folder, "joinpath") else base_folder(folder)

    def get(self, key: str) -> list[Any] | None:
        """The counts of each part of the chunk, or None when it was never stored."""
        path = self.folder / f"{key}.json"
        try:
            if not path.exists():
                return None
            counts = json.loads(path.read_text())
        except (OSError, ValueError):
            return None  # unreadable: run the chunk again rather than fail
        return counts if isinstance(counts, list) else None

    def put(self, key: str, counts: list[Any]) -> None:
        write_bytes(self.folder / f"{key}.json", json.dumps(counts).encode())
