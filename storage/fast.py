"""The per-message statements, run straight on SQLite's connection when the app runs on SQLite.

Every message handled costs a handful of small statements (take the inbox row, read the
citizen, write the transcript and the outbox row). SQLite runs each in a few microseconds;
SQLAlchemy's execution around it (cache key, execution context, parameter and result
processing, the greenlet hop of its asyncio layer) costs 60-170 µs, which made it most of
loket's CPU per message. Here a Core statement is compiled once with SQLAlchemy for the
session's dialect, with SQLAlchemy's own type processors for its parameters and result
columns, and then executed on the sqlite3 connection that the session's transaction holds,
so it commits or rolls back with everything else the session does.

Anything else (PostgreSQL, or an aiosqlite/SQLAlchemy whose private parts storage.db leans on
have moved) runs the same statement through SQLAlchemy, with the same results.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import aiosqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement, Insert
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import _inline, _OneCallConnection

# session.info key: (the session's transaction, its aiosqlite connection).
_RAW = "loket.raw_sqlite"

_Processor = Callable[[Any], Any] | None


class _Plan:
    __slots__ = ("binds", "literals", "names", "results", "sql")

    def __init__(self, stmt: ClauseElement, dialect: Dialect, keys: Sequence[str] | None) -> None:
        compiled = stmt.compile(dialect=dialect, column_keys=list(keys) if keys else None)
        if (
            compiled.positiontup is None
            or compiled.insert_prefetch
            or "POSTCOMPILE" in compiled.string
        ):
            # Statements whose SQL or values SQLAlchemy completes per execution (IN lists,
            # Python-side column defaults) are not for this path.
            raise ValueError("only one fixed SQL text with positional parameters")
        self.sql = compiled.string
        self.names: list[str] = list(compiled.positiontup)
        # Values the statement carries itself ("pending", ...); the rest come with each call.
        self.literals = {
            name: bind.value for name, bind in compiled.binds.items() if not bind.required
        }
        self.binds: list[_Processor] = [
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in self.names
        ]
        # A SELECT's columns, or what an INSERT/UPDATE returns (nothing without RETURNING).
        columns = stmt.exported_columns  # type: ignore[attr-defined]
        self.results: list[_Processor] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]

    def parameters(self, params: dict[str, Any]) -> list[Any]:
        values = []
        for name, process in zip(self.names, self.binds, strict=True):
            value = params[name] if name in params else self.literals[name]
            values.append(process(value) if process is not None else value)
        return values

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            process(value) if process is not None else value
            for process, value in zip(self.results, raw, strict=True)
        )


class Result:
    """Rows (processed like SQLAlchemy's) and the row count of one execution."""

    __slots__ = ("rowcount", "rows")

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self.rows = rows
        self.rowcount = rowcount

    def first(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None


async def raw_connection(session: AsyncSession) -> aiosqlite.Connection | None:
    """The aiosqlite connection of the session's transaction (begun if need be), or None when
    statements must go through SQLAlchemy (not SQLite, or the one-call connection is off)."""
    cached = session.info.get(_RAW)
    if cached is not None:
        tx = session.sync_session.get_transaction()
        if cached[0] is tx and tx is not None and tx.is_active:
            return cached[1]
    conn = await session.connection()
    dbapi = conn.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
    if not isinstance(dbapi, _OneCallConnection):
        session.info[_RAW] = (session.sync_session.get_transaction(), None)
        return None
    aio: aiosqlite.Connection = dbapi._connection
    session.info[_RAW] = (session.sync_session.get_transaction(), aio)
    return aio


class FastStatement:
    """A Core statement run on SQLite's connection directly (see the module's docstring).

    An INSERT without values takes its columns from each call's parameters, as SQLAlchemy's
    executions do: one plan per set of keys (the per-message INSERTs always pass the same)."""

    def __init__(self, stmt: ClauseElement) -> None:
        self.stmt = stmt
        self._columns_from_params = isinstance(stmt, Insert)
        self._plans: dict[tuple[str, tuple[str, ...] | None], _Plan] = {}

    def _plan(self, dialect: Dialect, params: dict[str, Any]) -> _Plan:
        keys = tuple(params) if self._columns_from_params else None
        plan = self._plans.get((dialect.name, keys))
        if plan is None:
            plan = self._plans[(dialect.name, keys)] = _Plan(self.stmt, dialect, keys)
        return plan

    async def run(self, session: AsyncSession, params: dict[str, Any]) -> Result:
        aio = await raw_connection(session)
        if aio is None:
            conn = await session.connection()
            result = await conn.execute(self.stmt, params)
            rows = [tuple(r) for r in result.all()] if result.returns_rows else []
            return Result(rows, result.rowcount)
        plan = self._plan(session.bind.dialect, params)
        values = plan.parameters(params)
        raw = aio._conn

        def call() -> tuple[list[Any], int]:
            cursor = raw.execute(plan.sql, values)
            try:
                return cursor.fetchall(), cursor.rowcount
            finally:
                cursor.close()

        fetched, rowcount = await _inline(aio, call)
        return Result([plan.row(r) for r in fetched], rowcount)
