"""Written notices (UU 14/2008 Pasal 22, 35-37): the PDF letter says what the law requires, the
chat summary is short plain text, and no text a citizen types can make rendering fail."""

from __future__ import annotations

import io
import logging
from dataclasses import replace
from datetime import date
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from bot.core.formal import notices
from bot.core.formal.notices import (
    PASAL_17,
    PASAL_17_EN,
    PASAL_35,
    PASAL_35_EN,
    Decision,
    ObjectionDecision,
    ObjectionInfo,
    Office,
    RequestInfo,
    fonts,
    format_date,
    render_objection_notice,
    render_request_notice,
    safe_text,
    texts,
)

OFFICE = Office(
    name="Bawaslu Provinsi Jawa Barat",
    address="Jl. Turangga No. 25, Lingkar Selatan",
    city="Bandung",
)
REQUEST = RequestInfo(
    number="PI-2026-000123",
    received=date(2026, 11, 17),
    due=date(2026, 12, 1),
    requester_name="Siti Nurhaliza",
    requester_kind="perorangan",
    nik_masked="************3456",
    address="Jl. Merdeka No. 1, Kota Bandung",
    phone="081234567890",
    email="siti@example.org",
    information="Salinan daftar pemilih tetap Kecamatan Sukasari pada Pemilu 2024",
    purpose="Penelitian skripsi",
    obtain="salinan_softcopy",
    receive="email",
)
OBJECTION_DEADLINE = date(2027, 1, 14)
DECISIONS = {
    "granted": Decision(
        kind="granted",
        decided=date(2026, 11, 27),
        officer_name="Ahmad Fauzi",
        what_given="Rekapitulasi DPT per desa",
        format="Berkas PDF",
        cost="Tidak dipungut biaya",
        objection_deadline=OBJECTION_DEADLINE,
    ),
    "partly_granted": Decision(
        kind="partly_granted",
        decided=date(2026, 11, 27),
        officer_name="Ahmad Fauzi",
        exemption="h",
        reason="Kolom NIK dan alamat dihitamkan",
        what_given="DPT tanpa NIK dan alamat",
        format="Berkas PDF",
        cost="Rp 5.000 (50 lembar x Rp 100)",
        objection_deadline=OBJECTION_DEADLINE,
    ),
    "rejected": Decision(
        kind="rejected",
        decided=date(2026, 11, 27),
        officer_name="Ahmad Fauzi",
        exemption="h",
        reason="Seluruh dokumen memuat data pribadi pemilih",
        objection_deadline=OBJECTION_DEADLINE,
    ),
    "not_held": Decision(
        kind="not_held",
        decided=date(2026, 11, 27),
        officer_name="Ahmad Fauzi",
        holder="KPU Provinsi Jawa Barat",
        objection_deadline=OBJECTION_DEADLINE,
    ),
    "extended": Decision(
        kind="extended",
        decided=date(2026, 11, 27),
        officer_name="Ahmad Fauzi",
        reason="Dokumen tersimpan di arsip inaktif dan perlu ditelusuri",
        new_due=date(2026, 12, 10),
        objection_deadline=OBJECTION_DEADLINE,
    ),
}
DECISION_WORDS = {
    "granted": "Permohonan diterima seluruhnya",
    "partly_granted": "Permohonan diterima sebagian",
    "rejected": "Permohonan ditolak",
    "not_held": "Informasi tidak dikuasai oleh Bawaslu Provinsi Jawa Barat",
    "extended": "PEMBERITAHUAN PERPANJANGAN WAKTU",
}
OBJECTION = ObjectionInfo(
    number="KB-2026-000007",
    request_number="PI-2026-000123",
    received=date(2026, 12, 3),
    due=date(2027, 1, 19),
    requester_name="Siti Nurhaliza",
    ground="a",
    explanation="DPT adalah informasi yang wajib tersedia setiap saat.",
)
COMMISSION_DEADLINE = date(2027, 1, 25)


def objection_decision(kind: str) -> ObjectionDecision:
    return ObjectionDecision(
        kind=kind,  # type: ignore[arg-type]
        decided=date(2027, 1, 5),
        coordinator_name="Budi Santoso",
        reason="Telah diteliti ulang bersama PPID",
        commission_deadline=COMMISSION_DEADLINE,
    )


def text_of(pdf: bytes) -> str:
    """All text of a valid PDF, whitespace collapsed (wrapping and justification vary)."""
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


# Rendering costs ~0.2 s with an embedded font: render each letter once for all tests.
@cache
def request_notice(kind: str, lang: str = "id") -> tuple[bytes, str, str]:
    pdf, summary = render_request_notice(OFFICE, REQUEST, DECISIONS[kind], lang=lang)
    return pdf, text_of(pdf), summary


@cache
def objection_notice(kind: str, lang: str = "id") -> tuple[bytes, str, str]:
    pdf, summary = render_objection_notice(OFFICE, OBJECTION, objection_decision(kind), lang=lang)
    return pdf, text_of(pdf), summary


def assert_plain_summary(summary: str) -> None:
    assert summary.strip()
    assert len(summary) < 1200
    assert "<" not in summary and ">" not in summary


@pytest.mark.parametrize("kind", list(DECISIONS))
def test_each_decision_renders_a_letter_with_the_objection_right(kind: str) -> None:
    _, text, summary = request_notice(kind)
    assert "PI-2026-000123" in text
    assert DECISION_WORDS[kind] in text
    assert "Siti Nurhaliza" in text and "************3456" in text
    assert REQUEST.information in text and REQUEST.purpose in text
    assert "27 November 2026" in text
    # Pasal 35-36: the right to object within 30 working days, with its date.
    assert "mengajukan keberatan" in text
    assert "30 (tiga puluh) hari kerja" in text
    assert "paling lambat tanggal 14 Januari 2027" in text
    assert "Pasal 35 dan Pasal 36" in text

    assert_plain_summary(summary)
    assert "PI-2026-000123" in summary
    assert "30 hari kerja" in summary and "14 Januari 2027" in summary
    assert "/keberatan PI-2026-000123" in summary


def test_the_title_says_written_notice_unless_extended() -> None:
    assert "PEMBERITAHUAN TERTULIS" in request_notice("granted")[1]
    assert "PEMBERITAHUAN TERTULIS" not in request_notice("extended")[1]


def test_granted_says_held_what_is_given_format_cost_and_delivery() -> None:
    _, text, summary = request_notice("granted")
    assert "Informasi dikuasai oleh Bawaslu Provinsi Jawa Barat" in text
    assert "Rekapitulasi DPT per desa" in text
    assert "Berkas PDF" in text
    assert "Tidak dipungut biaya" in text
    assert "Dikirim melalui surat elektronik (email)" in text
    assert "Bersamaan dengan pemberitahuan ini (27 November 2026)" in text
    assert "Pasal 17" not in text
    assert "Permohonan diterima seluruhnya" in summary and "Tidak dipungut biaya" in summary


def test_partly_granted_names_the_exemption_for_the_withheld_part_and_the_cost() -> None:
    _, text, summary = request_notice("partly_granted")
    assert f"Pasal 17 huruf h: {PASAL_17['h']}" in text
    assert "Kolom NIK dan alamat dihitamkan" in text
    assert "DPT tanpa NIK dan alamat" in text
    assert "Rp 5.000 (50 lembar x Rp 100)" in text
    assert "Pasal 17 huruf h" in summary


def test_rejection_names_the_pasal_17_letter_with_its_description_and_reason() -> None:
    _, text, summary = request_notice("rejected")
    assert f"UU 14/2008 Pasal 17 huruf h: {PASAL_17['h']}" in text
    assert "Seluruh dokumen memuat data pribadi pemilih" in text
    assert "uji konsekuensi" in text
    assert "Permohonan ditolak" in summary
    assert "Pasal 17 huruf h" in summary and PASAL_17["h"] in summary


def test_not_held_names_the_body_that_holds_it() -> None:
    _, text, summary = request_notice("not_held")
    assert "KPU Provinsi Jawa Barat" in text
    assert "Informasi dikuasai oleh Bawaslu" not in text
    assert "KPU Provinsi Jawa Barat" in summary


def test_extension_gives_the_reason_and_new_due_date_within_seven_working_days() -> None:
    _, text, summary = request_notice("extended")
    assert "Dokumen tersimpan di arsip inaktif dan perlu ditelusuri" in text
    assert "10 Desember 2026" in text
    assert "1 Desember 2026" in text  # the original deadline
    assert "7 (tujuh) hari kerja" in text and "Pasal 22 ayat (8)" in text
    assert "10 Desember 2026" in summary and "7 hari kerja" in summary


@pytest.mark.parametrize(
    ("kind", "words"), [("accepted", "Keberatan diterima"), ("rejected", "Keberatan ditolak")]
)
def test_objection_notice_gives_the_decision_and_the_komisi_informasi_right(
    kind: str, words: str
) -> None:
    _, text, summary = objection_notice(kind)
    assert "TANGGAPAN ATAS KEBERATAN" in text
    assert "KB-2026-000007" in text and "PI-2026-000123" in text
    assert words in text
    assert f"Pasal 35 ayat (1) huruf a UU 14/2008: {PASAL_35['a']}" in text
    assert OBJECTION.explanation in text
    assert "Telah diteliti ulang bersama PPID" in text
    assert "Budi Santoso" in text
    # Pasal 37: a dispute may go to the Komisi Informasi within 14 working days.
    assert "Komisi Informasi" in text
    assert "14 (empat belas) hari kerja" in text
    assert "paling lambat tanggal 25 Januari 2027" in text
    assert "Pasal 37" in text

    assert_plain_summary(summary)
    assert words in summary and "KB-2026-000007" in summary
    assert "Komisi Informasi" in summary and "14 hari kerja" in summary
    assert "25 Januari 2027" in summary


def test_english_request_notice() -> None:
    _, text, summary = request_notice("rejected", "en")
    assert "WRITTEN NOTICE" in text
    assert "Request rejected" in text
    assert f"Article 17 letter h: {PASAL_17_EN['h']}" in text
    assert "30 (thirty) working days" in text and "14 January 2027" in text
    assert "Desember" not in text and "Januari" not in text
    assert_plain_summary(summary)
    assert "Request rejected" in summary and "14 January 2027" in summary

    _, text, _ = request_notice("extended", "en")
    assert "NOTICE OF TIME EXTENSION" in text and "10 December 2026" in text


def test_english_objection_notice() -> None:
    _, text, summary = objection_notice("rejected", "en")
    assert "RESPONSE TO OBJECTION" in text and "Objection rejected" in text
    assert PASAL_35_EN["a"] in text
    assert "14 (fourteen) working days" in text and "25 January 2027" in text
    assert "Information Commission" in text
    assert "25 January 2027" in summary


def test_a_regional_language_tag_picks_english_and_anything_else_indonesian() -> None:
    pdf, summary = render_request_notice(OFFICE, REQUEST, DECISIONS["rejected"], lang="EN-us")
    assert (pdf, summary) == (
        request_notice("rejected", "en")[0],
        request_notice("rejected", "en")[2],
    )
    assert texts._lang("jv") == texts._lang("") == "id"


def test_dates_are_written_out_in_the_letter_language() -> None:
    assert format_date(date(2026, 12, 1)) == "1 Desember 2026"
    assert format_date(date(2027, 2, 28), "en") == "28 February 2027"
    assert format_date(None) == "-"


def test_exemption_and_objection_ground_tables_are_complete() -> None:
    assert sorted(PASAL_17) == list("abcdefghij") == sorted(PASAL_17_EN)
    assert sorted(PASAL_35) == list("abcdefg") == sorted(PASAL_35_EN)
    assert all(v.strip() for v in [*PASAL_17.values(), *PASAL_35.values()])


def test_rejection_without_or_with_an_unknown_exemption_still_renders() -> None:
    missing = replace(DECISIONS["rejected"], exemption=None)
    text = text_of(render_request_notice(OFFICE, REQUEST, missing)[0])
    assert "Dasar pengecualian : Tidak disebutkan" in text

    unknown = replace(DECISIONS["rejected"], exemption=" Huruf Z ")
    pdf, summary = render_request_notice(OFFICE, REQUEST, unknown)
    assert "Pasal 17 huruf z: (uraian tidak tersedia)" in text_of(pdf)
    assert "Pasal 17 huruf z" in summary


def test_the_same_notice_gives_the_same_bytes() -> None:
    pdf, _ = render_request_notice(OFFICE, REQUEST, DECISIONS["granted"])
    assert pdf == request_notice("granted")[0]


def test_long_texts_wrap_over_pages_without_losing_words_and_a_novel_is_cut_short() -> None:
    words = " ".join(f"kata{i}" for i in range(600))
    request = replace(REQUEST, information="panjang " * 50_000)
    decision = replace(DECISIONS["rejected"], reason=words)
    pdf, _ = render_request_notice(OFFICE, request, decision)
    assert 3 <= len(PdfReader(io.BytesIO(pdf)).pages) < 10
    text = text_of(pdf)
    assert "kata0 kata1 kata2" in text and "kata598 kata599" in text
    assert "panjang panjang" in text


def test_bidi_overrides_and_invisible_characters_are_dropped_and_letters_kept() -> None:
    # An RLO could make a name read backwards in a legal letter; NUL and zero-widths are noise.
    name = "Siti\u202e Nur\u200bhaliza\x00\ufeff Łukasz Дмитрий Ελένη"
    request = replace(REQUEST, requester_name=name)
    text = text_of(render_request_notice(OFFICE, request, DECISIONS["granted"])[0])
    assert "Nama : Siti Nurhaliza " in text
    if fonts.fonts_for(None) is not None:  # DejaVu Sans (fonts-dejavu-core) is installed
        assert "Siti Nurhaliza Łukasz Дмитрий Ελένη" in text


def test_without_a_unicode_font_text_is_transliterated(tmp_path) -> None:
    request = replace(REQUEST, requester_name="Łukasz “Ŵidodo” Дмитрий 王 😀…")
    pdf, summary = render_request_notice(
        OFFICE, request, DECISIONS["rejected"], font_dirs=[tmp_path]
    )
    text = text_of(pdf)
    assert 'Lukasz "Widodo" ??????? ? ?...' in text
    assert f"Pasal 17 huruf h: {PASAL_17['h']}" in text
    assert "14 Januari 2027" in text
    assert "Permohonan ditolak" in summary


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


NASTY = [
    "",
    "   \n\t  ",
    "\ud800 lone surrogate \udfff",
    "\x00\x07\x1b[31m ctrl",
    "\u202eevil\u202c \u2066isolate\u2069",
    "Z̷̢̛̪a̸̡͎l̶̰̈g̵̣̓o̶̩͝" * 20,
    "😀👨‍👩‍👧‍👦🇮🇩 emoji",
    "王小明 ﷽ 𝕳𝖊𝖑𝖑𝖔 ﬁ",
    "{nb} %PDF %%EOF <b>&amp;</b>",
    "x" * 5000,
    "\u2028line\u2029para\r\nwin\rmac",
]
user_text = st.one_of(
    st.text(max_size=300),
    st.text(st.characters(exclude_categories=()), max_size=120),
    st.sampled_from(NASTY),
)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    kind=st.sampled_from([*DECISIONS, "objection"]),
    lang=st.sampled_from(["id", "en"]),
    name=user_text,
    note=user_text,
    reason=user_text,
    information=user_text,
    exemption=st.one_of(st.none(), st.sampled_from(list("abcdefghijz")), user_text),
)
def test_any_unicode_a_citizen_types_renders_without_fallback(
    kind: str,
    lang: str,
    name: str,
    note: str,
    reason: str,
    information: str,
    exemption: str | None,
) -> None:
    errors = _Errors()
    notices.log.addHandler(errors)
    office = replace(OFFICE, name=name or OFFICE.name, city=note)
    try:
        if kind == "objection":
            objection = replace(
                OBJECTION, requester_name=name, explanation=information, ground=note
            )
            decision = replace(objection_decision("rejected"), reason=reason)
            pdf, summary = render_objection_notice(office, objection, decision, lang=lang)
        else:
            request = replace(
                REQUEST, requester_name=name, information=information, address=note, email=None
            )
            decision = replace(
                DECISIONS[kind], note=note, reason=reason, holder=name, exemption=exemption
            )
            pdf, summary = render_request_notice(office, request, decision, lang=lang)
    finally:
        notices.log.removeHandler(errors)
    # The core-font fallback exists as a last resort; it must not be what made this pass.
    assert errors.records == []
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert PdfReader(io.BytesIO(pdf)).pages
    assert summary.strip()
    assert not any(ord(c) < 32 and c != "\n" for c in summary)


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(exclude_categories=())), multiline=st.booleans())
def test_cleaned_text_is_fitted_to_the_core_font_alphabet(text: str, multiline: bool) -> None:
    cleaned = safe_text._clean(text, 500, multiline=multiline)
    assert len(cleaned) <= 500
    assert multiline or "\n" not in cleaned
    fitted = safe_text.fit_text(cleaned, safe_text.LATIN1)
    assert all(c == "\n" or ord(c) in safe_text.LATIN1 for c in fitted)
    fitted.encode("latin-1")
