"""The desk on a real database (SQLite and PostgreSQL), built as create_app builds it: what a
citizen's message leaves behind in the transcript, the tickets and the outbox. Flood control
and the open-tickets limit are here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col

from bot.app import App
from bot.texts import t
from storage.models import Citizen, Outbox, Ticket, UnansweredQuestion
from tests import core_app
from tests.core_app import CITIZEN, STAFF, clock, inbound, messages, texts_to

FLOOD_NOTICE = t("flood", "id")


@pytest.fixture
async def app(migrated_db_url: str, tmp_path: Path) -> AsyncIterator[App]:
    async for built in core_app.build(migrated_db_url, tmp_path):
        yield built


async def ask(app: App, text: str, who: str = CITIZEN) -> None:
    async with app.sessionmaker() as session:
        await app.desk.ask(session, inbound(text, who=who))


async def call_officer(app: App, who: str = CITIZEN) -> None:
    async with app.sessionmaker() as session:
        await app.desk.call_officer(session, inbound("/petugas", kind="command", who=who))


async def test_a_faq_question_is_answered_and_both_sides_are_in_the_transcript(app: App) -> None:
    await ask(app, "min jam brp kantor ppid buka?")
    (reply,) = await core_app.rows(app, Outbox)
    assert reply.chat_id == CITIZEN and reply.status == "pending"
    assert "08.00" in reply.payload["text"]
    assert "&lt;Istirahat&gt;" in reply.payload["text"]  # escaped for parse mode HTML
    # The answer offers a person, since there is a staff group.
    assert reply.payload["buttons"]
    transcript = await messages(app)
    assert [(m.direction, m.faq_entry_id) for m in transcript] == [
        ("in", None),
        ("out", "jam-layanan"),
    ]
    assert transcript[0].text == "min jam brp kantor ppid buka?"
    assert all(m.created_at == app.clock.now() for m in transcript)
    assert await core_app.tickets(app) == []


async def test_an_unanswerable_question_is_recorded_and_becomes_a_ticket(app: App) -> None:
    await ask(app, "resep rendang padang yang enak gimana ya")
    (question,) = await core_app.rows(app, UnansweredQuestion)
    assert question.text == "resep rendang padang yang enak gimana ya"
    (ticket,) = await core_app.tickets(app)
    assert ticket.number == "LC-2026-000001"
    assert ticket.subject == "resep rendang padang yang enak gimana ya"
    (reply,) = await texts_to(app, CITIZEN)
    assert "belum menemukan jawaban" in reply and ticket.number in reply
    # The officers get the ticket's card in their group.
    assert any(ticket.number in text for text in await texts_to(app, STAFF))
    # The question is part of the ticket's transcript.
    assert (await messages(app))[0].ticket_id == ticket.id


async def test_a_follow_up_in_an_open_ticket_goes_to_the_officers_not_the_faq(app: App) -> None:
    await call_officer(app)
    (ticket,) = await core_app.tickets(app)
    before = len(await texts_to(app, CITIZEN))
    # A FAQ question, yet inside a ticket.
    async with app.sessionmaker() as session:
        event = inbound("jam berapa kantor ppid buka?", external_message_id="42")
        await app.desk.ask(session, event)
    assert len(await texts_to(app, CITIZEN)) == before  # no FAQ answer
    inbound_rows = [m for m in await messages(app) if m.direction == "in"]
    assert inbound_rows[-1].ticket_id == ticket.id
    # Copied into the ticket's topic (a copy keeps what the citizen sent as it is).
    last = (await core_app.rows(app, Outbox, col(Outbox.chat_id) == str(STAFF)))[-1]
    assert (last.method, last.ticket_id) == ("copy", ticket.id)
    assert last.payload["from_chat_id"] == int(CITIZEN) and last.payload["message_id"] == 42


async def test_calling_an_officer_twice_keeps_one_ticket(app: App) -> None:
    await call_officer(app)
    await call_officer(app)
    (ticket,) = await core_app.tickets(app)
    assert (await texts_to(app, CITIZEN))[-1] == t("ticket_exists", "id", number=ticket.number)


async def test_cancel_closes_the_open_ticket(app: App) -> None:
    await call_officer(app)
    async with app.sessionmaker() as session:
        await app.desk.cancel(session, inbound("/batal", kind="command"))
    (ticket,) = await core_app.tickets(app)
    assert (ticket.status, ticket.close_reason) == ("closed", "citizen")
    assert ticket.closed_at == app.clock.now()
    # Its response clock stops with it.
    assert {s.status for s in await core_app.steps(app, ticket.id)} == {"cancelled"}


async def test_a_chosen_language_holds_for_later_replies(app: App) -> None:
    async with app.sessionmaker() as session:
        await app.desk.language(session, inbound("/bahasa en", kind="command"), "en")
    await ask(app, "resep rendang padang yang enak gimana ya")
    replies = await texts_to(app, CITIZEN)
    assert replies[0] == t("language_set", "en")
    (ticket,) = await core_app.tickets(app)
    assert replies[1].startswith(t("ticket_opened_unanswered", "en", number=ticket.number)[:30])


# -- flood control (limits.messages_per_minute, default 20) ------------------------------------


async def test_the_21st_message_in_a_minute_gets_one_notice_and_the_rest_are_kept_unanswered(
    app: App,
) -> None:
    limit = app.config.limits.messages_per_minute
    assert limit == 20
    for _ in range(limit + 5):
        await ask(app, "jam berapa kantor ppid buka?")
        clock(app).advance(timedelta(seconds=2))  # 25 messages within 50 seconds
    replies = await texts_to(app, CITIZEN)
    assert len(replies) == limit + 1
    assert all("08.00" in text for text in replies[:limit])
    assert replies[limit] == FLOOD_NOTICE
    # Every message is stored, answered or not.
    inbound_rows = [m for m in await messages(app) if m.direction == "in"]
    assert len(inbound_rows) == limit + 5
    # A minute after the first ones the window has room again: answered as usual.
    clock(app).advance(timedelta(seconds=60))
    await ask(app, "jam berapa kantor ppid buka?")
    replies = await texts_to(app, CITIZEN)
    assert len(replies) == limit + 2 and "08.00" in replies[-1]


async def test_flood_control_counts_each_citizen_on_its_own(app: App) -> None:
    for _ in range(app.config.limits.messages_per_minute):
        await ask(app, "jam berapa kantor ppid buka?")
    await ask(app, "jam berapa kantor ppid buka?", who="501")  # someone else, same minute
    assert "08.00" in (await texts_to(app, "501"))[0]
    await ask(app, "jam berapa kantor ppid buka?")
    assert (await texts_to(app, CITIZEN))[-1] == FLOOD_NOTICE


async def test_a_flooding_citizen_opens_no_ticket(app: App) -> None:
    for _ in range(app.config.limits.messages_per_minute):
        await ask(app, "jam berapa kantor ppid buka?")
    await call_officer(app)  # the 21st: the notice, no ticket
    await call_officer(app)  # the 22nd: silence
    assert await core_app.tickets(app) == []
    assert (await texts_to(app, CITIZEN))[-1] == FLOOD_NOTICE
    assert [m.text for m in await messages(app) if m.direction == "in"][-2:] == [
        "/petugas",
        "/petugas",
    ]


# -- the open-tickets limit (limits.open_tickets_per_citizen, default 3) -----------------------


async def open_requests(app: App, count: int) -> None:
    """Open formal-request tickets (PI) for the citizen, as the request form does."""
    async with app.sessionmaker() as session:
        await app.desk.start(session, inbound("/start", kind="command"))
    citizen_id = (await core_app.citizen(app)).id
    for n in range(count):
        async with app.sessionmaker() as session:
            citizen = await session.get(Citizen, citizen_id)
            assert citizen is not None
            await app.desk.tickets.create(
                session, citizen, prefix="PI", subject=f"permohonan {n}", detail="request"
            )
            await session.commit()


async def test_a_citizen_at_the_open_tickets_limit_is_told_and_gets_no_new_ticket(
    app: App,
) -> None:
    limit = app.config.limits.open_tickets_per_citizen
    assert limit == 3
    await open_requests(app, limit)
    await call_officer(app)
    assert [tk.kind for tk in await core_app.tickets(app)] == ["PI"] * limit
    assert (await texts_to(app, CITIZEN))[-1] == t("ticket_limit", "id", count=limit)
    # The same for a question the FAQ cannot answer: recorded, but no ticket.
    await ask(app, "resep rendang padang yang enak gimana ya")
    assert len(await core_app.tickets(app)) == limit
    assert len(await core_app.rows(app, UnansweredQuestion)) == 1


async def test_below_the_open_tickets_limit_a_ticket_opens_and_closed_ones_do_not_count(
    app: App,
) -> None:
    limit = app.config.limits.open_tickets_per_citizen
    await open_requests(app, limit)
    first_id = (await core_app.tickets(app))[0].id
    async with app.sessionmaker() as session:
        first = await session.get(Ticket, first_id)
        assert first is not None
        await app.desk.tickets.close_decided(session, first, core_app.OFFICER, "granted")
        await session.commit()
    await call_officer(app)
    live = await core_app.rows(app, Ticket, col(Ticket.kind) == "LC")
    assert len(live) == 1 and live[0].status in ("open", "assigned")


async def test_the_open_tickets_limit_is_configuration(
    migrated_db_url: str, tmp_path: Path
) -> None:
    async for app in core_app.build(
        migrated_db_url, tmp_path, "[limits]\nopen_tickets_per_citizen = 1\n"
    ):
        await open_requests(app, 1)
        await call_officer(app)
        assert (await texts_to(app, CITIZEN))[-1] == t("ticket_limit", "id", count=1)
        assert len(await core_app.tickets(app)) == 1
