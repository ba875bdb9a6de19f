"""Shared fixtures: databases on both backends, a fresh Redis key prefix."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from tests import harness, services


async def require_postgres() -> None:
    """Return when PostgreSQL answers (started if needed); else skip the test with the reason,
    or fail it in CI, where PostgreSQL must be there."""
    problem = await services.ensure_postgres()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is needed in CI: {problem}")
        pytest.skip(f"PostgreSQL tests skipped: {problem}")


@contextlib.asynccontextmanager
async def fresh_postgres(template: str | None = None) -> AsyncIterator[str]:
    """A fresh PostgreSQL database, dropped afterwards: empty, or a copy of ``template``."""
    await require_postgres()
    name = f"loket_test_{uuid.uuid4().hex[:12]}"
    url = await services.create_database(name, template=template)
    try:
        yield url
    finally:
        await services.drop_database(name)


class MigratedTemplates:
    """A database of each backend migrated to head once a session by the real migrations;
    tests that only need a current schema get a copy of it instead of migrating their own
    (migrations themselves are tested in tests/test_storage.py, and every end-to-end start
    runs them)."""

    def __init__(self, folder: Path) -> None:
        self.sqlite_file = folder / "template.db"
        self.pg_name: str | None = None

    async def sqlite_copy(self, target: Path) -> str:
        """``target`` made a copy of the migrated SQLite template: its URL."""
        if not self.sqlite_file.exists():
            engine = make_engine(f"sqlite+aiosqlite:///{self.sqlite_file}")
            try:
                await upgrade(engine)
            finally:
                await engine.dispose()
        # The backup API copies a consistent database, its WAL included.
        with contextlib.closing(sqlite3.connect(self.sqlite_file)) as source:
            with contextlib.closing(sqlite3.connect(target)) as copy:
                source.backup(copy)
        return f"sqlite+aiosqlite:///{target}"

    async def pg_template(self) -> str:
        """The name of the migrated PostgreSQL template database (made on first use)."""
        if self.pg_name is None:
            await require_postgres()  # skipped with the reason, as fresh_postgres is
            name = f"loket_template_{uuid.uuid4().hex[:12]}"
            engine = make_engine(await services.create_database(name))
            try:
                await upgrade(engine)
            except BaseException:
                await engine.dispose()
                await services.drop_database(name)  # no half-made template left behind
                raise
            await engine.dispose()  # a template must have no connections to be copied
            self.pg_name = name
        return self.pg_name


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedTemplates]:
    templates = MigratedTemplates(tmp_path_factory.mktemp("templates"))
    yield templates
    if templates.pg_name is not None:
        asyncio.run(services.drop_database(templates.pg_name))


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    async with fresh_postgres() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'loket.db'}"


@pytest.fixture
async def sessions(
    tmp_path: Path, migrated_templates: MigratedTemplates
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A migrated SQLite database's session factory."""
    engine = make_engine(await migrated_templates.sqlite_copy(tmp_path / "loket.db"))
    await upgrade(engine)  # at head already: checks the copy is current
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The same test on the embedded default and on PostgreSQL (an empty database)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'loket.db'}"
        return
    async with fresh_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
async def migrated_db_url(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_templates: MigratedTemplates
) -> AsyncIterator[str]:
    """As ``db_url``, the schema already at head (a copy of the session's template)."""
    if request.param == "sqlite":
        yield await migrated_templates.sqlite_copy(tmp_path / "loket.db")
        return
    async with fresh_postgres(await migrated_templates.pg_template()) as url:
        yield url


@pytest.fixture(autouse=True, scope="session")
def _no_leftover_bots() -> Iterator[None]:
    """A failed end-to-end test must not leave its bot process polling after the run."""
    yield
    harness.kill_leftovers()


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A fresh key prefix on the local Redis (its keys are deleted afterwards)."""
    problem = await services.ensure_redis()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is needed in CI: {problem}")
        pytest.skip(f"Redis tests skipped: {problem}")
    prefix = f"loket-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    from redis.asyncio import Redis

    client = Redis.from_url(services.REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
