"""The inbox worker: each update in a transaction of its own, one chat's updates in order, a
failing update retried later while other chats go on."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.clock import FrozenClock
from bot.inbox import InboxWorker
from storage.db import make_app_sessions, make_engine
from storage.migrate import upgrade
from storage.models import Inbox, JobRun
from storage.repositories import InboxRepo, claim_job

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class Handlers:
    """Stands in for a channel handler: in a transaction of its own it marks its row done and
    writes one effect per update, as the real ones do."""

    def __init__(self, sessions: Sessions, clock: FrozenClock, fail: set[str]) -> None:
        self.sessionmaker = sessions
        self.clock = clock
        self.fail = fail
        self.order: list[str] = []  # update ids in the order they were handled
        self.sessions: list[int] = []  # id() of the session each update was handled in
        self.live: list[AsyncSession] = []  # kept alive, so no two sessions share an id()

    async def handle(self, row: Inbox) -> None:
        async with self.sessionmaker() as session:
            self.live.append(session)
            self.sessions.append(id(session))
            self.order.append(row.update_id)
            assert row.id is not None and await InboxRepo(session).take(row.id, self.clock.now())
            assert await claim_job(session, "t", row.update_id, NOW)
            if row.update_id in self.fail:
                raise RuntimeError(f"update {row.update_id} breaks")
            await session.commit()


async def run(worker: InboxWorker) -> None:
    """One pass of the worker, and the handling it started, to its end."""
    await worker.dispatch_once()
    await asyncio.gather(*worker._tasks)


async def setup(tmp_path, rows: list[tuple[str, str, str]], fail: set[str]):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'inbox.db'}")
    await upgrade(engine)
    sessions = make_app_sessions(engine)
    clock = FrozenClock(NOW)
    desk = Handlers(sessions, clock, fail)
    worker = InboxWorker(sessions, {"telegram": desk.handle, "whatsapp": desk.handle}, clock)
    async with sessions() as session:
        stored = [
            {"channel": channel, "update_id": uid, "chat_key": chat, "payload": {}}
            for channel, uid, chat in rows
        ]
        await InboxRepo(session).store(stored, NOW)
        await session.commit()
    return engine, sessions, desk, worker


async def statuses(sessions: Sessions) -> dict[str, str]:
    async with sessions() as session:
        rows = (await session.exec(select(Inbox))).all()
    return {r.update_id: r.status for r in rows}


async def effects(sessions: Sessions) -> list[str]:
    async with sessions() as session:
        return list((await session.exec(select(JobRun.key).order_by(JobRun.key))).all())


async def test_each_update_is_handled_in_a_transaction_of_its_own(tmp_path) -> None:
    rows = [("telegram", f"u{i}", f"chat{i}") for i in range(1, 6)]
    rows.append(("whatsapp", "w1", "chatW"))
    engine, sessions, desk, worker = await setup(tmp_path, rows, fail=set())
    try:
        await run(worker)
        assert await statuses(sessions) == {uid: "done" for _, uid, _ in rows}
        # Six updates, six sessions: no update's work waits for or joins another's commit.
        assert len(desk.sessions) == 6 and len(set(desk.sessions)) == 6
        assert await effects(sessions) == sorted(uid for _, uid, _ in rows)
    finally:
        await engine.dispose()


async def test_a_failing_update_takes_nothing_of_the_others_with_it(tmp_path) -> None:
    rows = [("telegram", f"u{i}", f"chat{i}") for i in range(1, 4)]
    engine, sessions, desk, worker = await setup(tmp_path, rows, fail={"u2"})
    try:
        await run(worker)
        # u2's transaction rolled back (its mark and its effect with it); u1 and u3 were each
        # committed once, in their own.
        assert await statuses(sessions) == {"u1": "done", "u2": "pending", "u3": "done"}
        assert await effects(sessions) == ["u1", "u3"]
        assert sorted(desk.order) == ["u1", "u2", "u3"]
        async with sessions() as session:
            failed = (await session.exec(select(Inbox).where(Inbox.update_id == "u2"))).one()
        assert failed.attempts == 1 and "u2 breaks" in (failed.error or "")
        # Retried once it is due: done, its effect written once.
        desk.fail.clear()
        desk.clock.set(failed.not_before)
        await run(worker)
        assert await statuses(sessions) == {"u1": "done", "u2": "done", "u3": "done"}
        assert await effects(sessions) == ["u1", "u2", "u3"]
    finally:
        await engine.dispose()


async def test_one_chat_keeps_its_order_while_a_failed_update_holds_only_its_own_chat(
    tmp_path,
) -> None:
    rows = [
        ("telegram", "a1", "chatA"),
        ("telegram", "a2", "chatA"),
        ("telegram", "b1", "chatB"),
        ("telegram", "b2", "chatB"),
    ]
    engine, sessions, desk, worker = await setup(tmp_path, rows, fail={"a1"})
    try:
        await run(worker)  # one update per chat at a time: a1 (fails) and b1
        assert await statuses(sessions) == {
            "a1": "pending",
            "a2": "pending",
            "b1": "done",
            "b2": "pending",
        }
        await run(worker)  # chat B goes on; a2 waits behind a1, which is not due again yet
        assert (await statuses(sessions))["b2"] == "done"
        assert "a2" not in desk.order
        desk.fail.clear()
        async with sessions() as session:
            failed = (await session.exec(select(Inbox).where(Inbox.update_id == "a1"))).one()
        desk.clock.set(failed.not_before)
        await run(worker)  # a1 again, done
        await run(worker)  # then a2
        assert await statuses(sessions) == {uid: "done" for _, uid, _ in rows}
        assert [u for u in desk.order if u.startswith("a")] == ["a1", "a1", "a2"]
        assert [u for u in desk.order if u.startswith("b")] == ["b1", "b2"]
    finally:
        await engine.dispose()
