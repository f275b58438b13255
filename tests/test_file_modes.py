"""Files holding secrets are written readable by their owner only (0600)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from planner import create_app
from planner.db import get_engine, upgrade_database

ROOT = Path(__file__).resolve().parent.parent


def _sqlite_app(folder: Path):
    """An app on a SQLite file in *folder*, even when the suite runs against PostgreSQL."""
    url = f"sqlite:///{folder / 'planner.sqlite3'}"
    return create_app({"TESTING": True, "INSTANCE_PATH": str(folder), "DATABASE_URL": url})


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_database_and_its_journal_are_private(tmp_path) -> None:
    app = _sqlite_app(tmp_path)
    upgrade_database(app)
    with get_engine(app).connect() as conn:
        conn.exec_driver_sql("SELECT 1")
        files = sorted(tmp_path.glob("planner.sqlite3*"))
        assert {"planner.sqlite3", "planner.sqlite3-shm"} <= {p.name for p in files}
        assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}
    get_engine(app).dispose()


def test_a_database_left_world_readable_is_tightened(tmp_path) -> None:
    app = _sqlite_app(tmp_path)
    upgrade_database(app)
    get_engine(app).dispose()
    database = tmp_path / "planner.sqlite3"
    database.chmod(0o644)
    with get_engine(app).connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    get_engine(app).dispose()
    assert _mode(database) == 0o600


def test_make_writes_instance_config_private(tmp_path) -> None:
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        ["make", "-f", str(ROOT / "Makefile"), f"BIN={bin_dir}", "instance/config.py"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    config = tmp_path / "instance" / "config.py"
    assert config.read_text().startswith("SECRET_KEY = ")
    assert _mode(config) == 0o600
