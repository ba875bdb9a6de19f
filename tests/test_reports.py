"""The yearly and monthly report on the information service, built from a seeded database on
SQLite and PostgreSQL. Every expected figure is counted here from the seed itself (plain Python
over the SEED lists, and working days and business hours listed by hand from the 2026
Indonesian calendar), never by calling the report's code."""

from __future__ import annotations

import asyncio
import io
import math
import shutil
import statistics
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import HoursConfig
from bot.core.clock import FrozenClock
from bot.core.formal.notices import PASAL_17, PASAL_35
from bot.core.reports import (
    PeriodError,
    build_report,
    parse_period,
    render_pdf,
    summary_html,
    tables,
    write_xlsx,
)
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.models import (
    Citizen,
    DipDeflection,
    InfoRequest,
    Message,
    Objection,
    SlaStep,
    SurveyAnswer,
    Ticket,
    UnansweredQuestion,
)
from tests.test_cli import loket

WIB = timezone(timedelta(hours=7))
# Monday 7 December 2026, 09:00 WIB: "today" for lateness.
CLOCK = FrozenClock(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))
TODAY = CLOCK.now().astimezone(WIB).date()


def wib(y: int, mo: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=WIB)


@dataclass(frozen=True)
class Req:
    key: str
    received: date
    due: date
    channel: str
    requester: str
    decision: str | None = None
    exemption: str | None = None
    notice: date | None = None
    extended_to: date | None = None
    # Working days in (received, notice], listed by hand from the 2026 calendar.
    days: int | None = None


REQUESTS = [
    # Mar 17 counts; 18 (cuti bersama Nyepi), 19 (Nyepi), 20 (cuti bersama Idul Fitri),
    # 21-22 (weekend), 23-24 (cuti bersama Idul Fitri) do not; 25 and 26 count: 3.
    Req(
        "A",
        date(2026, 3, 16),
        date(2026, 4, 7),
        "telegram",
        "perorangan",
        "granted",
        notice=date(2026, 3, 26),
        days=3,
    ),
    # May 12, 13 count; 14 (Kenaikan), 15 (cuti bersama), 16-17 (weekend) do not; 18: 3.
    Req(
        "B",
        date(2026, 5, 11),
        date(2026, 5, 26),
        "whatsapp",
        "badan_hukum",
        "rejected",
        exemption="b",
        notice=date(2026, 5, 18),
        days=3,
    ),
    # Jun 3-5 (3), 8-12 (5), 15 (1), 16 is 1 Muharram, 17-19 (3), 22-24 (3): 15.
    Req(
        "C",
        date(2026, 6, 2),
        date(2026, 6, 16),
        "telegram",
        "perorangan",
        "partly_granted",
        notice=date(2026, 6, 24),
        extended_to=date(2026, 6, 25),
        days=15,
    ),
    # Aug 4-7 (4), 10-14 (5), 17 is Independence Day, 18-20 (3): 12; noticed after its due date.
    Req(
        "D",
        date(2026, 8, 3),
        date(2026, 8, 18),
        "whatsapp",
        "perorangan",
        "rejected",
        exemption="a",
        notice=date(2026, 8, 20),
        days=12,
    ),
    # Nov 11, 12: 2.
    Req(
        "E",
        date(2026, 11, 10),
        date(2026, 11, 24),
        "telegram",
        "perorangan",
        "not_held",
        notice=date(2026, 11, 12),
        days=2,
    ),
    # Pending, due before TODAY: late.
    Req("F", date(2026, 11, 20), date(2026, 12, 4), "telegram", "badan_hukum"),
    # Pending, due after TODAY: not late.
    Req("G", date(2026, 11, 27), date(2026, 12, 11), "whatsapp", "perorangan"),
    # The last day of the year belongs to it.
    Req("I", date(2026, 12, 31), date(2027, 1, 14), "telegram", "perorangan"),
    # The year before: in no 2026 figure.
    Req(
        "H",
        date(2025, 12, 30),
        date(2026, 1, 14),
        "telegram",
        "perorangan",
        "granted",
        notice=date(2026, 1, 5),
        days=3,
    ),
]


@dataclass(frozen=True)
class Obj:
    on: str  # the request's key
    received: date
    ground: str
    decision: str | None
    commission: date | None = None  # taken to the Komisi Informasi (Pasal 37) on


OBJECTIONS = [
    Obj("B", date(2026, 5, 25), "a", "accepted", commission=date(2026, 6, 15)),
    Obj("D", date(2026, 8, 24), "c", None),
    # Received in November, taken to the Komisi Informasi in December: a December case.
    Obj("E", date(2026, 11, 16), "a", "rejected", commission=date(2026, 12, 1)),
    # Received the year before, taken to the Komisi Informasi in 2026: a 2026 case.
    Obj("H", date(2025, 12, 31), "b", "accepted", commission=date(2026, 1, 19)),
]


@dataclass(frozen=True)
class Chat:
    citizen: str
    wrote: datetime
    faq_answer: bool = False
    # A live-chat ticket: opened, first answer, closed; and the business hours (Mon-Fri
    # 08:00-16:00 WIB) from opening to each, worked out by hand.
    opened: datetime | None = None
    answered: datetime | None = None
    closed: datetime | None = None
    first_hours: float | None = None
    closed_hours: float | None = None


CHATS = [
    Chat("c1", wib(2026, 11, 2), faq_answer=True),
    # 10:00-16:00 on Tue 3 (6 h), 08:00-09:00 on Wed 4 (1 h).
    Chat(
        "c2",
        wib(2026, 11, 3),
        faq_answer=True,
        opened=wib(2026, 11, 3),
        answered=wib(2026, 11, 3, 10, 30),
        closed=wib(2026, 11, 4, 9),
        first_hours=0.5,
        closed_hours=7.0,
    ),
    # Wed 4 15:00-16:00 (1 h), Thu 5 08:00-09:00 (1 h); closed Fri 6 08:30: 1 + 8 + 0.5.
    Chat(
        "c3",
        wib(2026, 11, 4, 15),
        opened=wib(2026, 11, 4, 15),
        answered=wib(2026, 11, 5, 9),
        closed=wib(2026, 11, 6, 8, 30),
        first_hours=2.0,
        closed_hours=9.5,
    ),
    # 23:30 WIB on 30 November is still November (16:30 UTC).
    Chat("c4", wib(2026, 11, 30, 23, 30), faq_answer=True),
    # 00:30 WIB on 1 December is December, though still 30 November in UTC.
    Chat("c5", wib(2026, 12, 1, 0, 30), faq_answer=True),
    # Fri 13 15:30-16:00 (0.5 h), Mon 16 08:00-08:15 (0.25 h); still open.
    Chat(
        "c6",
        wib(2026, 11, 13, 15, 30),
        opened=wib(2026, 11, 13, 15, 30),
        answered=wib(2026, 11, 16, 8, 15),
        first_hours=0.75,
    ),
    # Wed 23 Dec 15:00-16:00 (1 h); 24 (cuti bersama), 25 (Christmas), 26-27 (weekend); Mon 28
    # 08:00-09:00 (1 h) to the answer, 08:00-10:00 (2 h) to the closing.
    Chat(
        "c7",
        wib(2026, 12, 23, 15),
        opened=wib(2026, 12, 23, 15),
        answered=wib(2026, 12, 28, 9),
        closed=wib(2026, 12, 28, 10),
        first_hours=2.0,
        closed_hours=3.0,
    ),
    Chat("c8", wib(2025, 12, 31, 12), faq_answer=True),
]

# (fired at or None, status)
SLA_STEPS = [
    (wib(2026, 11, 3, 10, 15), "fired"),
    (wib(2026, 11, 5, 8, 0), "fired"),
    (wib(2026, 12, 1, 0, 30), "fired"),  # 30 November in UTC, December in the office
    (None, "pending"),
    (None, "cancelled"),
]

U = ("requirements", "procedure", "time", "cost", "product", "competence", "conduct",
     "facilities", "complaints")  # fmt: skip
# (the request it follows, answered at, element -> score): IKM survey answers.
SURVEYS = [
    ("A", wib(2026, 3, 27), dict.fromkeys(U, 4)),
    ("E", wib(2026, 11, 13), dict(zip(U, (3, 3, 2, 4, 3, 3, 4, 3, 2), strict=True))),
    ("C", wib(2026, 11, 20), {"requirements": 2, "time": 1}),  # skipped after two
    ("H", wib(2025, 12, 31), dict.fromkeys(U, 1)),  # the year before
]

# (taken at, category): request forms left for a published item of the information map.
DEFLECTIONS = [
    (wib(2026, 11, 2, 10), "berkala"),
    (wib(2026, 11, 20, 9), "berkala"),
    (wib(2026, 11, 30, 23, 30), "setiap_saat"),  # 16:30 UTC: still November in the office
    (wib(2026, 12, 1, 0, 30), "serta_merta"),  # December, though 30 November in UTC
    (wib(2025, 12, 31, 12), "berkala"),  # the year before
]

# (asked at, text, normalized)
UNANSWERED = [
    (wib(2026, 11, 2), "Jam buka kantor?", "jam buka kantor"),
    (wib(2026, 11, 3), "jam buka  kantor", "jam buka kantor"),
    (wib(2026, 11, 9), "JAM BUKA KANTOR", "jam buka kantor"),
    (wib(2026, 11, 4), "Berapa biaya salinan", "berapa biaya salinan"),
    (wib(2026, 11, 5), "berapa biaya salinan?", "berapa biaya salinan"),
    (wib(2026, 11, 6), "Di mana parkir?", "di mana parkir"),
    (wib(2026, 10, 30), "Jam buka kantor", "jam buka kantor"),
]


async def seed(session: AsyncSession) -> None:
    at = wib(2025, 12, 1)
    citizens: dict[str, Citizen] = {}
    for name in [c.citizen for c in CHATS] + ["requester-tg", "requester-wa"]:
        citizen = Citizen(
            channel="whatsapp" if name.endswith("wa") else "telegram",
            external_id=name,
            created_at=at,
            last_seen_at=at,
        )
        session.add(citizen)
        citizens[name] = citizen
    await session.flush()
    requests: dict[str, InfoRequest] = {}
    for n, r in enumerate(REQUESTS, start=1):
        citizen = citizens["requester-wa" if r.channel == "whatsapp" else "requester-tg"]
        ticket = Ticket(
            number=f"PI-{r.received.year}-{n:06d}",
            kind="PI",
            citizen_id=citizen.id or 0,
            channel=r.channel,
            status="closed" if r.decision else "open",
            created_at=wib(r.received.year, r.received.month, r.received.day),
            updated_at=at,
        )
        session.add(ticket)
        await session.flush()
        request = InfoRequest(
            ticket_id=ticket.id or 0,
            requester_kind=r.requester,
            name=f"Pemohon {r.key}",
            id_number="3273000000000001",
            address="Bandung",
            occupation="Peneliti",
            phone="0812",
            information="Data anggaran",
            purpose="Penelitian",
            obtain="melihat",
            receive="email",
            received_on=r.received,
            due_on=r.due,
            extended_to=r.extended_to,
            extension_reason="perlu waktu" if r.extended_to else None,
            decision=r.decision,
            exemption=r.exemption,
            notice_on=r.notice,
            decided_at=wib(r.notice.year, r.notice.month, r.notice.day) if r.notice else None,
        )
        session.add(request)
        await session.flush()
        requests[r.key] = request
    for n, o in enumerate(OBJECTIONS, start=1):
        request = requests[o.on]
        ticket = Ticket(
            number=f"KB-{o.received.year}-{n:06d}",
            kind="KB",
            citizen_id=citizens["requester-tg"].id or 0,
            channel="telegram",
            created_at=at,
            updated_at=at,
        )
        session.add(ticket)
        await session.flush()
        session.add(
            Objection(
                ticket_id=ticket.id or 0,
                request_id=request.id or 0,
                ground=o.ground,
                explanation="keberatan",
                received_on=o.received,
                due_on=o.received + timedelta(days=40),
                decision=o.decision,
                decided_at=at if o.decision else None,
                commission_on=o.commission,
            )
        )
    lc = 0
    first_ticket: Ticket | None = None
    for chat in CHATS:
        citizen = citizens[chat.citizen]
        assert citizen.id is not None
        session.add(
            Message(
                citizen_id=citizen.id,
                channel="telegram",
                direction="in",
                text="halo",
                created_at=chat.wrote,
            )
        )
        if chat.faq_answer:
            session.add(
                Message(
                    citizen_id=citizen.id,
                    channel="telegram",
                    direction="out",
                    text="jawaban",
                    faq_entry_id="jam-layanan",
                    faq_score=95.0,
                    created_at=chat.wrote + timedelta(seconds=1),
                )
            )
        if chat.opened is not None:
            lc += 1
            ticket = Ticket(
                number=f"LC-{chat.opened.year}-{lc:06d}",
                kind="LC",
                citizen_id=citizen.id,
                channel="telegram",
                status="closed" if chat.closed else "assigned",
                created_at=chat.opened,
                updated_at=chat.opened,
                first_response_at=chat.answered,
                closed_at=chat.closed,
            )
            session.add(ticket)
            await session.flush()
            first_ticket = first_ticket or ticket
            # The officer's answer is a message too, without an FAQ entry.
            session.add(
                Message(
                    citizen_id=citizen.id,
                    channel="telegram",
                    direction="out",
                    text="dari petugas",
                    ticket_id=ticket.id,
                    author_id=111,
                    created_at=chat.answered or chat.opened,
                )
            )
    assert first_ticket is not None and first_ticket.id is not None
    for step, (fired_at, status) in enumerate(SLA_STEPS):
        session.add(
            SlaStep(
                ticket_id=first_ticket.id,
                round=1,
                step=step,
                notify="assignee",
                started_at=wib(2026, 11, 3),
                due_at=fired_at or wib(2026, 11, 3),
                status=status,
                fired_at=fired_at,
            )
        )
    for asked, text, normalized in UNANSWERED:
        session.add(UnansweredQuestion(text=text, normalized=normalized, created_at=asked))
    for taken, category in DEFLECTIONS:
        session.add(
            DipDeflection(
                citizen_id=citizens["requester-tg"].id or 0,
                item_id=f"item-{category}",
                category=category,
                channel="telegram",
                created_at=taken,
            )
        )
    for key, at, scores in SURVEYS:
        for element, score in scores.items():
            session.add(
                SurveyAnswer(
                    ticket_id=requests[key].ticket_id, element=element, score=score, created_at=at
                )
            )
    await session.commit()


@pytest.fixture
async def seeded(migrated_db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(migrated_db_url)
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        await seed(session)
    yield sessions
    await engine.dispose()


CALENDAR = HoursConfig().calendar()


def in_period(d: date, start: date, end: date) -> bool:
    return start <= d <= end


def local_day(at: datetime) -> date:
    return at.astimezone(WIB).date()


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def ikm_of(responses: list[dict[str, int]]) -> tuple[Decimal, str, int] | None:
    """Mean of the element means x 25, in fractions, rounded half up; its band by the
    regulation's table."""
    means = []
    for element in U:
        scores = [r[element] for r in responses if element in r]
        if scores:
            means.append(Fraction(sum(scores), len(scores)))
    if not means:
        return None
    exact = sum(means) / len(means) * 25
    index = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    letter = (
        "A"
        if index >= Decimal("88.31")
        else "B"
        if index >= Decimal("76.61")
        else ("C" if index >= Decimal("65.00") else "D")
    )
    return index, letter, len(responses)


def spread(hours: list[float]) -> tuple[int, float | None, float | None]:
    if not hours:
        return (0, None, None)
    return (len(hours), statistics.median(hours), p90(hours))


def expected(start: date, end: date) -> dict[str, object]:
    """Every figure of the period, counted from the seed lists."""
    reqs = [r for r in REQUESTS if in_period(r.received, start, end)]
    decided_days = [r.days for r in reqs if r.days is not None]
    late = 0
    for r in reqs:
        due = r.extended_to or r.due
        late += (r.notice > due) if r.notice else (due < TODAY)
    objs = [o for o in OBJECTIONS if in_period(o.received, start, end)]
    writers = {c.citizen for c in CHATS if in_period(local_day(c.wrote), start, end)}
    tickets = [c for c in CHATS if c.opened and in_period(local_day(c.opened), start, end)]
    faq_only = {
        c.citizen for c in CHATS if c.faq_answer and in_period(local_day(c.wrote), start, end)
    } - {c.citizen for c in tickets}
    first = [c.first_hours for c in tickets if c.first_hours is not None]
    closed = [c.closed_hours for c in tickets if c.closed_hours is not None]
    unanswered: dict[str, list[str]] = {}
    for asked, text, normalized in sorted(UNANSWERED):
        if in_period(local_day(asked), start, end):
            unanswered.setdefault(normalized, []).append(text)
    given = [scores for _, at, scores in SURVEYS if in_period(local_day(at), start, end)]
    return {
        "ikm": ikm_of(given),
        "requests": len(reqs),
        "outcomes": {
            k: sum(1 for r in reqs if (r.decision or "pending") == k)
            for k in ("granted", "partly_granted", "rejected", "not_held", "pending")
        },
        "rejected_by_ground": {
            g: sum(1 for r in reqs if r.exemption == g)
            for g in sorted({r.exemption for r in reqs if r.exemption})
        },
        "extended": sum(1 for r in reqs if r.extended_to),
        "days_mean": sum(decided_days) / len(decided_days) if decided_days else None,
        "days_median": statistics.median(decided_days) if decided_days else None,
        "past_deadline": late,
        "by_channel": {
            ch: sum(1 for r in reqs if r.channel == ch) for ch in {r.channel for r in reqs}
        },
        "by_requester": {
            k: sum(1 for r in reqs if r.requester == k) for k in {r.requester for r in reqs}
        },
        "objections": len(objs),
        "objections_by_ground": {
            g: sum(1 for o in objs if o.ground == g) for g in sorted({o.ground for o in objs})
        },
        "objection_outcomes": {
            k: sum(1 for o in objs if (o.decision or "pending") == k)
            for k in ("accepted", "rejected", "pending")
        },
        "commission_cases": sum(
            1 for o in OBJECTIONS if o.commission and in_period(o.commission, start, end)
        ),
        "deflected_by_category": {
            key: sum(
                1 for at, c in DEFLECTIONS if c == key and in_period(local_day(at), start, end)
            )
            for key in ("berkala", "serta_merta", "setiap_saat")
        },
        "chats": len(writers),
        "faq_only": len(faq_only),
        "tickets": len(tickets),
        "first": spread(first),
        "closed": spread(closed),
        "sla": sum(
            1
            for fired, status in SLA_STEPS
            if status == "fired" and fired and in_period(local_day(fired), start, end)
        ),
        "unanswered": sorted(
            ((texts[0], len(texts)) for texts in unanswered.values()), key=lambda x: -x[1]
        ),
    }


def test_the_seed_has_the_figures_this_test_is_about() -> None:
    # The hand-written expectations are worth something only when they are not trivial.
    year = expected(date(2026, 1, 1), date(2026, 12, 31))
    assert year["requests"] == 8
    assert year["outcomes"] == {
        "granted": 1,
        "partly_granted": 1,
        "rejected": 2,
        "not_held": 1,
        "pending": 3,
    }
    assert year["days_mean"] == 7.0 and year["days_median"] == 3
    assert year["past_deadline"] == 2
    assert year["objections"] == 3 and year["commission_cases"] == 3
    assert year["deflected_by_category"] == {"berkala": 2, "serta_merta": 1, "setiap_saat": 1}
    december = expected(date(2026, 12, 1), date(2026, 12, 31))
    assert (december["objections"], december["commission_cases"]) == (0, 1)
    assert year["first"] == (4, 1.375, 2.0)
    assert year["closed"] == (3, 7.0, 9.5)
    november = expected(date(2026, 11, 1), date(2026, 11, 30))
    assert (november["chats"], november["faq_only"], november["sla"]) == (5, 2, 2)
    assert november["unanswered"][0] == ("Jam buka kantor?", 3)
    # By hand: November's element means 2.5, 3, 1.5, 4, 3, 3, 4, 3, 2 sum to 26; 26 / 9 x 25 =
    # 72.22 (C). The year adds March's fours: 30.333 / 9 x 25 = 84.26 (B).
    assert november["ikm"] == (Decimal("72.22"), "C", 2)
    assert year["ikm"] == (Decimal("84.26"), "B", 3)


def test_working_days_across_holidays_and_cuti_bersama_agree_with_the_hand_count() -> None:
    for r in REQUESTS:
        if r.notice is not None:
            assert CALENDAR.working_days_between(r.received, r.notice) == r.days, r.key


@pytest.mark.parametrize(
    ("kind", "text", "start", "end"),
    [
        ("year", "2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("month", "2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("month", "2026-12", date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
async def test_every_figure_matches_a_count_of_the_seed(
    seeded: async_sessionmaker[AsyncSession], kind: str, text: str, start: date, end: date
) -> None:
    period = parse_period(kind, text)
    assert (period.start, period.end) == (start, end)
    async with seeded() as session:
        report = await build_report(session, CALENDAR, period, TODAY)
    want = expected(start, end)
    assert report.requests == want["requests"]
    assert report.outcomes == want["outcomes"]
    assert report.rejected_by_ground == want["rejected_by_ground"]
    assert report.extended == want["extended"]
    assert report.days_mean == want["days_mean"]
    assert report.days_median == want["days_median"]
    assert report.past_deadline == want["past_deadline"]
    assert report.by_channel == want["by_channel"]
    assert report.by_requester == want["by_requester"]
    assert report.objections == want["objections"]
    assert report.objections_by_ground == want["objections_by_ground"]
    assert report.objection_outcomes == want["objection_outcomes"]
    assert report.commission_cases == want["commission_cases"]
    assert report.chats == want["chats"]
    assert report.faq_only == want["faq_only"]
    assert report.tickets == want["tickets"]
    fr, rs = report.first_response, report.resolution
    assert (fr.count, fr.median, fr.p90) == pytest.approx(want["first"])
    assert (rs.count, rs.median, rs.p90) == pytest.approx(want["closed"])
    assert report.sla_steps_fired == want["sla"]
    assert report.deflected_by_category == want["deflected_by_category"]
    assert report.deflected == sum(want["deflected_by_category"].values())  # type: ignore[attr-defined]
    assert report.unanswered == want["unanswered"]
    ikm = report.ikm
    assert (None if ikm is None else (ikm.index, ikm.band, ikm.respondents)) == want["ikm"]
    weeks = dict(report.per_week)
    assert sum(weeks.values()) == want["requests"]
    assert all(monday.weekday() == 0 for monday in weeks)
    for r in REQUESTS:
        if in_period(r.received, start, end):
            assert weeks[r.received - timedelta(days=r.received.weekday())] >= 1


async def test_xlsx_has_one_sheet_per_table_with_the_figures(
    seeded: async_sessionmaker[AsyncSession],
) -> None:
    period = parse_period("year", "2026")
    async with seeded() as session:
        report = await build_report(session, CALENDAR, period, TODAY)
    out = io.BytesIO()
    write_xlsx(report, PASAL_17, PASAL_35, out)
    wb = load_workbook(io.BytesIO(out.getvalue()))
    titles = [title for title, _, _ in tables(report, PASAL_17, PASAL_35)]
    assert wb.sheetnames == titles
    summary = {row[0]: row[1] for row in wb["Ringkasan"].iter_rows(min_row=2, values_only=True)}
    assert summary["Permohonan informasi diterima"] == 8
    assert summary["Dikabulkan"] == 1
    assert summary["Dikabulkan sebagian"] == 1
    assert summary["Ditolak"] == 2
    assert summary["Tidak dikuasai"] == 1
    assert summary["Dalam proses"] == 3
    assert summary["Diperpanjang (Pasal 22 ayat 8)"] == 1
    assert summary["Rata-rata hari kerja sampai pemberitahuan tertulis"] == 7.0
    assert summary["Median hari kerja sampai pemberitahuan tertulis"] == 3.0
    assert summary["Melewati batas waktu"] == 2
    assert summary["Keberatan diterima"] == 3
    assert summary["Sengketa dibawa ke Komisi Informasi"] == 3
    assert summary["Permohonan dialihkan ke Daftar Informasi Publik"] == 4
    deflected = dict(wb["Dialihkan ke DIP per kategori"].iter_rows(min_row=2, values_only=True))
    assert deflected == {
        "Informasi berkala": 2,
        "Informasi serta merta": 1,
        "Informasi tersedia setiap saat": 1,
    }
    rejected = list(wb["Penolakan per Pasal 17"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2]) for r in rejected] == [("Pasal 17 huruf a", 1), ("Pasal 17 huruf b", 1)]
    grounds = list(wb["Keberatan per Pasal 35"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2]) for r in grounds] == [
        ("Pasal 35 ayat 1 huruf a", 2),
        ("Pasal 35 ayat 1 huruf c", 1),
    ]
    channels = dict(wb["Permohonan per kanal"].iter_rows(min_row=2, values_only=True))
    assert channels == {"telegram": 5, "whatsapp": 3}
    requesters = dict(wb["Permohonan per pemohon"].iter_rows(min_row=2, values_only=True))
    assert requesters == {"Perorangan": 6, "Badan hukum": 2}
    chat = dict(wb["Layanan obrolan"].iter_rows(min_row=2, values_only=True))
    assert chat["Percakapan (warga yang menulis)"] == 7
    assert chat["Dijawab FAQ tanpa petugas"] == 3
    assert chat["Porsi dijawab FAQ tanpa petugas (%)"] == round(3 / 7 * 100, 1)
    assert chat["Respons pertama, median (jam kerja)"] == 1.38
    assert chat["Respons pertama, p90 (jam kerja)"] == 2.0
    assert chat["Langkah eskalasi SLA"] == 3
    ikm = dict(wb["IKM"].iter_rows(min_row=2, values_only=True))
    assert ikm["Nilai IKM"] == 84.26
    assert ikm["Mutu pelayanan"] == "B (Baik)"
    assert ikm["Responden"] == 3
    assert ikm["U3 Waktu penyelesaian"] == round(7 / 3, 2)  # (4 + 2 + 1) / 3
    unanswered = list(wb["Pertanyaan tak terjawab"].iter_rows(min_row=2, values_only=True))
    assert unanswered[:2] == [("Jam buka kantor", 4), ("Berapa biaya salinan", 2)]


async def test_pdf_states_the_figures_and_page_one_is_rendered(
    seeded: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    period = parse_period("month", "2026-11")
    async with seeded() as session:
        report = await build_report(session, CALENDAR, period, TODAY)
    pdf = render_pdf(report, PASAL_17, PASAL_35, "PPID Kota Uji")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert "LAPORAN LAYANAN INFORMASI PUBLIK" in flat
    assert "PPID Kota Uji" in flat
    assert "November 2026" in flat
    assert "Permohonan informasi diterima 3" in flat
    assert "Tidak dikuasai 1" in flat
    assert "Dalam proses 2" in flat
    assert "Melewati batas waktu 1" in flat
    assert "Sengketa dibawa ke Komisi Informasi 0" in flat
    assert "Permohonan dialihkan ke Daftar Informasi Publik 3" in flat
    assert "Informasi berkala 2" in flat and "Informasi tersedia setiap saat 1" in flat
    assert "Percakapan (warga yang menulis) 5" in flat
    assert "Jam buka kantor? 3" in flat
    assert "Nilai IKM 72,22" in flat
    assert "Mutu pelayanan C (Kurang Baik)" in flat
    # The four charts are images after the tables, on one page.
    assert [len(list(page.images)) for page in reader.pages][-1] == 4
    assert sum(len(list(page.images)) for page in reader.pages) == 4
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed: page 1 not rendered as an image")
    png = await asyncio.to_thread(page_one_png, pdf, tmp_path)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 5000


def page_one_png(pdf: bytes, where: Path) -> Path:
    """Page 1 as a PNG beside the PDF in the test's tmp dir, for a person to look at."""
    out = where / "laporan-2026-11.pdf"
    out.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(out), str(where / "page")],
        check=True,
        timeout=60,
    )
    (png,) = where.glob("page*.png")
    return png


@pytest.mark.parametrize(
    ("kind", "text"),
    [("year", "26"), ("year", "2026-01"), ("month", "2026-13"), ("month", "2026"), ("month", "x")],
)
def test_a_period_that_does_not_read_is_named(kind: str, text: str) -> None:
    with pytest.raises(PeriodError, match=repr(text).replace("?", r"\?")):
        parse_period(kind, text)


async def test_loket_report_writes_both_formats(tmp_path: Path) -> None:
    db = tmp_path / "loket.db"
    url = f"sqlite+aiosqlite:///{db}"
    engine = make_engine(url)
    await upgrade(engine)
    async with make_sessionmaker(engine)() as session:
        await seed(session)
    await engine.dispose()
    env = {"LOKET_DATABASE__URL": url}
    result = loket(
        "report", "year", "2026", "--format", "xlsx", "--output", "r.xlsx", env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "r.xlsx: 2026, 8 request(s), 7 chat(s)"
    summary = dict(
        load_workbook(tmp_path / "r.xlsx")["Ringkasan"].iter_rows(min_row=2, values_only=True)
    )
    assert summary["Permohonan informasi diterima"] == 8
    result = loket("report", "month", "2026-11", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = " ".join(
        " ".join(
            p.extract_text() for p in PdfReader(tmp_path / "laporan-2026-11.pdf").pages
        ).split()
    )
    assert "Permohonan informasi diterima 3" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("report", "year", "twenty"), "loket: report year: 'twenty' is not a year"),
        (("report", "month", "2026-00"), "loket: report month: '2026-00' is not a month"),
        (("report", "year", "2026", "--format", "doc"), "loket: report year: argument --format"),
        (("report", "day", "1"), "loket: report: argument period_kind: invalid choice"),
    ],
)
def test_bad_arguments_get_one_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    env = {"LOKET_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'none.db'}"}
    result = loket(*args, env=env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(message)
    assert not (tmp_path / "none.db").exists()


async def test_the_month_summary_counts_requests_deflected_by_the_dip(
    seeded: async_sessionmaker[AsyncSession],
) -> None:
    async with seeded() as session:
        report = await build_report(session, CALENDAR, parse_period("month", "2026-12"), TODAY)
    text = summary_html(report)
    assert "<b>Dialihkan ke Daftar Informasi Publik:</b> 1 (berkala 0, serta merta 1, " in text
    assert "tersedia setiap saat 0)" in text


async def test_an_office_counts_the_deflections_made_in_its_map_not_its_citizens_today(
    db_url: str,
) -> None:
    """A citizen who took an item of Kudus's map and moved to Semarang afterwards (/kantor):
    the deflection stays Kudus's; rows without an office only count in the whole."""
    engine = make_engine(db_url)
    await upgrade(engine)
    try:
        async with make_sessionmaker(engine)() as session:
            at = wib(2026, 12, 2)
            moved = Citizen(
                channel="telegram",
                external_id="moved",
                office="kab-semarang",
                created_at=at,
                last_seen_at=at,
            )
            stayed = Citizen(
                channel="telegram",
                external_id="stayed",
                office="kab-kudus",
                created_at=at,
                last_seen_at=at,
            )
            session.add_all([moved, stayed])
            await session.flush()
            assert moved.id is not None and stayed.id is not None
            taken = [
                (moved.id, "kab-kudus", "berkala"),  # before the move
                (moved.id, "kab-semarang", "setiap_saat"),  # after it
                (stayed.id, "kab-kudus", "serta_merta"),
                (stayed.id, None, "berkala"),  # from before offices were recorded
            ]
            for citizen_id, office, category in taken:
                session.add(
                    DipDeflection(
                        citizen_id=citizen_id,
                        item_id=f"item-{category}",
                        category=category,
                        channel="telegram",
                        office=office,
                        created_at=at,
                    )
                )
            await session.commit()
        month = parse_period("month", "2026-12")
        async with make_sessionmaker(engine)() as session:
            kudus = await build_report(session, CALENDAR, month, TODAY, office="kab-kudus")
            semarang = await build_report(session, CALENDAR, month, TODAY, office="kab-semarang")
            whole = await build_report(session, CALENDAR, month, TODAY)
    finally:
        await engine.dispose()
    assert (kudus.deflected, semarang.deflected, whole.deflected) == (2, 1, 4)
    assert kudus.deflected_by_category == {"berkala": 1, "serta_merta": 1, "setiap_saat": 0}
    assert semarang.deflected_by_category == {"berkala": 0, "serta_merta": 0, "setiap_saat": 1}
