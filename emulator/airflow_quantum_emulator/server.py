"""Run the emulator: in-process on a free port (tests) or in the foreground (CLI)."""

from __future__ import annotations

import asyncio
import signal
import socket
import threading
import time
from collections.abc import Callable
from types import FrameType, TracebackType

import uvicorn

from airflow_quantum_emulator.app import create_app
from airflow_quantum_emulator.config import EmulatorConfig
from airflow_quantum_emulator.sim.library import load, warm_up
from airflow_quantum_emulator.state import EmulatorState


class EmulatorServer:
    """The emulator served by uvicorn in a background thread.

    ``port=0`` picks a free port. ``stop()`` keeps the state, so ``start()`` again serves the
    same jobs on the same port (a service that was unreachable for a while). With
    ``ssl_certfile``/``ssl_keyfile`` it serves https (clients such as azure-identity refuse
    plain-http authorities)::

        with EmulatorServer() as emulator:
            requests.get(f"{emulator.url}/_emulator/stats")
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
        ssl_certfile: str | None = None,
        ssl_keyfile: str | None = None,
    ) -> None:
        self.state = EmulatorState(config)
        self.ssl_certfile = ssl_certfile
        self.ssl_keyfile = ssl_keyfile
        self.app = create_app(self.state)
        self.host = host
        self.port = port
        self.log_level = log_level
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8765`` (``https://`` when serving TLS)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "https" if self.ssl_certfile else "http"
        return f"{scheme}://{host}:{self.port}"

    @property
    def ibm_runtime_url(self) -> str:
        return f"{self.url}/api/v1"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 15.0) -> EmulatorServer:
        """Start serving; returns once the socket accepts connections.

        The first start in a process imports the simulator library first (seconds), so that no
        job waits for it.
        """
        if self.running:
            return self
        load()
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self.port,
            log_level=self.log_level,
            access_log=False,
            lifespan="off",
            timeout_keep_alive=30,
            backlog=4096,
            ssl_certfile=self.ssl_certfile,
            ssl_keyfile=self.ssl_keyfile,
        )
        server = uvicorn.Server(config)
        server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._server = server
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve()), name="airflow-quantum-emulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the emulator did not start on {self.host}:{self.port}")
            time.sleep(0.01)
        if self.port == 0:
            self.port = server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving (state is kept for a later ``start``)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._server = None
        self._thread = None

    def close(self) -> None:
        """Stop serving and release the worker threads."""
        self.stop()
        self.state.jobs.shutdown()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _ForegroundServer(uvicorn.Server):
    """Stops gracefully on SIGINT/SIGTERM and then exits normally.

    uvicorn re-raises the signal after a graceful shutdown, which ends the process "killed by
    signal"; an emulator stopped on purpose should exit 0 instead.
    """

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        else:
            self.should_exit = True


def serve_forever(
    state: EmulatorState,
    host: str,
    port: int,
    log_level: str = "warning",
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve in the foreground until SIGINT/SIGTERM (the CLI).

    The socket is bound before serving so that ``on_ready`` gets the real URL even for port 0.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(4096)  # connections made right after on_ready wait in the backlog
    bound_port = sock.getsockname()[1]
    warm_up()  # a process of its own serves jobs: load the simulator while clients connect
    server = _ForegroundServer(
        uvicorn.Config(
            create_app(state),
            host=host,
            port=bound_port,
            log_level=log_level,
            access_log=False,
            lifespan="off",
            backlog=4096,
        )
    )
    if on_ready is not None:
        shown_host = f"[{host}]" if ":" in host else host
        on_ready(f"http://{shown_host}:{bound_port}")
    try:
        server.run(sockets=[sock])
    finally:
        state.jobs.shutdown()
        sock.close()
