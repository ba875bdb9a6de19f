"""Async engine and session factory. Nothing here runs at import time."""

from __future__ import annotations

import asyncio
import inspect
import logging
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.util.concurrency import await_
from sqlmodel.ext.asyncio.session import AsyncSession

SQLITE_BUSY_TIMEOUT_MS = 5000

_log = logging.getLogger(__name__)


_T = TypeVar("_T")


def _is_busy(exc: sqlite3.Error) -> bool:
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


async def _inline(conn: aiosqlite.Connection, fn: Callable[[], _T]) -> _T:
    """Run ``fn`` on the sqlite3 connection from the event loop's thread, and only when the
    database is busy in aiosqlite's thread, where waiting for the lock blocks nothing else.

    A trip to aiosqlite's thread and back (queue, wake-up, GIL hand-over, future) costs
    several times what SQLite takes for loket's small statements. The app's connections have
    no busy timeout, so a statement that would wait fails at once with SQLITE_BUSY (having
    done nothing); it is then run again in the thread with the usual timeout, which is what
    SQLite's busy handler would have done. Safe because a connection is used by one
    statement at a time: nothing runs in its thread while we run it here.
    """
    try:
        return fn()
    except sqlite3.OperationalError as exc:
        if not _is_busy(exc):
            raise
    raw = conn._conn

    def waiting() -> _T:
        raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        try:
            return fn()
        finally:
            raw.execute("PRAGMA busy_timeout=0")

    return await conn._execute(waiting)


class _OneCallCursor:
    """An aiosqlite cursor whose statement runs as one call, on the event loop (see _inline).

    aiosqlite makes each of cursor(), execute(), fetchall() and close() a trip to its thread
    and back; for loket's small statements those trips cost far more CPU than SQLite does.
    Here execute() opens, runs, fetches and closes a sqlite3 cursor in one call.
    """

    arraysize = 1

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._rows: list[Any] = []
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def _run(self, method: str, sql: str, params: Any) -> None:
        raw = self._conn._conn

        def call() -> tuple[Any, list[Any], int, int | None]:
            cursor = raw.cursor()
            try:
                getattr(cursor, method)(sql, params)
                rows = cursor.fetchall() if cursor.description else []
                return cursor.description, rows, cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        self.description, self._rows, self.rowcount, self.lastrowid = await _inline(
            self._conn, call
        )

    async def execute(self, sql: str, params: Any = ()) -> None:
        await self._run("execute", sql, params)

    async def executemany(self, sql: str, params: Any) -> None:
        await self._run("executemany", sql, params)

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    def close(self) -> None:
        self._rows = []


class _OneCallAdaptCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()
    _awaitable_cursor_close = False  # close() above is plain: nothing to release in the thread

    def _make_new_cursor(self, connection: Any) -> Any:
        return _OneCallCursor(connection)

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor


class _OneCallConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = _OneCallAdaptCursor

    # COMMIT and ROLLBACK on the event loop too (see _inline); called in SQLAlchemy's greenlet.
    def commit(self) -> None:
        if self._connection._connection:
            raw = self._connection._conn
            await_(_inline(self._connection, raw.commit))  # type: ignore[arg-type]  # raw connection; goes (item 2)

    def rollback(self) -> None:
        if self._connection._connection:
            raw = self._connection._conn
            await_(_inline(self._connection, raw.rollback))  # type: ignore[arg-type]  # raw connection; goes (item 2)


def _one_call_fits(dbapi_conn: Any) -> bool:
    """The one-call cursor leans on private parts of aiosqlite and SQLAlchemy's adapter; where
    a library upgrade moved them, keep the libraries' own (slower) cursors instead."""
    inner = getattr(dbapi_conn, "_connection", None)
    return (
        isinstance(inner, aiosqlite.Connection)
        and callable(getattr(inner, "_execute", None))
        and hasattr(inner, "_conn")
        and hasattr(AsyncAdapt_aiosqlite_cursor, "_make_new_cursor")
    )


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    busy_timeout = SQLITE_BUSY_TIMEOUT_MS
    if type(dbapi_conn) is AsyncAdapt_aiosqlite_connection and _one_call_fits(dbapi_conn):
        # Same object and state, cheaper cursors (the class only swaps the cursor type).
        dbapi_conn.__class__ = _OneCallConnection
        busy_timeout = 0  # _inline waits for a busy database in aiosqlite's thread instead
    # WAL lets the sender read while a handler writes; busy_timeout makes a writer wait for the
    # lock instead of failing at once with "database is locked".
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_reset(dbapi_conn: Any, _record: Any, state: Any) -> None:
    """The pool's reset of a returned connection: roll back only a transaction still open.

    SQLAlchemy rolls back every connection that comes back to the pool, also after the
    session's COMMIT already ended its transaction (or a read never began one): a wasted trip
    to aiosqlite's thread per transaction. sqlite3 knows whether one is open.
    """
    if not state.asyncio_safe:
        return  # collected without a proper return: nothing may be awaited (as SQLAlchemy does)
    inner = getattr(getattr(dbapi_conn, "_connection", None), "_conn", None)
    if getattr(inner, "in_transaction", True):
        dbapi_conn.rollback()


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Build the engine for a sqlite+aiosqlite or postgresql+asyncpg URL."""
    if url.startswith("sqlite"):
        # The returned connection's rollback is left to _sqlite_reset.
        # check_same_thread=False: the connection is made in aiosqlite's thread and used from
        # the event loop's as well (one statement at a time; see _inline).
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args={"timeout": 30, "check_same_thread": False},
            pool_reset_on_return=None,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "reset", _sqlite_reset)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: DTOs are read after the commit that ends the use case.
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


class _GatedSession:
    def __init__(self, factory: async_sessionmaker[AsyncSession], gate: asyncio.Lock) -> None:
        self._factory = factory
        self._gate = gate
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> AsyncSession:
        await self._gate.acquire()
        try:
            self._session = self._factory()
            return await self._session.__aenter__()
        except BaseException:
            self._gate.release()
            raise

    async def __aexit__(self, *exc: Any) -> None:
        try:
            assert self._session is not None
            await self._session.__aexit__(*exc)
        finally:
            self._gate.release()


class SerializedSessions:
    """Sessions that take turns, for SQLite inside one process.

    SQLite has one writer at a time; when several transactions collide, its busy handler
    sleeps and retries with growing pauses, which under a burst starves some writers for
    seconds and can end in "database is locked". Queuing sessions in the process (a FIFO
    asyncio lock) gives the same one-at-a-time writes without the sleeping. A session must not
    be opened while the same task holds another one.
    """

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory
        self._gate = asyncio.Lock()

    def __call__(self) -> _GatedSession:
        return _GatedSession(self._factory, self._gate)


def make_app_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The app's session factory: serialized on SQLite, plain on PostgreSQL (row locks)."""
    factory = make_sessionmaker(engine)
    if engine.dialect.name == "sqlite":
        # Not a subclass, but called the same way: what the app needs of a sessionmaker.
        return SerializedSessions(factory)  # type: ignore[return-value]
    return factory


_SHARED = "loket.shared_transaction"


class SharedTransaction:
    """Several updates handled in one transaction: one commit (one WAL write on SQLite) for all.

    The inbox worker opens the session, joins it, runs each update's handler in it and commits
    once; use cases then leave the commit to it (``commit_work``), and what they wanted done
    after their commit runs after that one. If any update fails, the worker rolls the whole
    transaction back and handles the updates one by one, each in its own.
    """

    def __init__(self) -> None:
        self.then: list[Callable[[], Any]] = []  # plain calls, or ones returning an awaitable

    def join(self, session: AsyncSession) -> None:
        session.info[_SHARED] = self

    @staticmethod
    def of(session: AsyncSession) -> SharedTransaction | None:
        return session.info.get(_SHARED)

    async def committed(self) -> None:
        await run_after_commit(self.then)


async def run_after_commit(calls: Sequence[Callable[[], Any]]) -> None:
    """Make the calls use cases asked for after their commit. The work is committed: a call
    that fails (a lost button answer is cosmetic) is logged, not raised."""
    for call in calls:
        try:
            result = call()
            # aiogram's methods (query.answer()) are awaitables, not coroutines.
            if inspect.isawaitable(result):
                await result
        except Exception:
            _log.warning("a call after a commit failed", exc_info=True)


async def commit_work(session: AsyncSession, then: Callable[[], Any] | None = None) -> None:
    """End a use case: commit and call ``then``, or inside a shared transaction leave both to
    the transaction's owner."""
    shared = SharedTransaction.of(session)
    if shared is None:
        await session.commit()
        if then is not None:
            then()
    elif then is not None:
        shared.then.append(then)
