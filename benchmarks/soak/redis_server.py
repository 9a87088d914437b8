"""A throwaway Redis server on loopback: the Celery broker of the soak deployment.

The binary is Debian's ``redis-server`` (``.ci/run`` installs it). It keeps nothing on disk (no
RDB snapshots, no append-only file) and listens on ``127.0.0.1:<port>`` only, like the
PostgreSQL server of tests/reliability/postgres_support.py.
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
    "redis-server not found on PATH: install it with `apt-get install -y redis-server` "
    "(.ci/run does this on CI)"
)


def redis_binary() -> str:
    path = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").is_file() else None
    )
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
                raise RuntimeError(f"redis-server exited ({self.popen.returncode}); see log")
            if self.ping():
                return
            time.sleep(0.1)
        raise RuntimeError(f"redis-server did not answer within {timeout:g} s")

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
