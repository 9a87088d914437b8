"""An Airflow home for the benchmarks: SQLite metadata DB, the bench DAGs, the connections."""

from __future__ import annotations

from pathlib import Path

from airflow_quantum_emulator import demo
from benchmarks.support import ROOT, connections

DAGS = ROOT / "benchmarks" / "dags"


def prepare(home: Path, emulator_url: str) -> dict[str, str]:
    """The environment of Airflow processes using ``home`` (migrated once, then reused)."""
    home.mkdir(parents=True, exist_ok=True)
    env = demo.airflow_env(home, DAGS, connections(emulator_url))
    env.update(
        PYTHONPATH=str(ROOT),
        AIRFLOW__LOGGING__LOGGING_LEVEL="WARNING",
        AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="False",
    )
    demo.migrate(env, home, home / "migrate.log")
    return env
