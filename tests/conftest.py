"""Shared fixtures: databases on both backends, a fresh Redis key prefix."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from tests import harness, services


@contextlib.asynccontextmanager
async def fresh_postgres() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    problem = await services.ensure_postgres()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is needed in CI: {problem}")
        pytest.skip(f"PostgreSQL tests skipped: {problem}")
    name = f"loket_test_{uuid.uuid4().hex[:12]}"
    url = await services.create_database(name)
    try:
        yield url
    finally:
        await services.drop_database(name)


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    async with fresh_postgres() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'loket.db'}"


@pytest.fixture
async def sessions(sqlite_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A migrated SQLite database's session factory."""
    engine = make_engine(sqlite_url)
    await upgrade(engine)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The same test on the embedded default and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'loket.db'}"
        return
    async with fresh_postgres() as url:
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
