"""What the provider's wheel holds, and what it leaves to the emulator's own distribution.

Providers ship no test doubles (moto is a distribution of its own): the provider's wheel holds no
emulator, no demo and no console script; ``airflow-quantum-emulator`` (emulator/) holds them and
installs without Airflow or the provider.
"""

from __future__ import annotations

import email
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _uv() -> str:
    beside = Path(sys.executable).with_name("uv")
    found = str(beside) if beside.exists() else shutil.which("uv")
    if not found:
        pytest.skip("uv is not installed")
    return found


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> dict[str, zipfile.ZipFile]:
    out = tmp_path_factory.mktemp("wheels")
    for source in (ROOT, ROOT / "emulator"):
        subprocess.run(
            [_uv(), "build", "--wheel", "--quiet", "--out-dir", str(out), str(source)],
            check=True,
            capture_output=True,
            timeout=120,
        )
    (provider,) = out.glob("airflow_quantum-*.whl")
    (emulator,) = out.glob("airflow_quantum_emulator-*.whl")
    return {"provider": zipfile.ZipFile(provider), "emulator": zipfile.ZipFile(emulator)}


def _dist_info(wheel: zipfile.ZipFile, name: str) -> str:
    (path,) = [n for n in wheel.namelist() if n.endswith(f".dist-info/{name}")]
    return wheel.read(path).decode()


def test_the_provider_wheel_holds_no_emulator_demo_or_console_script(wheels):
    names = wheels["provider"].namelist()
    assert "airflow_quantum/get_provider_info.py" in names
    ours = [n for n in names if n.startswith("airflow_quantum/")]
    assert not [n for n in ours if n.startswith("airflow_quantum/emulator/")]
    assert not [n for n in ours if "demo" in n or n == "airflow_quantum/cli.py"]
    assert not [n for n in names if n.startswith("airflow_quantum_emulator/")]
    assert not [n for n in ours if "emulator" in n]
    entry_points = _dist_info(wheels["provider"], "entry_points.txt")
    assert "console_scripts" not in entry_points
    assert "apache_airflow_provider" in entry_points


def test_the_provider_needs_none_of_the_emulators_packages(wheels):
    metadata = email.message_from_string(_dist_info(wheels["provider"], "METADATA"))
    required = [r for r in metadata.get_all("Requires-Dist") or [] if "extra ==" not in r]
    assert required
    for emulator_only in ("numpy", "fastapi", "uvicorn", "pyqir", "airflow-quantum-emulator"):
        assert not [r for r in required if r.startswith(emulator_only)], required


def test_the_emulator_wheel_holds_the_emulator_the_demo_and_its_command(wheels):
    names = set(wheels["emulator"].namelist())
    for module in ("__init__", "server", "config", "cli", "demo", "demo_render", "sim/qasm"):
        assert f"airflow_quantum_emulator/{module}.py" in names
    assert not [n for n in names if n.startswith("airflow_quantum/")]
    entry_points = _dist_info(wheels["emulator"], "entry_points.txt")
    assert "airflow-quantum-emulator = airflow_quantum_emulator.cli:main" in entry_points
    metadata = email.message_from_string(_dist_info(wheels["emulator"], "METADATA"))
    required = [r for r in metadata.get_all("Requires-Dist") or [] if "extra ==" not in r]
    assert not [r for r in required if r.startswith(("apache-airflow", "airflow-quantum"))]


def test_every_emulator_module_imports_without_airflow_or_the_provider():
    """``make test-official`` installs the emulator where no Airflow is: it must not need it."""
    code = (
        "import sys, pkgutil, importlib\n"
        "for blocked in ('airflow', 'airflow_quantum'): sys.modules[blocked] = None\n"
        "import airflow_quantum_emulator as package\n"
        "for info in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "    if info.name != 'airflow_quantum_emulator.__main__':\n"
        "        importlib.import_module(info.name)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
