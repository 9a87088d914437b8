"""The machine a benchmark ran on, read at run time."""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version
from typing import Any


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gb() -> float | None:
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return None


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def describe() -> dict[str, Any]:
    """Cores, RAM, CPU model, load, OS, Python and the versions that matter."""
    return {
        "cores": os.cpu_count(),
        "ram_gb": _ram_gb(),
        "cpu_model": _cpu_model(),
        "load_average": os.getloadavg(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "airflow": _version("apache-airflow"),
        "airflow_quantum": _version("airflow-quantum"),
        "httpx": _version("httpx"),
    }
