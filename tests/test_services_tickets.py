"""TicketService and SlaService on a real database (SQLite and PostgreSQL), built as create_app
builds them, with a FrozenClock: routing, answers, closing, reopening, ratings, numbers, and
the response clock's steps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col

from bot.app import App
from bot.texts import t
from storage.models import Outbox, Ticket
from tests import core_app
from tests.core_app import BOSS, CITIZEN, MONDAY_10, OFFICER, STAFF, clock, inbound, texts_to

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
async def app(migrated_db_url: str, tmp_path: Path) -> AsyncIterator[App]:
    async for built in core_app.build(migrated_db_url, tmp_path):
        yield built


async def duty(app: App, officer: int = OFFICER) -> None:
    async with app.sessionmaker() as session:
        # An officer is known once seen in the staff group; then /duty on.
        await app.desk.tickets.learn_officer(session, officer, "Ani Petugas", None)
        await app.desk.tickets.set_duty(session, officer, True)
        await session.commit()


async def call_officer(app: App, who: str = CITIZEN) -> Ticket:
    async with app.sessionmaker() as session:
        await app.desk.call_officer(session, inbound("/petugas", kind="command", who=who))
    return (await core_app.tickets(app))[-1]


async def ask(app: App, text: str) -> None:
    async with app.sessionmaker() as session:
        await app.desk.ask(session, inbound(text))


async def answer(app: App, ticket_id: int, text: str = "Baik, kami bantu.") -> None:
    async with app.sessionmaker() as session:
        ticket = await session.get(Ticket, ticket_id)
        assert ticket is not None
        await app.desk.tickets.relay_out(
            session,
            ticket,
            OFFICER,
            chat_id=STAFF,
            message_id=77,
            kind="text",
            text=text,
            thread_id=5,
        )
        await session.commit()


async def close(app: App, ticket_id: int) -> bool:
    async with app.sessionmaker() as session:
        ticket = await session.get(Ticket, ticket_id)
        assert ticket is not None
        closed = await app.desk.tickets.close_by_officer(session, ticket, OFFICER)
        await session.commit()
    return closed


async def test_a_new_ticket_goes_to_the_officer_on_duty(app: App) -> None:
    await duty(app)
    ticket = await call_officer(app)
    assert (ticket.number, ticket.status, ticket.assignee_id) == (
        "LC-2026-000001",
        "assigned",
        OFFICER,
    )
    assert ticket.created_at == MONDAY_10 and ticket.staff_chat_id == STAFF
    staff = await texts_to(app, STAFF)
    assert staff[0].startswith(f"🎫 <b>{ticket.number}</b>")  # the card
    assert f"tg://user?id={OFFICER}" in staff[1]  # who has it
    (reply,) = await texts_to(app, CITIZEN)
    assert reply.startswith(t("ticket_opened", "id", number=ticket.number)[:40])


async def test_with_nobody_on_duty_the_ticket_waits_in_the_queue(app: App) -> None:
    ticket = await call_officer(app)
    assert (ticket.status, ticket.assignee_id) == ("open", None)
    assert "antrean" in (await texts_to(app, STAFF))[-1]
    async with app.sessionmaker() as session:
        queue = await app.desk.tickets.queue(session)
    assert [tk.number for tk, _ in queue] == [ticket.number]


async def test_numbers_take_the_year_of_the_office_time_zone(app: App) -> None:
    # 31 December 17:30 UTC is already New Year's Day 00:30 in Jakarta.
    clock(app).set(datetime(2026, 12, 31, 17, 30, tzinfo=UTC))
    assert (await call_officer(app)).number == "LC-2027-000001"
    assert (await call_officer(app, who="501")).number == "LC-2027-000002"


async def test_an_answer_is_copied_to_the_citizen_and_stops_the_clock(app: App) -> None:
    ticket = await call_officer(app)
    assert ticket.id is not None
    clock(app).advance(timedelta(minutes=5))
    await answer(app, ticket.id)
    (fresh,) = await core_app.tickets(app)
    assert fresh.status == "waiting" and fresh.assignee_id == OFFICER  # claimed by answering
    assert fresh.first_response_at == MONDAY_10 + timedelta(minutes=5)
    assert {s.status for s in await core_app.steps(app, ticket.id)} == {"cancelled"}
    (copy,) = await core_app.rows(
        app, Outbox, col(Outbox.chat_id) == CITIZEN, col(Outbox.method) == "copy"
    )
    assert copy.payload["text"] == "Baik, kami bantu."
    assert (copy.payload["from_chat_id"], copy.payload["message_id"]) == (STAFF, 77)
    # The citizen writes again: a new round of the response clock, from now.
    clock(app).advance(timedelta(minutes=1))
    await ask(app, "pak, sudah ada kabar?")
    (fresh,) = await core_app.tickets(app)
    assert (fresh.status, fresh.sla_round) == ("assigned", 2)
    pending = [s for s in await core_app.steps(app, ticket.id) if s.status == "pending"]
    assert [(s.round, s.due_at) for s in pending] == [
        (2, MONDAY_10 + timedelta(minutes=6 + 15)),
        (2, MONDAY_10 + timedelta(minutes=6 + 60)),
    ]


async def test_closed_by_an_officer_then_reopened_by_the_citizen_within_the_window(
    app: App,
) -> None:
    ticket = await call_officer(app)
    assert ticket.id is not None
    assert await close(app, ticket.id)
    assert not await close(app, ticket.id)  # once
    (closed,) = await core_app.tickets(app)
    assert (closed.status, closed.close_reason, closed.closed_at) == (
        "closed",
        "officer",
        MONDAY_10,
    )
    closing = (await core_app.rows(app, Outbox, col(Outbox.chat_id) == CITIZEN))[-1]
    assert len(closing.payload["buttons"]) == 4  # the 1-4 satisfaction scale
    clock(app).advance(timedelta(hours=23))  # within tickets.reopen_within (24h)
    await ask(app, "maaf, satu pertanyaan lagi")
    (reopened,) = await core_app.tickets(app)
    assert (reopened.status, reopened.closed_at) == ("open", None)
    assert (await texts_to(app, CITIZEN))[-1] == t("ticket_reopened", "id", number=ticket.number)


async def test_after_the_reopen_window_a_question_is_answered_afresh(app: App) -> None:
    ticket = await call_officer(app)
    assert ticket.id is not None
    await close(app, ticket.id)
    clock(app).advance(timedelta(hours=25))
    await ask(app, "jam berapa kantor ppid buka?")
    (still_closed,) = await core_app.tickets(app)
    assert still_closed.status == "closed"
    assert "08.00" in (await texts_to(app, CITIZEN))[-1]


async def test_a_rating_is_kept_once_and_only_for_ones_own_ticket(app: App) -> None:
    ticket = await call_officer(app)
    assert ticket.id is not None
    await close(app, ticket.id)
    data = app.desk.codec.pack("r", str(ticket.id), "4")
    async with app.sessionmaker() as session:
        await app.desk.button(session, inbound("", kind="callback", who="501"), data)
    assert (await core_app.tickets(app))[0].rating is None  # not the other citizen's to rate
    for _ in range(2):
        async with app.sessionmaker() as session:
            await app.desk.button(session, inbound("", kind="callback"), data)
    (rated,) = await core_app.tickets(app)
    assert (rated.rating, rated.rated_at) == (4, MONDAY_10)
    replies = await texts_to(app, CITIZEN)
    assert replies[-2:] == [t("rating_thanks", "id", score=4), t("rating_done", "id")]


# -- SlaService: the response clock's steps ------------------------------------------------------


async def test_steps_are_due_in_office_time_and_fire_once_not_before(app: App) -> None:
    await duty(app)
    ticket = await call_officer(app)
    assert ticket.id is not None
    first, second = await core_app.steps(app, ticket.id)
    assert (first.notify, first.due_at) == ("assignee", MONDAY_10 + timedelta(minutes=15))
    assert (second.notify, second.due_at) == ("coordinators", MONDAY_10 + timedelta(hours=1))
    sla = app.scheduler.sla
    clock(app).set(first.due_at - timedelta(seconds=1))
    assert await sla.fire_due(app.sessionmaker) == 0
    clock(app).set(first.due_at)
    assert await sla.fire_due(app.sessionmaker) == 1
    assert await sla.fire_due(app.sessionmaker) == 0
    escalation = (await texts_to(app, STAFF))[-1]
    assert "⏰" in escalation and f"tg://user?id={OFFICER}" in escalation
    clock(app).set(second.due_at)
    assert await sla.fire_due(app.sessionmaker) == 1
    (private,) = await texts_to(app, BOSS)
    assert ticket.number in private
    fired = await core_app.steps(app, ticket.id)
    assert [(s.status, s.fired_at) for s in fired] == [
        ("fired", first.due_at),
        ("fired", second.due_at),
    ]


async def test_after_hours_the_clock_waits_for_the_next_opening(app: App) -> None:
    # Monday 20:00 WIB: 15 minutes of office time end at Tuesday 08:15 WIB.
    clock(app).set(datetime(2026, 11, 30, 20, 0, tzinfo=WIB))
    ticket = await call_officer(app)
    assert ticket.id is not None
    first, second = await core_app.steps(app, ticket.id)
    assert first.due_at == datetime(2026, 12, 1, 8, 15, tzinfo=WIB)
    assert second.due_at == datetime(2026, 12, 1, 9, 0, tzinfo=WIB)
    sla = app.scheduler.sla
    assert sla.overdue(first.started_at, datetime(2026, 12, 1, 8, 15, tzinfo=WIB))
    assert not sla.overdue(first.started_at, datetime(2026, 12, 1, 8, 14, tzinfo=WIB))
    # The citizen is told when officers are back.
    assert "Selasa, 1 Desember 2026 pukul 08:00 WIB" in (await texts_to(app, CITIZEN))[-1]


async def test_a_closed_tickets_steps_never_fire(app: App) -> None:
    ticket = await call_officer(app)
    assert ticket.id is not None
    await close(app, ticket.id)
    before = len(await core_app.rows(app, Outbox))
    clock(app).advance(timedelta(days=3))
    assert await app.scheduler.sla.fire_due(app.sessionmaker) == 0
    assert len(await core_app.rows(app, Outbox)) == before
    assert {s.status for s in await core_app.steps(app, ticket.id)} == {"cancelled"}
