"""Read-only commands (`register`, `faq gaps`, `config check`) never migrate the database: on a
schema behind this version they say "run `loket db upgrade`" in one line and change nothing."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from storage.db import make_engine
from storage.migrate import alembic_config, current_revision, upgrade
from tests.test_cli import loket

SCRIPTS = ScriptDirectory.from_config(alembic_config())
HEAD = SCRIPTS.get_current_head()
READ_ONLY = (
    ("register", "requests"),
    ("register", "objections"),
    ("faq", "gaps"),
    ("config", "check"),
    ("report", "year", "2026"),
)


def migrate(path: Path, revision: str) -> None:
    async def go() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        try:
            await upgrade(engine, revision)
        finally:
            await engine.dispose()

    asyncio.run(go())


def revision_of(path: Path) -> str | None:
    async def go() -> str | None:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        try:
            return await current_revision(engine)
        finally:
            await engine.dispose()

    return asyncio.run(go())


# A configuration `loket config check` has nothing to warn about, so stderr shows only the
# database's problems.
COMPLETE = {
    "LOKET_TELEGRAM__TOKEN": "123456:AAHfakefakefakefakefakefakefakefake",
    "LOKET_TELEGRAM__STAFF_GROUP_ID": "-1001234567890",
    "LOKET_STAFF__OFFICERS": "111",
    "LOKET_STAFF__COORDINATORS": "222",
}


def env_for(path: Path) -> dict[str, str]:
    return {**COMPLETE, "LOKET_DATABASE__URL": f"sqlite+aiosqlite:///{path}"}


@pytest.mark.parametrize("command", READ_ONLY, ids=" ".join)
def test_up_to_date_database_is_read(tmp_path: Path, command: tuple[str, ...]) -> None:
    db = tmp_path / "loket.db"
    migrate(db, "head")
    result = loket(*command, env=env_for(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "loket db upgrade" not in result.stdout
    if command[0] == "register":
        assert result.stdout.startswith("No. Registrasi")  # the header, and no rows
        assert len(result.stdout.strip().splitlines()) == 1
    assert revision_of(db) == HEAD


@pytest.mark.parametrize("command", READ_ONLY, ids=" ".join)
def test_older_schema_is_not_migrated(tmp_path: Path, command: tuple[str, ...]) -> None:
    db = tmp_path / "loket.db"
    older = SCRIPTS.get_revision(HEAD).down_revision
    assert isinstance(older, str)
    migrate(db, older)
    result = loket(*command, env=env_for(db), cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0] == (
        f"loket: database schema is at {older}, this version needs {HEAD}: run `loket db upgrade`"
    )
    assert revision_of(db) == older


@pytest.mark.parametrize("command", READ_ONLY, ids=" ".join)
def test_empty_database_is_not_migrated(tmp_path: Path, command: tuple[str, ...]) -> None:
    db = tmp_path / "loket.db"
    sqlite3.connect(db).close()  # an empty SQLite file: no tables at all
    result = loket(*command, env=env_for(db), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"loket: database schema is at empty, this version needs {HEAD}: run `loket db upgrade`"
    )
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []


@pytest.mark.parametrize("command", [c for c in READ_ONLY if c[0] != "config"], ids=" ".join)
def test_missing_database_is_not_created(tmp_path: Path, command: tuple[str, ...]) -> None:
    db = tmp_path / "nope.db"
    result = loket(*command, env=env_for(db), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == f"loket: database {db} does not exist: run `loket db upgrade`"
    assert not db.exists()


def test_config_check_on_a_new_install_notes_the_missing_database(tmp_path: Path) -> None:
    # Before the first `loket run` there is no database yet: that is not a config problem.
    db = tmp_path / "nope.db"
    result = loket("config", "check", env=env_for(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        f"database {db} does not exist yet: `loket db upgrade` or `loket run` creates it"
    )
    assert not db.exists()


def test_config_check_names_an_unreachable_database_in_one_line(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://loket@127.0.0.1:9/loket"  # nothing listens on port 9
    result = loket("config", "check", env={**COMPLETE, "LOKET_DATABASE__URL": url}, cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("loket: cannot open the database (database.url): ")
