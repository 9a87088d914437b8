"""End-to-end support: a real Airflow (subprocesses, own home and DB) against an emulator.

One emulator and one Airflow home serve the whole session; each example DAG runs once,
through a real ``airflow dags test`` subprocess, however many tests look at its run. The
example DAGs run side by side (``start_dags``), each chain of them on its own copy of the
migrated metadata DB: a DAG test spends most of its time waiting for the emulator's queue.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from airflow_quantum_emulator import EmulatorConfig, EmulatorServer, demo

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_DAGS = ROOT / "example_dags"

#: Job timings of the e2e emulator: a job is still queued when its task checks it right after
#: submission (so the task defers), even on a machine as busy as ``make test``'s slow pass (three
#: DAG tests side by side beside two deployments: a sensor's first poke came 3 s after the
#: submission), and done 6.5 s after it.
E2E_CONFIG = EmulatorConfig(queue_seconds=6.0, run_seconds=0.5, seed=2024)
#: How many ``airflow dags test`` processes ``start_dags`` runs at once (E2E_DAG_LANES=1: one
#: after the other, as before).
DAG_LANES = int(os.environ.get("E2E_DAG_LANES", "3"))


@dataclass
class DagResult:
    """One ``airflow dags test`` run and what it left in the metadata DB (``db``)."""

    run: demo.DagTestRun
    record: demo.DagRunRecord | None
    db: demo.MetadataDB

    def output(self) -> str:
        return self.run.log_path.read_text(errors="replace")


@dataclass
class AirflowE2E:
    """A migrated Airflow home wired to an in-process emulator."""

    home: Path
    env: dict[str, str]
    emulator: EmulatorServer
    db: demo.MetadataDB
    #: moto's S3 server (``moto_support.MotoS3``), the ``aws_default`` connection's endpoint.
    s3: Any = None
    #: The migrated metadata DB each chain of ``start_dags`` gets a copy of.
    migrated: Path | None = None
    results: dict[str, DagResult] = field(default_factory=dict)
    _started: dict[str, Future[DagResult]] = field(default_factory=dict)
    _pool: ThreadPoolExecutor | None = None

    def run_dag(self, dag_id: str) -> DagResult:
        """``airflow dags test DAG_ID`` once per session; later calls return the same run.

        A DAG ``start_dags`` started is waited for; any other runs now, in the home's DB.
        """
        if dag_id not in self.results:
            if dag_id in self._started:
                self.results[dag_id] = self._started[dag_id].result()
            else:
                self.results[dag_id] = self._run(dag_id, self.env, self.db)
        return self.results[dag_id]

    def start_dags(self, chains: list[list[str]], lanes: int = DAG_LANES) -> None:
        """Run ``chains`` of DAGs in the background, ``lanes`` of them at once.

        The DAGs of a chain run one after the other in one copy of the migrated DB (a DAG
        that reads what another's run left follows it in its chain); ``run_dag`` waits.
        """
        assert self.migrated is not None, "start_dags needs the migrated DB to copy"
        self._pool = ThreadPoolExecutor(max(1, lanes), thread_name_prefix="dags-test")
        for chain in chains:
            futures = [self._started.setdefault(dag_id, Future()) for dag_id in chain]
            self._pool.submit(self._run_chain, chain, futures)

    def _run_chain(self, chain: list[str], futures: list[Future[DagResult]]) -> None:
        for dag_id, future in zip(chain, futures, strict=True):
            try:
                if dag_id == chain[0]:
                    path = self.home / "dbs" / f"{dag_id}.db"
                    path.parent.mkdir(exist_ok=True)
                    assert self.migrated is not None
                    shutil.copyfile(self.migrated, path)
                    env = {**self.env, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{path}"}
                future.set_result(self._run(dag_id, env, demo.MetadataDB(path)))
            except BaseException as exc:  # the test waiting for it reports it
                future.set_exception(exc)

    def _run(self, dag_id: str, env: dict[str, str], db: demo.MetadataDB) -> DagResult:
        run = demo.run_dag_test(dag_id, env, self.home / "logs-e2e" / f"{dag_id}.log")
        return DagResult(run, db.latest_run(dag_id), db)

    def close(self) -> None:
        """Wait for the DAGs still running in the background (none is left behind)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def airflow(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run an ``airflow`` CLI command in this home; stdout and stderr as text."""
        return subprocess.run(
            demo.airflow_command(*args),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def load_example(dag_id: str) -> ModuleType:
    """Import an example DAG file as a module (for the constants it defines)."""
    path = EXAMPLE_DAGS / f"{dag_id}.py"
    spec = importlib.util.spec_from_file_location(f"e2e_{dag_id}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
