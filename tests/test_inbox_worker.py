"""The inbox worker's shared transactions (SQLite): one commit for several chats' updates, and
nothing lost or done twice when one of them fails."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Generator
from datetime import UTC, datetime

from sqlalchemy import func
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.clock import FrozenClock
from bot.inbox import InboxWorker
from storage.db import SharedTransaction, commit_work, make_app_sessions, make_engine
from storage.migrate import upgrade
from storage.models import Inbox, JobRun
from storage.repositories import InboxRepo, claim_job

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
_NUMBERS = itertools.count()


class Handlers:
    """Stands in for the channel handler: marks its row, records one effect per update."""

    def __init__(self, sessions: Sessions, clock: FrozenClock, fail: set[str]) -> None:
        self.sessionmaker = sessions
        self.clock = clock
        self.fail = fail
        self.claims: list[tuple[str, bool]] = []  # (update id, first time it was done)
        self.after: list[str] = []  # what ran after the work's commit
        self.sessions: list[int] = []  # the session each update was handled in
        self.answered: list[str] = []  # awaitables run after a shared commit

    async def handle(self, row: Inbox, session: AsyncSession | None = None) -> None:
        if session is None:  # not in a shared transaction: its own, as a real handler does
            async with self.sessionmaker() as own:
                return await self.handle(row, own)
        # A number per session (ids of freed objects are reused).
        self.sessions.append(session.info.setdefault("n", next(_NUMBERS)))
        assert row.id is not None and await InboxRepo(session).take(row.id, self.clock.now())
        self.claims.append((row.update_id, await claim_job(session, "t", row.update_id, NOW)))
        if row.update_id in self.fail:
            raise RuntimeError(f"update {row.update_id} breaks")
        await commit_work(session, lambda: self.after.append(row.update_id))
        # Like a button's answer (aiogram's methods are awaitables, not coroutines): made
        # once the work is committed, and awaited.
        transaction = SharedTransaction.of(session)
        if transaction is not None:
            transaction.then.append(lambda: _Answer(self.answered, row.update_id))


class _Answer:
    """An awaitable that is not a coroutine, as aiogram's method objects are."""

    def __init__(self, log: list[str], update_id: str) -> None:
        self.log, self.update_id = log, update_id

    def __await__(self) -> Generator[None, None, None]:
        self.log.append(self.update_id)
        yield from asyncio.sleep(0).__await__()


async def run(worker: InboxWorker) -> None:
    await worker.dispatch_once()
    await asyncio.gather(*worker._tasks)


async def setup(tmp_path, rows: list[tuple[str, str, str]], fail: set[str]):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'inbox.db'}")
    await upgrade(engine)
    sessions = make_app_sessions(engine)
    clock = FrozenClock(NOW)
    desk = Handlers(sessions, clock, fail)
    worker = InboxWorker(
        sessions,
        {"telegram": desk.handle, "whatsapp": desk.handle},
        clock,
        shared={"telegram"},
        shared_size=3,
    )
    async with sessions() as session:
        stored = [
            {
                "channel": channel,
                "update_id": uid,
                "chat_key": chat,
                "payload": {},
            }
            for channel, uid, chat in rows
        ]
        await InboxRepo(session).store(stored, NOW)
        await session.commit()
    return engine, sessions, desk, worker


async def statuses(sessions) -> dict[str, tuple[str, int]]:
    async with sessions() as session:
        rows = (await session.exec(select(Inbox))).all()
    return {r.update_id: (r.status, r.attempts) for r in rows}


async def test_updates_of_different_chats_share_one_commit(tmp_path) -> None:
    rows = [("telegram", f"u{i}", f"chat{i}") for i in range(1, 6)]
    engine, sessions, desk, worker = await setup(tmp_path, rows, fail=set())
    try:
        await run(worker)
        assert await statuses(sessions) == {f"u{i}": ("done", 0) for i in range(1, 6)}
        # Groups of at most 3: two transactions for five updates, each update done once and
        # its after-commit call made once.
        assert len(set(desk.sessions)) == 2 and len(desk.sessions) == 5
        assert sorted(desk.after) == [f"u{i}" for i in range(1, 6)]
        # u1-u3 and u4-u5 shared transactions: their answers were awaited after the commit.
        assert sorted(desk.answered) == [f"u{i}" for i in range(1, 6)]
        assert all(first for _, first in desk.claims)
    finally:
        await engine.dispose()


async def test_a_failing_update_rolls_its_group_back_and_the_rest_are_done_once(tmp_path) -> None:
    rows = [("telegram", f"u{i}", f"chat{i}") for i in range(1, 4)]
    engine, sessions, desk, worker = await setup(tmp_path, rows, fail={"u2"})
    try:
        await run(worker)
        # u1 was done in the shared transaction, rolled back with it, then done on its own:
        # its effect exists once and its after-commit call ran once.
        assert await statuses(sessions) == {
            "u1": ("done", 0),
            "u2": ("pending", 1),
            "u3": ("done", 0),
        }
        assert sorted(desk.after) == ["u1", "u3"]
        assert desk.answered == []  # the rolled-back group's after-commit calls never ran
        assert desk.claims.count(("u1", True)) == 2  # rolled back the first time
        async with sessions() as session:
            effects = (await session.exec(select(JobRun.key).order_by(JobRun.key))).all()
            failed = (await session.exec(select(Inbox).where(Inbox.update_id == "u2"))).one()
        assert effects == ["u1", "u3"]
        assert failed.not_before > NOW and "u2 breaks" in (failed.error or "")
        # Retried once due: done, its effect written once.
        desk.fail.clear()
        desk.clock.set(failed.not_before)
        await run(worker)
        assert (await statuses(sessions))["u2"] == ("done", 1)
        async with sessions() as session:
            count = (await session.exec(select(func.count()).select_from(JobRun))).one()
        assert count == 3 and sorted(desk.after) == ["u1", "u2", "u3"]
    finally:
        await engine.dispose()


async def test_one_chat_keeps_its_order_and_other_channels_keep_their_own_transactions(
    tmp_path,
) -> None:
    rows = [
        ("telegram", "a1", "chatA"),
        ("telegram", "a2", "chatA"),
        ("whatsapp", "w1", "chatW"),
        ("telegram", "b1", "chatB"),
    ]
    engine, sessions, desk, worker = await setup(tmp_path, rows, fail=set())
    try:
        await run(worker)
        # a2 waits for a1 (same chat); w1 went alone; a1 and b1 shared one transaction.
        done = {uid for uid, (status, _) in (await statuses(sessions)).items() if status == "done"}
        assert done == {"a1", "w1", "b1"}
        by_update = dict(zip((uid for uid, _ in desk.claims), desk.sessions, strict=True))
        assert by_update["a1"] == by_update["b1"] != by_update["w1"]
        await run(worker)
        assert (await statuses(sessions))["a2"] == ("done", 0)
        assert [uid for uid, _ in desk.claims].index("a1") < [uid for uid, _ in desk.claims].index(
            "a2"
        )
    finally:
        await engine.dispose()
