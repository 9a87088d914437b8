"""Collecting a sweep's answer: each chunk's result, merged into one table, handed on.

The sweep's counterpart of ``operators.delivery.ResultDelivery``: once every chunk's job is
final, each chunk's result is read (from its job, or from the optional result cache, which it
then fills), the parts are merged item by item (``merge.RowMerger``) and the table is streamed
to object storage as JSON Lines (or, for a small sweep with nowhere to write, returned in XCom),
with a summary in XCom, the jobs on the outlet assets' events and in the OpenLineage facet.
Running the chunks (planning, submitting, waiting, resubmitting) is the operator's
(``operators/sweep.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from airflow.sdk.exceptions import AirflowException

from airflow_quantum.clients.errors import InvalidInputError, JobFailedError
from airflow_quantum.results.assets import attach_to_outlets
from airflow_quantum.results.storage import (
    default_path,
    results_base_path,
    storage_path,
    writing,
)
from airflow_quantum.sweeps.cache import CACHED, ResultCache, content_key, is_cached
from airflow_quantum.sweeps.limits import Chunk
from airflow_quantum.sweeps.merge import RowMerger
from airflow_quantum.sweeps.workload import Workload

#: Items a sweep may return whole in XCom when it has nowhere to write its table.
MAX_XCOM_ROWS = 1000


class SweepCollector:
    """Where a sweep's answer comes from (jobs or the result cache) and where it goes.

    The sweep operator holds one. From the task it reads its rendered ``results_path`` and
    ``result_cache``, its ``hook``, ``outlets``, ``log`` and ``task_id``, and the vendor parts
    that decide a chunk's result: ``backend_name``, ``chunk_job``, ``part_results``,
    ``combiner``, ``result_options``, ``results_timeout``, ``chunk_content`` and
    ``calibration``. The facts of the last table collected are kept for OpenLineage.
    """

    def __init__(self, task: Any) -> None:
        self.task = task
        self._lineage: dict[str, Any] | None = None

    @property
    def vendor(self) -> str:
        return self.task.hook_class.vendor

    def table_path(self, context: Any, items: int) -> Any:
        """Where the merged table goes; None: XCom (small sweeps only, checked here, so the
        operator asks before anything is sent)."""
        if self.task.results_path is not None:
            return storage_path(self.task.results_path)
        base = results_base_path()
        if base is not None:
            path = default_path(base, context)
            return path.with_name(f"{path.stem}.jsonl")
        if items > MAX_XCOM_ROWS:
            raise InvalidInputError(
                f"a sweep of {items} items needs results_path or [quantum] results_base_path "
                f"to write its table to (XCom holds at most {MAX_XCOM_ROWS} rows)"
            )
        return None

    def cached(self, workload: Workload, chunks: list[Chunk], found: dict[int, str]) -> dict:
        """The chunks (not found already) whose result the cache holds: ``cached:<key>``."""
        cache = self._result_cache()
        if cache is None:
            return {}
        hits = {}
        for chunk in chunks:
            if chunk.index not in found:
                key = self._cache_key(self.task.chunk_job(workload, chunk))
                if cache.get(key) is not None:
                    hits[chunk.index] = CACHED + key
        if hits:
            self.task.log.info(
                "Reusing %d of %d chunk(s) from the result cache %s: not sent, not paid for",
                len(hits),
                len(chunks),
                self.task.result_cache,
            )
        return hits

    def collect(
        self, context: Any, workload: Workload, chunks: list[Chunk], job_ids: list[str]
    ) -> dict[str, Any]:
        """Merge the chunks' results into the table; the summary XCom gets."""
        task = self.task
        path = self.table_path(context, len(workload))
        rows: list[dict[str, Any]] = []
        with self._table(path, rows) as emit:
            merger = RowMerger(workload, emit, task.combiner())
            for chunk in chunks:
                job_id = job_ids[chunk.index]
                results = self._chunk_result(workload, chunk, job_id)
                for part, part_result in zip(chunk.parts, results, strict=True):
                    merger.add(part, part_result, job_id)
            merger.close()
        summary: dict[str, Any] = {
            "vendor": self.vendor,
            "backend": task.backend_name,
            "items": len(workload),
            "shots": workload.shots,
            "parameters": list(workload.names),
            "jobs": len(job_ids),
            "cached_chunks": sum(1 for job_id in job_ids if is_cached(job_id)),
            "results_uri": str(path) if path is not None else None,
            "format": "jsonl" if path is not None else None,
            "preview": merger.preview,
        }
        if path is None:
            summary["rows"] = rows
        else:
            task.log.info(
                "Merged %d row(s) from %d %s job(s) into %s",
                merger.rows,
                len(job_ids),
                self.vendor,
                path,
            )
        self._record(context, summary, job_ids)
        return summary

    def lineage(self) -> Any:
        """OpenLineage: a ``quantumSweep`` run facet listing every job, and the table.

        None before a table was collected, or without the OpenLineage provider.
        """
        if self._lineage is None:
            return None
        try:
            from airflow_quantum.results.lineage import sweep_lineage
        except ImportError:
            return None
        return sweep_lineage(**self._lineage)

    # ---------------------------------------------------------------- helpers

    def _chunk_result(self, workload: Workload, chunk: Chunk, job_id: str) -> list[Any]:
        """The result of each part of ``chunk``: from its job's result (one at a time, then
        stored in the result cache when there is one), or from the cache."""
        task = self.task
        cache = self._result_cache()
        if is_cached(job_id):
            results = cache.get(job_id[len(CACHED) :]) if cache is not None else None
            if results is None:
                raise AirflowException(
                    f"{task.task_id}: chunk {chunk.index}'s cached result is gone from "
                    f"{task.result_cache}; a retry runs it again"
                )
            return results
        try:
            result = task.hook.get_job_result(job_id, task.results_timeout, **task.result_options())
        except JobFailedError as exc:
            raise AirflowException(str(exc)) from None
        results = list(task.part_results(workload, chunk, result))
        if cache is not None:
            cache.put(self._cache_key(task.chunk_job(workload, chunk)), results)
        return results

    def _result_cache(self) -> ResultCache | None:
        folder = self.task.result_cache
        return None if folder is None else ResultCache(folder)

    def _cache_key(self, job: Any) -> str:
        task = self.task
        return content_key(
            self.vendor, task.backend_name, task.chunk_content(job), task.calibration()
        )

    @contextmanager
    def _table(self, path: Any, rows: list[dict[str, Any]]) -> Iterator[Any]:
        """``emit(row)``: a line of JSON in the file at ``path``, or a row in ``rows``."""
        if path is None:
            yield rows.append
            return
        try:
            with writing(path) as stream:
                yield lambda row: stream.write(json.dumps(row).encode() + b"\n")
        except OSError as exc:
            # The jobs succeeded: a retry reattaches to them and writes again, it pays nothing.
            raise AirflowException(
                f"{self.vendor}: could not write the merged table to {path}: "
                f"{type(exc).__name__}: {exc}"
            ) from None

    def _record(self, context: Any, summary: dict[str, Any], job_ids: list[str]) -> None:
        """Every job on the outlet assets' events and in the OpenLineage facet."""
        facts = {
            "vendor": self.vendor,
            "backend": self.task.backend_name,
            "items": summary["items"],
            "shots": summary["shots"],
            "job_ids": [job_id for job_id in job_ids if not is_cached(job_id)],
            "cached_chunks": summary["cached_chunks"],
            "results_uri": summary["results_uri"],
        }
        named = attach_to_outlets(context, self.task.outlets, facts)
        if named:
            self.task.log.info("Asset event(s) of %s list the sweep's jobs", ", ".join(named))
        self._lineage = facts
