"""Headless Chromium driving the Airflow UI as a user would: log in, click, take screenshots.

The Airflow processes are those of the reliability tests' harness (``AirflowDeployment``),
re-exported here. The browser is Debian's ``chromium`` (``/usr/bin/chromium``), driven by
Playwright's Python package; Playwright never downloads a browser of its own here. Screenshots
go to ``test-artifacts/ui/`` at the repository root (gitignored), so a person can look at what
the test saw.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import BrowserContext, Locator, Page, sync_playwright

from airflow_quantum_emulator import EmulatorConfig

# The deployment harness of the reliability tests starts the Airflow processes; reuse it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reliability"))
from reliability_support import (
    ADMIN,
    AirflowDeployment,
    deployment_env,
    free_port,
    wait_for,
)

__all__ = ["ADMIN", "AirflowDeployment", "deployment_env", "free_port", "wait_for"]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_DAGS = ROOT / "example_dags"
#: The example DAGs whose runs the UI tests open, and their quantum tasks (they have the link;
#: the first of each DAG is the one whose link is clicked).
UI_TASKS = [
    ("example_ibm_quantum_sampler", "sample_bell"),
    ("example_azure_quantum_quantinuum", "bell_openqasm"),
    ("example_azure_quantum_quantinuum", "bell_qir"),
    ("example_azure_quantum_quantinuum", "estimate"),
]
#: Jobs stay queued until a test finishes them (``/_emulator/jobs/{id}/finish``).
UI_EMULATOR = EmulatorConfig(queue_seconds=3600.0, run_seconds=0.2, seed=7)
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "ui"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Long enough for a first page load on a busy two-core machine.
TIMEOUT_MS = 30_000


@contextmanager
def chromium(user_data_dir: Path) -> Iterator[BrowserContext]:
    """A fresh Chromium profile in ``user_data_dir``, closed (and the process ended) on exit."""
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(user_data_dir),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1400, "height": 1000},
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    """Sign in through the simple auth manager's login page, as a user does."""
    page.goto(f"{base_url}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Admin").wait_for()


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as ``test-artifacts/ui/<name>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def form_field(page: Page, label: str) -> Locator:
    """The field group of a form (Chakra ``role=group``) whose label reads exactly ``label``."""
    exact = re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$")
    return page.get_by_role("group").filter(has=page.locator("label").filter(has_text=exact))
