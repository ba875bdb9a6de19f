"""Setting aside (issue 19), unit level: the worker's bounded retries with a handler that always
raises, the hourly notice's throttle in the database, what counts as a database outage, and
what of a WhatsApp body does not parse."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlmodel import select

from bot.channels.telegram import poison_row
from bot.core.clock import FrozenClock
from bot.inbox import InboxWorker
from bot.setaside import database_unavailable, whatsapp_unparsed
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.models import Inbox
from storage.repositories import InboxRepo, claim_notice

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class Desk:
    """A handler that raises for every update of one chat and marks the others done."""

    def __init__(self, sessions, clock: FrozenClock, cursed: str) -> None:
        self.sessions, self.clock, self.cursed = sessions, clock, cursed
        self.handled: list[str] = []
        self.tries: list[str] = []
        self.error: Exception = RuntimeError("the desk breaks on this chat")

    async def handle(self, row: Inbox) -> None:
        assert row.id is not None
        self.tries.append(row.update_id)
        if row.chat_key == self.cursed:
            raise self.error
        async with self.sessions() as session:
            assert await InboxRepo(session).take(row.id, self.clock.now())
            await session.commit()
        self.handled.append(row.update_id)


async def drain(worker: InboxWorker) -> None:
    await worker.dispatch_once()
    await asyncio.gather(*worker._tasks)


async def test_a_handler_that_always_raises_is_set_aside_after_max_attempts(tmp_path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'inbox.db'}")
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    clock = FrozenClock(NOW)
    desk = Desk(sessions, clock, cursed="tg:1")
    notices: list[int] = []

    async def noticed() -> None:
        notices.append(1)

    worker = InboxWorker(sessions, {"telegram": desk.handle}, clock, max_attempts=3)
    worker.on_set_aside = noticed
    rows = [("c1", "tg:1"), ("c2", "tg:1"), ("o1", "tg:2"), ("o2", "tg:2")]
    async with sessions() as session:
        stored = [
            {"channel": "telegram", "update_id": uid, "chat_key": chat, "payload": {}}
            for uid, chat in rows
        ]
        await InboxRepo(session).store(stored, NOW)
        await session.commit()
    try:
        # The other chat is served while the cursed one waits for its tries.
        for _ in range(2):
            await drain(worker)
        assert desk.handled == ["o1", "o2"]
        # c1 holds c2 back (order in a chat) through its pauses: 2 s, then 4 s.
        for pause in (2, 4):
            assert "c2" not in desk.tries
            clock.advance(timedelta(seconds=pause))
            await drain(worker)
        assert desk.tries.count("c1") == 3 and notices == [1]
        # Set aside: c2 is no longer held, and gets its own tries.
        await drain(worker)
        assert "c2" in desk.tries
        # A database outage is not c2's fault: the try does not count.
        desk.error = DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True)
        clock.advance(timedelta(seconds=2))
        await drain(worker)
        async with sessions() as session:
            c2 = (await session.exec(select(Inbox).where(Inbox.update_id == "c2"))).one()
        assert (c2.status, c2.attempts) == ("pending", 1)
        desk.error = RuntimeError("the desk breaks on this chat")
        for _ in range(4):
            clock.advance(timedelta(seconds=60))
            await drain(worker)
        async with sessions() as session:
            repo = InboxRepo(session)
            failed = [(row.update_id, row.attempts) for row in await repo.failed()]
            assert failed == [("c1", 3), ("c2", 3)]
            assert "the desk breaks" in ((await repo.failed())[0].error or "")
        assert notices == [1, 1]  # called per give-up; the notice itself throttles
        # Handed back (after a fix), both are handled, in order.
        desk.cursed = ""
        async with sessions() as session:
            assert await InboxRepo(session).retry(None, clock.now()) == [1, 2]
            await session.commit()
        await drain(worker)
        await drain(worker)
        assert desk.handled[-2:] == ["c1", "c2"]
        async with sessions() as session:
            assert await InboxRepo(session).count_failed() == 0
    finally:
        await engine.dispose()


async def test_the_notice_is_claimed_at_most_once_an_hour(migrated_db_url: str) -> None:
    engine = make_engine(migrated_db_url)
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    try:
        hour = timedelta(hours=1)
        for at, expected in (
            (NOW, True),
            (NOW + timedelta(minutes=59), False),
            (NOW + hour, True),
            (NOW + hour + timedelta(minutes=1), False),
            (NOW + 3 * hour, True),
        ):
            async with sessions() as session:
                assert await claim_notice(session, "inbox_set_aside", at, hour) is expected, at
                await session.commit()
    finally:
        await engine.dispose()


def sqlite_error(tmp_path: Path, sql: str, *, lock: bool = False) -> sqlite3.Error:
    """A real error of SQLite's, as SQLAlchemy wraps it."""
    path = tmp_path / "errors.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE IF NOT EXISTS t (x)")
    if lock:
        holder.execute("BEGIN EXCLUSIVE")
    try:
        sqlite3.connect(path, timeout=0).execute(sql)
    except sqlite3.Error as driver:
        return driver
    finally:
        holder.close()
    raise AssertionError(f"{sql} did not fail")


def wrapped(driver: Exception) -> OperationalError:
    try:
        raise OperationalError("statement", {}, driver) from driver
    except OperationalError as exc:
        return exc


def test_what_counts_as_the_database_being_away(tmp_path: Path) -> None:
    refused = ConnectionRefusedError(111, "Connect call failed")
    assert database_unavailable(refused)
    locked = sqlite_error(tmp_path, "INSERT INTO t VALUES (1)", lock=True)
    assert database_unavailable(wrapped(locked)), locked
    # SQLite's OperationalError also means a bug or a bad path: not something to wait out.
    assert not database_unavailable(wrapped(sqlite_error(tmp_path, "SELECT * FROM missing")))
    # asyncpg's "shutting down", as SQLAlchemy wraps it (a plain DBAPIError).
    try:
        try:
            raise asyncpg.exceptions.CannotConnectNowError("the database system is shutting down")
        except Exception as driver:
            raise DBAPIError("connect", {}, Exception("shutting down")) from driver
    except DBAPIError as shutting_down:
        assert database_unavailable(shutting_down)
    assert not database_unavailable(IntegrityError("INSERT", {}, Exception("unique")))
    assert not database_unavailable(RuntimeError("a bug"))


def test_what_of_a_whatsapp_body_does_not_parse() -> None:
    assert whatsapp_unparsed(b"{not json")[0] is None
    payload, bad = whatsapp_unparsed(b'{"object": "x"}')
    assert payload is None and "no entry list" in bad[0][1]
    body = {
        "entry": [
            {
                "changes": [
                    {
                        "value": {
                            "messages": [
                                {"id": "wamid.1", "from": "62811", "type": "text"},
                                {"id": "wamid.2", "type": "text"},
                                "garbage",
                            ],
                            "statuses": [{"id": "wamid.0", "status": "read"}],
                        }
                    }
                ]
            }
        ]
    }
    payload, bad = whatsapp_unparsed(json.dumps(body).encode())
    assert payload == body
    assert [raw for raw, _ in bad] == [
        {"id": "wamid.2", "type": "text"},
        "garbage",
        {"id": "wamid.0", "status": "read"},
    ]
    assert "without id, status, recipient_id" in bad[2][1]


def test_a_lone_surrogate_in_a_whatsapp_body_is_read_as_a_replacement_character() -> None:
    # JSON can escape half of a surrogate pair; no UTF-8 text holds one, so it could be
    # neither stored nor answered: the message is read with U+FFFD in its place.
    text = {"body": "jam buka \ud800 kantor"}
    message = {"id": "wamid.9", "from": "62811", "type": "text", "text": text}
    body = {"entry": [{"changes": [{"value": {"messages": [message]}}]}]}
    payload, bad = whatsapp_unparsed(json.dumps(body).encode())  # ensure_ascii: an escape
    assert bad == []
    read = payload["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"]
    assert read == "jam buka \ufffd kantor"
    read.encode()  # UTF-8 now


@pytest.mark.parametrize(
    ("item", "update_id", "chat_key"),
    [
        ({"update_id": 7, "message": {"chat": {"id": 42}, "poll": {}}}, "7", "tg:42"),
        ({"update_id": 8, "callback_query": {"from": {"id": 9}}}, "8", "tg:9"),
        ({"update_id": 9, "something_new": 1}, "9", "tg:update:9"),
    ],
)
def test_an_update_that_does_not_validate_keeps_its_id_and_chat(
    item: dict[str, object], update_id: str, chat_key: str
) -> None:
    row = poison_row(item, "does not validate")
    assert (row["update_id"], row["chat_key"], row["payload"]) == (update_id, chat_key, item)


async def test_set_aside_rows_are_listed_shown_and_handed_back(migrated_db_url: str) -> None:
    """The repository side of `loket inbox failed/show/retry`, on both backends."""
    engine = make_engine(migrated_db_url)
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    item = {"update_id": 7, "message": {"chat": {"id": 42}, "poll": {"id": "1"}}}
    try:
        async with sessions() as session:
            repo = InboxRepo(session)
            ok = {"channel": "telegram", "update_id": "6", "chat_key": "tg:42", "payload": {}}
            assert await repo.store([ok], NOW) == 1
            assert await repo.set_aside([poison_row(item, "does not validate")], NOW) == 1
            # Telegram hands the same update out again: stored once.
            assert await repo.set_aside([poison_row(item, "does not validate")], NOW) == 0
            await session.commit()
        async with sessions() as session:
            repo = InboxRepo(session)
            [row] = await repo.failed()
            assert (row.update_id, row.chat_key, row.error) == ("7", "tg:42", "does not validate")
            assert row.received_at == NOW and row.payload == item
            assert await repo.count_failed() == 1
            assert row.id is not None and (await repo.get(row.id)) is not None
            assert [head.id for head in await repo.heads(10)] == [row.id - 1]  # not handed out
            later = NOW + timedelta(hours=1)
            assert await repo.retry([row.id, row.id + 100], later) == [row.id]
            await session.commit()
        async with sessions() as session:
            repo = InboxRepo(session)
            assert await repo.count_failed() == 0
            heads = await repo.heads(10)
            assert [head.id for head in heads] == [row.id - 1, row.id]
            assert heads[1].not_before == later
            assert await repo.retry(None, later) == []
    finally:
        await engine.dispose()
