"""Run the Alembic migrations programmatically (``loket db upgrade`` and ``loket run``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        # env.py picks the live connection up instead of building its own engine.
        cfg.attributes["connection"] = connection
    return cfg


class SchemaAheadError(Exception):
    """The database was migrated by a newer version of Loket than this one (a replica of the
    old version started after a rolling upgrade's migration): it cannot run on that schema."""


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config(connection)
    script = ScriptDirectory.from_config(config)
    current = MigrationContext.configure(connection).get_current_heads()
    known = {rev.revision for rev in script.walk_revisions()}
    unknown = [rev for rev in current if rev not in known]
    if unknown:
        raise SchemaAheadError(
            f"database schema is at {', '.join(unknown)}, newer than this version "
            f"(its migrations end at {', '.join(script.get_heads())}): run the newer version"
        )
    command.upgrade(config, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe to call on every start."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several replicas may start at once: only one migrates, the others wait for it.
            await conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7447281)")
        await conn.run_sync(_upgrade, revision)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


class SchemaBehindError(Exception):
    """The database's schema is not the one this code's migrations end at (an empty or older
    database): read-only commands say so instead of migrating it behind the operator's back."""


class DatabaseMissingError(SchemaBehindError):
    """The SQLite file does not exist yet (`loket db upgrade` or `loket run` creates it)."""


def _revisions(connection: Connection) -> tuple[set[str], set[str]]:
    current = set(MigrationContext.configure(connection).get_current_heads())
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    return current, heads


async def require_current(engine: AsyncEngine) -> None:
    """Raise SchemaBehindError unless the database is at the migrations' head; migrates nothing.

    A SQLite file that does not exist is not created: it is reported as empty."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not await asyncio.to_thread(Path(str(url.database)).exists):
            raise DatabaseMissingError(f"database {url.database} does not exist")
    async with engine.connect() as conn:
        current, heads = await conn.run_sync(_revisions)
    if current != heads:
        at = ", ".join(sorted(current)) or "empty"
        raise SchemaBehindError(
            f"database schema is at {at}, this version needs {', '.join(sorted(heads))}"
        )
