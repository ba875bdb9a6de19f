"""A rolling upgrade migrates the database before the replicas restart on the new version; an
old replica (or an old `loket db upgrade`) started after that must say so in one line, not
crash with Alembic's traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from storage.db import make_engine
from storage.migrate import upgrade

REPO = Path(__file__).resolve().parent.parent


def loket(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LOKET_")}
    env = {
        **base,
        "PYTHONPATH": str(REPO),
        "LOKET_TELEGRAM__TOKEN": "123456:TEST-token",
        # Nothing listens there: the run must stop before it tries the Bot API.
        "LOKET_TELEGRAM__API_BASE": "http://127.0.0.1:9",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=cwd,
    )


async def test_database_of_a_newer_version_is_one_line_for_run_and_upgrade(
    tmp_path: Path,
) -> None:
    db = tmp_path / "loket.db"
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    await upgrade(engine)
    await engine.dispose()
    with sqlite3.connect(db) as conn:
        # As if a newer release's migration had run (its revision is unknown here).
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    (tmp_path / "bot.toml").write_text(f'[database]\nurl = "sqlite+aiosqlite:///{db}"\n')
    for args in (("db", "upgrade"), ("run",)):
        result = loket(*args, cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("loket: database schema is at 9999, newer than this version"), last
        assert last.endswith("run the newer version")
        assert "Traceback" not in result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("9999",)]
