"""The registers a PPID keeps (UU 14/2008): the register of information requests (buku register
permohonan informasi publik) and the register of objections (register keberatan), exported as
CSV or XLSX. ``request_rows`` and ``objection_rows`` read the rows from the database; the
writers are pure (no database, no clock). Cell rules shared by both formats:
- a pending decision (``None``) reads "dalam proses"; other missing values are empty cells;
- text written by citizens can never become a formula when an official opens the file in a
  spreadsheet (CSV: a leading ' on risky cells; XLSX: cells are stored as text).

CSV dates are ISO 8601 (yyyy-mm-dd): unambiguous, sortable, and read as a date by spreadsheets
in every locale (dd-mm-yyyy is read as mm-dd by an English-locale Excel). XLSX dates are real
date cells shown as dd-mm-yyyy, the way Indonesian forms write them.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO, Literal, TextIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.calendar import OfficeCalendar
from bot.core.formal.lookup import OBTAIN
from bot.core.formal.notices import PASAL_35
from bot.core.formal.requests import DECISION_WORDS
from storage.models import InfoRequest, Objection, Ticket

Kind = Literal["requests", "objections"]
Cell = str | int | date | None

PENDING = "dalam proses"
XLSX_DATE_FORMAT = "DD-MM-YYYY"
# Leading characters that make a spreadsheet evaluate a cell (OWASP "CSV injection"): the four
# formula starters plus tab and carriage return, which some spreadsheets strip before parsing.
FORMULA_STARTERS = ("=", "+", "-", "@", "\t", "\r")
# Excel refuses longer cells (the file opens only after a "repair").
XLSX_MAX_CELL = 32_767
MIN_WIDTH, MAX_WIDTH = 10, 50


@dataclass(frozen=True, slots=True)
class RequestRow:
    """One line of the register of information requests."""

    number: str  # PI-2026-000123
    received: date
    name: str
    address: str
    contact: str  # phone and/or email, joined
    occupation: str
    information: str  # the information requested
    purpose: str
    obtain: str  # melihat / membaca / mendengarkan / mencatat / salinan softcopy / hardcopy
    receive: str  # langsung / pos / kurir / email
    decision: str | None = None  # diterima / diterima sebagian / ditolak / tidak dikuasai
    reason: str = ""  # Pasal 17 exemption letter + reason, or the body holding it, or a note
    notice_date: date | None = None  # the written notice (pemberitahuan tertulis)
    days_taken: int | None = None  # working days from receipt to notice
    extension: str = ""  # "" or "diperpanjang s.d. <date>: <reason>"


@dataclass(frozen=True, slots=True)
class ObjectionRow:
    """One line of the register of objections."""

    number: str  # KB-2026-000123
    received: date
    request_number: str
    name: str
    address: str
    contact: str
    ground: str  # Pasal 35(1) letter + its short description
    explanation: str
    decision: str | None = None  # diterima / ditolak
    reason: str = ""
    decision_date: date | None = None
    days_taken: int | None = None  # working days from receipt to decision
    coordinator: str = ""  # the atasan PPID who decided
    commission_date: date | None = None  # taken to the Komisi Informasi (Pasal 37)
    commission_note: str = ""


# (header, attribute) in register order.
REQUEST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("No. Registrasi", "number"),
    ("Tanggal Permohonan", "received"),
    ("Nama", "name"),
    ("Alamat", "address"),
    ("Kontak (Telepon/Email)", "contact"),
    ("Pekerjaan", "occupation"),
    ("Rincian Informasi yang Dimohon", "information"),
    ("Tujuan Penggunaan", "purpose"),
    ("Cara Memperoleh", "obtain"),
    ("Cara Mendapatkan Salinan", "receive"),
    ("Keputusan", "decision"),
    ("Alasan", "reason"),
    ("Tanggal Pemberitahuan Tertulis", "notice_date"),
    ("Jangka Waktu (hari kerja)", "days_taken"),
    ("Perpanjangan", "extension"),
)

OBJECTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("No. Registrasi Keberatan", "number"),
    ("Tanggal Keberatan", "received"),
    ("No. Registrasi Permohonan", "request_number"),
    ("Nama", "name"),
    ("Alamat", "address"),
    ("Kontak (Telepon/Email)", "contact"),
    ("Alasan Keberatan (Pasal 35 ayat 1)", "ground"),
    ("Uraian Keberatan", "explanation"),
    ("Keputusan Atasan PPID", "decision"),
    ("Alasan Keputusan", "reason"),
    ("Tanggal Tanggapan", "decision_date"),
    ("Jangka Waktu (hari kerja)", "days_taken"),
    ("Atasan PPID", "coordinator"),
    ("Sengketa ke Komisi Informasi (tanggal)", "commission_date"),
    ("Catatan Sengketa", "commission_note"),
)

_KINDS: dict[str, tuple[type, tuple[tuple[str, str], ...], str]] = {
    "requests": (RequestRow, REQUEST_COLUMNS, "Register Permohonan"),
    "objections": (ObjectionRow, OBJECTION_COLUMNS, "Register Keberatan"),
}

Row = RequestRow | ObjectionRow


async def request_rows(
    session: AsyncSession,
    calendar: OfficeCalendar,
    start: date,
    end: date,
    office: str | None = None,
) -> list[RequestRow]:
    """The register of requests received from ``start`` to ``end`` (both included); of one
    office of a network when ``office`` is given, else of all."""
    stmt = (
        select(InfoRequest, Ticket)
        .join(Ticket, col(Ticket.id) == col(InfoRequest.ticket_id))
        .where(InfoRequest.received_on >= start, InfoRequest.received_on <= end)
        .order_by(col(InfoRequest.id))
    )
    if office is not None:
        stmt = stmt.where(Ticket.office == office)
    rows = []
    for r, tk in (await session.exec(stmt)).all():
        reason = r.decision_note
        if r.exemption:
            reason = f"Pasal 17 huruf {r.exemption}: {r.decision_note}"
        elif r.decision == "transferred":
            reason = f"dialihkan ke {r.holder} ({r.decision_note})"
        elif r.holder:
            reason = f"dikuasai oleh {r.holder}"
        extension = ""
        if r.extended_to:
            extension = f"diperpanjang s.d. {r.extended_to:%d-%m-%Y}: {r.extension_reason}"
        rows.append(
            RequestRow(
                number=tk.number,
                received=r.received_on,
                name=r.name,
                address=r.address,
                contact=" / ".join(x for x in (r.phone, r.email) if x),
                occupation=r.occupation,
                information=r.information,
                purpose=r.purpose,
                obtain=OBTAIN.get(r.obtain, r.obtain),
                receive=r.receive,
                decision=DECISION_WORDS.get(r.decision) if r.decision else None,
                reason=reason,
                notice_date=r.notice_on,
                days_taken=_days(calendar, r.received_on, r.notice_on),
                extension=extension,
            )
        )
    return rows


async def objection_rows(
    session: AsyncSession,
    calendar: OfficeCalendar,
    start: date,
    end: date,
    grounds: Mapping[str, str] = PASAL_35,
    office: str | None = None,
) -> list[ObjectionRow]:
    """The register of objections received from ``start`` to ``end`` (both included);
    ``grounds`` are the office's words for the Pasal 35 letters."""
    stmt = (
        select(Objection, Ticket, InfoRequest)
        .join(Ticket, col(Ticket.id) == col(Objection.ticket_id))
        .join(InfoRequest, col(InfoRequest.id) == col(Objection.request_id))
        .where(Objection.received_on >= start, Objection.received_on <= end)
        .order_by(col(Objection.id))
    )
    if office is not None:
        stmt = stmt.where(Ticket.office == office)
    rows = []
    for o, tk, r in (await session.exec(stmt)).all():
        origin = await session.get(Ticket, r.ticket_id)
        decided = o.decided_at.astimezone(calendar.tz).date() if o.decided_at else None
        rows.append(
            ObjectionRow(
                number=tk.number,
                received=o.received_on,
                request_number=origin.number if origin else "",
                name=r.name,
                address=r.address,
                contact=" / ".join(x for x in (r.phone, r.email) if x),
                ground=f"{o.ground}. {grounds.get(o.ground, '')}",
                explanation=o.explanation,
                decision={"accepted": "diterima", "rejected": "ditolak"}.get(o.decision or ""),
                reason=o.reason,
                decision_date=decided,
                days_taken=_days(calendar, o.received_on, decided),
                coordinator=str(o.decided_by or ""),
                commission_date=o.commission_on,
                commission_note=o.commission_note,
            )
        )
    return rows


def _days(calendar: OfficeCalendar, start: date, end: date | None) -> int | None:
    return calendar.working_days_between(start, end) if end else None


def _spec(kind: str) -> tuple[type, tuple[tuple[str, str], ...], str]:
    try:
        return _KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown register kind {kind!r} (requests | objections)") from None


def _cells(rows: Iterable[Row], kind: str) -> Iterable[list[Cell]]:
    """The raw cell values of each row, in column order; pending decisions spelled out."""
    row_type, columns, _ = _spec(kind)
    for row in rows:
        if not isinstance(row, row_type):
            raise TypeError(f"{kind} register expects {row_type.__name__}, got {type(row)!r}")
        values: list[Cell] = []
        for _, attr in columns:
            value = getattr(row, attr)
            if attr == "decision" and value is None:
                value = PENDING
            elif isinstance(value, datetime):
                value = value.date()  # registers show days; openpyxl rejects aware datetimes
            values.append(value)
        yield values


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTERS) else value
    return str(value)


def write_csv(
    rows: Iterable[Row],
    kind: Kind,
    out: TextIO,
    *,
    delimiter: str = ",",
    bom: bool = False,
) -> None:
    """Write a register as CSV: one header row, then one line per record.

    ``out`` should be opened with ``encoding="utf-8", newline=""`` (the csv module writes CRLF
    itself). Excel guesses the encoding of a CSV file: pass ``bom=True`` so it reads UTF-8
    names correctly, and ``delimiter=";"`` for an Excel set to the Indonesian locale.
    """
    _, columns, _ = _spec(kind)
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow([header for header, _ in columns])
    for values in _cells(rows, kind):
        writer.writerow([_csv_text(value) for value in values])


def _xlsx_text(value: str) -> str:
    # openpyxl refuses control characters that XML 1.0 cannot carry; citizens paste them.
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(value) > XLSX_MAX_CELL:
        value = value[: XLSX_MAX_CELL - 1] + "…"
    return value


def _width(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, date):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def write_xlsx(rows: Iterable[Row], kind: Kind, out: BinaryIO | str | os.PathLike[str]) -> None:
    """Write a register as an XLSX workbook with one sheet, "Register Permohonan" or
    "Register Keberatan": a bold, frozen, filterable header row, wrapped text, real date cells
    (dd-mm-yyyy), and a landscape A4 print layout that repeats the header on every page."""
    _, columns, title = _spec(kind)
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new Workbook always has one sheet
    ws.title = title
    wb.properties.title = title

    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="D9E1F2")
    header_align = Alignment(wrap_text=True, vertical="center", horizontal="center")
    body_align = Alignment(wrap_text=True, vertical="top")

    # Header words should fit on one line each, even when the header itself wraps.
    widths = [max(len(word) for word in header.split()) for header, _ in columns]
    ws.append([header for header, _ in columns])
    for cell in ws[1]:
        cell.font, cell.fill, cell.alignment = header_font, header_fill, header_align

    for r, values in enumerate(_cells(rows, kind), start=2):
        for c, value in enumerate(values, start=1):
            widths[c - 1] = max(widths[c - 1], _width(value))
            cell = ws.cell(row=r, column=c)
            cell.alignment = body_align
            if isinstance(value, str):
                cell.value = _xlsx_text(value)
                # Stored as text, so "=..." is never a formula; quotePrefix keeps it text when
                # an official edits the cell in Excel.
                cell.data_type = "s"
                if value.startswith(FORMULA_STARTERS):
                    cell.quotePrefix = True
            else:
                cell.value = value
                if isinstance(value, date):
                    cell.number_format = XLSX_DATE_FORMAT

    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(max(width, MIN_WIDTH), MAX_WIDTH) + 2
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(ws.max_row, 1)}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    page_setup = ws.sheet_properties.pageSetUpPr
    assert page_setup is not None  # openpyxl gives every new worksheet one
    page_setup.fitToPage = True
    wb.save(out)
