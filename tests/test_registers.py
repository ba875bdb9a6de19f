"""Registers of requests and objections exported as CSV and XLSX."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from bot.core.formal.registers import (
    OBJECTION_COLUMNS,
    REQUEST_COLUMNS,
    ObjectionRow,
    RequestRow,
    write_csv,
    write_xlsx,
)

GRANTED = RequestRow(
    number="PI-2026-000001",
    received=date(2026, 3, 2),
    name="Siti Nurhaliza",
    address="Jl. Merdeka No. 1, Bandung",
    contact="081234567890, siti@example.id",
    occupation="Mahasiswa",
    information="Daftar pemilih tetap Kecamatan Coblong",
    purpose="Penelitian skripsi",
    obtain="salinan softcopy",
    receive="email",
    decision="diterima",
    reason="",
    notice_date=date(2026, 3, 9),
    days_taken=5,
    extension="",
)
PENDING = RequestRow(
    number="PI-2026-000002",
    received=date(2026, 3, 3),
    name="Ni Luh Putu Ayu Déwi 王",
    address="Denpasar",
    contact="+6281234567890",
    occupation="Wiraswasta",
    information='=HYPERLINK("http://evil.example","klik")',
    purpose="-2+3",
    obtain="melihat",
    receive="langsung",
)
OBJECTION = ObjectionRow(
    number="KB-2026-000001",
    received=date(2026, 3, 20),
    request_number="PI-2026-000002",
    name="Ni Luh Putu Ayu Déwi 王",
    address="Denpasar",
    contact="ayu@example.id",
    ground="a. penolakan atas permintaan informasi",
    explanation="Informasi tidak termasuk yang dikecualikan.\nMohon ditinjau ulang.",
    decision="diterima",
    reason="Informasi terbuka",
    decision_date=date(2026, 4, 10),
    days_taken=14,
    coordinator="Dr. Budi Santoso",
)


def csv_rows(rows, kind) -> list[list[str]]:
    out = io.StringIO(newline="")
    write_csv(rows, kind, out)
    return list(csv.reader(io.StringIO(out.getvalue(), newline="")))


def xlsx_sheet(rows, kind):
    out = io.BytesIO()
    write_xlsx(rows, kind, out)
    return load_workbook(io.BytesIO(out.getvalue())).active


def test_columns_name_every_field_once():
    for columns, row_type in ((REQUEST_COLUMNS, RequestRow), (OBJECTION_COLUMNS, ObjectionRow)):
        attrs = [attr for _, attr in columns]
        assert attrs == list(row_type.__dataclass_fields__)
        assert len({header for header, _ in columns}) == len(columns)
    assert [h for h, _ in REQUEST_COLUMNS][:3] == ["No. Registrasi", "Tanggal Permohonan", "Nama"]


def test_csv_requests_header_and_one_line_per_record():
    lines = csv_rows([GRANTED, PENDING], "requests")
    assert lines[0] == [header for header, _ in REQUEST_COLUMNS]
    assert len(lines) == 3
    first = dict(zip(lines[0], lines[1], strict=True))
    assert first["No. Registrasi"] == "PI-2026-000001"
    assert first["Tanggal Permohonan"] == "2026-03-02"
    assert first["Tanggal Pemberitahuan Tertulis"] == "2026-03-09"
    assert first["Jangka Waktu (hari kerja)"] == "5"
    assert first["Keputusan"] == "diterima"


def test_csv_pending_decision_reads_dalam_proses_and_missing_values_are_empty():
    header, line = csv_rows([PENDING], "requests")
    record = dict(zip(header, line, strict=True))
    assert record["Keputusan"] == "dalam proses"
    assert record["Tanggal Pemberitahuan Tertulis"] == ""
    assert record["Jangka Waktu (hari kerja)"] == ""
    assert record["Perpanjangan"] == ""


def test_csv_objections_with_multiline_text():
    pending = replace(OBJECTION, decision=None, decision_date=None, days_taken=None)
    lines = csv_rows([OBJECTION, pending], "objections")
    assert lines[0] == [header for header, _ in OBJECTION_COLUMNS]
    assert len(lines) == 3
    done = dict(zip(lines[0], lines[1], strict=True))
    assert done["No. Registrasi Keberatan"] == "KB-2026-000001"
    assert done["No. Registrasi Permohonan"] == "PI-2026-000002"
    assert done["Tanggal Tanggapan"] == "2026-04-10"
    assert done["Uraian Keberatan"] == OBJECTION.explanation
    assert done["Atasan PPID"] == "Dr. Budi Santoso"
    assert dict(zip(lines[0], lines[2], strict=True))["Keputusan Atasan PPID"] == "dalam proses"


@pytest.mark.parametrize("text", ["=1+1", "+62812", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_guards_formula_starters(text):
    row = replace(GRANTED, name=text, information=text)
    header, line = csv_rows([row], "requests")
    record = dict(zip(header, line, strict=True))
    assert record["Nama"] == "'" + text
    assert record["Rincian Informasi yang Dimohon"] == "'" + text


def test_csv_leaves_ordinary_text_and_numbers_alone():
    _, line = csv_rows([GRANTED], "requests")
    assert line[0] == "PI-2026-000001"
    assert line[4] == "081234567890, siti@example.id"
    assert not any(cell.startswith("'") for cell in line)


def test_csv_unicode_names_bom_and_semicolon():
    out = io.StringIO(newline="")
    write_csv([PENDING], "requests", out, bom=True, delimiter=";")
    text = out.getvalue()
    assert text.startswith("\ufeffNo. Registrasi;")
    lines = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert lines[1][2] == "Ni Luh Putu Ayu Déwi 王"
    # Round trip through real UTF-8 bytes, as a file would be written.
    assert "Déwi 王".encode() in text.encode("utf-8")


def test_empty_registers_have_only_the_header():
    for kind, columns in (("requests", REQUEST_COLUMNS), ("objections", OBJECTION_COLUMNS)):
        assert csv_rows([], kind) == [[header for header, _ in columns]]
        ws = xlsx_sheet([], kind)
        assert ws.max_row == 1
        assert [c.value for c in ws[1]] == [header for header, _ in columns]


def test_unknown_kind_and_wrong_row_type_are_refused():
    with pytest.raises(ValueError, match="kind"):
        write_csv([], "laporan", io.StringIO())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="ObjectionRow"):
        write_csv([GRANTED], "objections", io.StringIO())
    with pytest.raises(TypeError, match="RequestRow"):
        write_xlsx([OBJECTION], "requests", io.BytesIO())


def test_xlsx_requests_read_back():
    ws = xlsx_sheet([GRANTED, PENDING], "requests")
    assert ws.title == "Register Permohonan"
    assert ws.max_row == 3
    header = [c.value for c in ws[1]]
    assert header == [h for h, _ in REQUEST_COLUMNS]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"

    first = {h: c for h, c in zip(header, ws[2], strict=True)}
    received = first["Tanggal Permohonan"]
    assert received.is_date
    assert received.value.date() == date(2026, 3, 2)
    assert received.number_format == "DD-MM-YYYY"
    assert first["Tanggal Pemberitahuan Tertulis"].value.date() == date(2026, 3, 9)
    assert first["Jangka Waktu (hari kerja)"].value == 5
    assert first["Nama"].value == "Siti Nurhaliza"

    second = {h: c.value for h, c in zip(header, ws[3], strict=True)}
    assert second["Keputusan"] == "dalam proses"
    assert second["Nama"] == "Ni Luh Putu Ayu Déwi 王"
    assert second["Tanggal Pemberitahuan Tertulis"] is None
    assert second["Jangka Waktu (hari kerja)"] is None


def test_xlsx_citizen_text_is_never_a_formula():
    ws = xlsx_sheet([PENDING], "requests")
    header = [c.value for c in ws[1]]
    cells = {h: c for h, c in zip(header, ws[2], strict=True)}
    info = cells["Rincian Informasi yang Dimohon"]
    assert info.value == PENDING.information  # kept verbatim, stored as text
    assert info.data_type == "s"
    assert info.quotePrefix
    assert cells["Tujuan Penggunaan"].data_type == "s"
    assert cells["Kontak (Telepon/Email)"].value == "+6281234567890"


def test_xlsx_objections_read_back_with_layout():
    ws = xlsx_sheet([OBJECTION], "objections")
    assert ws.title == "Register Keberatan"
    assert [c.value for c in ws[1]] == [h for h, _ in OBJECTION_COLUMNS]
    values = [c.value for c in ws[2]]
    assert values[0] == "KB-2026-000001"
    assert values[1].date() == date(2026, 3, 20)
    assert values[7] == OBJECTION.explanation
    assert values[10].date() == date(2026, 4, 10)
    assert values[12] == "Dr. Budi Santoso"
    assert ws["H2"].alignment.wrap_text
    widths = {k: d.width for k, d in ws.column_dimensions.items()}
    assert all(10 <= w <= 52 for w in widths.values())
    assert widths["H"] > widths["B"]  # long text column wider than a date column


def test_xlsx_drops_illegal_control_characters_and_accepts_aware_datetimes(tmp_path):
    wib = timezone(timedelta(hours=7))
    row = replace(
        GRANTED, information="data\x0b pemilih\x00", received=datetime(2026, 3, 2, 9, tzinfo=wib)
    )
    path = tmp_path / "register.xlsx"
    write_xlsx([row], "requests", path)
    ws = load_workbook(path).active
    assert ws["G2"].value == "data pemilih"
    assert ws["B2"].value.date() == date(2026, 3, 2)
    _, line = csv_rows([row], "requests")
    assert line[1] == "2026-03-02"
