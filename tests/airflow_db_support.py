"""Migrate once, copy many: the end-to-end tests' Airflow metadata DBs.

``airflow db migrate`` costs about ten seconds of a core per Airflow home. The slow tests
start several homes (SQLite) and two PostgreSQL databases; each gets a copy of one DB that
``airflow db migrate`` made in this session, with this Airflow: the same schema and rows as a
migration of its own, at the cost of a file copy (SQLite) or ``CREATE DATABASE ... TEMPLATE``
(PostgreSQL). The demo CLI test keeps migrating a home of its own: that is what it tests.

Under pytest-xdist the workers share one SQLite template (made by the first worker to ask, under
a file lock); each worker that needs PostgreSQL starts one server for its session.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from airflow_quantum_emulator import demo

#: The DAGs folder of the migrating home: migration reads no DAG.
_NO_DAGS = "/nonexistent-dags-folder"
#: The PostgreSQL database ``airflow db migrate`` made on the session's server; the
#: deployments' databases are its copies (``CREATE DATABASE ... TEMPLATE``).
POSTGRES_TEMPLATE = "airflow_migrated"


def session_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory this test run's xdist workers share (the run's own base temp otherwise)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrated_sqlite_template(root: Path) -> Path:
    """A SQLite metadata DB migrated by ``airflow db migrate`` (made once per ``root``)."""
    home = root / f"migrated-sqlite-{metadata.version('apache-airflow')}"
    with _file_lock(root / ".migrated-sqlite.lock"):
        home.mkdir(exist_ok=True)
        env = demo.airflow_env(home, Path(_NO_DAGS), {})
        demo.migrate(env, home, home / "db-migrate.log")  # a no-op once done
    return home / "airflow.db"


def copy_sqlite_db(template: Path, home: Path) -> Path:
    """Give ``home`` its own copy of the migrated DB, as ``home/airflow.db``.

    ``demo.migrate`` then finds the home migrated by this Airflow and leaves it as it is.
    """
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, home / "airflow.db")
    shutil.copyfile(template.parent / ".migrated", home / ".migrated")
    return home / "airflow.db"


def migrate_postgres_template(server: Any, scratch: Path) -> None:
    """Create ``POSTGRES_TEMPLATE`` on ``server`` (a ``PostgresServer``) and migrate it."""
    server.create_database(POSTGRES_TEMPLATE)
    env = demo.airflow_env(scratch, Path(_NO_DAGS), {})
    env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = server.url(POSTGRES_TEMPLATE)
    demo.migrate(env, scratch, scratch / "db-migrate.log")
