"""Several replicas on one PostgreSQL database (issue 15, item 2 and the in-process part of 3).

Two real polling processes cannot share one bot, so each replica here is an app as create_app
builds it (tests.core_app), with its own inbox worker, dispatcher and sessions, on one shared
PostgreSQL database; their workers run at the same time on this event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiogram.types import Message as TgMessage
from sqlmodel import col, select

from bot.app import App
from bot.core.dto import Contact, Inbound
from bot.core.formal.request_form import DIP_GO, FIELD_STEPS, Step
from bot.core.retention import JOB as RETENTION_JOB
from bot.outbox import CLAIM_LEASE, OutboxSender
from bot.ratelimit import SendLimiter
from storage.models import (
    Citizen,
    FormState,
    Inbox,
    InfoRequest,
    JobRun,
    Message,
    Outbox,
    SlaStep,
    Ticket,
)
from storage.repositories import ChatBusy, InboxRepo, OutboxRepo
from tests import core_app
from tests.core_app import MONDAY_10
from tests.test_request_form import ENTITY

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


# -- numbers, forms and schedules with two replicas -------------------------------------------


def citizen_event(who: str, text: str, kind: str = "text") -> Inbound:
    return Inbound(
        contact=Contact("telegram", who, f"Warga {who}"),
        kind=kind,
        text=text,
        external_message_id="1",
    )


async def test_numbers_stay_unique_with_sixty_concurrent_creators_on_two_replicas(
    pg_url: str, tmp_path: Path
) -> None:
    """Sixty citizens call an officer at once, half through each replica: sixty live-chat
    numbers, no gap, no repeat; the same for objection numbers (the same numbering path,
    TicketService.create, with the objection prefix)."""
    async with replicas(pg_url, tmp_path) as apps:

        async def call(n: int) -> None:
            app = apps[n % 2]
            async with app.sessionmaker() as session:
                await app.desk.call_officer(session, citizen_event(str(3000 + n), "/petugas"))

        await asyncio.gather(*(call(n) for n in range(60)))
        live = [t.number for t in await core_app.tickets(apps[0])]
        assert sorted(live) == [f"LC-2026-{n:06d}" for n in range(1, 61)]

        async def objection(n: int) -> None:
            app = apps[n % 2]
            async with app.sessionmaker() as session:
                citizen = await core_app.citizen(app, str(3000 + n))
                merged = await session.merge(citizen)
                await app.desk.tickets.create(
                    session,
                    merged,
                    prefix=app.config.requests.objection_prefix,
                    subject="keberatan",
                    detail="objection",
                )
                await session.commit()

        await asyncio.gather(*(objection(n) for n in range(60)))
        numbers = [t.number for t in await core_app.tickets(apps[0]) if t.kind == "KB"]
        assert sorted(numbers) == [f"KB-2026-{n:06d}" for n in range(1, 61)]


async def test_fifty_request_forms_filled_through_alternating_replicas_stay_consistent(
    pg_url: str, tmp_path: Path
) -> None:
    """Fifty citizens fill the request form at once; each answer of a citizen reaches the
    other replica than the one before. Every request is filed once, with its own citizen's
    answers, a number of its own, and no form left half-way."""
    count = 50
    async with replicas(pg_url, tmp_path) as apps:

        async def fill(n: int) -> None:
            who = str(4000 + n)
            turn = n  # which replica gets the next answer: the other one each time

            def next_app() -> App:
                nonlocal turn
                turn += 1
                return apps[turn % 2]

            app = next_app()
            async with app.sessionmaker() as session:
                await app.desk.request(session, citizen_event(who, "/permohonan", "command"))
            for step in FIELD_STEPS:
                answer = ENTITY[step]
                app = next_app()
                async with app.sessionmaker() as session:
                    if answer.kind == "button":
                        assert answer.data is not None
                        await app.desk.button(
                            session, citizen_event(who, "", "callback"), answer.data
                        )
                    elif step is Step.NAME:
                        await app.desk.ask(session, citizen_event(who, f"Yayasan Warga {who}"))
                    else:
                        await app.desk.ask(session, citizen_event(who, answer.text))
                if step is Step.INFORMATION:
                    # The packaged information map offers its campaign-finance item for this
                    # information: file the request anyway (a no-op re-ask were it not offered).
                    app = next_app()
                    async with app.sessionmaker() as session:
                        await app.desk.button(session, citizen_event(who, "", "callback"), DIP_GO)
            app = next_app()
            async with app.sessionmaker() as session:
                await app.desk.button(session, citizen_event(who, "", "callback"), "rf:send")

        await asyncio.gather(*(fill(n) for n in range(count)))
        async with apps[0].sessionmaker() as session:
            rows = (
                await session.exec(
                    select(Citizen.external_id, InfoRequest.name, Ticket.number)
                    .join(Ticket, col(Ticket.id) == col(InfoRequest.ticket_id))
                    .join(Citizen, col(Citizen.id) == col(Ticket.citizen_id))
                )
            ).all()
            forms = (await session.exec(select(FormState))).all()
        assert forms == []  # every form finished, none stuck half-way on either replica
        assert len(rows) == count
        assert all(name == f"Yayasan Warga {who}" for who, name, _ in rows)
        assert sorted(number for _, _, number in rows) == [
            f"PI-2026-{n:06d}" for n in range(1, count + 1)
        ]


async def test_two_schedulers_fire_each_sla_step_and_each_daily_job_once(
    pg_url: str, tmp_path: Path
) -> None:
    """Both replicas' schedulers tick at the same moments; every escalation step is fired by
    exactly one of them, and the opening digest and the retention purge run once a day."""
    async with replicas(pg_url, tmp_path) as apps:
        for n in range(4):
            app = apps[n % 2]
            async with app.sessionmaker() as session:
                await app.desk.call_officer(session, citizen_event(str(6000 + n), "/petugas"))

        async def tick_both(at: datetime) -> int:
            for app in apps:
                core_app.clock(app).set(at)
            fired = await asyncio.gather(
                *(app.scheduler.sla.fire_due(app.sessionmaker) for app in apps)
            )
            await asyncio.gather(*(app.scheduler.push_tick() for app in apps))
            return sum(fired)

        # The ladder: 15 minutes (the assignee), 1 hour (the coordinators), for 4 tickets.
        assert await tick_both(MONDAY_10 + timedelta(minutes=16)) == 4
        assert await tick_both(MONDAY_10 + timedelta(minutes=17)) == 0
        assert await tick_both(MONDAY_10 + timedelta(hours=1, minutes=1)) == 4
        # Tuesday 08:05 WIB, twice: one opening digest, one retention purge for the day (as
        # on Monday, at the first tick).
        tuesday = datetime(2026, 12, 1, 1, 5, tzinfo=UTC)
        assert await tick_both(tuesday) == 0
        assert await tick_both(tuesday + timedelta(minutes=1)) == 0
        steps = await core_app.rows(apps[0], SlaStep)
        assert len(steps) == 8 and all(s.status == "fired" for s in steps)
        staff = await core_app.texts_to(apps[0], core_app.STAFF)
        assert sum("Ringkasan pembukaan" in text for text in staff) == 1
        boss = await core_app.texts_to(apps[0], core_app.BOSS)
        assert len(boss) == 4  # one coordinators' step per ticket, sent once
        runs = await core_app.rows(apps[0], JobRun, col(JobRun.job) == RETENTION_JOB)
        assert [run.key for run in runs] == ["2026-11-30", "2026-12-01"]  # once each day


# -- a replica that dies mid-transaction ------------------------------------------------------


async def test_a_replica_whose_connection_dies_mid_update_is_taken_over_nothing_doubled(
    pg_url: str, tmp_path: Path
) -> None:
    """Replica 0 is inside an update's transaction (the row taken, the chat held) when its
    database connection is terminated, as when its process is killed. Replica 1 waits for the
    chat meanwhile, then handles that update and the chat's next one, in order, once each."""
    chat = 9100
    entered, release = asyncio.Event(), asyncio.Event()
    backend: list[int] = []
    seen = Seen()
    async with replicas(pg_url, tmp_path) as (dying, survivor):

        async def stall(
            handler: Callable[[TgMessage, dict[str, Any]], Awaitable[Any]],
            event: TgMessage,
            data: dict[str, Any],
        ) -> Any:
            if event.text == "macet" and not entered.is_set():
                conn = await data["session"].connection()
                backend.append((await conn.exec_driver_sql("SELECT pg_backend_pid()")).scalar())
                entered.set()
                await release.wait()
            return await handler(event, data)

        dying.dispatcher.message.outer_middleware(stall)
        seen.watch(survivor, 1)
        await store(dying, [private_message(1, chat, "macet"), private_message(2, chat, "sesudah")])
        first = asyncio.create_task(dying.inbox.dispatch_once())
        await asyncio.wait_for(entered.wait(), timeout=30)
        # While replica 0 holds the chat, replica 1 neither takes its update nor the next.
        await survivor.inbox.dispatch_once()
        await asyncio.gather(*survivor.inbox._tasks)
        async with survivor.sessionmaker() as session:
            rows = (await session.exec(select(Inbox).order_by(col(Inbox.id)))).all()
        assert [(r.status, r.attempts) for r in rows] == [("pending", 0), ("pending", 0)]
        assert seen.handled == []
        # Replica 0 dies: PostgreSQL ends its session and rolls its transaction back.
        admin = await asyncpg.connect(pg_url.replace("postgresql+asyncpg", "postgresql"))
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", backend[0])
        finally:
            await admin.close()
        async with running([survivor]):
            await until(lambda: all_done(survivor))
        release.set()  # what was left of replica 0 wakes to a dead connection
        await first
        await asyncio.gather(*dying.inbox._tasks, return_exceptions=True)
        assert seen.handled == [(1, chat, "macet"), (1, chat, "sesudah")]
        assert await transcript(survivor) == {str(chat): ["macet", "sesudah"]}
        assert await all_done(survivor)


async def test_a_replica_cancelled_mid_update_leaves_the_update_to_the_other(
    pg_url: str, tmp_path: Path
) -> None:
    """The handling task itself is cancelled mid-transaction (the replica stopping hard): its
    transaction is rolled back, the chat is free, and the other replica handles it once."""
    chat = 9200
    entered = asyncio.Event()
    seen = Seen()
    async with replicas(pg_url, tmp_path) as (dying, survivor):

        async def stall(
            handler: Callable[[TgMessage, dict[str, Any]], Awaitable[Any]],
            event: TgMessage,
            data: dict[str, Any],
        ) -> Any:
            entered.set()
            await asyncio.Event().wait()  # never: the task is cancelled here
            return await handler(event, data)

        dying.dispatcher.message.outer_middleware(stall)
        seen.watch(survivor, 1)
        await store(dying, [private_message(1, chat, "batal di tengah")])
        await dying.inbox.dispatch_once()
        await asyncio.wait_for(entered.wait(), timeout=30)
        for task in list(dying.inbox._tasks):
            task.cancel()
        await asyncio.gather(*dying.inbox._tasks, return_exceptions=True)
        async with running([survivor]):
            await until(lambda: all_done(survivor))
        assert seen.handled == [(1, chat, "batal di tengah")]
        assert await transcript(survivor) == {str(chat): ["batal di tengah"]}


# -- the outbox with two replicas ---------------------------------------------------------------


class Channel:
    """Records the rows sent; a probe after a crash says "surely not delivered" (None)."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, row: Outbox) -> str:
        self.sent.append(row.payload["text"])
        return str(len(self.sent))

    async def probe(
        self, chat_id: str, method: str, payload: dict[str, Any], candidates: list[int]
    ) -> str | bool | None:
        return None


def sender_of(app: App, channel: Channel) -> OutboxSender:
    unlimited = SendLimiter(global_per_second=1000, private_per_second=1000, group_per_minute=1e5)
    return OutboxSender(app.sessionmaker, {"telegram": channel}, unlimited, app.clock)


async def test_a_dead_replicas_claims_are_settled_by_another_after_the_lease_in_order(
    pg_url: str, tmp_path: Path
) -> None:
    """Replica 0 claimed a row and died before sending it. Replica 1 leaves that chat alone
    while the claim is young (it might be in hand), settles it once the lease has passed
    (probed: not delivered, so sent once), then sends the chat's next row after it; a
    younger claim, a live replica's, is never touched."""
    async with replicas(pg_url, tmp_path) as (dying, survivor):
        async with dying.sessionmaker() as session:
            for chat, text in (("71", "satu"), ("71", "dua"), ("72", "di tangan")):
                await OutboxRepo(session).write(
                    channel="telegram",
                    chat_id=chat,
                    method="text",
                    payload={"text": text},
                    priority=0,
                    now=MONDAY_10,
                )
            await session.commit()
        async with dying.sessionmaker() as session:
            first, _, other = (await session.exec(select(Outbox.id).order_by(col(Outbox.id)))).all()
            assert first is not None and other is not None
            await OutboxRepo(session).claim([first], MONDAY_10)  # replica 0's, then it dies
            late = MONDAY_10 + CLAIM_LEASE - timedelta(minutes=1)
            await OutboxRepo(session).claim([other], late)  # a live replica's, in hand
            await session.commit()
        channel = Channel()
        sender = sender_of(survivor, channel)
        # Within the lease: nothing settled, and "dua" does not overtake "satu".
        core_app.clock(survivor).set(MONDAY_10 + timedelta(minutes=1))
        assert await sender.recover() == {"sent": 0, "pending": 0, "unknown": 0}
        await sender.drain_once()
        await asyncio.gather(*sender._tasks)
        assert channel.sent == []
        # Past the lease: settled (surely not delivered: sent again, once), then "dua".
        core_app.clock(survivor).set(MONDAY_10 + CLAIM_LEASE + timedelta(seconds=1))
        assert await sender.recover() == {"sent": 0, "pending": 1, "unknown": 0}
        task = asyncio.create_task(sender.run())
        try:
            await until(lambda: _sent_count(survivor, 2))
        finally:
            await sender.stop()
            await task
        assert channel.sent == ["satu", "dua"]
        async with survivor.sessionmaker() as session:
            held = await session.get(Outbox, other)
            assert held is not None and held.status == "sending"  # still the live replica's


async def _sent_count(app: App, count: int) -> bool:
    async with app.sessionmaker() as session:
        statuses = (await session.exec(select(Outbox.status))).all()
    return sum(status == "sent" for status in statuses) == count


async def test_slow_work_between_two_transactions_keeps_the_chat_in_order_across_replicas(
    pg_url: str, tmp_path: Path
) -> None:
    """Replica 0 meets an update that needs slow work (/reload builds the FAQ index): its
    transaction is rolled back and the work runs in a thread, with no lock held. The row stays
    pending, so the chat's next update cannot overtake it on replica 1; replica 1 may take the
    slow update itself, and then the next one; replica 0's late attempt finds it done."""
    group = {"id": core_app.STAFF, "type": "supergroup", "title": "Staf"}
    started, release = threading.Event(), threading.Event()
    async with replicas(pg_url, tmp_path) as (first, second):
        load = first.faq.load

        def slow_load() -> Any:
            started.set()
            release.wait(timeout=60)
            return load()

        first.faq.load = slow_load  # type: ignore[method-assign]
        updates = [
            staff_message(1, group, "/reload"),
            staff_message(2, group, "/antrian"),
        ]
        async with first.sessionmaker() as session:
            rows = [
                {
                    "channel": "telegram",
                    "update_id": str(u["update_id"]),
                    "chat_key": f"tg:{core_app.STAFF}",
                    "payload": u,
                }
                for u in updates
            ]
            await InboxRepo(session).store(rows, MONDAY_10)
            await session.commit()
            _, later = (await session.exec(select(Inbox.id).order_by(col(Inbox.id)))).all()
        assert later is not None
        await first.inbox.dispatch_once()
        assert await asyncio.to_thread(started.wait, 30)  # replica 0 builds, outside any lock
        async with second.sessionmaker() as session:
            with pytest.raises(ChatBusy):
                await InboxRepo(session).take(later, MONDAY_10)
        async with running([second]):
            await until(lambda: all_done(second))
        release.set()
        await asyncio.gather(*first.inbox._tasks)
        said = [
            text
            for text in await core_app.texts_to(second, core_app.STAFF)
            if "FAQ" in text or "Antrean" in text or "Tiket tanpa petugas" in text
        ]
        assert len(said) == 2 and "FAQ" in said[0] and "FAQ" not in said[1]


def staff_message(update_id: int, chat: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(MONDAY_10.timestamp()),
            "chat": chat,
            "from": {"id": core_app.OFFICER, "is_bot": False, "first_name": "Petugas"},
            "text": text,
        },
    }


# -- files edited under running replicas --------------------------------------------------------

MAP = """
[[item]]
id = "laporan-tahunan"
title = "Laporan tahunan kantor"
category = "berkala"
summary = "Kegiatan dan capaian kantor selama setahun."
keywords = ["laporan tahunan"]
where = "https://kantor.example/laporan-tahunan.pdf"
format = "PDF"
"""
DUTY_ITEM = """
[[item]]
id = "jadwal-piket-pengawasan"
title = "Jadwal piket posko pengawasan"
category = "setiap_saat"
summary = "Siapa berjaga di posko pengawasan setiap hari."
keywords = ["jadwal piket", "posko"]
where = "Papan pengumuman kantor"
format = "cetak"
"""


async def test_two_replicas_reload_an_edited_map_and_the_notice_is_posted_once(
    pg_url: str, tmp_path: Path
) -> None:
    """Both replicas read the edited map (their citizens get the new item, no /reload), and
    the staff group is told once: the first replica to claim the files' contents posts; the
    same for a broken save (both keep the old map) and for going back to an earlier version."""
    shared = tmp_path / "dip.toml"
    shared.write_text(MAP, encoding="utf-8")
    async with replicas(pg_url, tmp_path, extra=EXTRA + f'[dip]\npaths = ["{shared}"]\n') as apps:

        async def both_look() -> list[int]:
            # At the same moment, as two replicas polling the same files would.
            return list(await asyncio.gather(*(app.watcher.check() for app in apps)))

        async def notices(words: str) -> int:
            return sum(words in text for text in await core_app.texts_to(apps[0], core_app.STAFF))

        async def handed_over(app: App, who: str) -> bool:
            async with app.sessionmaker() as session:
                await app.desk.ask(
                    session, core_app.inbound("jadwal piket posko pengawasan", who=who)
                )
            said = await core_app.texts_to(app, who)
            return any("Papan pengumuman kantor" in text for text in said)

        assert await both_look() == [0, 0]
        assert not await handed_over(apps[0], "7001")
        shared.write_text(MAP + DUTY_ITEM, encoding="utf-8")
        assert await both_look() == [1, 1]  # each replica reloaded for itself
        assert await handed_over(apps[0], "7002") and await handed_over(apps[1], "7003")
        assert await notices("Daftar Informasi Publik dimuat ulang: 2 item") == 1

        shared.write_text(MAP + DUTY_ITEM + "\n[[item]]\nid = ", encoding="utf-8")
        assert await both_look() == [1, 1]
        assert await notices("Daftar Informasi Publik tidak dimuat ulang") == 1
        assert await handed_over(apps[0], "7004") and await handed_over(apps[1], "7005")

        shared.write_text(MAP + DUTY_ITEM, encoding="utf-8")  # the good version again
        assert await both_look() == [1, 1]
        assert await notices("Daftar Informasi Publik dimuat ulang: 2 item") == 2
        assert await notices("Daftar Informasi Publik") == 3

        # The knowledge base too: each replica has its own copy of the same file.
        for n in range(2):
            kb = tmp_path / f"replica{n}" / "kb" / "faq.toml"
            kb.write_text(kb.read_text(encoding="utf-8") + "\n# disunting\n", encoding="utf-8")
        assert await both_look() == [1, 1]
        assert await notices("Basis pengetahuan FAQ dimuat ulang") == 1
