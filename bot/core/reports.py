"""The figures a PPID publishes: the yearly (or monthly) report on its information service
(UU 14/2008, Perki 1/2021) and the live-chat figures its coordinators watch.

``build_report`` reads one period from the database and returns a plain ``Report``; the
writers (``write_xlsx``, ``render_pdf``) are pure and slow, so callers run them off the event
loop. Definitions, so that a reader of the report can recount every figure:
- a request, an objection, a chat, a ticket or an unanswered question belongs to the period by
  the local date (office time zone) it was received, opened or asked;
- a case taken to the Komisi Informasi belongs to the period by the date the office recorded
  it was registered there (``/sengketa``), whenever its objection was received;
- decisions, days to decision and lateness are those of the requests received in the period;
  "days to the written decision" are working days from the receipt date to the notice date,
  counted by the office calendar (the day of receipt is not counted);
- a request is past its deadline when its notice came after its due date (the extended one
  when it was extended), or when it has no notice and its due date is before ``today``;
- a request deflected by the information map (DIP) is a request form left for a published item
  the form offered (the citizen took the item instead of filing); it belongs to the period by
  the local date it was taken, to the category the item had then, and to the office of the
  network whose map it was, wherever the citizen went later (one taken before that was
  recorded belongs to the citizen's office at the upgrade; one without an office counts only
  in the total, as a ticket without an office does);
- chats are the citizens who wrote in the period; one is "answered by the FAQ without an
  officer" when it got an FAQ answer (or an item of the information map, handed over in the
  chat) in the period and no live-chat ticket was opened for it;
- first-response and resolution times are business time (office hours) from the opening of a
  live-chat ticket to its first answer and to its closing; p90 is the nearest-rank 90th
  percentile.
"""

from __future__ import annotations

import io
import math
import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, BinaryIO

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.calendar import MONTH_NAMES, OfficeCalendar
from bot.core.ikm import ELEMENTS, Ikm, compute
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

if TYPE_CHECKING:
    from matplotlib.axes import Axes

OUTCOMES = ("granted", "partly_granted", "rejected", "not_held", "pending")
OUTCOME_WORDS = {
    "granted": "Dikabulkan",
    "partly_granted": "Dikabulkan sebagian",
    "rejected": "Ditolak",
    "not_held": "Tidak dikuasai",
    "pending": "Dalam proses",
}
OBJECTION_OUTCOMES = ("accepted", "rejected", "pending")
OBJECTION_WORDS = {"accepted": "Diterima", "rejected": "Ditolak", "pending": "Dalam proses"}
REQUESTER_WORDS = {"perorangan": "Perorangan", "badan_hukum": "Badan hukum"}
TOP_UNANSWERED = 10
# The information map's categories a request can be deflected to (published ones), in the
# order of UU 14/2008 (Pasal 9, 10, 11), with their names in the report.
DIP_CATEGORIES = ("berkala", "serta_merta", "setiap_saat")
DIP_WORDS = {
    "berkala": "Informasi berkala",
    "serta_merta": "Informasi serta merta",
    "setiap_saat": "Informasi tersedia setiap saat",
    "dikecualikan": "Informasi dikecualikan",
}

_YEAR_RE = re.compile(r"^\d{4}$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class PeriodError(ValueError):
    """A period that the command line cannot read."""


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date  # included
    label: str  # "2026", "November 2026"
    kind: str  # "year" | "month"

    @property
    def slug(self) -> str:
        return f"{self.start:%Y}" if self.kind == "year" else f"{self.start:%Y-%m}"


def parse_period(kind: str, text: str) -> Period:
    """``year 2026`` or ``month 2026-11``; PeriodError names what is wrong."""
    if kind == "year":
        if not _YEAR_RE.match(text) or not 2000 <= int(text) <= 9998:
            raise PeriodError(f"{text!r} is not a year (use YYYY, e.g. 2026)")
        year = int(text)
        return Period(date(year, 1, 1), date(year, 12, 31), str(year), "year")
    if kind == "month":
        match = _MONTH_RE.match(text)
        if not match or not 2000 <= int(match[1]) <= 9998 or not 1 <= int(match[2]) <= 12:
            raise PeriodError(f"{text!r} is not a month (use YYYY-MM, e.g. 2026-11)")
        year, month = int(match[1]), int(match[2])
        start = date(year, month, 1)
        end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        return Period(start, end, f"{MONTH_NAMES['id'][month - 1]} {year}", "month")
    raise PeriodError(f"unknown period {kind!r} (year | month)")


def month_of(day: date) -> Period:
    return parse_period("month", f"{day:%Y-%m}")


@dataclass(frozen=True, slots=True)
class Spread:
    """Median and 90th percentile of a set of durations, in hours (None when empty)."""

    count: int
    median: float | None
    p90: float | None


@dataclass(slots=True)
class Report:
    period: Period
    today: date
    # Formal requests (UU 14/2008).
    requests: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)  # OUTCOMES -> count
    rejected_by_ground: dict[str, int] = field(default_factory=dict)  # Pasal 17 letter
    extended: int = 0
    days_mean: float | None = None
    days_median: float | None = None
    past_deadline: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    by_requester: dict[str, int] = field(default_factory=dict)
    per_week: list[tuple[date, int]] = field(default_factory=list)  # Monday, requests
    # Objections (Pasal 35).
    objections: int = 0
    objections_by_ground: dict[str, int] = field(default_factory=dict)
    objection_outcomes: dict[str, int] = field(default_factory=dict)
    commission_cases: int = 0  # disputes taken to the Komisi Informasi (Pasal 37)
    # Requests the information map deflected (a published item taken instead), by category.
    deflected: int = 0
    deflected_by_category: dict[str, int] = field(default_factory=dict)
    # Live chat.
    chats: int = 0
    faq_only: int = 0
    tickets: int = 0
    first_response: Spread = field(default_factory=lambda: Spread(0, None, None))
    resolution: Spread = field(default_factory=lambda: Spread(0, None, None))
    sla_steps_fired: int = 0
    unanswered: list[tuple[str, int]] = field(default_factory=list)
    # Satisfaction (IKM) of the survey answers given in the period; None without answers.
    ikm: Ikm | None = None

    @property
    def faq_only_share(self) -> float | None:
        return self.faq_only / self.chats if self.chats else None


def nearest_rank(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank q-quantile (0 < q <= 1): a value that occurs in the data."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)), 1) - 1]


def _spread(hours: Sequence[float]) -> Spread:
    if not hours:
        return Spread(0, None, None)
    return Spread(len(hours), statistics.median(hours), nearest_rank(hours, 0.9))


def _bounds(calendar: OfficeCalendar, period: Period) -> tuple[datetime, datetime]:
    """The period as instants: from local midnight of its first day to that after its last."""
    tz = calendar.tz
    return (
        datetime.combine(period.start, time(0), tz),
        datetime.combine(period.end + timedelta(days=1), time(0), tz),
    )


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def _count(values: Iterable[str]) -> dict[str, int]:
    return dict(Counter(values).most_common())


async def build_report(
    session: AsyncSession,
    calendar: OfficeCalendar,
    period: Period,
    today: date,
    office: str | None = None,
) -> Report:
    """Every figure of ``period``, read in ``session`` (which it does not change); of one
    office of a network when ``office`` is given, else of the whole (network or office)."""
    report = Report(period=period, today=today)
    lo, hi = _bounds(calendar, period)
    mine = (col(Ticket.office) == office,) if office is not None else ()

    stmt = (
        select(InfoRequest, Ticket)
        .join(Ticket, col(Ticket.id) == col(InfoRequest.ticket_id))
        .where(
            InfoRequest.received_on >= period.start, InfoRequest.received_on <= period.end, *mine
        )
        .order_by(col(InfoRequest.id))
    )
    outcomes: Counter[str] = Counter({key: 0 for key in OUTCOMES})
    days: list[int] = []
    weeks: Counter[date] = Counter()
    channels: list[str] = []
    requesters: list[str] = []
    grounds: list[str] = []
    for request, ticket in (await session.exec(stmt)).all():
        if request.decision == "transferred" and office is None:
            continue  # the network counts it once, at the office it was moved to
        report.requests += 1
        # Moved to another office of the network: for this office, information it does not
        # hold, passed on to the office that does.
        outcome = "not_held" if request.decision == "transferred" else request.decision
        outcomes[outcome or "pending"] += 1
        if request.decision == "rejected" and request.exemption:
            grounds.append(request.exemption)
        if request.extended_to is not None:
            report.extended += 1
        due = request.extended_to or request.due_on
        if request.notice_on is not None:
            days.append(calendar.working_days_between(request.received_on, request.notice_on))
            late = request.notice_on > due
        else:
            late = due < today
        report.past_deadline += late
        weeks[request.received_on - timedelta(days=request.received_on.weekday())] += 1
        channels.append(ticket.channel)
        requesters.append(request.requester_kind)
    report.outcomes = dict(outcomes)
    report.rejected_by_ground = dict(sorted(Counter(grounds).items()))
    report.by_channel = _count(channels)
    report.by_requester = _count(requesters)
    if days:
        report.days_mean = statistics.fmean(days)
        report.days_median = float(statistics.median(days))
    # Every week of the period, empty ones too, so the chart's axis is the period's.
    monday = period.start - timedelta(days=period.start.weekday())
    while monday <= period.end:
        report.per_week.append((monday, weeks[monday]))
        monday += timedelta(days=7)

    objection_stmt = (
        select(Objection)
        .join(Ticket, col(Ticket.id) == col(Objection.ticket_id))
        .where(Objection.received_on >= period.start, Objection.received_on <= period.end, *mine)
    )
    objection_outcomes: Counter[str] = Counter({key: 0 for key in OBJECTION_OUTCOMES})
    objection_grounds: list[str] = []
    for objection in (await session.exec(objection_stmt)).all():
        report.objections += 1
        objection_grounds.append(objection.ground)
        objection_outcomes[objection.decision or "pending"] += 1
    report.objections_by_ground = dict(sorted(Counter(objection_grounds).items()))
    report.objection_outcomes = dict(objection_outcomes)
    commission_stmt = (
        select(func.count())
        .select_from(Objection)
        .join(Ticket, col(Ticket.id) == col(Objection.ticket_id))
        .where(
            col(Objection.commission_on) >= period.start,
            col(Objection.commission_on) <= period.end,
            *mine,
        )
    )
    report.commission_cases = (await session.exec(commission_stmt)).one()
    # One office of a network: the deflections made in its map, wherever their citizens are now
    # (as its tickets: by the office recorded, not by the citizen's office today).
    here = (col(DipDeflection.office) == office,) if office is not None else ()
    deflections = await session.exec(
        select(DipDeflection.category).where(
            col(DipDeflection.created_at) >= lo, col(DipDeflection.created_at) < hi, *here
        )
    )
    by_category = Counter(deflections.all())
    report.deflected = sum(by_category.values())
    # Every published category, empty ones too; another (the map edited since) after them.
    report.deflected_by_category = {key: by_category.pop(key, 0) for key in DIP_CATEGORIES}
    report.deflected_by_category.update(sorted(by_category.items()))

    await _live_chat(session, calendar, report, lo, hi, office)
    survey = await session.exec(
        select(SurveyAnswer)
        .join(Ticket, col(Ticket.id) == col(SurveyAnswer.ticket_id))
        .where(col(SurveyAnswer.created_at) >= lo, col(SurveyAnswer.created_at) < hi, *mine)
    )
    responses: dict[int, dict[str, int]] = {}
    for answer in survey.all():
        responses.setdefault(answer.ticket_id, {})[answer.element] = answer.score
    report.ikm = compute(responses.values())
    return report


async def _live_chat(
    session: AsyncSession,
    calendar: OfficeCalendar,
    report: Report,
    lo: datetime,
    hi: datetime,
    office: str | None = None,
) -> None:
    # One office of a network: the citizens it serves now, and its own tickets.
    in_period: tuple[Any, ...] = (col(Message.created_at) >= lo, col(Message.created_at) < hi)
    served = select(Citizen.id).where(Citizen.office == office)
    if office is not None:
        in_period = (*in_period, col(Message.citizen_id).in_(served))
    writers = set(
        (
            await session.exec(
                select(Message.citizen_id).where(Message.direction == "in", *in_period).distinct()
            )
        ).all()
    )
    faq_answered = set(
        (
            await session.exec(
                select(Message.citizen_id)
                .where(
                    Message.direction == "out",
                    col(Message.faq_entry_id).is_not(None),
                    *in_period,
                )
                .distinct()
            )
        ).all()
    )
    tickets = (
        await session.exec(
            select(Ticket).where(
                Ticket.kind == "LC",
                col(Ticket.created_at) >= lo,
                col(Ticket.created_at) < hi,
                *((col(Ticket.office) == office,) if office is not None else ()),
            )
        )
    ).all()
    with_ticket = {ticket.citizen_id for ticket in tickets}
    report.chats = len(writers)
    report.faq_only = len((writers & faq_answered) - with_ticket)
    report.tickets = len(tickets)
    first = [
        _hours(calendar.business_time_between(t.created_at, t.first_response_at))
        for t in tickets
        if t.first_response_at is not None
    ]
    closed = [
        _hours(calendar.business_time_between(t.created_at, t.closed_at))
        for t in tickets
        if t.closed_at is not None
    ]
    report.first_response = _spread(first)
    report.resolution = _spread(closed)
    fired = await session.exec(
        select(func.count())
        .select_from(SlaStep)
        .join(Ticket, col(Ticket.id) == col(SlaStep.ticket_id))
        .where(
            SlaStep.status == "fired",
            col(SlaStep.fired_at) >= lo,
            col(SlaStep.fired_at) < hi,
            *((col(Ticket.office) == office,) if office is not None else ()),
        )
    )
    report.sla_steps_fired = int(fired.one())
    questions = (
        await session.exec(
            select(UnansweredQuestion).where(
                col(UnansweredQuestion.created_at) >= lo,
                col(UnansweredQuestion.created_at) < hi,
                *((col(UnansweredQuestion.citizen_id).in_(served),) if office is not None else ()),
            )
        )
    ).all()
    # Grouped by their normalized form (case, spacing, punctuation); shown as first asked.
    groups: dict[str, list[str]] = {}
    for question in sorted(questions, key=lambda q: (q.created_at, q.id or 0)):
        groups.setdefault(question.normalized or question.text.strip().lower(), []).append(
            question.text
        )
    ranked = sorted(groups.values(), key=lambda texts: -len(texts))
    report.unanswered = [(texts[0], len(texts)) for texts in ranked[:TOP_UNANSWERED]]


# -- tables (shared by the XLSX sheets and the PDF) ---------------------------------------------

Cell = str | int | float | None
Table = tuple[str, list[str], list[list[Cell]]]  # title, header, rows


def _fmt_number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}".replace(".", ",")


def tables(report: Report, pasal_17: dict[str, str], pasal_35: dict[str, str]) -> list[Table]:
    """The report as tables, in the order the yearly report presents them."""
    outcome_rows: list[list[Cell]] = [
        [OUTCOME_WORDS[key], report.outcomes.get(key, 0)] for key in OUTCOMES
    ]
    summary: list[list[Cell]] = [
        ["Permohonan informasi diterima", report.requests],
        *outcome_rows,
        ["Diperpanjang (Pasal 22 ayat 8)", report.extended],
        ["Rata-rata hari kerja sampai pemberitahuan tertulis", _round(report.days_mean)],
        ["Median hari kerja sampai pemberitahuan tertulis", _round(report.days_median)],
        ["Melewati batas waktu", report.past_deadline],
        ["Keberatan diterima", report.objections],
        ["Sengketa dibawa ke Komisi Informasi", report.commission_cases],
        ["Permohonan dialihkan ke Daftar Informasi Publik", report.deflected],
    ]
    rejected: list[list[Cell]] = [
        [f"Pasal 17 huruf {letter}", pasal_17.get(letter, ""), count]
        for letter, count in report.rejected_by_ground.items()
    ]
    objections: list[list[Cell]] = [
        [f"Pasal 35 ayat 1 huruf {letter}", pasal_35.get(letter, ""), count]
        for letter, count in report.objections_by_ground.items()
    ]
    objection_outcomes: list[list[Cell]] = [
        [OBJECTION_WORDS[key], report.objection_outcomes.get(key, 0)] for key in OBJECTION_OUTCOMES
    ]
    channels: list[list[Cell]] = [[name, n] for name, n in report.by_channel.items()]
    requesters: list[list[Cell]] = [
        [REQUESTER_WORDS.get(kind, kind), n] for kind, n in report.by_requester.items()
    ]
    weeks: list[list[Cell]] = [[f"{monday:%d-%m-%Y}", n] for monday, n in report.per_week]
    deflected: list[list[Cell]] = [
        [DIP_WORDS.get(key, key), n] for key, n in report.deflected_by_category.items()
    ]
    share = report.faq_only_share
    chat: list[list[Cell]] = [
        ["Percakapan (warga yang menulis)", report.chats],
        ["Dijawab FAQ tanpa petugas", report.faq_only],
        ["Porsi dijawab FAQ tanpa petugas (%)", None if share is None else round(share * 100, 1)],
        ["Tiket obrolan dibuka", report.tickets],
        ["Respons pertama, median (jam kerja)", _round(report.first_response.median, 2)],
        ["Respons pertama, p90 (jam kerja)", _round(report.first_response.p90, 2)],
        ["Penyelesaian, median (jam kerja)", _round(report.resolution.median, 2)],
        ["Penyelesaian, p90 (jam kerja)", _round(report.resolution.p90, 2)],
        ["Langkah eskalasi SLA", report.sla_steps_fired],
    ]
    unanswered: list[list[Cell]] = [[text, n] for text, n in report.unanswered]
    ikm: list[list[Cell]] = []
    if report.ikm is not None:
        means = report.ikm.element_means
        ikm = [
            [f"U{n} {name}", None if key not in means else round(float(means[key]), 2)]
            for n, (key, name, _) in enumerate(ELEMENTS, start=1)
        ]
        ikm += [
            ["Responden", report.ikm.respondents],
            ["Nilai IKM", float(report.ikm.index)],
            ["Mutu pelayanan", f"{report.ikm.band} ({report.ikm.meaning})"],
        ]
    return [
        ("Ringkasan", ["Uraian", "Jumlah"], summary),
        ("Penolakan per Pasal 17", ["Dasar", "Uraian", "Jumlah"], rejected),
        ("Keberatan per Pasal 35", ["Alasan", "Uraian", "Jumlah"], objections),
        ("Hasil keberatan", ["Hasil", "Jumlah"], objection_outcomes),
        ("Permohonan per kanal", ["Kanal", "Jumlah"], channels),
        ("Permohonan per pemohon", ["Jenis pemohon", "Jumlah"], requesters),
        ("Permohonan per minggu", ["Minggu mulai", "Jumlah"], weeks),
        ("Dialihkan ke DIP per kategori", ["Kategori", "Jumlah"], deflected),
        ("Layanan obrolan", ["Uraian", "Nilai"], chat),
        ("Pertanyaan tak terjawab", ["Pertanyaan", "Jumlah"], unanswered),
        ("IKM", ["Unsur", "Nilai"], ikm),
    ]


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def write_xlsx(
    report: Report,
    pasal_17: dict[str, str],
    pasal_35: dict[str, str],
    out: BinaryIO | str,
) -> None:
    """One sheet per table, with a bold frozen header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    first = wb.active
    assert first is not None  # a new Workbook always has one sheet
    wb.remove(first)
    wb.properties.title = f"Laporan Layanan Informasi Publik {report.period.label}"
    for title, header, rows in tables(report, pasal_17, pasal_35):
        ws = wb.create_sheet(title[:31])  # Excel's limit on sheet names
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        for c, name in enumerate(header, start=1):
            width = max([len(name), *(len(str(r[c - 1] or "")) for r in rows)])
            ws.column_dimensions[get_column_letter(c)].width = min(max(width, 10), 70) + 2
        ws.freeze_panes = "A2"
    wb.save(out)


# -- charts and PDF -----------------------------------------------------------------------------


def _png(draw: Callable[[Axes], None]) -> bytes:
    """A figure drawn by ``draw(ax)`` as PNG bytes: the object API on the Agg canvas, so no
    global pyplot state is shared between threads or reports."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 2.6), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    draw(ax)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def chart_per_week(report: Report) -> bytes:
    def draw(ax: Axes) -> None:
        from matplotlib.ticker import MaxNLocator

        labels = [f"{monday:%d/%m}" for monday, _ in report.per_week]
        counts = [n for _, n in report.per_week]
        ax.bar(range(len(labels)), counts, color="#3b6ea8")
        ax.set_ylim(0, max([*counts, 1]) * 1.1)
        step = max(len(labels) // 13, 1)
        ax.set_xticks(range(0, len(labels), step), labels[::step], fontsize=7)
        ax.set_title("Permohonan per minggu")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))

    return _png(draw)


def chart_outcomes(report: Report) -> bytes:
    def draw(ax: Axes) -> None:
        from matplotlib.ticker import MaxNLocator

        keys = list(OUTCOMES)
        decided = [report.outcomes.get(k, 0) for k in keys]
        ax.barh([OUTCOME_WORDS[k] for k in keys], decided, color="#5a9b5a")
        ax.set_xlim(0, max([*decided, 1]) * 1.1)
        ax.invert_yaxis()
        ax.set_title("Keputusan")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))

    return _png(draw)


def chart_response_times(report: Report) -> bytes:
    def draw(ax: Axes) -> None:
        names = ["Respons pertama", "Penyelesaian"]
        medians = [report.first_response.median or 0, report.resolution.median or 0]
        p90s = [report.first_response.p90 or 0, report.resolution.p90 or 0]
        ax.bar([0, 1], medians, width=0.35, label="median", color="#3b6ea8")
        ax.bar([0.35, 1.35], p90s, width=0.35, label="p90", color="#d08c3a")
        ax.set_xticks([0.175, 1.175], names)
        ax.set_ylim(0, max([*medians, *p90s, 1]) * 1.1)
        ax.set_ylabel("jam kerja")
        ax.set_title("Waktu layanan obrolan")
        ax.legend()

    return _png(draw)


def chart_channels(report: Report) -> bytes:
    def draw(ax: Axes) -> None:
        from matplotlib.ticker import MaxNLocator

        names = list(report.by_channel) or ["-"]
        values = list(report.by_channel.values()) or [0]
        ax.bar(names, values, color="#8a5aa8")
        ax.set_ylim(0, max([*values, 1]) * 1.1)
        ax.set_title("Permohonan per kanal")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))

    return _png(draw)


def render_pdf(
    report: Report, pasal_17: dict[str, str], pasal_35: dict[str, str], office: str = ""
) -> bytes:
    """The report on A4: its tables, then the four charts."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    from bot.core.formal.notices.fonts import fonts_for
    from bot.core.formal.notices.safe_text import LATIN1, fit_text

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    fonts = fonts_for(None)
    family, allowed = "helvetica", LATIN1
    if fonts is not None:
        pdf.add_font("report", "", str(fonts.regular))
        pdf.add_font("report", "B", str(fonts.bold))
        family, allowed = "report", fonts.coverage
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_title(f"Laporan Layanan Informasi Publik {report.period.label}")
    pdf.add_page()

    def line(text: str, size: float = 10, bold: bool = False, h: float = 5.5) -> None:
        pdf.set_font(family, "B" if bold else "", size)
        pdf.multi_cell(0, h, fit_text(text, allowed), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    line("LAPORAN LAYANAN INFORMASI PUBLIK", 14, bold=True, h=7)
    if office:
        line(office, 11, bold=True)
    line(
        f"Periode: {report.period.label} ({report.period.start:%d-%m-%Y} s.d. "
        f"{report.period.end:%d-%m-%Y}), dihitung per {report.today:%d-%m-%Y}",
        9,
    )
    pdf.ln(2)
    for title, header, rows in tables(report, pasal_17, pasal_35):
        line(title, 11, bold=True, h=7)
        pdf.set_font(family, "", 9)
        widths = (120, 54) if len(header) == 2 else (40, 110, 24)
        with pdf.table(col_widths=widths, line_height=5, first_row_as_headings=True) as table:
            head = table.row()
            for name in header:
                head.cell(fit_text(name, allowed))
            for values in rows or [["-"] * len(header)]:
                row = table.row()
                for value in values:
                    if isinstance(value, float):
                        text = _fmt_number(value, 2 if value != round(value, 1) else 1)
                    else:
                        text = "-" if value is None else str(value)
                    row.cell(fit_text(text, allowed))
        pdf.ln(3)
    pdf.add_page()
    line("Grafik", 12, bold=True, h=7)
    for chart in (
        chart_per_week(report),
        chart_outcomes(report),
        chart_response_times(report),
        chart_channels(report),
    ):
        pdf.image(io.BytesIO(chart), w=160)
        pdf.ln(2)
    return bytes(pdf.output())


# -- /laporan: the month so far, for the coordinators ------------------------------------------


def _hours_text(value: float | None) -> str:
    return "-" if value is None else _fmt_number(value, 2)


def summary_html(report: Report) -> str:
    """The month's figures as a staff-group message (HTML, Indonesian like the staff texts)."""
    from html import escape

    o = report.outcomes
    share = report.faq_only_share
    lines = [
        f"<b>Laporan {escape(report.period.label)}</b> (per {report.today:%d-%m-%Y})",
        "",
        f"<b>Permohonan informasi:</b> {report.requests}",
        f"dikabulkan {o.get('granted', 0)}, sebagian {o.get('partly_granted', 0)}, "
        f"ditolak {o.get('rejected', 0)}, tidak dikuasai {o.get('not_held', 0)}, "
        f"dalam proses {o.get('pending', 0)}",
        f"diperpanjang {report.extended}, melewati batas waktu {report.past_deadline}",
        f"hari kerja sampai keputusan: rata-rata {_fmt_number(report.days_mean)}, "
        f"median {_fmt_number(report.days_median)}",
        f"<b>Keberatan:</b> {report.objections}, "
        f"dibawa ke Komisi Informasi {report.commission_cases}",
        f"<b>Dialihkan ke Daftar Informasi Publik:</b> {report.deflected} ("
        + ", ".join(
            f"{DIP_WORDS.get(key, key).removeprefix('Informasi ').lower()} {n}"
            for key, n in report.deflected_by_category.items()
        )
        + ")",
        "",
        f"<b>Obrolan:</b> {report.chats} warga, "
        + ("-" if share is None else f"{_fmt_number(share * 100)}%")
        + f" dijawab FAQ tanpa petugas, {report.tickets} tiket",
        f"respons pertama (jam kerja): median {_hours_text(report.first_response.median)}, "
        f"p90 {_hours_text(report.first_response.p90)}",
        f"penyelesaian (jam kerja): median {_hours_text(report.resolution.median)}, "
        f"p90 {_hours_text(report.resolution.p90)}",
        f"langkah eskalasi SLA: {report.sla_steps_fired}",
    ]
    if report.ikm is not None:
        lines.append(
            f"<b>IKM:</b> {_fmt_number(float(report.ikm.index), 2)} "
            f"(mutu {report.ikm.band}, {report.ikm.respondents} responden)"
        )
    if report.unanswered:
        lines += ["", "<b>Pertanyaan tak terjawab teratas:</b>"]
        lines += [f"{n}× {escape(text[:120])}" for text, n in report.unanswered[:5]]
    return "\n".join(lines)


def chart_key(report: Report) -> tuple[object, ...]:
    """What ``chart_month`` draws: the same key is the same picture."""
    return (
        report.period.slug,
        tuple(report.per_week),
        tuple(sorted(report.outcomes.items())),
    )


def chart_month(report: Report) -> bytes:
    """One picture for /laporan: requests per week beside decisions by outcome."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(9, 3.2), dpi=110)
    FigureCanvasAgg(fig)
    weeks, outcomes = fig.subplots(1, 2)
    labels = [f"{monday:%d/%m}" for monday, _ in report.per_week]
    counts = [n for _, n in report.per_week]
    weeks.bar(labels, counts, color="#3b6ea8")
    weeks.set_ylim(0, max([*counts, 1]) * 1.1)
    weeks.set_title("Permohonan per minggu")
    weeks.yaxis.set_major_locator(MaxNLocator(integer=True))
    keys = list(OUTCOMES)
    decided = [report.outcomes.get(k, 0) for k in keys]
    outcomes.barh([OUTCOME_WORDS[k] for k in keys], decided, color="#5a9b5a")
    outcomes.set_xlim(0, max([*decided, 1]) * 1.1)
    outcomes.invert_yaxis()
    outcomes.set_title("Keputusan")
    outcomes.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(f"Laporan {report.period.label}")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
