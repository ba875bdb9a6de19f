"""Storage on SQLite and PostgreSQL: migrations, schema agreement, idempotence, outbox CAS."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import bindparam, delete, text
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import make_engine, make_sessionmaker
from storage.migrate import alembic_config, current_revision, upgrade
from storage.models import Citizen, FormState, Message, Outbox, Ticket
from storage.repositories import CitizenRepo, InboxRepo, MessageRepo, OutboxRepo
from storage.types import UtcDateTime

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


@pytest.fixture
async def engine(db_url: str):
    engine = make_engine(db_url)
    await upgrade(engine)
    yield engine
    await engine.dispose()


HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_upgrade_reaches_head_and_is_repeatable(engine) -> None:
    assert await current_revision(engine) == HEAD
    await upgrade(engine)  # `loket run` upgrades on every start: must be a no-op now
    assert await current_revision(engine) == HEAD


async def test_every_migration_downgrades_and_upgrades_again(engine) -> None:
    def down(conn, revision: str) -> None:
        command.downgrade(alembic_config(conn), revision)

    async with engine.begin() as conn:
        await conn.run_sync(down, "base")
    assert await current_revision(engine) is None
    await upgrade(engine)
    assert await current_revision(engine) == HEAD


async def test_migrations_match_the_models(engine) -> None:
    def diff(conn):
        return compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)

    async with engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_deflections_from_before_0012_take_their_citizens_office(db_url: str) -> None:
    """The office a deflection happened in was not recorded before 0012: the migration fills
    in the citizen's office then (the best that is known), NULL for a citizen without one."""
    engine = make_engine(db_url)
    try:
        await upgrade(engine, "0011_offices")
        at = bindparam("at", type_=UtcDateTime())
        async with engine.begin() as conn:
            for number, office in ((1, "kab-kudus"), (2, None)):
                await conn.execute(
                    text(
                        "INSERT INTO citizen (id, channel, external_id, name, language,"
                        " language_chosen, office, office_choosing, created_at, last_seen_at)"
                        " VALUES (:id, 'telegram', :ext, '', 'id', false, :office, false, :at, :at)"
                    ).bindparams(at),
                    {"id": number, "ext": str(number), "at": NOW, "office": office},
                )
                await conn.execute(
                    text(
                        "INSERT INTO dip_deflection (citizen_id, item_id, category, channel,"
                        " created_at) VALUES (:id, 'laporan-keuangan', 'berkala', 'telegram', :at)"
                    ).bindparams(at),
                    {"id": number, "at": NOW},
                )
        await upgrade(engine)
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT citizen_id, office FROM dip_deflection ORDER BY citizen_id")
            )
            assert [tuple(row) for row in rows] == [(1, "kab-kudus"), (2, None)]
    finally:
        await engine.dispose()


async def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        await engine.dispose()


async def test_sqlite_writer_waits_for_a_lock_without_blocking_the_event_loop(
    sqlite_url: str,
) -> None:
    """A statement that meets another connection's write lock waits for it in aiosqlite's
    thread (the busy timeout set on connect), so the loop keeps running meanwhile."""
    engine = make_engine(sqlite_url)
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        other = sqlite3.connect(sqlite_url.removeprefix("sqlite+aiosqlite:///"))
        other.execute("BEGIN IMMEDIATE")  # holds the write lock
        other.execute("INSERT INTO t VALUES (1)")
        ticks = 0

        async def release() -> None:
            nonlocal ticks
            for _ in range(5):
                await asyncio.sleep(0.05)
                ticks += 1
            other.commit()

        releaser = asyncio.create_task(release())
        async with engine.begin() as conn:
            await conn.exec_driver_sql("INSERT INTO t VALUES (2)")
        await releaser
        other.close()
        assert ticks == 5  # the loop ran while the INSERT waited
        async with engine.connect() as conn:
            got = (await conn.exec_driver_sql("SELECT x FROM t ORDER BY x")).scalars().all()
        assert got == [1, 2]
    finally:
        await engine.dispose()


async def test_citizen_and_transcript_round_trip_keeps_utc(engine) -> None:
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        citizen = await telegram_citizen(session, "42", "Budi")
        session.add(
            Message(
                citizen_id=citizen.id,
                channel="telegram",
                direction="in",
                text="halo",
                created_at=NOW,
            )
        )
        await session.commit()
    async with sessions() as session:
        again = (
            await CitizenRepo(session).seen(
                channel="telegram",
                external_id="42",
                name="Budi S",
                username="budi",
                language="id",
                now=NOW + timedelta(minutes=1),
            )
        ).citizen
        assert again.id == citizen.id and again.name == "Budi S"
        (msg,) = await MessageRepo(session).transcript(citizen.id)
        assert msg.text == "halo" and msg.created_at == NOW and msg.created_at.tzinfo is not None


async def telegram_citizen(session: AsyncSession, external_id: str, name: str) -> Citizen:
    seen = await CitizenRepo(session).seen(
        channel="telegram",
        external_id=external_id,
        name=name,
        username=None,
        language="id",
        now=NOW,
    )
    return seen.citizen


def _update(update_id: int, chat: str = "tg:42") -> dict:
    return {
        "channel": "telegram",
        "update_id": str(update_id),
        "chat_key": chat,
        "payload": {"update_id": update_id},
        "received_at": NOW,
        "not_before": NOW,
    }


async def test_redelivered_updates_are_stored_once(engine) -> None:
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        assert await InboxRepo(session).store([_update(1), _update(2)], NOW) == 2
        await session.commit()
    async with sessions() as session:
        # Telegram redelivers 2 after a crash, together with a new 3.
        assert await InboxRepo(session).store([_update(2), _update(3)], NOW) == 1
        await session.commit()
        assert [r.update_id for r in await InboxRepo(session).pending(10)] == ["1", "2", "3"]


async def test_inbox_row_taken_once_and_only_with_its_transaction(engine) -> None:
    """A handler that fails leaves the row pending, so it is handled again; a done row never."""
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        await InboxRepo(session).store([_update(7)], NOW)
        await session.commit()
        (row,) = await InboxRepo(session).pending(1)
    async with sessions() as session:
        assert await InboxRepo(session).take(row.id, NOW)
        await session.rollback()  # the handler failed
    async with sessions() as a:
        assert await InboxRepo(a).take(row.id, NOW)
        await a.commit()
    async with sessions() as b:
        assert not await InboxRepo(b).take(row.id, NOW)
        assert await InboxRepo(b).pending(10) == []


async def test_outbox_row_is_won_by_one_claimer_only(engine) -> None:
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        row = Outbox(
            channel="telegram",
            chat_id="42",
            payload={"text": "hi"},
            not_before=NOW,
            created_at=NOW,
        )
        session.add(row)
        await session.commit()
    async with sessions() as a, sessions() as b:
        first = await OutboxRepo(a).transition(row.id, "pending", status="sending")
        await a.commit()
        second = await OutboxRepo(b).transition(row.id, "pending", status="sending")
        await b.commit()
    assert (first, second) == (True, False)
    async with sessions() as session:
        assert (await session.exec(text("SELECT status FROM outbox"))).scalar() == "sending"


async def test_outbox_rows_are_claimed_and_marked_sent_in_batches(engine) -> None:
    """The sender's batched writes: a row is claimed by one claimer, and marked sent only
    from "sending"."""
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        rows = [
            Outbox(
                channel="telegram",
                chat_id=str(i),
                payload={"text": f"m{i}"},
                not_before=NOW,
                created_at=NOW,
            )
            for i in range(3)
        ]
        session.add_all(rows)
        await session.commit()
    ids = [row.id for row in rows]
    async with sessions() as session:
        heads = await OutboxRepo(session).heads(10)
        assert [h.id for h in heads] == ids and heads[0].chat_id == rows[0].chat_id
        won = await OutboxRepo(session).claim(ids[:2])
        # The rows won come back whole, as claimed: sending, this try counted.
        assert [(r.id, r.status, r.attempts) for r in won] == [(i, "sending", 1) for i in ids[:2]]
        assert [r.payload for r in won] == [{"text": "m0"}, {"text": "m1"}]
        await session.commit()
    async with sessions() as session:
        assert [r.id for r in await OutboxRepo(session).claim(ids)] == [ids[2]]
        await OutboxRepo(session).mark_sent([(ids[0], NOW, "11"), (ids[1], NOW, "12")])
        await session.commit()
    async with sessions() as session:
        got = {r.id: r for r in await OutboxRepo(session).in_status("sent")}
    assert sorted(got) == ids[:2]
    assert got[ids[0]].external_message_id == "11" and got[ids[0]].sent_at == NOW
    assert got[ids[0]].attempts == 1


async def test_citizen_seen_with_its_inbound_count_of_the_last_minute(engine) -> None:
    """The one statement of every message: the citizen, its inbound messages since a time,
    whether it has a form open and whether a live chat would take the message."""
    sessions = make_sessionmaker(engine)
    kwargs = {"channel": "telegram", "external_id": "7", "name": "Ani", "username": None}
    since = NOW - timedelta(minutes=1)
    reopen_since = NOW - timedelta(hours=24)

    async def seen(session: AsyncSession):
        return await CitizenRepo(session).seen(
            **kwargs,
            language="id",
            now=NOW,
            inbound_since=since,
            ticket_kind="LC",
            reopen_since=reopen_since,
        )

    async with sessions() as session:
        first = await seen(session)
        citizen = first.citizen
        assert (first.recent, first.has_form, first.has_chat) == (0, False, False)
        for minutes, direction in ((-2, "in"), (0, "in"), (0, "out"), (1, "in")):
            session.add(
                Message(
                    citizen_id=citizen.id,
                    channel="telegram",
                    direction=direction,
                    text="x",
                    created_at=NOW + timedelta(minutes=minutes),
                )
            )
        await session.commit()
    async with sessions() as session:
        again = await seen(session)
        assert again.citizen.id == citizen.id and again.recent == 2
        assert again.has_form is False and again.has_chat is False
        # Without inbound_since nothing but the citizen is read.
        plain = await CitizenRepo(session).seen(**kwargs, language="id", now=NOW)
        assert (plain.recent, plain.has_form, plain.has_chat) == (0, None, None)
        session.add(FormState(citizen_id=citizen.id, kind="request", updated_at=NOW))
        await session.commit()
    async with sessions() as session:
        assert (await seen(session)).has_form is True

    def ticket(number: str, **fields) -> Ticket:
        return Ticket(
            number=number,
            citizen_id=citizen.id,
            channel="telegram",
            subject="s",
            created_at=NOW,
            updated_at=NOW,
            **fields,
        )

    # A request (PI) or a chat closed by the citizen never takes messages; an old officer
    # close neither; a recent officer close does (it reopens), and so does an open chat.
    cases = [
        (ticket("PI-1", kind="PI", status="open"), False),
        (ticket("LC-1", status="closed", close_reason="citizen", closed_at=NOW), False),
        (
            ticket(
                "LC-2", status="closed", close_reason="officer", closed_at=NOW - timedelta(days=2)
            ),
            False,
        ),
        (
            ticket(
                "LC-3", status="closed", close_reason="officer", closed_at=NOW - timedelta(hours=1)
            ),
            True,
        ),
    ]
    for row, expected in cases:
        async with sessions() as session:
            session.add(row)
            await session.commit()
            assert (await seen(session)).has_chat is expected, row.number
            await session.exec(delete(Ticket))  # type: ignore[call-overload]
            await session.commit()
    for status in ("open", "assigned", "waiting"):
        async with sessions() as session:
            session.add(ticket(f"LC-{status}", status=status))
            await session.commit()
            assert (await seen(session)).has_chat is True, status
            await session.exec(delete(Ticket))  # type: ignore[call-overload]
            await session.commit()


async def test_held_whatsapp_rows_are_released_in_order_and_found_by_message_id(engine) -> None:
    wamid = "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQ1QkY3QjY0RjY5MzY5QkQ1NwAyMDI2MTEyOQ=="
    assert len(wamid) > 64
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        repo = OutboxRepo(session)
        for n, status in enumerate(("held", "held", "sent", "pending")):
            session.add(
                Outbox(
                    channel="whatsapp",
                    chat_id="628123456789",
                    payload={"text": f"m{n}"},
                    status=status,
                    not_before=NOW,
                    created_at=NOW,
                    external_message_id=wamid if status == "sent" else None,
                )
            )
        session.add(
            Outbox(
                channel="whatsapp",
                chat_id="628000000000",
                status="held",
                not_before=NOW,
                created_at=NOW,
            )
        )
        await session.commit()
    async with sessions() as session:
        repo = OutboxRepo(session)
        assert await repo.has_held("whatsapp", "628123456789")
        found = await repo.by_external_id("whatsapp", "628123456789", wamid)
        assert found is not None and found.payload == {"text": "m2"}
        assert await repo.by_external_id("whatsapp", "628000000000", wamid) is None
        later = NOW + timedelta(minutes=5)
        assert await repo.release_held("whatsapp", "628123456789", later) == 2
        await session.commit()
    async with sessions() as session:
        repo = OutboxRepo(session)
        assert not await repo.has_held("whatsapp", "628123456789")
        assert await repo.has_held("whatsapp", "628000000000")  # another citizen still waits
        pending = [r.payload["text"] for r in await repo.in_status("pending")]
        assert pending == ["m0", "m1", "m3"]


UPDATE_PAYLOAD = {"update_id": 5, "message": {"text": "<b>halo</b>", "chat": {"id": 5}}}


async def test_core_writes_belong_to_the_session_and_reads_come_back_typed(engine) -> None:
    """The per-message statements are Core statements on the session's connection: their
    writes commit or roll back with the session's transaction, and rows read back are typed
    as the ORM's (aware UTC datetimes, JSON)."""
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        await OutboxRepo(session).write(
            channel="telegram",
            chat_id="5",
            method="text",
            payload={"text": "<b>halo</b>", "buttons": [[{"label": "A", "data": "a"}]]},
            priority=0,
            now=NOW,
        )
        await session.rollback()  # the INSERT went with the transaction
    async with sessions() as session:
        assert await OutboxRepo(session).heads(10) == []
        await OutboxRepo(session).write(
            channel="telegram",
            chat_id="5",
            method="text",
            payload={"text": "<b>halo</b>"},
            priority=0,
            now=NOW,
        )
        citizen = await telegram_citizen(session, "5", "Ani")
        assert citizen.id is not None
        message_id = await MessageRepo(session).write(
            citizen_id=citizen.id, channel="telegram", direction="in", text="hi", created_at=NOW
        )
        await InboxRepo(session).store([{**_update(5), "payload": UPDATE_PAYLOAD}], NOW)
        await session.commit()
    async with sessions() as session:
        (head,) = await OutboxRepo(session).heads(10)
        assert (head.channel, head.chat_id, head.not_before) == ("telegram", "5", NOW)
        (inbox_head,) = await InboxRepo(session).heads(10)
        (update,) = await InboxRepo(session).by_ids([inbox_head.id])
        (won,) = await OutboxRepo(session).claim([head.id])
        (message,) = await MessageRepo(session).transcript(citizen.id)
        await session.commit()
    assert update.payload == UPDATE_PAYLOAD and update.received_at == NOW
    assert won.payload == {"text": "<b>halo</b>"} and won.status == "sending"
    assert won.attempts == 1 and won.created_at == NOW
    assert message.id == message_id and message.created_at == NOW


PRIVATE_NAMES = re.compile(
    r"\._(conn|connection|execute|make_new_cursor|cursor_cls|awaitable_cursor_close)\b"
    r"|__class__\s*=|check_same_thread|make_transient_to_detached|identity_map"
)


def test_no_code_reaches_into_private_parts_of_its_libraries() -> None:
    """Issue 13: an upgrade of aiosqlite, sqlite3 or SQLAlchemy must not be able to change
    Loket's behaviour silently, so no code reads their private names or swaps classes."""
    root = Path(__file__).resolve().parent.parent
    found = [
        f"{path.relative_to(root)}:{n}: {line.strip()}"
        for folder in ("bot", "storage", "handlers", "faq")
        for path in sorted((root / folder).rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if PRIVATE_NAMES.search(line)
    ]
    assert found == []
