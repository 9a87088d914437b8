"""Airflow deployments that several test modules share, stopped as soon as no test needs them.

A deployment costs about 30 s of CPU to start (four Airflow processes). Modules that can
honestly use the same one (same processes and DAGs, the emulator reset or reconfigured by each
module) share it: the first test to ask starts it, and it stops after the test whose next test
does not use it. A session-scoped fixture would instead keep its processes polling the
metadata DB on the cores the other slow tests need until the pytest worker ends.

``make test`` runs the sharing modules one after the other in one xdist worker
(tests/slow_lanes.py); in any other order each use still gets a running deployment: one
started again after it was stopped.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")
_RUNNING = pytest.StashKey[dict[str, tuple[contextlib.ExitStack, object]]]()


def shared(
    request: pytest.FixtureRequest, name: str, start: Callable[[contextlib.ExitStack], T]
) -> T:
    """The running deployment ``name``, started by ``start`` if none runs.

    ``start`` enters what the deployment needs into the stack it gets (the stack is closed if
    ``start`` fails). ``name`` must be the name of the fixture that calls this: a test whose
    fixtures do not include it is how the deployment knows it is no longer needed.
    """
    running = request.session.stash.setdefault(_RUNNING, {})
    if name not in running:
        stack = contextlib.ExitStack()
        with contextlib.ExitStack() as on_failure:
            on_failure.callback(stack.close)
            value = start(stack)
            on_failure.pop_all()
        running[name] = (stack, value)
    return running[name][1]  # type: ignore[return-value]


def stop_unused(session: pytest.Session, nextitem: pytest.Item | None) -> None:
    """Stop each running deployment that ``nextitem`` (None: no test left) does not use."""
    running = session.stash.get(_RUNNING, {})
    for name in list(running):
        if nextitem is None or name not in nextitem.fixturenames:
            stack, _ = running.pop(name)
            stack.close()
