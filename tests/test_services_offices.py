"""A network of offices built as create_app builds it, on a real database (SQLite and
PostgreSQL) with a FrozenClock: what only a moving clock shows — a transferred request's
deadline kept or started anew, and each office's own escalation ladder."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
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
from storage.models import (
    FormState,
    Inbox,
    InfoRequest,
    Message,
    Notice,
    Objection,
    Outbox,
    SlaStep,
    Ticket,
    UnansweredQuestion,
)
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


JATENG = -1001
GOVERNOR = 300

# The coordinating office listed last: notices about the whole network must find it, not the
# first office.
HUB = f"""
[[offices]]
id = "kab-kudus"
name = "PPID Kabupaten Kudus"
staff_group_id = {KUDUS}
officers = [{KUS}]
parent = "jateng"
number_prefix = "KDS"

[[offices]]
id = "kab-semarang"
name = "PPID Kabupaten Semarang"
staff_group_id = {SEMARANG}
officers = [{SRI}]
parent = "jateng"
number_prefix = "SMG"

[[offices]]
id = "jateng"
name = "PPID Provinsi Jawa Tengah"
staff_group_id = {JATENG}
coordinators = [{GOVERNOR}]
number_prefix = "JTG"
"""


@pytest.fixture
async def hub(db_url: str, tmp_path: Path) -> AsyncIterator[App]:
    async for app in core_app.build(db_url, tmp_path, HUB):
        yield app


async def test_the_weekly_faq_digest_is_split_per_office(hub: App) -> None:
    # Last Thursday, each office's citizens asked what the FAQ does not know.
    clock(hub).set(datetime(2026, 11, 26, 3, 0, tzinfo=UTC))
    asked = {
        "701": ("kab-kudus", "Kapan jadwal rekapitulasi suara di Kecamatan Jati Kudus?"),
        "702": ("kab-semarang", "Siapa saja anggota panwaslu Kecamatan Ungaran Barat?"),
    }
    for who, (office, question) in asked.items():
        await choose(hub, office, who=who)
        async with hub.sessionmaker() as session:
            await hub.desk.ask(session, inbound(question, who=who))
    # A question from before the network (no citizen office) stays with the first office.
    async with hub.sessionmaker() as session:
        session.add(
            UnansweredQuestion(
                text="Lowongan magang pengawas pemilu tahun depan?",
                created_at=datetime(2026, 11, 26, 4, 0, tzinfo=UTC),
            )
        )
        await session.commit()
    assert len(await core_app.rows(hub, UnansweredQuestion)) == 3
    # Monday 08:30 WIB, each office's opening: one digest per office, once.
    clock(hub).set(datetime(2026, 11, 30, 1, 30, tzinfo=UTC))
    await hub.scheduler.push_tick()
    await hub.scheduler.push_tick()

    def digests(texts: list[str]) -> list[str]:
        return [text for text in texts if "belum terjawab FAQ" in text or "lolos dari FAQ" in text]

    (kudus,) = digests(await core_app.texts_to(hub, KUDUS))
    (semarang,) = digests(await core_app.texts_to(hub, SEMARANG))
    (jateng,) = digests(await core_app.texts_to(hub, JATENG))
    assert "Jati Kudus" in kudus and "magang" in kudus and "Ungaran" not in kudus, kudus
    assert "Ungaran Barat" in semarang and "Kudus" not in semarang, semarang
    assert "tidak ada pertanyaan" in jateng, jateng


async def test_network_notices_go_to_the_coordinating_office(hub: App) -> None:
    staff = hub.dispatcher["staff"]
    assert isinstance(staff, NetworkStaff)
    # The shared FAQ broken by an edit: said in the coordinators' group, not the first office's.
    faq_file = Path(hub.config.faq.paths[0]) / "faq.toml"
    faq_file.write_text("[[entry]]\nid = \n", encoding="utf-8")
    assert await hub.watcher.check()
    jateng = await core_app.texts_to(hub, JATENG)
    assert any("FAQ tidak dimuat ulang" in text for text in jateng), jateng
    # Updates set aside: the operators' notice, in the same group.
    async with hub.sessionmaker() as session:
        now = hub.clock.now()
        session.add(
            Inbox(
                channel="telegram",
                update_id="9",
                status="failed",
                error="does not validate",
                not_before=now,
                received_at=now,
            )
        )
        await session.commit()
    assert hub.set_aside is not None
    await hub.set_aside()
    jateng = await core_app.texts_to(hub, JATENG)
    assert any("disisihkan" in text for text in jateng), jateng
    for group in (KUDUS, SEMARANG):
        said = await core_app.texts_to(hub, group)
        assert not any("FAQ tidak dimuat" in t or "disisihkan" in t for t in said), said
    # The one place that says so, for whatever else concerns the whole network.
    assert staff.network.for_notice(None).id == "jateng"
    assert staff.network.for_notice("kab-semarang").id == "kab-semarang"


async def test_a_rating_after_the_reminder_is_told_to_the_tickets_office(hub: App) -> None:
    await choose(hub, "kab-semarang", who="703")
    async with hub.sessionmaker() as session:
        await hub.desk.call_officer(session, inbound("/petugas", kind="command", who="703"))
    (ticket,) = await core_app.tickets(hub)
    staff = hub.dispatcher["staff"]
    assert isinstance(staff, NetworkStaff)
    async with hub.sessionmaker() as session:
        fresh = await session.get(Ticket, ticket.id)
        assert fresh is not None
        await staff.network.by_id["kab-semarang"].tickets.close_by_officer(session, fresh, SRI)
        await session.commit()
    clock(hub).advance(timedelta(days=1, minutes=1))
    await hub.scheduler.push_tick()
    reminders = [
        r
        for r in await core_app.rows(hub, Outbox, col(Outbox.chat_id) == "703")
        if "menilai layanan" in r.payload.get("text", "")
    ]
    assert len(reminders) == 1, reminders
    lowest = reminders[0].payload["buttons"][-1][0]["data"]
    async with hub.sessionmaker() as session:
        await hub.desk.button(session, inbound("", kind="callback", who="703"), lowest)
    rated = [
        r
        for r in await core_app.rows(hub, Outbox, col(Outbox.ticket_id) == ticket.id)
        if "Penilaian warga" in r.payload.get("text", "")
    ]
    assert [(r.chat_id, r.payload["text"]) for r in rated] == [
        (str(SEMARANG), f"⭐ Penilaian warga untuk {ticket.number}: 1/4.")
    ]


def units(app: App) -> NetworkStaff:
    staff = app.dispatcher["staff"]
    assert isinstance(staff, NetworkStaff)
    return staff


async def reject(app: App, office: str, ticket: Ticket, officer: int) -> None:
    """The office's written rejection of the request (/tolak in its topic)."""
    unit = units(app).network.by_id[office]

    async def attempt() -> str | None:
        async with app.sessionmaker() as session:
            row = await session.get(Ticket, ticket.id)
            assert row is not None
            problem = await unit.requests.decide(
                session, row, officer, "tolak", "h Mengungkap data pribadi"
            )
            await session.commit()
        return problem

    assert await unit.requests.offload.call(attempt) is None


async def object_to(app: App, number: str) -> Ticket:
    """The citizen's /keberatan <number>, a ground, an explanation: the objection's ticket."""
    async with app.sessionmaker() as session:
        await app.desk.objection(session, inbound(f"/keberatan {number}", kind="command"), number)
    async with app.sessionmaker() as session:
        await app.desk.button(session, inbound("", kind="callback"), "kb:ground:a")
    async with app.sessionmaker() as session:
        await app.desk.ask(session, inbound("Data itu bukan data pribadi, mohon ditinjau ulang."))
    (kb,) = await core_app.rows(app, Ticket, col(Ticket.kind) == "KB")
    return kb


async def test_an_objection_to_a_transferred_request_goes_to_the_office_holding_it(
    keep: App,
) -> None:
    await choose(keep, "kab-kudus")
    ticket = await file_request(keep)
    await transfer(keep, ticket, "kab-semarang")
    (new,) = await core_app.rows(keep, Ticket, col(Ticket.transferred_from) == ticket.id)
    await reject(keep, "kab-semarang", new, SRI)
    # The citizen objects with the number first given: heard by Semarang, against its number.
    kb = await object_to(keep, ticket.number)
    assert (kb.number, kb.office, kb.staff_chat_id) == (
        "KB-SMG-2026-000001",
        "kab-semarang",
        SEMARANG,
    )
    (objection,) = await core_app.rows(keep, Objection)
    (request,) = await core_app.rows(keep, InfoRequest, col(InfoRequest.ticket_id) == new.id)
    assert objection.request_id == request.id
    said = await core_app.texts_to(keep, core_app.CITIZEN)
    assert any(
        f"{ticket.number} telah dialihkan ke <b>PPID Kabupaten Semarang</b>" in text
        and new.number in text
        for text in said
    ), said


async def test_an_objection_stays_with_the_office_after_the_citizen_changed_office(
    keep: App,
) -> None:
    await choose(keep, "kab-kudus")
    ticket = await file_request(keep)
    await reject(keep, "kab-kudus", ticket, KUS)
    await choose(keep, "kab-semarang")  # the citizen moved on to another office meanwhile
    kb = await object_to(keep, ticket.number)
    assert (kb.number, kb.staff_chat_id) == ("KB-KDS-2026-000001", KUDUS)


async def test_alihkan_in_an_objections_topic_explains_why_it_stays(keep: App) -> None:
    await choose(keep, "kab-kudus")
    ticket = await file_request(keep)
    await reject(keep, "kab-kudus", ticket, KUS)
    kb = await object_to(keep, ticket.number)
    await transfer(keep, kb, "kab-semarang")
    # Nothing moved: the objection is Kudus's, still open, and no ticket was made elsewhere.
    assert [(t.number, t.status) for t in await core_app.tickets(keep)] == [
        (ticket.number, "closed"),
        (kb.number, "open"),
    ]
    said = await core_app.texts_to(keep, KUDUS)
    (answer,) = [text for text in said if "tidak dapat dialihkan" in text]
    assert kb.number in answer and ticket.number in answer and "Pasal 35" in answer, answer
    # Its own deadline: 30 working days from Monday 30 November 2026, without 24-25 December,
    # 1 January and Isra Mi'raj on 5 January.
    (objection,) = await core_app.rows(keep, Objection)
    assert objection.due_on == date(2027, 1, 15)
    assert "15 Januari 2027" in answer


async def test_an_objection_filed_before_its_request_moved_stays_and_says_where_it_went(
    keep: App,
) -> None:
    await choose(keep, "kab-kudus")
    ticket = await file_request(keep)
    # Kudus let the deadline (Monday 14 December) pass: the citizen objects (no response).
    clock(keep).set(datetime(2026, 12, 15, 3, 0, tzinfo=UTC))
    kb = await object_to(keep, ticket.number)
    assert kb.number == "KB-KDS-2026-000001"
    # Only then does Kudus pass the request on; the objection about its silence stays.
    await transfer(keep, ticket, "kab-semarang")
    (new,) = await core_app.rows(keep, Ticket, col(Ticket.transferred_from) == ticket.id)
    await transfer(keep, kb, "kab-semarang")
    said = await core_app.texts_to(keep, KUDUS)
    (answer,) = [text for text in said if "tidak dapat dialihkan" in text]
    assert f"kini ditangani PPID Kabupaten Semarang sebagai {new.number}" in answer, answer
    kept = await core_app.rows(keep, Ticket, col(Ticket.kind) == "KB")
    assert [(t.number, t.office, t.status) for t in kept] == [(kb.number, "kab-kudus", "open")]
