"""Several replicas on one PostgreSQL database (issue 15, item 2 and the in-process part of 3).

Two real polling processes cannot share one bot, so each replica here is an app as create_app
builds it (tests.core_app), with its own inbox worker, dispatcher and sessions, on one shared
PostgreSQL database; their workers run at the same time on this event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiogram.types import Message as TgMessage
from sqlmodel import col, select

from bot.app import App
from storage.models import Citizen, Inbox, Message
from storage.repositories import ChatBusy, InboxRepo
from tests import core_app
from tests.core_app import MONDAY_10

# Citizens write as fast as they like here: the flood limit is not what is tested.
EXTRA = "[limits]\nmessages_per_minute = 1000\n"


@contextlib.asynccontextmanager
async def replicas(
    url: str, tmp_path: Path, count: int = 2, extra: str = EXTRA
) -> AsyncIterator[list[App]]:
    """``count`` apps on one database, each built as a replica process builds its own."""
    async with contextlib.AsyncExitStack() as stack:
        apps = []
        for n in range(count):
            folder = tmp_path / f"replica{n}"
            folder.mkdir()
            build = contextlib.asynccontextmanager(core_app.build)
            apps.append(await stack.enter_async_context(build(url, folder, extra)))
        yield apps


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 60.0) -> None:  # noqa: ASYNC109
    """Wait for a condition, with a deadline (never a fixed sleep before an assertion)."""
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def private_message(update_id: int, chat: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(MONDAY_10.timestamp()),
            "chat": {"id": chat, "type": "private", "first_name": f"Warga {chat}"},
            "from": {"id": chat, "is_bot": False, "first_name": f"Warga {chat}"},
            "text": text,
        },
    }


def inbox_row(update: dict[str, Any]) -> dict[str, Any]:
    chat = update["message"]["chat"]["id"]
    return {
        "channel": "telegram",
        "update_id": str(update["update_id"]),
        "chat_key": f"tg:{chat}",
        "payload": update,
    }


async def store(app: App, updates: list[dict[str, Any]]) -> None:
    async with app.sessionmaker() as session:
        await InboxRepo(session).store([inbox_row(u) for u in updates], app.clock.now())
        await session.commit()


class Seen:
    """What each replica's handlers saw, in the order they finished (after their commit): a
    message middleware runs inside the update's transaction, after the inbox row was taken."""

    def __init__(self) -> None:
        self.handled: list[tuple[int, int, str]] = []  # (replica, chat, text)

    def watch(self, app: App, replica: int) -> None:
        async def record(
            handler: Callable[[TgMessage, dict[str, Any]], Awaitable[Any]],
            event: TgMessage,
            data: dict[str, Any],
        ) -> Any:
            result = await handler(event, data)
            self.handled.append((replica, event.chat.id, event.text or ""))
            return result

        app.dispatcher.message.outer_middleware(record)


@contextlib.asynccontextmanager
async def running(apps: list[App]) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(app.inbox.run()) for app in apps]
    try:
        yield
    finally:
        for app in apps:
            await app.inbox.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def all_done(app: App) -> bool:
    async with app.sessionmaker() as session:
        statuses = (await session.exec(select(Inbox.status))).all()
    return bool(statuses) and all(status == "done" for status in statuses)


async def transcript(app: App) -> dict[str, list[str]]:
    """Each citizen's inbound texts in the order their rows were written."""
    async with app.sessionmaker() as session:
        rows = (
            await session.exec(
                select(Citizen.external_id, Message.text)
                .join(Citizen, col(Citizen.id) == col(Message.citizen_id))
                .where(Message.direction == "in")
                .order_by(col(Message.id))
            )
        ).all()
    found: dict[str, list[str]] = {}
    for who, said in rows:
        found.setdefault(who, []).append(said)
    return found


async def test_two_replicas_handle_each_update_once_and_each_chat_in_order(
    pg_url: str, tmp_path: Path
) -> None:
    chats = [7000 + n for n in range(12)]
    per_chat = 6
    # Interleaved: the k-th message of every chat, then the (k+1)-th, as a busy hour sends them.
    updates = [
        private_message(1000 + k * len(chats) + n, chat, f"pesan {k} dari {chat}")
        for k in range(per_chat)
        for n, chat in enumerate(chats)
    ]
    seen = Seen()
    async with replicas(pg_url, tmp_path) as apps:
        for n, app in enumerate(apps):
            seen.watch(app, n)
        async with running(apps):
            # They arrive in batches while both replicas drain, as a webhook stores them.
            for start in range(0, len(updates), 9):
                await store(apps[start % 2], updates[start : start + 9])
                for app in apps:
                    app.inbox.notify()
            await until(lambda: all_done(apps[0]))
        expected = {str(c): [f"pesan {k} dari {c}" for k in range(per_chat)] for c in chats}
        # Each update once, by one replica or the other; each chat's in the order sent.
        assert sorted(said for _, _, said in seen.handled) == sorted(
            said for texts in expected.values() for said in texts
        )
        for chat in chats:
            order = [said for _, who, said in seen.handled if who == chat]
            assert order == expected[str(chat)]
        assert await transcript(apps[0]) == expected


async def test_a_chat_held_by_one_replica_waits_and_other_chats_go_on(
    pg_url: str, tmp_path: Path
) -> None:
    """The cross-replica lock itself: while one replica's transaction holds chat 1, the other
    neither takes its next update (nor counts that as a failed try) nor waits for it."""
    async with replicas(pg_url, tmp_path) as (first, second):
        await store(
            first,
            [
                private_message(1, 71, "satu"),
                private_message(2, 71, "dua"),
                private_message(3, 72, "lain"),
            ],
        )
        async with first.sessionmaker() as session:
            ids = (await session.exec(select(Inbox.id).order_by(col(Inbox.id)))).all()
        one, two, other = ids
        assert one is not None and two is not None and other is not None
        async with first.sessionmaker() as holder:
            assert await InboxRepo(holder).take(one, MONDAY_10)  # replica 1 handles "satu"
            async with second.sessionmaker() as session:
                with pytest.raises(ChatBusy):
                    await InboxRepo(session).take(two, MONDAY_10)
            # The other replica's worker: chat 72 is served, chat 71 left as it is.
            await second.inbox.dispatch_once()
            await until(lambda: _status_is(second, other, "done"))
            await asyncio.gather(*second.inbox._tasks)
            async with second.sessionmaker() as session:
                row = await session.get(Inbox, one)
                assert row is not None and (row.status, row.attempts) == ("pending", 0)
            await holder.commit()
        # "dua" before "satu" was done would break the chat's order; now it may go.
        async with second.sessionmaker() as session:
            assert await InboxRepo(session).take(two, MONDAY_10)
            await session.commit()


async def test_a_later_update_never_overtakes_an_older_pending_one_of_its_chat(
    pg_url: str, tmp_path: Path
) -> None:
    """Even with no lock held (the older one waits for its retry, or its replica rolled back
    to do slow work first), the newer update of the chat is not taken before it."""
    async with replicas(pg_url, tmp_path, count=1) as (app,):
        await store(app, [private_message(1, 81, "satu"), private_message(2, 81, "dua")])
        async with app.sessionmaker() as session:
            one, two = (await session.exec(select(Inbox.id).order_by(col(Inbox.id)))).all()
        assert one is not None and two is not None
        async with app.sessionmaker() as session:
            with pytest.raises(ChatBusy):
                await InboxRepo(session).take(two, MONDAY_10)
        async with app.sessionmaker() as session:
            assert await InboxRepo(session).take(one, MONDAY_10)
            await session.commit()
        async with app.sessionmaker() as session:
            assert await InboxRepo(session).take(two, MONDAY_10)
            await session.commit()
        async with app.sessionmaker() as session:
            assert not await InboxRepo(session).take(two, MONDAY_10)  # done already


async def _status_is(app: App, row_id: int, status: str) -> bool:
    async with app.sessionmaker() as session:
        row = await session.get(Inbox, row_id)
        return row is not None and row.status == status
