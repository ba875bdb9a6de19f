"""RequestService and Pushes on a real database (SQLite and PostgreSQL), built as create_app
builds them, with a FrozenClock: a formal request filed through the desk's form, its statutory
deadline, extension, decision and the objection that may follow; scheduled pushes on working
days only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col

from bot.app import App
from bot.core.formal.request_form import DIP_GO, FIELD_STEPS, Step
from storage.models import FormState, InfoRequest, Outbox, Ticket
from tests import core_app
from tests.core_app import CITIZEN, MONDAY_10, OFFICER, STAFF, clock, decide, inbound, texts_to
from tests.test_request_form import ENTITY


@pytest.fixture
async def app(migrated_db_url: str, tmp_path: Path) -> AsyncIterator[App]:
    async for built in core_app.build(migrated_db_url, tmp_path):
        yield built


async def press(app: App, data: str) -> None:
    async with app.sessionmaker() as session:
        await app.desk.button(session, inbound("", kind="callback"), data)


async def say(app: App, text: str) -> None:
    async with app.sessionmaker() as session:
        await app.desk.ask(session, inbound(text))


async def file_request(app: App) -> tuple[Ticket, InfoRequest]:
    """/permohonan, every field answered as a legal entity would, then "send"."""
    async with app.sessionmaker() as session:
        await app.desk.request(session, inbound("/permohonan", kind="command"))
    for step in FIELD_STEPS:
        answer = ENTITY[step]
        if answer.kind == "button":
            assert answer.data is not None
            await press(app, answer.data)
        else:
            await say(app, answer.text)
        if step is Step.INFORMATION:
            (state,) = await core_app.rows(app, FormState)
            if state.data["step"] == "dip_offer":
                # The information map offered a published item first: file the request anyway.
                await press(app, DIP_GO)
    await press(app, "rf:send")
    (ticket,) = await core_app.rows(app, Ticket, col(Ticket.kind) == "PI")
    (request,) = await core_app.rows(app, InfoRequest)
    return ticket, request


async def test_a_request_filed_through_the_form_gets_its_number_and_legal_deadline(
    app: App,
) -> None:
    ticket, request = await file_request(app)
    assert ticket.number == "PI-2026-000001"
    assert request.ticket_id == ticket.id
    assert (request.requester_kind, request.name) == (
        "badan_hukum",
        "Yayasan Lembaga Bantuan Hukum Bandung",
    )
    assert (request.obtain, request.receive) == ("melihat", "pos")
    # Received Monday 30 November 2026; ten working days counted from the next day.
    assert (request.received_on, request.due_on) == (date(2026, 11, 30), date(2026, 12, 14))
    assert await core_app.rows(app, FormState) == []  # the form is gone once filed
    assert ticket.number in (await texts_to(app, CITIZEN))[-1]
    assert any(ticket.number in text for text in await texts_to(app, STAFF))
    # Its statutory steps, not the live chat's: the last on the due day.
    assert ticket.id is not None
    steps = await core_app.steps(app, ticket.id)
    assert steps[-1].notify == "coordinators_daily"
    assert steps[-1].due_at.astimezone(ZoneInfo("Asia/Jakarta")).date() == date(2026, 12, 14)


async def test_an_extension_is_seven_working_days_and_only_once(app: App) -> None:
    ticket, _ = await file_request(app)
    assert ticket.id is not None
    assert await decide(app, ticket.id, "perpanjang") is not None  # a reason is required
    assert await decide(app, ticket.id, "perpanjang", "Data di kabupaten") is None
    (request,) = await core_app.rows(app, InfoRequest)
    assert (request.extended_to, request.extension_reason) == (
        date(2026, 12, 23),
        "Data di kabupaten",
    )
    assert request.decision is None  # still to be decided
    problem = await decide(app, ticket.id, "perpanjang", "lagi")
    assert problem is not None and ticket.number in problem


async def test_a_rejection_names_its_exemption_closes_the_ticket_and_sends_a_notice(
    app: App,
) -> None:
    ticket, _ = await file_request(app)
    assert ticket.id is not None
    clock(app).advance(timedelta(days=2))
    assert await decide(app, ticket.id, "tolak", "z bukan huruf") is not None
    assert await decide(app, ticket.id, "tolak", "h menyangkut data pribadi") is None
    (request,) = await core_app.rows(app, InfoRequest)
    assert (request.decision, request.exemption) == ("rejected", "h")
    assert request.decided_by == OFFICER and request.notice_on == date(2026, 12, 2)
    (closed,) = await core_app.rows(app, Ticket, col(Ticket.kind) == "PI")
    assert (closed.status, closed.close_reason) == ("closed", "decided")
    (notice,) = await core_app.rows(app, Outbox, col(Outbox.method) == "document")
    assert notice.chat_id == CITIZEN and notice.payload["filename"].endswith(".pdf")
    # Decided once.
    assert await decide(app, ticket.id, "kabulkan") is not None


async def test_an_objection_within_the_window_opens_its_form(app: App) -> None:
    ticket, _ = await file_request(app)
    assert ticket.id is not None
    assert await decide(app, ticket.id, "tolak", "h menyangkut data pribadi") is None
    clock(app).advance(timedelta(days=7))
    async with app.sessionmaker() as session:
        await app.desk.objection(
            session, inbound(f"/keberatan {ticket.number}", kind="command"), ticket.number
        )
    (state,) = await core_app.rows(app, FormState)
    assert state.kind == "objection"


async def test_an_office_without_coordinators_is_told_who_decides_an_objection(
    migrated_db_url: str, tmp_path: Path
) -> None:
    async for app in core_app.build(migrated_db_url, tmp_path, coordinators=()):
        ticket, _ = await file_request(app)
        assert ticket.id is not None
        assert await decide(app, ticket.id, "tolak", "h menyangkut data pribadi") is None
        async with app.sessionmaker() as session:
            await app.desk.objection(
                session, inbound(f"/keberatan {ticket.number}", kind="command"), ticket.number
            )
        await press(app, "kb:ground:a")
        await say(app, "Saya yakin kantor ini menyimpan data anggaran yang saya minta.")
        (objection,) = await core_app.rows(app, Ticket, col(Ticket.kind) == "KB")
        requests = app.desk.requests
        assert requests is not None
        async with app.sessionmaker() as session:
            said = await requests.decide_objection(session, objection, OFFICER, "terima Ada")
        # Not only "coordinators decide": there is none, and what to configure.
        assert said is not None and "belum punya koordinator" in said, said
        assert "coordinators" in said


async def test_another_citizens_request_cannot_be_objected_to(app: App) -> None:
    ticket, _ = await file_request(app)
    assert ticket.id is not None
    assert await decide(app, ticket.id, "tolak", "h menyangkut data pribadi") is None
    async with app.sessionmaker() as session:
        event = inbound(f"/keberatan {ticket.number}", kind="command", who="501")
        await app.desk.objection(session, event, ticket.number)
    assert await core_app.rows(app, FormState) == []
    assert await texts_to(app, "501")  # told why, politely


# -- Pushes: on working days only ---------------------------------------------------------------


async def test_no_opening_digest_on_a_national_holiday(app: App) -> None:
    async with app.sessionmaker() as session:
        await app.desk.call_officer(session, inbound("/petugas", kind="command"))
    pushes = app.scheduler.pushes
    # Friday 25 December 2026, Christmas, 08:05 WIB: closed, so no digest.
    clock(app).set(datetime(2026, 12, 25, 1, 5, tzinfo=UTC))
    async with app.sessionmaker() as session:
        assert not await pushes.opening_digest(session)
    # Monday 28 December, 08:05 WIB: the digest, once.
    clock(app).set(datetime(2026, 12, 28, 1, 5, tzinfo=UTC))
    for expected in (True, False):
        async with app.sessionmaker() as session:
            assert await pushes.opening_digest(session) is expected
            await session.commit()
    digests = [text for text in await texts_to(app, STAFF) if "Ringkasan pembukaan" in text]
    assert len(digests) == 1 and "Tiket terbuka: 1" in digests[0]


async def test_no_rating_reminder_for_a_rated_ticket(app: App) -> None:
    async with app.sessionmaker() as session:
        await app.desk.call_officer(session, inbound("/petugas", kind="command"))
    (ticket,) = await core_app.tickets(app)
    assert ticket.id is not None
    async with app.sessionmaker() as session:
        fresh = await session.get(Ticket, ticket.id)
        assert fresh is not None
        await app.desk.tickets.close_by_officer(session, fresh, OFFICER)
        await session.commit()
    await press(app, app.desk.codec.pack("r", str(ticket.id), "3"))
    clock(app).set(MONDAY_10 + timedelta(days=2))
    async with app.sessionmaker() as session:
        assert await app.scheduler.pushes.rating_reminders(session) == 0


# Regression: /kembali on "information requested" went back a step and was taken for an answer,
# so the information map's offer came up on the email question.
async def test_going_back_from_the_information_question_offers_nothing(app: App) -> None:
    async with app.sessionmaker() as session:
        await app.desk.request(session, inbound("/permohonan", kind="command"))
    for step in FIELD_STEPS[: FIELD_STEPS.index(Step.INFORMATION)]:
        answer = ENTITY[step]
        if answer.kind == "button":
            assert answer.data is not None
            await press(app, answer.data)
        else:
            await say(app, answer.text)
    await say(app, "Laporan keuangan Bawaslu Provinsi tahun 2025")  # a published item
    (state,) = await core_app.rows(app, FormState)
    assert state.data["step"] == "dip_offer"
    await say(app, "/kembali")  # back to the information question
    await say(app, "/kembali")  # and back again: to the email question, no offer
    (state,) = await core_app.rows(app, FormState)
    assert state.data["step"] == "email" and state.data["offers"] == []
    assert "sudah terbuka untuk umum" not in (await texts_to(app, CITIZEN))[-1]
