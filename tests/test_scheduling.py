"""Escalations and scheduled pushes through the real app wiring, with a frozen clock.

No Telegram here: the core writes to the outbox, and the tests read the outbox. Time moves
only when the test moves it, across nights, weekends and holidays.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App, create_app
from bot.config import load_config
from bot.core.clock import FrozenClock
from bot.core.dto import Contact, Inbound
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.models import (
    Citizen,
    InfoRequest,
    Notice,
    Outbox,
    SlaStep,
    Ticket,
    UnansweredQuestion,
)
from storage.repositories import CitizenRepo

TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmno"
STAFF = -1001234567890
OFFICER, BOSS = 111, 222
# Friday 27 November 2026, 15:50 WIB: ten minutes before closing.
FRIDAY_1550 = datetime(2026, 11, 27, 8, 50, tzinfo=UTC)


def make_app(migrated_db_url: str, clock: FrozenClock, tmp_path: Path) -> App:
    config_file = tmp_path / "bot.toml"
    config_file.write_text(
        f"""
[telegram]
token = "{TOKEN}"
api_base = "http://127.0.0.1:9"
staff_group_id = {STAFF}
[staff]
officers = [{OFFICER}]
coordinators = [{BOSS}]
[database]
url = "{migrated_db_url}"
[sla]
first_response = "15m"
[[sla.escalation]]
after = "15m"
notify = "assignee"
[[sla.escalation]]
after = "1wd"
notify = "coordinators"
""",
        encoding="utf-8",
    )
    return create_app(load_config(config_file, environ={}), clock=clock)


async def open_ticket(app: App, text: str = "/petugas") -> Ticket:
    event = Inbound(
        contact=Contact("telegram", "500", "Warga"),
        kind="command",
        text=text,
        external_message_id="7",
    )
    async with app.sessionmaker() as session:
        await app.desk.call_officer(session, event)
    async with app.sessionmaker() as session:
        return (await session.exec(select(Ticket))).one()


async def outbox(app: App) -> list[Outbox]:
    async with app.sessionmaker() as session:
        return list((await session.exec(select(Outbox).order_by(col(Outbox.id)))).all())


@pytest.fixture
async def app(migrated_db_url: str, tmp_path: Path):
    clock = FrozenClock(FRIDAY_1550)
    application = make_app(migrated_db_url, clock, tmp_path)
    await upgrade(application.engine)
    yield application
    await application.bot.session.close()
    await application.engine.dispose()


async def test_business_time_carries_the_clock_over_the_weekend(app: App) -> None:
    clock: FrozenClock = app.clock  # type: ignore[assignment]
    ticket = await open_ticket(app)
    async with app.sessionmaker() as session:
        steps = (await session.exec(select(SlaStep).order_by(col(SlaStep.step)))).all()
    # 10 minutes left on Friday, 5 more from Monday's 08:00 WIB opening.
    assert steps[0].due_at == datetime(2026, 11, 30, 1, 5, tzinfo=UTC)
    # One working day later, at the same time of day: Monday 15:50 WIB.
    assert steps[1].due_at == datetime(2026, 11, 30, 8, 50, tzinfo=UTC)
    clock.advance(timedelta(days=2))  # Sunday: nothing is due
    assert await app.scheduler.sla.fire_due(app.sessionmaker) == 0
    clock.set(datetime(2026, 11, 30, 1, 5, tzinfo=UTC))
    assert await app.scheduler.sla.fire_due(app.sessionmaker) == 1
    assert await app.scheduler.sla.fire_due(app.sessionmaker) == 0  # once
    rows = [r for r in await outbox(app) if "⏰" in r.payload.get("text", "")]
    assert len(rows) == 1 and rows[0].ticket_id == ticket.id and rows[0].chat_id == str(STAFF)
    assert not rows[0].payload["silent"]


async def test_two_replicas_firing_at_once_fire_each_step_once(
    app: App, migrated_db_url: str
) -> None:
    await open_ticket(app)
    app.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    other_engine = make_engine(migrated_db_url)  # a second replica: its own engine and pool
    try:
        other = make_sessionmaker(other_engine)
        counts = await asyncio.gather(
            app.scheduler.sla.fire_due(app.sessionmaker), app.scheduler.sla.fire_due(other)
        )
    finally:
        await other_engine.dispose()
    assert sum(counts) == 2  # two steps, each fired by exactly one replica
    private = [r for r in await outbox(app) if r.chat_id == str(BOSS)]
    assert len(private) == 1


async def test_an_answer_cancels_the_steps(app: App) -> None:
    ticket = await open_ticket(app)
    async with app.sessionmaker() as session:
        fresh = await session.get(Ticket, ticket.id)
        await app.desk.tickets.relay_out(
            session,
            fresh,
            OFFICER,
            chat_id=STAFF,
            message_id=99,
            kind="text",
            text="Halo",
            thread_id=5,
        )
        await session.commit()
    app.clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    assert await app.scheduler.sla.fire_due(app.sessionmaker) == 0
    async with app.sessionmaker() as session:
        assert {s.status for s in (await session.exec(select(SlaStep))).all()} == {"cancelled"}


async def test_opening_digest_once_per_working_day(app: App) -> None:
    await open_ticket(app)
    clock: FrozenClock = app.clock  # type: ignore[assignment]
    pushes = app.scheduler.pushes
    # Saturday morning: closed, no digest.
    clock.set(datetime(2026, 11, 28, 1, 5, tzinfo=UTC))
    async with app.sessionmaker() as session:
        assert not await pushes.opening_digest(session)
    # Monday 08:05 WIB: one digest, naming the overdue ticket; a second tick adds nothing.
    clock.set(datetime(2026, 11, 30, 1, 5, tzinfo=UTC))
    for expected in (True, False):
        async with app.sessionmaker() as session:
            assert await pushes.opening_digest(session) is expected
            await session.commit()
    digests = [r for r in await outbox(app) if "Ringkasan pembukaan" in r.payload.get("text", "")]
    assert len(digests) == 1
    assert "Tiket terbuka: 1" in digests[0].payload["text"]
    assert "Melewati target jawaban (15m): 1" in digests[0].payload["text"]
    # Monday afternoon, for a bot started late: no stale "opening" digest the next day either.
    clock.set(datetime(2026, 12, 1, 7, 0, tzinfo=UTC))
    async with app.sessionmaker() as session:
        assert not await pushes.opening_digest(session)


async def test_rating_reminder_once_after_the_delay(app: App) -> None:
    ticket = await open_ticket(app)
    async with app.sessionmaker() as session:
        fresh = await session.get(Ticket, ticket.id)
        await app.desk.tickets.close_by_officer(session, fresh, OFFICER)
        await session.commit()
    pushes = app.scheduler.pushes
    async with app.sessionmaker() as session:
        assert await pushes.rating_reminders(session) == 0  # too early
    app.clock.set(FRIDAY_1550 + timedelta(days=1, minutes=1))
    for expected in (1, 0):
        async with app.sessionmaker() as session:
            assert await pushes.rating_reminders(session) == expected
            await session.commit()
    reminders = [r for r in await outbox(app) if "menilai layanan" in r.payload.get("text", "")]
    assert len(reminders) == 1 and len(reminders[0].payload["buttons"]) == 4


async def test_weekly_faq_digest_groups_last_weeks_questions(app: App) -> None:
    async with app.sessionmaker() as session:
        for text in [
            "jumlah TPS di kecamatan?",
            "berapa jumlah TPS di kecamatan",
            "lowongan magang?",
        ]:
            session.add(
                UnansweredQuestion(text=text, created_at=datetime(2026, 11, 27, 3, tzinfo=UTC))
            )
        await session.commit()
    app.clock.set(datetime(2026, 11, 30, 1, 30, tzinfo=UTC))
    async with app.sessionmaker() as session:
        assert await app.scheduler.pushes.faq_weekly(session)
        await session.commit()
    async with app.sessionmaker() as session:
        assert not await app.scheduler.pushes.faq_weekly(session)
    (digest,) = [r for r in await outbox(app) if "belum terjawab FAQ" in r.payload.get("text", "")]
    assert "2× " in digest.payload["text"] and "magang" in digest.payload["text"]


REQUEST_VALUES = {
    "requester_kind": "perorangan",
    "name": "Warga Uji",
    "id_number": "3271012345678901",
    "id_document_file_id": None,
    "address": "Jl. Merdeka No. 1",
    "occupation": "Guru",
    "phone": "+6281234567890",
    "email": None,
    "information": "Daftar pemilih tetap kecamatan",
    "purpose": "Penelitian",
    "obtain": "salinan_softcopy",
    "receive": "email",
}


async def the_citizen(session: AsyncSession, app: App) -> Citizen:
    seen = await CitizenRepo(session).seen(
        channel="telegram",
        external_id="600",
        name="Warga",
        username=None,
        language="id",
        now=app.clock.now(),
    )
    return seen.citizen


async def submit_request(app: App) -> tuple[Ticket, InfoRequest]:
    requests = app.desk.requests
    assert requests is not None
    async with app.sessionmaker() as session:
        citizen = await the_citizen(session, app)
        await requests._submit(session, citizen, "id", dict(REQUEST_VALUES))
        await session.commit()
    async with app.sessionmaker() as session:
        ticket = (await session.exec(select(Ticket).where(Ticket.kind == "PI"))).one()
        request = (await session.exec(select(InfoRequest))).one()
        return ticket, request


async def test_request_deadline_skips_lebaran_holidays_and_reminds_on_schedule(app: App) -> None:
    # Received Tuesday 17 March 2026: Nyepi, Idul Fitri and cuti bersama (18-24 March) and
    # Good Friday (3 April) are not working days.
    app.clock.set(datetime(2026, 3, 17, 3, 0, tzinfo=UTC))  # 10:00 WIB
    ticket, request = await submit_request(app)
    assert (request.received_on, request.due_on) == (date(2026, 3, 17), date(2026, 4, 8))
    async with app.sessionmaker() as session:
        steps = (await session.exec(select(SlaStep).order_by(col(SlaStep.step)))).all()
    local_days = [s.due_at.astimezone(ZoneInfo("Asia/Jakarta")).date() for s in steps]
    # Assignee at working days 5 and 8, coordinators on the due day.
    assert local_days == [date(2026, 3, 31), date(2026, 4, 6), date(2026, 4, 8)]
    assert [s.notify for s in steps] == ["assignee", "assignee", "coordinators_daily"]
    # On the due day the coordinators hear of it, and again every working day after.
    app.clock.set(datetime(2026, 4, 8, 4, 0, tzinfo=UTC))
    assert (
        await app.scheduler.sla.fire_due(app.sessionmaker) == 3
    )  # the two reminders and the due day
    private = [r for r in await outbox(app) if r.chat_id == str(BOSS)]
    assert len(private) == 1 and ticket.number in private[0].payload["text"]
    app.clock.set(datetime(2026, 4, 9, 4, 0, tzinfo=UTC))
    assert await app.scheduler.sla.fire_due(app.sessionmaker) == 1
    overdue = [r for r in await outbox(app) if r.chat_id == str(BOSS)]
    assert len(overdue) == 2 and "melewati batas" in overdue[1].payload["text"]


async def test_objection_window_closes_thirty_working_days_after_the_notice(app: App) -> None:
    app.clock.set(datetime(2026, 11, 2, 3, 0, tzinfo=UTC))
    ticket, _ = await submit_request(app)
    requests = app.desk.requests
    assert requests is not None
    async with app.sessionmaker() as session:
        fresh = await session.get(Ticket, ticket.id)
        # The notice is rendered outside any transaction (bot.core.offload), then decided.
        decided = await requests.offload.call(
            lambda: requests.decide(session, fresh, OFFICER, "tolak", "h data pribadi")
        )
        assert decided is None
        await session.commit()
    app.clock.set(datetime(2027, 2, 1, 3, 0, tzinfo=UTC))  # far past 30 working days
    async with app.sessionmaker() as session:
        citizen = await the_citizen(session, app)
        await requests.start_objection(session, citizen, "id", ticket.number)
        await session.commit()
    late = [r for r in await outbox(app) if "sudah lewat" in r.payload.get("text", "")]
    assert len(late) == 1


async def test_partial_grant_needs_a_note_and_sends_a_pdf_notice(app: App) -> None:
    app.clock.set(datetime(2026, 11, 30, 3, 0, tzinfo=UTC))
    ticket, _ = await submit_request(app)
    requests = app.desk.requests
    assert requests is not None
    async with app.sessionmaker() as session:
        fresh = await session.get(Ticket, ticket.id)
        problem = await requests.decide(session, fresh, OFFICER, "kabulkan_sebagian", "  ")
        assert problem is not None and "Format" in problem  # the note is required
        decided = await requests.offload.call(
            lambda: requests.decide(
                session, fresh, OFFICER, "kabulkan_sebagian", "Lampiran 2 dihitamkan"
            )
        )
        assert decided is None
        await session.commit()
    async with app.sessionmaker() as session:
        request = (await session.exec(select(InfoRequest))).one()
        assert (request.decision, request.notice_on) == ("partly_granted", date(2026, 11, 30))
    (notice,) = [r for r in await outbox(app) if r.method == "document"]
    assert notice.chat_id == "600" and notice.payload["filename"].endswith(".pdf")
    # The row refers to the notice's PDF; its bytes are not in the outbox.
    assert "b64" not in notice.payload
    async with app.sessionmaker() as session:
        pdf = await session.get(Notice, notice.payload["notice_id"])
    assert pdf is not None and pdf.pdf[:4] == b"%PDF" and pdf.ticket_id == ticket.id
    assert "sebagian" in notice.payload["caption"].lower()
