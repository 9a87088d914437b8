"""End-to-end support: a real Airflow (subprocesses, own home and DB) against an emulator.

One emulator and one migrated metadata DB serve the whole session; each example DAG runs once,
through a real ``airflow dags test`` subprocess, however many tests look at its run.
"""

from __future__ import annotations

import importlib.util
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from airflow_quantum_emulator import EmulatorConfig, EmulatorServer, demo

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_DAGS = ROOT / "example_dags"

#: Job timings of the e2e emulator: a job is still queued when its task checks it right after
#: submission (so the task defers), even on a busy machine, and done 2.5 s after it.
E2E_CONFIG = EmulatorConfig(queue_seconds=2.0, run_seconds=0.5, seed=2024)


@dataclass
class DagResult:
    """One ``airflow dags test`` run and what it left in the metadata DB."""

    run: demo.DagTestRun
    record: demo.DagRunRecord | None

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
    results: dict[str, DagResult] = field(default_factory=dict)

    def run_dag(self, dag_id: str) -> DagResult:
        """``airflow dags test DAG_ID`` once per session; later calls return the same run."""
        if dag_id not in self.results:
            run = demo.run_dag_test(dag_id, self.env, self.home / "logs-e2e" / f"{dag_id}.log")
            self.results[dag_id] = DagResult(run, self.db.latest_run(dag_id))
        return self.results[dag_id]

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
