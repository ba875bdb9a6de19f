"""Storage on SQLite and PostgreSQL: migrations, schema agreement, idempotence, outbox CAS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from storage.db import make_engine, make_sessionmaker
from storage.migrate import current_revision, upgrade
from storage.models import Message, Outbox
from storage.repositories import CitizenRepo, MessageRepo, OutboxRepo, UpdateLog

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


@pytest.fixture
async def engine(db_url: str):
    engine = make_engine(db_url)
    await upgrade(engine)
    yield engine
    await engine.dispose()


async def test_upgrade_reaches_head_and_is_repeatable(engine) -> None:
    assert await current_revision(engine) == "0001"
    await upgrade(engine)  # `loket run` upgrades on every start: must be a no-op now
    assert await current_revision(engine) == "0001"


async def test_migrations_match_the_models(engine) -> None:
    def diff(conn):
        return compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)

    async with engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_sqlite_runs_in_wal_mode_with_busy_timeout(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() >= 1000
    finally:
        await engine.dispose()


async def test_citizen_and_transcript_round_trip_keeps_utc(engine) -> None:
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        citizen = await CitizenRepo(session).upsert(
            channel="telegram", external_id="42", name="Budi", username=None, language="id", now=NOW
        )
        await MessageRepo(session).add(
            Message(citizen_id=citizen.id, channel="telegram", direction="in", text="halo", created_at=NOW)
        )
        await session.commit()
    async with sessions() as session:
        again = await CitizenRepo(session).upsert(
            channel="telegram", external_id="42", name="Budi S", username="budi", language="id",
            now=NOW + timedelta(minutes=1),
        )
        assert again.id == citizen.id and again.name == "Budi S"
        (msg,) = await MessageRepo(session).transcript(citizen.id)
        assert msg.text == "halo" and msg.created_at == NOW and msg.created_at.tzinfo is not None


async def test_update_claimed_once_even_across_sessions(engine) -> None:
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        assert await UpdateLog(session).claim("telegram", "1001", NOW) is True
        await session.commit()
    async with sessions() as session:
        assert await UpdateLog(session).claim("telegram", "1001", NOW) is False
        assert await UpdateLog(session).claim("whatsapp", "1001", NOW) is True
        await session.commit()


async def test_update_claim_rolled_back_with_its_transaction(engine) -> None:
    """A handler that fails leaves the update unmarked, so redelivery handles it."""
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        assert await UpdateLog(session).claim("telegram", "7", NOW)
        await session.rollback()
    async with sessions() as session:
        assert await UpdateLog(session).claim("telegram", "7", NOW)


async def test_outbox_row_is_won_by_one_claimer_only(engine) -> None:
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        row = await OutboxRepo(session).add(
            Outbox(channel="telegram", chat_id="42", payload={"text": "hi"}, not_before=NOW, created_at=NOW)
        )
        await session.commit()
    async with sessions() as a, sessions() as b:
        first = await OutboxRepo(a).transition(row.id, "pending", status="sending")
        await a.commit()
        second = await OutboxRepo(b).transition(row.id, "pending", status="sending")
        await b.commit()
    assert (first, second) == (True, False)
    async with sessions() as session:
        assert (await session.exec(text("SELECT status FROM outbox"))).scalar() == "sending"
