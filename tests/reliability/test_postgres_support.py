"""Without PostgreSQL's server binaries the two-triggerer scenario fails saying how to fix it."""

from __future__ import annotations

import postgres_support
import pytest


def test_missing_binaries_fail_with_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setattr(postgres_support, "DEBIAN_ROOT", tmp_path)  # no <version>/bin below
    monkeypatch.setattr(postgres_support.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match=r"apt-get install -y postgresql"):
        postgres_support.postgres_bin_dir()


def test_binaries_are_found_in_the_newest_debian_version(monkeypatch, tmp_path):
    for version in ("9", "15", "13"):
        bin_dir = tmp_path / version / "bin"
        bin_dir.mkdir(parents=True)
        for tool in ("initdb", "pg_ctl"):
            (bin_dir / tool).write_text("")
    monkeypatch.setattr(postgres_support, "DEBIAN_ROOT", tmp_path)
    monkeypatch.setattr(postgres_support.shutil, "which", lambda name: None)
    assert postgres_support.postgres_bin_dir() == tmp_path / "15" / "bin"
