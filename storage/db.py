"""Async engine and session factory. Nothing here runs at import time."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

SQLITE_BUSY_TIMEOUT_MS = 5000

_log = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """Set on every new SQLite connection (SQLAlchemy's public "connect" event, DB-API cursor).

    WAL lets the sender read while a handler writes; busy_timeout makes a writer wait for the
    lock instead of failing at once with "database is locked"; foreign keys are off in SQLite
    unless asked for; synchronous=NORMAL is WAL's usual setting (a power cut may lose the last
    commits, never corrupt the database)."""
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Build the engine for a sqlite+aiosqlite or postgresql+asyncpg URL."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
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
    seconds and can end in "database is locked". And a transaction that read first and then
    writes while another wrote meanwhile fails at once (SQLITE_BUSY_SNAPSHOT in WAL), with no
    wait that could help. Every update's transaction writes (it marks its inbox row done), so
    queuing sessions in the process (a FIFO asyncio lock) costs no parallelism SQLite would
    give, and takes away both failures. Hence nothing slow may run while a session is open
    (see bot.core.offload). A session must not be opened while the same task holds another.
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
