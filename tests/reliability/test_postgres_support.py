"""Where the two-triggerer scenario's PostgreSQL comes from, and what it says without one."""

from __future__ import annotations

import pwd

import postgres_support
import pytest


def no_wheel(monkeypatch) -> None:
    monkeypatch.setattr(postgres_support, "wheel_bin_dirs", lambda: [])


def test_the_wheel_of_make_install_brings_the_newest_postgresql_it_ships():
    bin_dir = postgres_support.postgres_bin_dir()
    assert bin_dir == postgres_support.wheel_bin_dirs()[0]
    assert bin_dir.parent.name == "pginstall18"  # 18 before the wheel's 16 (pginstall)
    assert (bin_dir / "postgres").is_file()


def test_missing_binaries_fail_with_the_install_command(monkeypatch, tmp_path):
    no_wheel(monkeypatch)
    monkeypatch.setattr(postgres_support, "DEBIAN_ROOT", tmp_path)  # no <version>/bin below
    monkeypatch.setattr(postgres_support.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match=r"make install.*apt-get install -y postgresql"):
        postgres_support.postgres_bin_dir()


def test_without_the_wheel_the_newest_debian_version_is_used(monkeypatch, tmp_path):
    no_wheel(monkeypatch)
    for version in ("9", "15", "13"):
        bin_dir = tmp_path / version / "bin"
        bin_dir.mkdir(parents=True)
        for tool in ("initdb", "pg_ctl"):
            (bin_dir / tool).write_text("")
    monkeypatch.setattr(postgres_support, "DEBIAN_ROOT", tmp_path)
    monkeypatch.setattr(postgres_support.shutil, "which", lambda name: None)
    assert postgres_support.postgres_bin_dir() == tmp_path / "15" / "bin"


def test_under_root_the_server_runs_as_postgres_or_else_nobody(monkeypatch):
    real = pwd.getpwnam

    def without_postgres(name: str) -> pwd.struct_passwd:
        if name == "postgres":
            raise KeyError(name)
        return real(name)

    monkeypatch.setattr(postgres_support.pwd, "getpwnam", without_postgres)
    assert postgres_support.server_user().pw_name == "nobody"
