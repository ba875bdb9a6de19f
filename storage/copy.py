"""Copy a whole Loket database to another one (`loket db copy`): SQLite to PostgreSQL when an
office outgrows one process, or back.

Both ends are at the migrations' head: the source must already be there (copying an older
schema would need its own migration path), the target is migrated first and must be empty.
Rows go through the models' own column types (UTC datetimes, JSON, booleans), so what the
app reads on the target is what it read on the source.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import SQLModel

import storage.models  # noqa: F401 - registers every table on SQLModel.metadata
from storage.db import make_engine
from storage.migrate import require_current, upgrade

BATCH_ROWS = 500
DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")


class CopyError(Exception):
    """Why the copy cannot be done, in one line for the operator."""


@dataclass
class CopyReport:
    tables: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def check_url(url: str, which: str) -> None:
    """One line for a URL that cannot name a Loket database, before anything connects."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise CopyError(f"{which}: {url!r} is not a database URL") from None
    if parsed.drivername not in DRIVERS:
        raise CopyError(
            f"{which}: use sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/db, "
            f"not {parsed.drivername}://"
        )
    if parsed.drivername.startswith("sqlite") and parsed.database in (None, "", ":memory:"):
        raise CopyError(f"{which}: a SQLite URL needs a file (sqlite+aiosqlite:///path.db)")


def _tables() -> list[sa.Table]:
    # sorted_tables orders them so every table comes after the tables its foreign keys name.
    return list(SQLModel.metadata.sorted_tables)


async def _count(conn: AsyncConnection, table: sa.TableClause) -> int:
    return int((await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one())


async def _copy_table(
    source: AsyncConnection, target: AsyncConnection, table: sa.Table, batch: int
) -> int:
    """Keyset pages in primary-key order: memory stays at one batch whatever the table's size."""
    (key,) = table.primary_key.columns
    copied = 0
    last: Any = None
    while True:
        query = sa.select(table).order_by(key).limit(batch)
        if last is not None:
            query = query.where(key > last)
        rows = [dict(row) for row in (await source.execute(query)).mappings()]
        if not rows:
            return copied
        await target.execute(table.insert(), rows)
        copied += len(rows)
        last = rows[-1][key.name]


async def _reset_sequences(target: AsyncConnection, tables: list[sa.Table]) -> None:
    """Explicit ids leave PostgreSQL's sequences at 1: the next insert would collide."""
    for table in tables:
        (key,) = table.primary_key.columns
        if not isinstance(key.type, sa.Integer) or key.autoincrement is False:
            continue
        name = table.name
        await target.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{name}', '{key.name}'), "
                f'COALESCE(MAX("{key.name}"), 1), MAX("{key.name}") IS NOT NULL) FROM "{name}"'
            )
        )


def _hidden(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@contextlib.asynccontextmanager
async def _reaching(which: str, url: str) -> AsyncIterator[None]:
    """A database that cannot be opened becomes one CopyError line that names it."""
    try:
        yield
    except (SQLAlchemyError, OSError) as exc:
        raise CopyError(f"cannot open the {which} database {_hidden(url)}: {_first(exc)}") from None


def _first(exc: BaseException) -> str:
    """The first line of a database error, without SQLAlchemy's statement dump."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return reason[0] if reason else type(exc).__name__


async def _refuse_filled(engine: AsyncEngine) -> None:
    """CopyError when any table of the target (Loket's or not) holds a row."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database or ""
        if not await asyncio.to_thread(Path(database).exists):
            return  # upgrade creates it (its folder must exist)

    def names(conn: sa.Connection) -> list[str]:
        return [n for n in sa.inspect(conn).get_table_names() if n != "alembic_version"]

    async with engine.connect() as conn:
        for name in await conn.run_sync(names):
            found = await _count(conn, sa.table(name))
            if found:
                raise CopyError(
                    f"--to database is not empty ({name} has {found} row(s)): "
                    "copy into a new, empty database"
                )


async def copy_database(
    source_url: str,
    target_url: str,
    *,
    batch: int = BATCH_ROWS,
    progress: Callable[[str, int], None] | None = None,
) -> CopyReport:
    """Copy every table of ``source_url`` into the empty ``target_url``; all or nothing on the
    target (one transaction). Raises CopyError, SchemaBehindError, or the driver's error when a
    database cannot be reached (the CLI turns each into one line)."""
    check_url(source_url, "--from")
    check_url(target_url, "--to")
    if make_url(source_url) == make_url(target_url):
        raise CopyError("--from and --to are the same database")
    source = make_engine(source_url)
    target = make_engine(target_url)
    try:
        async with _reaching("--from", source_url):
            await require_current(source)
        async with _reaching("--to", target_url):
            # Refused before migrating: a database that holds data is not touched at all.
            await _refuse_filled(target)
            await upgrade(target)
        tables = _tables()
        report = CopyReport()
        async with source.connect() as src:
            if source.dialect.name == "postgresql":
                # One snapshot for every table: rows written meanwhile cannot half-appear.
                src = await src.execution_options(isolation_level="REPEATABLE READ")
            async with src.begin(), target.begin() as dst:
                for table in tables:
                    found = await _count(dst, table)
                    if found:
                        raise CopyError(
                            f"--to database is not empty ({table.name} has {found} row(s)): "
                            "copy into a new, empty database"
                        )
                for table in tables:
                    try:
                        report.tables[table.name] = await _copy_table(src, dst, table, batch)
                    except SQLAlchemyError as exc:
                        # E.g. a value too long for PostgreSQL's VARCHAR(n) that SQLite kept:
                        # one line; leaving the block rolls the whole copy back.
                        raise CopyError(f"copying {table.name} failed: {_first(exc)}") from None
                    if progress is not None:
                        progress(table.name, report.tables[table.name])
                if target.dialect.name == "postgresql":
                    await _reset_sequences(dst, tables)
        return report
    finally:
        await source.dispose()
        await target.dispose()


async def table_counts(engine: AsyncEngine) -> dict[str, int]:
    """Rows per table, for comparing a copy with its source."""
    async with engine.connect() as conn:
        return {table.name: await _count(conn, table) for table in _tables()}
