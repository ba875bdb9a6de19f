"""A network of offices built as create_app builds it, on a real database (SQLite and
PostgreSQL) with a FrozenClock: what only a moving clock shows — a transferred request's
deadline kept or started anew, and each office's own escalation ladder."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlmodel import col

from bot.app import App
from bot.core.commands import find
from bot.core.dto import StaffEvent
from bot.core.formal.request_form import DIP_GO, FIELD_STEPS, Step
from bot.core.network import NetworkStaff
from storage.models import FormState, InfoRequest, Message, Notice, Outbox, SlaStep, Ticket
from tests import core_app
from tests.core_app import clock, inbound
from tests.test_request_form import ENTITY

KUDUS, SEMARANG = -1002, -1003
KUS, SRI = 301, 302
WIB = ZoneInfo("Asia/Jakarta")


def network(transfer: str) -> str:
    return f"""
[requests]
transfer_deadline = "{transfer}"

[[offices]]
id = "kab-kudus"
name = "PPID Kabupaten Kudus"
staff_group_id = {KUDUS}
officers = [{KUS}]
number_prefix = "KDS"
[[offices.escalation]]
after = "1h"
notify = "duty"

[[offices]]
id = "kab-semarang"
name = "PPID Kabupaten Semarang"
staff_group_id = {SEMARANG}
officers = [{SRI}]
number_prefix = "SMG"
"""


async def built(migrated_db_url: str, tmp_path: Path, transfer: str = "keep") -> AsyncIterator[App]:
    async for app in core_app.build(migrated_db_url, tmp_path, network(transfer)):
        yield app


@pytest.fixture
async def keep(migrated_db_url: str, tmp_path: Path) -> AsyncIterator[App]:
    async for app in built(migrated_db_url, tmp_path, "keep"):
        yield app


@pytest.fixture
async def restart(migrated_db_url: str, tmp_path: Path) -> AsyncIterator[App]:
    async for app in built(migrated_db_url, tmp_path, "restart"):
        yield app


async def choose(app: App, office: str, who: str = core_app.CITIZEN) -> None:
    async with app.sessionmaker() as session:
        await app.desk.start(session, inbound(f"/start {office}", kind="command", who=who), office)


async def file_request(app: App) -> Ticket:
    async with app.sessionmaker() as session:
        await app.desk.request(session, inbound("/permohonan", kind="command"))
    for step in FIELD_STEPS:
        answer = ENTITY[step]
        async with app.sessionmaker() as session:
            if answer.kind == "button":
                assert answer.data is not None
                await app.desk.button(session, inbound("", kind="callback"), answer.data)
            else:
                await app.desk.ask(session, inbound(answer.text))
        if step is Step.INFORMATION:
            (state,) = await core_app.rows(app, FormState)
            if state.data["step"] == "dip_offer":
                # The information map offered a published item first: file the request anyway.
                async with app.sessionmaker() as session:
                    await app.desk.button(session, inbound("", kind="callback"), DIP_GO)
    async with app.sessionmaker() as session:
        await app.desk.button(session, inbound("", kind="callback"), "rf:send")
    (ticket,) = await core_app.rows(app, Ticket, col(Ticket.kind) == "PI")
    return ticket


async def transfer(
    app: App, ticket: Ticket, to: str, chat: int = KUDUS, officer: int = KUS
) -> None:
    """/alihkan <office> in the ticket's topic (its topic id set as the sender would)."""
    staff = app.dispatcher["staff"]
    assert isinstance(staff, NetworkStaff)
    spec = find("alihkan", private=False)
    assert spec is not None
    async with app.sessionmaker() as session:
        row = await session.get(Ticket, ticket.id)
        assert row is not None
        row.topic_id = 77
        await session.commit()
    event = StaffEvent(chat_id=chat, message_id=9, user_id=officer, user_name="Kus", thread_id=77)

    async def attempt() -> None:
        # One transaction per attempt: a notice's PDF is rendered between attempts.
        async with app.sessionmaker() as session:
            await staff.command(session, event, spec, to)

    await staff.network.units[0].requests.offload.call(attempt)


async def requests(app: App) -> list[tuple[str, InfoRequest]]:
    found = []
    for request in await core_app.rows(app, InfoRequest):
        async with app.sessionmaker() as session:
            ticket = await session.get(Ticket, request.ticket_id)
            assert ticket is not None
            found.append((ticket.number, request))
    return found


async def test_a_transferred_request_keeps_its_receipt_date_and_clock(keep: App) -> None:
    await choose(keep, "kab-kudus")
    ticket = await file_request(keep)
    assert ticket.number == "PI-KDS-2026-000001"
    clock(keep).advance(timedelta(days=3))  # Thursday 3 December
    await transfer(keep, ticket, "kab-semarang")
    (old_number, old), (new_number, new) = await requests(keep)
    assert (old_number, new_number) == ("PI-KDS-2026-000001", "PI-SMG-2026-000001")
    assert old.decision == "transferred" and old.holder == "PPID Kabupaten Semarang"
    # Received Monday 30 November: still due Monday 14 December at the receiving office.
    assert (new.received_on, new.due_on) == (date(2026, 11, 30), date(2026, 12, 14))
    assert new.id is not None and new.ticket_id is not None
    last = (await core_app.steps(keep, new.ticket_id))[-1]
    assert last.notify == "coordinators_daily"
    assert last.due_at.astimezone(WIB).date() == date(2026, 12, 14)
    texts = await core_app.texts_to(keep, core_app.CITIZEN)
    assert not any("diregistrasi ulang" in text for text in texts)
    assert await core_app.rows(keep, Notice) == []


async def test_a_transferred_request_starts_anew_with_a_written_notice(restart: App) -> None:
    await choose(restart, "kab-kudus")
    ticket = await file_request(restart)
    clock(restart).advance(timedelta(days=3))  # Thursday 3 December
    await transfer(restart, ticket, "kab-semarang")
    _, (_, new) = await requests(restart)
    # Received at the receiving office on Thursday 3 December: ten working days to the 17th.
    assert (new.received_on, new.due_on) == (date(2026, 12, 3), date(2026, 12, 17))
    texts = await core_app.texts_to(restart, core_app.CITIZEN)
    assert any("diregistrasi ulang" in text and "17 Desember 2026" in text for text in texts)
    # And the letter: Kudus's notice that the information is held by Semarang's office.
    (notice,) = await core_app.rows(restart, Notice)
    assert notice.filename == "PI-KDS-2026-000001-not_held.pdf"
    page = PdfReader(io.BytesIO(notice.pdf)).pages[0].extract_text()
    assert "PPID Kabupaten Semarang" in page and "PPID Kabupaten Kudus" in page, page


async def test_each_office_escalates_on_its_own_ladder(keep: App) -> None:
    await choose(keep, "kab-kudus", who="601")
    await choose(keep, "kab-semarang", who="602")
    for who in ("601", "602"):
        async with keep.sessionmaker() as session:
            await keep.desk.call_officer(session, inbound("/petugas", kind="command", who=who))
    kudus, semarang = await core_app.tickets(keep)
    assert (kudus.number, semarang.number) == ("LC-KDS-2026-000001", "LC-SMG-2026-000001")
    assert (kudus.staff_chat_id, semarang.staff_chat_id) == (KUDUS, SEMARANG)
    # Nobody is on duty: the shared ladder (15 min: assignee, 1 h: coordinators) fires for
    # Semarang at 15 minutes; Kudus's own (1 h: duty) waits.
    clock(keep).advance(timedelta(minutes=20))
    await keep.scheduler.escalations()
    fired = await core_app.rows(keep, SlaStep, col(SlaStep.status) == "fired")
    assert [step.ticket_id for step in fired] == [semarang.id]
    clock(keep).advance(timedelta(hours=1))
    await keep.scheduler.escalations()
    fired = await core_app.rows(keep, SlaStep, col(SlaStep.status) == "fired")
    assert sorted(step.ticket_id or 0 for step in fired) == sorted(
        [semarang.id or 0, semarang.id or 0, kudus.id or 0]
    )
    # Each escalation was said in its own office's group.
    for ticket, group in ((kudus, KUDUS), (semarang, SEMARANG)):
        said = await core_app.rows(
            keep, Outbox, col(Outbox.ticket_id) == ticket.id, col(Outbox.chat_id) == str(group)
        )
        text = " ".join(r.payload.get("text", "") for r in said)
        assert f"⏰ <b>{ticket.number}</b> belum dijawab" in text, text


@pytest.fixture
async def single(migrated_db_url: str, tmp_path: Path) -> AsyncIterator[App]:
    async for app in core_app.build(migrated_db_url, tmp_path):
        yield app


async def test_alihkan_without_an_office_is_the_cards_alihkan_button(single: App) -> None:
    """/alihkan keeps the card's "Alihkan" (another officer); an office needs a network."""
    async with single.sessionmaker() as session:
        await single.desk.call_officer(session, inbound("/petugas", kind="command"))
    (ticket,) = await core_app.tickets(single)
    async with single.sessionmaker() as session:
        row = await session.get(Ticket, ticket.id)
        assert row is not None
        row.topic_id = 5
        await session.commit()
    spec = find("alihkan", private=False)
    assert spec is not None
    event = StaffEvent(
        chat_id=core_app.STAFF,
        message_id=9,
        user_id=core_app.OFFICER,
        user_name="Ani",
        thread_id=5,
    )
    staff = single.dispatcher["staff"]
    for args in ("", "kab-kudus"):
        async with single.sessionmaker() as session:
            await staff.command(session, event, spec, args)
    said = await core_app.rows(single, Outbox, col(Outbox.ticket_id) == ticket.id)
    prompt = [r for r in said if "Alihkan tiket" in r.payload.get("text", "")]
    assert len(prompt) == 1
    choices = [b["label"] for row in prompt[0].payload["buttons"] for b in row]
    assert len(choices) == 2  # both officers: nobody on duty, so the ticket has no assignee
    texts = await core_app.texts_to(single, core_app.STAFF)
    assert any("tidak ada kantor lain" in text for text in texts)
    assert [t.number for t in await core_app.tickets(single)] == [ticket.number]


async def test_a_ticket_from_before_the_network_still_escalates_and_queues(keep: App) -> None:
    """Rows from before [[offices]] have office NULL; Network.for_ticket routes them to the
    first office, so the first office's services must fire their steps and queue them."""
    await choose(keep, "kab-kudus", who="603")
    async with keep.sessionmaker() as session:
        await keep.desk.call_officer(session, inbound("/petugas", kind="command", who="603"))
    (ticket,) = await core_app.tickets(keep)
    async with keep.sessionmaker() as session:
        row = await session.get(Ticket, ticket.id)
        assert row is not None
        row.office = None  # as a ticket created before the network was configured
        await session.commit()
    # Kudus's own ladder (1 h: duty) applies; Semarang's (15 min) must not fire it.
    clock(keep).advance(timedelta(minutes=70))
    await keep.scheduler.escalations()
    await keep.scheduler.escalations()
    fired = await core_app.rows(keep, SlaStep, col(SlaStep.status) == "fired")
    assert [step.ticket_id for step in fired] == [ticket.id]
    staff = keep.dispatcher["staff"]
    assert isinstance(staff, NetworkStaff)
    kudus, semarang = staff.network.units
    async with keep.sessionmaker() as session:
        assert [t.id for t, _ in await kudus.tickets.queue(session)] == [ticket.id]
        assert await semarang.tickets.queue(session) == []


async def extend(app: App, ticket: Ticket, to: date) -> None:
    """The old office's extension, as /perpanjang records it on the request."""
    (found,) = await core_app.rows(app, InfoRequest, col(InfoRequest.ticket_id) == ticket.id)
    async with app.sessionmaker() as session:
        request = await session.get(InfoRequest, found.id)
        assert request is not None
        request.extended_to, request.extension_reason = to, "dokumen tersebar di tiga bidang"
        await session.commit()


async def test_a_restarted_transfer_drops_the_old_offices_extension(restart: App) -> None:
    """The effective due date is extended_to or due_on: a copied extension would bind the
    receiving office to the old office's date instead of its own ten working days."""
    await choose(restart, "kab-kudus")
    ticket = await file_request(restart)
    await extend(restart, ticket, date(2026, 12, 23))
    clock(restart).advance(timedelta(days=3))  # Thursday 3 December
    await transfer(restart, ticket, "kab-semarang")
    _, (_, new) = await requests(restart)
    assert (new.received_on, new.due_on) == (date(2026, 12, 3), date(2026, 12, 17))
    assert (new.extended_to, new.extension_reason) == (None, None)


async def test_a_kept_transfer_tells_the_citizen_the_extended_date(keep: App) -> None:
    await choose(keep, "kab-kudus")
    ticket = await file_request(keep)
    await extend(keep, ticket, date(2026, 12, 23))
    clock(keep).advance(timedelta(days=3))
    await transfer(keep, ticket, "kab-semarang")
    _, (_, new) = await requests(keep)
    assert new.extended_to == date(2026, 12, 23)
    texts = await core_app.texts_to(keep, core_app.CITIZEN)
    (kept,) = [text for text in texts if "tetap dihitung sejak" in text]
    assert "23 Desember 2026" in kept and "14 Desember 2026" not in kept, kept


async def test_a_second_transfer_keeps_the_first_offices_history(keep: App) -> None:
    """A→B→C: the topic at C shows the citizen's messages from A, not only from B."""
    await choose(keep, "kab-kudus")
    ticket = await file_request(keep)
    async with keep.sessionmaker() as session:
        # The citizen's message in A's topic, as the desk records one.
        session.add(
            Message(
                citizen_id=ticket.citizen_id,
                channel="telegram",
                direction="in",
                text="Mohon juga data per kecamatan",
                ticket_id=ticket.id,
                created_at=clock(keep).now(),
            )
        )
        await session.commit()
    await transfer(keep, ticket, "kab-semarang")
    _, (_, second) = await requests(keep)
    async with keep.sessionmaker() as session:
        middle = await session.get(Ticket, second.ticket_id)
        assert middle is not None
    await transfer(keep, middle, "kab-kudus", chat=SEMARANG, officer=SRI)
    numbers = [number for number, _ in await requests(keep)]
    assert len(numbers) == 3, numbers
    (third,) = await core_app.rows(keep, Ticket, col(Ticket.transferred_from) == middle.id)
    said = await core_app.rows(keep, Outbox, col(Outbox.ticket_id) == third.id)
    text = " ".join(r.payload.get("text", "") for r in said)
    assert "Mohon juga data per kecamatan" in text, text
