"""Retention (UU 27/2022): each kind of personal data goes exactly when its [retention] days are
over, not a day before; a dry run changes nothing; what the registers need stays."""

from __future__ import annotations

import base64
import os
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config, ConfigError, load_config
from bot.core.clock import FrozenClock, SystemClock
from bot.core.postman import Postman
from bot.core.retention import PurgeReport, RetentionService
from bot.outbox import OutboxSender
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.models import (
    Citizen,
    Inbox,
    InfoRequest,
    JobRun,
    Message,
    Notice,
    Objection,
    Outbox,
    Ticket,
)
from tests.test_cli import loket
from tests.test_outbox import limiter, run_until
from tests.test_scheduling import make_app

T0 = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)  # 10:00 in Jakarta, a Monday
NIK = "3201234567890123"
MASKED = "************0123"
JAKARTA = Config().hours.calendar().tz


def service(clock: FrozenClock) -> RetentionService:
    return RetentionService.from_config(Config(), clock)


async def purge(
    sessions: async_sessionmaker[AsyncSession], at: datetime, *, dry_run: bool = False
) -> PurgeReport:
    async with sessions() as session:
        report = await service(FrozenClock(at)).purge(session, dry_run=dry_run)
        await session.commit()
    return report


async def citizen(session: AsyncSession, external_id: str, at: datetime = T0) -> Citizen:
    row = Citizen(
        channel="telegram", external_id=external_id, name="Siti", created_at=at, last_seen_at=at
    )
    session.add(row)
    await session.flush()
    return row


async def ticket(
    session: AsyncSession,
    who: Citizen,
    number: str,
    *,
    kind: str = "LC",
    closed_at: datetime | None = None,
    at: datetime = T0,
) -> Ticket:
    row = Ticket(
        number=number,
        kind=kind,
        citizen_id=who.id,
        channel="telegram",
        status="closed" if closed_at else "open",
        subject="Nama saya Siti, alamat Jl. Merdeka 1",
        created_at=at,
        updated_at=at,
        closed_at=closed_at,
        close_reason="officer" if closed_at else None,
        rating=4 if closed_at else None,
    )
    session.add(row)
    await session.flush()
    return row


def message(who: Citizen, text: str, at: datetime, **kw: Any) -> Message:
    return Message(
        citizen_id=who.id, channel="telegram", direction="in", text=text, created_at=at, **kw
    )


async def contents(sessions: async_sessionmaker[AsyncSession], model: Any) -> list[Any]:
    async with sessions() as session:
        return [row.model_dump() for row in (await session.exec(select(model))).all()]


# -- inbox and outbox payloads -------------------------------------------------------------------


async def seed_payloads(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        for n, status in enumerate(["done", "failed", "pending"]):
            session.add(
                Inbox(
                    channel="telegram",
                    update_id=str(n),
                    payload={"message": {"text": f"NIK saya {NIK}"}},
                    status=status,
                    not_before=T0,
                    received_at=T0,
                )
            )
        notice = Notice(filename="PI-1.pdf", pdf=b"%PDF-1.7 notice", created_at=T0)
        session.add(notice)
        await session.flush()
        rows = [("sent", "text", {"text": "Halo Siti"}), ("failed", "text", {"text": "x"})]
        rows += [("unknown", "text", {"text": "y"}), ("pending", "text", {"text": "later"})]
        rows += [("held", "text", {"text": "window closed"})]
        rows += [("sent", "document", {"notice_id": notice.id, "filename": "PI-1.pdf"})]
        for status, method, payload in rows:
            session.add(
                Outbox(
                    channel="telegram",
                    chat_id="600",
                    method=method,
                    payload=payload,
                    status=status,
                    not_before=T0,
                    created_at=T0,
                    sent_at=T0 if status == "sent" else None,
                    external_message_id="77" if status == "sent" else None,
                )
            )
        await session.commit()
        assert notice.id is not None
        return notice.id


async def test_payloads_go_exactly_after_their_days_and_the_rows_stay(migrated_db_url: str) -> None:
    engine = make_engine(migrated_db_url)
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    try:
        notice_id = await seed_payloads(sessions)
        before = (await contents(sessions, Inbox), await contents(sessions, Outbox))
        # A second before the 30 days are over: nothing.
        early = await purge(sessions, T0 + timedelta(days=30) - timedelta(seconds=1))
        assert (early.inbox_payloads, early.outbox_payloads, early.notices) == (0, 0, 0)
        # At the boundary a dry run counts and changes nothing.
        boundary = T0 + timedelta(days=30)
        dry = await purge(sessions, boundary, dry_run=True)
        assert (dry.inbox_payloads, dry.outbox_payloads, dry.notices) == (2, 4, 1)
        assert (await contents(sessions, Inbox), await contents(sessions, Outbox)) == before
        async with sessions() as session:
            assert await session.get(Notice, notice_id) is not None
        done = await purge(sessions, boundary)
        assert (done.inbox_payloads, done.outbox_payloads, done.notices) == (2, 4, 1)
        async with sessions() as session:
            inbox = {r.update_id: r.payload for r in (await session.exec(select(Inbox))).all()}
            outbox = (await session.exec(select(Outbox).order_by(Outbox.id))).all()
            assert await session.get(Notice, notice_id) is None
        # Handled and given-up updates lose the payload; the row (its unique key) stays.
        assert inbox["0"] == inbox["1"] == {}
        assert inbox["2"] != {}  # still to be handled
        # What is still to be sent keeps its payload; the rest keep status and message id.
        assert [(r.status, r.method, r.payload, r.external_message_id) for r in outbox] == [
            ("sent", "text", {}, "77"),
            ("failed", "text", {}, None),
            ("unknown", "text", {}, None),
            ("pending", "text", {"text": "later"}, None),
            ("held", "text", {"text": "window closed"}, None),
            ("sent", "document", {}, "77"),
        ]
        # Idempotent: nothing left to remove.
        again = await purge(sessions, boundary + timedelta(days=1))
        assert (again.inbox_payloads, again.outbox_payloads, again.notices) == (0, 0, 0)
    finally:
        await engine.dispose()


# -- transcripts ---------------------------------------------------------------------------------


async def test_transcripts_of_closed_live_chats_go_after_a_year(sessions) -> None:
    closed = T0 + timedelta(hours=2)
    async with sessions() as session:
        siti = await citizen(session, "600")
        old = await ticket(session, siti, "LC-2027-000001", closed_at=closed)
        still_open = await ticket(session, siti, "LC-2027-000002")
        request = await ticket(session, siti, "PI-2027-000001", kind="PI", closed_at=closed)
        for tk in (old, still_open, request):
            session.add(message(siti, "nomor HP saya 0812", T0, ticket_id=tk.id))
        session.add(message(siti, "foto", T0, ticket_id=old.id, kind="photo", media_ref="F1"))
        session.add(message(siti, "jam buka?", closed))  # a FAQ question, in no ticket
        session.add(message(siti, "dan sabtu?", closed + timedelta(days=1)))
        await session.commit()
    year = timedelta(days=365)
    early = await purge(sessions, closed + year - timedelta(days=1))
    assert (early.transcript_messages, early.transcript_tickets) == (0, 0)
    dry = await purge(sessions, closed + year, dry_run=True)
    assert (dry.transcript_messages, dry.transcript_tickets) == (3, 1)
    report = await purge(sessions, closed + year)
    assert (report.transcript_messages, report.transcript_tickets) == (3, 1)
    async with sessions() as session:
        rows = (await session.exec(select(Message).order_by(Message.id))).all()
        tickets = {t.number: t for t in (await session.exec(select(Ticket))).all()}
    texts = [(m.ticket_id, m.text, m.media_ref) for m in rows]
    assert texts == [
        (old.id, "", None),
        (still_open.id, "nomor HP saya 0812", None),
        (request.id, "nomor HP saya 0812", None),
        (old.id, "", None),
        (None, "", None),
        (None, "dan sabtu?", None),
    ]
    assert len(rows) == 6 and rows[3].kind == "photo"  # the rows and their kinds stay
    gone = tickets["LC-2027-000001"]
    # What the reports count stays: times, rating, close reason; the first message goes.
    assert (gone.subject, gone.rating, gone.closed_at, gone.close_reason) == (
        "",
        4,
        closed,
        "officer",
    )
    assert tickets["LC-2027-000002"].subject != ""


# -- a request's NIK and ID-card scan ------------------------------------------------------------


def local_noon(d: date) -> datetime:
    return datetime.combine(d, time(12), JAKARTA).astimezone(UTC)


async def seed_request(
    session: AsyncSession,
    n: int,
    *,
    decided: date | None,
    objection: date | str | None = None,
    at: datetime = T0,
) -> InfoRequest:
    """A request received on T0's day and decided on ``decided``; with an objection decided on
    ``objection`` ("pending": not yet decided). Its citizen's rows are written ``at``."""
    who = await citizen(session, f"70{n}", at)
    tk = await ticket(
        session,
        who,
        f"PI-2027-00000{n}",
        kind="PI",
        closed_at=local_noon(decided) if decided else None,
        at=at,
    )
    session.add(message(who, "3201 2345 6789 0123", at))  # the NIK as the form got it
    session.add(message(who, "", at, kind="photo", media_ref=f"ktp-{n}"))
    request = InfoRequest(
        ticket_id=tk.id,
        requester_kind="perorangan",
        name=f"Pemohon {n}",
        id_number=NIK,
        id_document_file_id=f"ktp-{n}",
        address="Jl. Merdeka 1",
        occupation="Mahasiswa",
        phone="0812",
        information="DPT",
        purpose="Penelitian",
        obtain="salinan_softcopy",
        receive="email",
        received_on=T0.date(),
        due_on=T0.date() + timedelta(days=14),
        decision="granted" if decided else None,
        notice_on=decided,
        decided_at=local_noon(decided) if decided else None,
    )
    session.add(request)
    await session.flush()
    if objection is not None:
        kb = await ticket(session, who, f"KB-2027-00000{n}", kind="KB")
        decided_obj = None if objection == "pending" else objection
        assert not isinstance(decided_obj, str)
        session.add(
            Objection(
                ticket_id=kb.id,
                request_id=request.id,
                ground="a",
                explanation="Ditolak tanpa alasan",
                received_on=T0.date() + timedelta(days=20),
                due_on=T0.date() + timedelta(days=60),
                decision="rejected" if decided_obj else None,
                decided_at=local_noon(decided_obj) if decided_obj else None,
            )
        )
    return request


async def identities(sessions) -> dict[str, tuple[str, str | None]]:
    async with sessions() as session:
        rows = (await session.exec(select(InfoRequest))).all()
    return {r.name: (r.id_number, r.id_document_file_id) for r in rows}


async def test_nik_is_masked_and_the_scan_dropped_30_days_after_the_request_is_finished(
    sessions,
) -> None:
    calendar = Config().hours.calendar()
    decided = date(2027, 3, 8)
    objection_decided = date(2027, 5, 3)
    async with sessions() as session:
        await seed_request(session, 1, decided=decided)
        await seed_request(session, 2, decided=decided, objection=objection_decided)
        await seed_request(session, 3, decided=decided, objection="pending")
        await seed_request(session, 4, decided=None)  # still being handled
        await session.commit()
    # Finished: 30 working days to object after the notice (Pasal 35); with an objection, 14
    # working days to go to the Komisi Informasi after its decision (Pasal 37).
    finished = calendar.add_working_days(decided, 30)
    finished_2 = calendar.add_working_days(objection_decided, 14)
    assert finished_2 > finished
    purge_on = finished + timedelta(days=30)

    early = await purge(sessions, local_noon(purge_on - timedelta(days=1)))
    assert early.identities == 0
    assert set((await identities(sessions)).values()) == {
        (NIK, "ktp-1"),
        (NIK, "ktp-2"),
        (NIK, "ktp-3"),
        (NIK, "ktp-4"),
    }
    # Just after midnight of the day, office time: the day counts.
    at = datetime.combine(purge_on, time(0, 1), JAKARTA).astimezone(UTC)
    assert (await purge(sessions, at, dry_run=True)).identities == 1
    assert (await identities(sessions))["Pemohon 1"] == (NIK, "ktp-1")
    assert (await purge(sessions, at)).identities == 1
    kept = await identities(sessions)
    assert kept["Pemohon 1"] == (MASKED, None)  # the last four digits stay
    assert kept["Pemohon 2"] == (NIK, "ktp-2")  # the Komisi Informasi window is still open
    async with sessions() as session:
        done = (
            await session.exec(select(InfoRequest).where(InfoRequest.name == "Pemohon 1"))
        ).one()
        assert done.identity_purged_at == at
        tk = await session.get(Ticket, done.ticket_id)
        assert tk is not None
        theirs = (
            await session.exec(select(Message).where(Message.citizen_id == tk.citizen_id))
        ).all()
        others = (
            await session.exec(select(Message).where(Message.citizen_id != tk.citizen_id))
        ).all()
    # The NIK the citizen typed in the form is masked too, and the scan's reference is gone.
    assert sorted((m.text, m.media_ref) for m in theirs) == [("", None), (MASKED, None)]
    assert {m.text for m in others} >= {"3201 2345 6789 0123"}

    late = await purge(sessions, local_noon(finished_2 + timedelta(days=29)))
    assert late.identities == 0
    assert (await purge(sessions, local_noon(finished_2 + timedelta(days=30)))).identities == 1
    kept = await identities(sessions)
    assert kept["Pemohon 2"] == (MASKED, None)
    # An objection not yet decided, or a request not yet decided, keeps them, however long.
    years = await purge(sessions, local_noon(decided + timedelta(days=3 * 365)))
    assert years.identities == 0
    kept = await identities(sessions)
    assert kept["Pemohon 3"] == (NIK, "ktp-3") and kept["Pemohon 4"] == (NIK, "ktp-4")


async def test_the_daily_job_runs_once_per_office_day(sessions) -> None:
    clock = FrozenClock(T0)
    retention = service(clock)
    ran = []
    for at in (T0, T0 + timedelta(hours=5), T0 + timedelta(hours=14), T0 + timedelta(days=1)):
        clock.set(at)
        async with sessions() as session:
            ran.append(await retention.daily(session))
            await session.commit()
    # 03:00 and 08:00 UTC are one day in Jakarta; 17:00 UTC is past midnight there.
    assert ran == [True, False, True, False]


# -- notices: the outbox refers to the PDF, the citizen gets its exact bytes --------------------


class DocumentChannel:
    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []

    async def send(self, row: Outbox) -> str:
        self.got.append(dict(row.payload))
        return str(len(self.got))

    async def probe(self, *args: Any) -> bool:
        return False


async def test_a_notice_row_holds_a_reference_and_the_channel_gets_the_same_bytes(
    sessions,
) -> None:
    pdf = b"%PDF-1.7\n" + os.urandom(2048)
    async with sessions() as session:
        siti = await citizen(session, "600", SystemClock().now())
        await Postman(SystemClock(), None).document_to_citizen(
            session, siti, pdf, filename="PI-2027-000001-granted.pdf", caption="Surat"
        )
        await session.commit()
    async with sessions() as session:
        (row,) = (await session.exec(select(Outbox))).all()
    assert "b64" not in row.payload and isinstance(row.payload["notice_id"], int)
    channel = DocumentChannel()
    sender = OutboxSender(sessions, {"telegram": channel}, limiter(), SystemClock())

    async def sent() -> bool:
        async with sessions() as session:
            return (await session.exec(select(Outbox.status))).one() == "sent"

    await run_until(sender, sent)
    (payload,) = channel.got
    assert base64.b64decode(payload["b64"]) == pdf
    assert (payload["filename"], payload["caption"]) == ("PI-2027-000001-granted.pdf", "Surat")
    async with sessions() as session:
        stored = (await session.exec(select(Outbox))).one()
        notices = (await session.exec(select(func.count()).select_from(Notice))).one()
    assert "b64" not in stored.payload and notices == 1


async def test_the_migration_moves_inline_pdfs_out_of_the_outbox(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    await upgrade(engine, "0005")
    pdf = b"%PDF-1.4 old notice"
    async with engine.begin() as conn:
        now = "2026-11-30 03:00:00"
        await conn.exec_driver_sql(
            "INSERT INTO outbox (channel, chat_id, method, payload, priority, status, attempts,"
            " not_before, created_at) VALUES ('telegram', '600', 'document', ?, 0, 'pending', 0,"
            " ?, ?)",
            (
                '{"b64": "' + base64.b64encode(pdf).decode() + '", "filename": "PI-1.pdf"}',
                now,
                now,
            ),
        )
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        row = (await session.exec(select(Outbox))).one()
        notice = await session.get(Notice, row.payload["notice_id"])
    await engine.dispose()
    assert row.payload == {"filename": "PI-1.pdf", "notice_id": 1}
    assert notice is not None and notice.pdf == pdf and notice.filename == "PI-1.pdf"


def test_purge_report_lines_name_each_kind() -> None:
    lines = PurgeReport(1, 2, 3, 4, 5, 6).lines()
    assert len(lines) == 5
    assert [line.split(":")[0] for line in lines] == [
        "inbox payloads",
        "outbox payloads",
        "notice PDFs",
        "transcript messages",
        "request identities (NIK masked, ID scan removed)",
    ]


# -- `loket purge` end to end, and the registers after it ---------------------------------------


async def seed_for_cli(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Rows aged relative to the real clock (the command runs on it): one of each kind well past
    its days, one of each well within them."""
    now = SystemClock().now()
    today = now.astimezone(JAKARTA).date()
    days = timedelta(days=1)
    async with sessions() as session:
        for n, age in enumerate((40, 1)):
            at = now - age * days
            session.add(
                Inbox(
                    channel="telegram",
                    update_id=str(n),
                    payload={"message": {"text": "halo"}},
                    status="done",
                    not_before=at,
                    received_at=at,
                )
            )
            session.add(
                Outbox(
                    channel="telegram",
                    chat_id="600",
                    payload={"text": "Halo"},
                    status="sent",
                    not_before=at,
                    created_at=at,
                    sent_at=at,
                    external_message_id=str(n),
                )
            )
        siti = await citizen(session, "600", now - 500 * days)
        for n, age in enumerate((400, 10), start=1):
            tk = await ticket(
                session, siti, f"LC-2026-00000{n}", closed_at=now - age * days, at=now - 500 * days
            )
            session.add(
                message(siti, "alamat saya Jl. Merdeka 1", now - 500 * days, ticket_id=tk.id)
            )
        for n, age in enumerate((250, 5), start=1):
            request = await seed_request(
                session, n, decided=today - age * days, at=now - (age + 10) * days
            )
            request.received_on = today - (age + 10) * days
            request.due_on = today - age * days
            session.add(request)
        await session.commit()
        # The old request had an objection, decided long ago.
        old = select(InfoRequest).where(InfoRequest.name == "Pemohon 1")
        first = (await session.exec(old)).one()
        kb = await ticket(
            session,
            siti,
            "KB-2026-000001",
            kind="KB",
            closed_at=now - 200 * days,
            at=now - 230 * days,
        )
        session.add(
            Objection(
                ticket_id=kb.id,
                request_id=first.id,
                ground="e",
                explanation="Terlambat",
                received_on=today - 230 * days,
                due_on=today - 190 * days,
                decision="accepted",
                reason="Diberikan",
                decided_at=now - 200 * days,
            )
        )
        await session.commit()


def dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


async def test_loket_purge_dry_run_then_purge_and_the_registers_stay_complete(
    tmp_path: Path,
) -> None:
    db = tmp_path / "loket.db"
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    await upgrade(engine)
    await seed_for_cli(make_sessionmaker(engine))
    await engine.dispose()
    config = tmp_path / "bot.toml"
    config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{db}"\n')

    def run(*args: str) -> str:
        result = loket(*args, "--config", str(config), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        return result.stdout

    registers = [run("register", kind) for kind in ("requests", "objections")]
    assert "Pemohon 1" in registers[0] and "Pemohon 2" in registers[0]
    assert "KB-2026-000001" in registers[1]
    before = dump(db)
    expected = [
        "inbox payloads: 1",
        "outbox payloads: 1",
        "notice PDFs: 0",
        "transcript messages: 1 (live chats: 1)",
        "request identities (NIK masked, ID scan removed): 1",
    ]
    dry = run("purge", "--dry-run")
    assert dry.splitlines() == [f"would remove {line}" for line in expected]
    assert dump(db) == before  # a dry run changes nothing
    done = run("purge")
    assert done.splitlines() == [f"removed {line}" for line in expected]
    assert dump(db) != before
    again = run("purge")
    assert again.splitlines() == [
        f"removed {line.split(':')[0]}: 0" + (" (live chats: 0)" if "transcript" in line else "")
        for line in expected
    ]
    # The registers the law requires read the same after the purge, line for line.
    assert [run("register", kind) for kind in ("requests", "objections")] == registers
    with sqlite3.connect(db) as conn:
        ids = dict(conn.execute("SELECT name, id_number FROM info_request").fetchall())
    assert ids == {"Pemohon 1": MASKED, "Pemohon 2": NIK}


# -- the [retention] section ---------------------------------------------------------------------


def test_retention_section_defaults_file_and_environment(tmp_path: Path) -> None:
    defaults = load_config(None, environ={}).retention
    assert (defaults.payload_days, defaults.transcript_days, defaults.identity_days) == (
        30,
        365,
        30,
    )
    path = tmp_path / "bot.toml"
    path.write_text("[retention]\npayload_days = 7\nidentity_days = 0\n")
    env = {"LOKET_RETENTION__TRANSCRIPT_DAYS": "90"}
    config = load_config(path, environ=env).retention
    assert (config.payload_days, config.transcript_days, config.identity_days) == (7, 90, 0)


def test_a_bad_retention_value_is_one_line_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "bot.toml"
    path.write_text("[retention]\npayload_days = 0\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    message = str(caught.value)
    assert "retention.payload_days" in message and "\n" not in message


async def test_the_running_apps_scheduler_purges_once_a_day(
    sqlite_url: str, tmp_path: Path
) -> None:
    clock = FrozenClock(T0)
    app = make_app(sqlite_url, clock, tmp_path)
    await upgrade(app.engine)
    try:

        async def old_update(update_id: str) -> None:
            async with app.sessionmaker() as session:
                session.add(
                    Inbox(
                        channel="telegram",
                        update_id=update_id,
                        payload={"message": {"text": "halo"}},
                        status="done",
                        not_before=T0,
                        received_at=T0,
                    )
                )
                await session.commit()

        async def payloads() -> dict[str, Any]:
            async with app.sessionmaker() as session:
                rows = (await session.exec(select(Inbox))).all()
            return {r.update_id: r.payload for r in rows}

        await old_update("1")
        clock.set(T0 + timedelta(days=30))
        await app.scheduler.push_tick()
        assert (await payloads())["1"] == {}
        await old_update("2")
        await app.scheduler.push_tick()  # the same office day: done already
        assert (await payloads())["2"] != {}
        clock.advance(timedelta(days=1))
        await app.scheduler.push_tick()
        assert (await payloads())["2"] == {}
        async with app.sessionmaker() as session:
            runs = (await session.exec(select(JobRun).where(JobRun.job == "retention"))).all()
        assert sorted(r.key for r in runs) == ["2027-03-31", "2027-04-01"]
    finally:
        await app.bot.session.close()
        await app.engine.dispose()
