"""Written notices to requesters of public information, as a PDF letter and a chat summary.

UU 14/2008 on public information disclosure requires the PPID to answer a request with a written
notice (Pasal 22 ayat 7): whether the information is held, whether the request is granted, partly
granted or rejected (with the Pasal 17 exemption relied on), what is given, in which format, at
what cost and how it is delivered. The deadline may be extended once (Pasal 22 ayat 8). The
requester may object to the atasan PPID (Pasal 35-36), and after the atasan's answer bring a
dispute to the Komisi Informasi (Pasal 37). Every notice therefore states the next remedy and its
date.

Pure: plain data in, (PDF bytes, plain-text summary) out. The only I/O is reading a font file.
Deadlines are computed by the caller (working-day calendars are configuration, not this
module's business).
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Literal, cast

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bot.core.calendar import MONTH_NAMES

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_FONT_DIRS",
    "PASAL_17",
    "PASAL_17_EN",
    "PASAL_35",
    "PASAL_35_EN",
    "Decision",
    "ObjectionDecision",
    "ObjectionInfo",
    "Office",
    "RequestInfo",
    "format_date",
    "render_objection_notice",
    "render_request_notice",
]

# UU 14/2008 Pasal 17: information exempt from disclosure, in our own short words.
PASAL_17: dict[str, str] = {
    "a": "informasi yang bila dibuka dapat menghambat proses penegakan hukum",
    "b": (
        "informasi yang bila dibuka dapat mengganggu perlindungan hak atas kekayaan intelektual "
        "dan perlindungan dari persaingan usaha tidak sehat"
    ),
    "c": "informasi yang bila dibuka dapat membahayakan pertahanan dan keamanan negara",
    "d": "informasi yang bila dibuka dapat mengungkapkan kekayaan alam Indonesia",
    "e": "informasi yang bila dibuka dapat merugikan ketahanan ekonomi nasional",
    "f": "informasi yang bila dibuka dapat merugikan kepentingan hubungan luar negeri",
    "g": (
        "informasi yang bila dibuka dapat mengungkap isi akta otentik yang bersifat pribadi "
        "atau wasiat seseorang"
    ),
    "h": "informasi yang bila dibuka dapat mengungkap rahasia pribadi",
    "i": (
        "memorandum atau surat antar- atau intra-Badan Publik yang menurut sifatnya dirahasiakan, "
        "kecuali atas putusan Komisi Informasi atau pengadilan"
    ),
    "j": "informasi yang tidak boleh diungkapkan berdasarkan undang-undang",
}

PASAL_17_EN: dict[str, str] = {
    "a": "information whose disclosure could obstruct law enforcement",
    "b": (
        "information whose disclosure could impair the protection of intellectual property "
        "or the protection against unfair business competition"
    ),
    "c": "information whose disclosure could endanger national defence and security",
    "d": "information whose disclosure could reveal Indonesia's natural resources",
    "e": "information whose disclosure could harm national economic resilience",
    "f": "information whose disclosure could harm foreign relations",
    "g": (
        "information whose disclosure could reveal the content of a private authentic deed "
        "or a person's will"
    ),
    "h": "information whose disclosure could reveal personal secrets",
    "i": (
        "memoranda or letters between or within public bodies that are confidential by nature, "
        "unless the Information Commission or a court decides otherwise"
    ),
    "j": "information that may not be disclosed under a statute",
}

# UU 14/2008 Pasal 35 ayat (1): the grounds on which a requester may object.
PASAL_35: dict[str, str] = {
    "a": "permohonan informasi ditolak dengan alasan pengecualian Pasal 17",
    "b": "informasi berkala sebagaimana dimaksud Pasal 9 tidak disediakan",
    "c": "permohonan informasi tidak ditanggapi",
    "d": "permohonan informasi ditanggapi tidak sebagaimana yang diminta",
    "e": "permohonan informasi tidak dipenuhi",
    "f": "biaya yang dikenakan tidak wajar",
    "g": "informasi disampaikan melebihi jangka waktu yang ditentukan undang-undang",
}

PASAL_35_EN: dict[str, str] = {
    "a": "the request was rejected on an exemption under Article 17",
    "b": "periodic information under Article 9 was not made available",
    "c": "the request was not responded to",
    "d": "the request was answered other than as requested",
    "e": "the request was not fulfilled",
    "f": "an unreasonable fee was charged",
    "g": "the information was delivered later than the law allows",
}

RequestDecisionKind = Literal["granted", "partly_granted", "rejected", "not_held", "extended"]
ObjectionDecisionKind = Literal["accepted", "rejected"]


@dataclass(frozen=True)
class Office:
    name: str
    address: str = ""
    city: str = ""
    officer_title: str = "Pejabat Pengelola Informasi dan Dokumentasi"


@dataclass(frozen=True)
class RequestInfo:
    number: str
    received: date
    due: date
    requester_name: str
    requester_kind: str  # "perorangan" | "badan_hukum"
    nik_masked: str  # shown as given: the caller masks it
    address: str
    phone: str
    email: str | None
    information: str
    purpose: str
    obtain: str  # melihat | membaca | mendengarkan | mencatat | salinan_softcopy | salinan_hardcopy
    receive: str  # langsung | pos | kurir | email


@dataclass(frozen=True)
class Decision:
    kind: RequestDecisionKind
    decided: date
    officer_name: str
    note: str = ""
    exemption: str | None = None  # Pasal 17 letter "a".."j" (rejected, or the withheld part)
    reason: str = ""
    holder: str = ""  # the body that holds the information (not_held)
    what_given: str = ""
    format: str = ""
    cost: str = ""
    new_due: date | None = None  # extended
    objection_deadline: date | None = None  # 30 working days after the notice
    deliver_by: date | None = None  # when the information reaches the requester, if not now


@dataclass(frozen=True)
class ObjectionInfo:
    number: str
    request_number: str
    received: date
    due: date
    requester_name: str
    ground: str  # Pasal 35 ayat (1) letter "a".."g"
    explanation: str


@dataclass(frozen=True)
class ObjectionDecision:
    kind: ObjectionDecisionKind
    decided: date
    coordinator_name: str
    reason: str
    commission_deadline: date | None = None  # 14 working days, for the Komisi Informasi


# ---------------------------------------------------------------------------------------------
# Texts

# Month names are the calendar's, so letters and chat messages spell dates alike.
_MONTHS = MONTH_NAMES

_ID: dict[str, str] = {
    "title": "PEMBERITAHUAN TERTULIS",
    "title_extended": "PEMBERITAHUAN PERPANJANGAN WAKTU",
    "title_objection": "TANGGAPAN ATAS KEBERATAN",
    "request_no": "Nomor Permohonan",
    "objection_no": "Nomor Keberatan",
    "date": "Tanggal",
    "page": "Halaman",
    "law": ("Undang-Undang Nomor 14 Tahun 2008 tentang Keterbukaan Informasi Publik (UU 14/2008)"),
    "intro": (
        "Berdasarkan permohonan informasi publik yang diterima pada tanggal {received} dengan "
        "nomor pendaftaran {number}, {officer} {office} menyampaikan pemberitahuan tertulis "
        "sebagaimana dimaksud dalam Pasal 22 ayat (7) {law} sebagai berikut."
    ),
    "intro_extended": (
        "Berdasarkan permohonan informasi publik yang diterima pada tanggal {received} dengan "
        "nomor pendaftaran {number}, {officer} {office} memberitahukan bahwa jangka waktu "
        "pemberitahuan tertulis atas permohonan tersebut diperpanjang sebagaimana dimaksud dalam "
        "Pasal 22 ayat (8) {law}, dengan rincian sebagai berikut."
    ),
    "sec_requester": "A. Identitas Pemohon",
    "name": "Nama",
    "kind": "Jenis pemohon",
    "kind.perorangan": "Perorangan",
    "kind.badan_hukum": "Badan hukum",
    "nik": "NIK",
    "entity_no": "Nomor badan hukum",
    "address": "Alamat",
    "phone": "Nomor telepon",
    "email": "Email",
    "sec_request": "B. Informasi yang Dimohon",
    "information": "Rincian informasi",
    "purpose": "Tujuan penggunaan",
    "obtain": "Cara memperoleh informasi",
    "receive": "Cara mendapatkan informasi",
    "received": "Tanggal permohonan diterima",
    "due": "Batas waktu pemberitahuan",
    "obtain.melihat": "Melihat",
    "obtain.membaca": "Membaca",
    "obtain.mendengarkan": "Mendengarkan",
    "obtain.mencatat": "Mencatat",
    "obtain.salinan_softcopy": "Mendapatkan salinan (softcopy)",
    "obtain.salinan_hardcopy": "Mendapatkan salinan (hardcopy)",
    "receive.langsung": "Mengambil langsung",
    "receive.pos": "Dikirim melalui pos",
    "receive.kurir": "Dikirim melalui kurir",
    "receive.email": "Dikirim melalui surat elektronik (email)",
    "sec_decision": "C. Keputusan",
    "sec_extension": "C. Perpanjangan Waktu",
    "held": "Penguasaan informasi",
    "held_yes": "Informasi dikuasai oleh {office}",
    "held_no": "Informasi tidak dikuasai oleh {office}",
    "holder": "Badan publik yang menguasai",
    "holder_unknown": "Tidak diketahui",
    "decision": "Keputusan",
    "decision.granted": "Permohonan diterima seluruhnya",
    "decision.partly_granted": "Permohonan diterima sebagian",
    "decision.rejected": "Permohonan ditolak",
    "decision.not_held": "Permohonan tidak dapat dipenuhi karena informasi tidak dikuasai",
    "decision.extended": "Jangka waktu pemberitahuan diperpanjang",
    "exemption": "Dasar pengecualian",
    "exemption_value": "UU 14/2008 Pasal 17 huruf {letter}: {description}",
    "exemption_unknown": "(uraian tidak tersedia)",
    "exemption_missing": "Tidak disebutkan",
    "reason.rejected": "Alasan penolakan (uji konsekuensi)",
    "reason.partly_granted": "Bagian yang dikecualikan atau dihitamkan dan alasannya",
    "reason.not_held": "Keterangan",
    "reason.granted": "Keterangan",
    "given": "Informasi yang diberikan",
    "format": "Bentuk/format informasi",
    "cost": "Biaya",
    "delivery": "Cara penyampaian",
    "delivery_when": "Waktu penyampaian",
    "delivery_now": "Bersamaan dengan pemberitahuan ini ({date})",
    "delivery_by": "Paling lambat tanggal {date}",
    "note": "Catatan",
    "old_due": "Batas waktu semula",
    "new_due": "Batas waktu baru",
    "extension_reason": "Alasan perpanjangan",
    "extension_para": (
        "Perpanjangan ini paling lama 7 (tujuh) hari kerja sejak berakhirnya batas waktu semula, "
        "sesuai Pasal 22 ayat (8) UU 14/2008.{when}"
    ),
    "extension_when": (
        " Pemberitahuan tertulis atas permohonan Saudara akan disampaikan paling lambat tanggal "
        "{date}."
    ),
    "sec_objection": "D. Hak Mengajukan Keberatan",
    "objection_para": (
        "Apabila Saudara tidak puas dengan pemberitahuan ini, Saudara berhak mengajukan keberatan "
        "secara tertulis kepada atasan PPID {office} dalam jangka waktu 30 (tiga puluh) hari "
        "kerja sejak pemberitahuan ini diterima{when}, sesuai Pasal 35 dan Pasal 36 UU 14/2008. "
        "Keberatan dapat diajukan antara lain karena permohonan ditolak, tidak ditanggapi, "
        "ditanggapi tidak sebagaimana diminta, tidak dipenuhi, dikenakan biaya yang tidak wajar, "
        "atau informasi disampaikan melebihi jangka waktu."
    ),
    "objection_when": ", yaitu paling lambat tanggal {date}",
    "objection_intro": (
        "Menindaklanjuti keberatan yang diajukan oleh {name} pada tanggal {received} atas "
        "permohonan informasi nomor {request_number}, atasan {officer} {office} menyampaikan "
        "tanggapan tertulis sebagaimana dimaksud dalam Pasal 36 {law} sebagai berikut."
    ),
    "sec_objection_info": "A. Keberatan",
    "objector": "Nama pengaju keberatan",
    "objection_received": "Tanggal keberatan diterima",
    "objection_due": "Batas waktu tanggapan",
    "objection_due_value": "{date} (30 hari kerja, Pasal 36 UU 14/2008)",
    "ground": "Alasan keberatan",
    "ground_value": "Pasal 35 ayat (1) huruf {letter} UU 14/2008: {description}",
    "explanation": "Uraian keberatan",
    "sec_objection_decision": "B. Tanggapan Atasan PPID",
    "objection.accepted": "Keberatan diterima",
    "objection.rejected": "Keberatan ditolak",
    "considerations": "Pertimbangan",
    "sec_commission": "C. Hak Mengajukan Sengketa Informasi",
    "commission_para": (
        "Apabila Saudara tidak puas dengan tanggapan ini, Saudara dapat mengajukan permohonan "
        "penyelesaian sengketa informasi publik kepada Komisi Informasi dalam jangka waktu "
        "14 (empat belas) hari kerja sejak tanggapan ini diterima{when}, sesuai Pasal 37 "
        "UU 14/2008."
    ),
    "commission_when": ", yaitu paling lambat tanggal {date}",
    "superior": "Atasan {officer}",
    # Chat summaries: short plain text.
    "sum_title": "Pemberitahuan tertulis atas permohonan {number} ({date}):",
    "sum_title_extended": "Pemberitahuan perpanjangan waktu atas permohonan {number} ({date}):",
    "sum_exemption": "Dasar: UU 14/2008 Pasal 17 huruf {letter} ({description}).",
    "sum_reason": "Alasan: {reason}",
    "sum_holder": "Informasi dikuasai oleh: {holder}.",
    "sum_given": "Informasi diberikan: {format}. Biaya: {cost}. {delivery}: {when}.",
    "sum_new_due": (
        "Pemberitahuan akan disampaikan paling lambat {date} (perpanjangan paling lama 7 hari "
        "kerja, Pasal 22 ayat (8) UU 14/2008)."
    ),
    "sum_objection": (
        "Anda berhak mengajukan keberatan kepada atasan PPID dalam 30 hari kerja{when} "
        "(Pasal 35-36 UU 14/2008), dengan perintah /keberatan {number}."
    ),
    "sum_when": ", paling lambat {date}",
    "sum_objection_title": (
        "Tanggapan atas keberatan {number} (permohonan {request_number}, {date}):"
    ),
    "sum_commission": (
        "Jika tidak puas, Anda dapat mengajukan sengketa informasi ke Komisi Informasi dalam "
        "14 hari kerja{when} (Pasal 37 UU 14/2008)."
    ),
    "sum_attached": "Surat lengkap terlampir (PDF).",
}

_EN: dict[str, str] = {
    "title": "WRITTEN NOTICE",
    "title_extended": "NOTICE OF TIME EXTENSION",
    "title_objection": "RESPONSE TO OBJECTION",
    "request_no": "Request number",
    "objection_no": "Objection number",
    "date": "Date",
    "page": "Page",
    "law": "Law No. 14 of 2008 on Public Information Disclosure (UU 14/2008)",
    "intro": (
        "Regarding the request for public information received on {received} and registered as "
        "{number}, the {officer} of {office} hereby gives the written notice required by "
        "Article 22(7) of {law}, as follows."
    ),
    "intro_extended": (
        "Regarding the request for public information received on {received} and registered as "
        "{number}, the {officer} of {office} hereby gives notice that the time for the written "
        "notice on this request is extended under Article 22(8) of {law}, as follows."
    ),
    "sec_requester": "A. Requester",
    "name": "Name",
    "kind": "Type of requester",
    "kind.perorangan": "Individual",
    "kind.badan_hukum": "Legal entity",
    "nik": "NIK (identity number)",
    "entity_no": "Legal entity number",
    "address": "Address",
    "phone": "Phone",
    "email": "Email",
    "sec_request": "B. Information Requested",
    "information": "Information requested",
    "purpose": "Purpose",
    "obtain": "How to obtain it",
    "receive": "How to receive it",
    "received": "Request received on",
    "due": "Notice due by",
    "obtain.melihat": "Viewing",
    "obtain.membaca": "Reading",
    "obtain.mendengarkan": "Listening",
    "obtain.mencatat": "Taking notes",
    "obtain.salinan_softcopy": "A copy (softcopy)",
    "obtain.salinan_hardcopy": "A copy (hardcopy)",
    "receive.langsung": "Collected in person",
    "receive.pos": "Sent by post",
    "receive.kurir": "Sent by courier",
    "receive.email": "Sent by email",
    "sec_decision": "C. Decision",
    "sec_extension": "C. Time Extension",
    "held": "Information held",
    "held_yes": "The information is held by {office}",
    "held_no": "The information is not held by {office}",
    "holder": "Public body holding it",
    "holder_unknown": "Unknown",
    "decision": "Decision",
    "decision.granted": "Request granted in full",
    "decision.partly_granted": "Request partly granted",
    "decision.rejected": "Request rejected",
    "decision.not_held": "Request cannot be fulfilled because the information is not held",
    "decision.extended": "Time for the written notice extended",
    "exemption": "Exemption relied on",
    "exemption_value": "UU 14/2008 Article 17 letter {letter}: {description}",
    "exemption_unknown": "(no description available)",
    "exemption_missing": "Not stated",
    "reason.rejected": "Reasons for rejection (consequence test)",
    "reason.partly_granted": "Parts withheld or redacted, and why",
    "reason.not_held": "Remarks",
    "reason.granted": "Remarks",
    "given": "Information given",
    "format": "Form/format",
    "cost": "Cost",
    "delivery": "Delivery",
    "delivery_when": "Delivery time",
    "delivery_now": "Together with this notice ({date})",
    "delivery_by": "By {date} at the latest",
    "note": "Note",
    "old_due": "Original deadline",
    "new_due": "New deadline",
    "extension_reason": "Reasons for the extension",
    "extension_para": (
        "The extension is at most 7 (seven) working days after the original deadline, under "
        "Article 22(8) of UU 14/2008.{when}"
    ),
    "extension_when": " The written notice on your request will be sent by {date} at the latest.",
    "sec_objection": "D. Right to Object",
    "objection_para": (
        "If you are not satisfied with this notice, you have the right to file a written "
        "objection with the superior of the PPID of {office} within 30 (thirty) working days of "
        "receiving this notice{when}, under Articles 35 and 36 of UU 14/2008. Grounds include a "
        "rejection, no response, an answer other than requested, a request not fulfilled, an "
        "unreasonable fee, or late delivery."
    ),
    "objection_when": ", that is by {date} at the latest",
    "objection_intro": (
        "Following the objection filed by {name} on {received} regarding information request "
        "{request_number}, the superior of the {officer} of {office} hereby gives the written "
        "response required by Article 36 of {law}, as follows."
    ),
    "sec_objection_info": "A. Objection",
    "objector": "Filed by",
    "objection_received": "Objection received on",
    "objection_due": "Response due by",
    "objection_due_value": "{date} (30 working days, Article 36 of UU 14/2008)",
    "ground": "Ground of objection",
    "ground_value": "UU 14/2008 Article 35(1) letter {letter}: {description}",
    "explanation": "Explanation",
    "sec_objection_decision": "B. Response of the Superior of the PPID",
    "objection.accepted": "Objection accepted",
    "objection.rejected": "Objection rejected",
    "considerations": "Considerations",
    "sec_commission": "C. Right to Bring an Information Dispute",
    "commission_para": (
        "If you are not satisfied with this response, you may bring a public information "
        "dispute to the Information Commission (Komisi Informasi) within 14 (fourteen) working "
        "days of receiving this response{when}, under Article 37 of UU 14/2008."
    ),
    "commission_when": ", that is by {date} at the latest",
    "superior": "Superior of the {officer}",
    "sum_title": "Written notice on request {number} ({date}):",
    "sum_title_extended": "Notice of time extension on request {number} ({date}):",
    "sum_exemption": "Ground: UU 14/2008 Article 17 letter {letter} ({description}).",
    "sum_reason": "Reason: {reason}",
    "sum_holder": "The information is held by: {holder}.",
    "sum_given": "Information given: {format}. Cost: {cost}. {delivery}: {when}.",
    "sum_new_due": (
        "The notice will be sent by {date} at the latest (an extension of at most 7 working "
        "days, Article 22(8) of UU 14/2008)."
    ),
    "sum_objection": (
        "You may object to the superior of the PPID within 30 working days{when} "
        "(Articles 35-36 of UU 14/2008) with the command /keberatan {number}."
    ),
    "sum_when": ", by {date}",
    "sum_objection_title": "Response to objection {number} (request {request_number}, {date}):",
    "sum_commission": (
        "If you are not satisfied, you may bring an information dispute to the Komisi Informasi "
        "within 14 working days{when} (Article 37 of UU 14/2008)."
    ),
    "sum_attached": "The full letter is attached (PDF).",
}


def _lang(lang: str) -> str:
    # A stored preference may read "en-US" or "EN"; anything not English gets the Indonesian
    # letter, which is the legally binding one.
    return "en" if str(lang or "").strip().lower().startswith("en") else "id"


def format_date(d: date | None, lang: str = "id") -> str:
    """ "1 Desember 2026" (or "1 December 2026"); "-" when there is no date."""
    if d is None:
        return "-"
    return f"{d.day} {_MONTHS[_lang(lang)][d.month - 1]} {d.year}"


# ---------------------------------------------------------------------------------------------
# Safe text

# Caps keep one pasted novel from turning a letter into a book (and the render slow).
_SHORT = 300
_LONG = 6000
_SUMMARY_SNIPPET = 200


def _clean(value: object, limit: int = _LONG, *, multiline: bool = True) -> str:
    """Text fit for a letter: no control, format (bidi overrides, zero-width), surrogate,
    private-use or unassigned characters; NFC; at most `limit` characters."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = text[: limit * 4]  # bound the work before normalizing
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        cat = unicodedata.category(ch)
        if ch == "\n" or cat in ("Zl", "Zp"):
            out.append("\n" if multiline else " ")
        elif ch == "\t" or cat == "Zs":
            out.append(" ")
        elif cat[0] == "C":  # Cc, Cf, Cs, Co, Cn
            continue
        else:
            out.append(ch)
    lines = [" ".join(line.split()) for line in "".join(out).split("\n")]
    # At most one blank line in a row, none at either end.
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    text = "\n".join(kept).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _has(value: object) -> bool:
    return bool(_clean(value, 20))


def _snippet(value: object) -> str:
    return _clean(value, _SUMMARY_SNIPPET, multiline=False)


# Readable stand-ins for characters a font lacks (NFKD covers accents and ligatures).
_STAND_INS = {
    "‘": "'",
    "’": "'",
    "‚": ",",
    "‛": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "―": "-",
    "−": "-",
    "•": "*",
    "…": "...",
    "€": "EUR",
    "™": "TM",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ı": "i",
    "œ": "oe",
    "Œ": "OE",
    "ŋ": "ng",
    "ħ": "h",
}

# What the core fonts can show: fpdf2 encodes their text as latin-1.
_LATIN1 = frozenset(range(0x20, 0x7F)) | frozenset(range(0xA0, 0x100))


def _fit(text: str, allowed: frozenset[int]) -> str:
    """Replace characters the font cannot draw, so that no glyph silently goes missing."""
    if all(ord(ch) in allowed or ch == "\n" for ch in text):
        return text
    out: list[str] = []
    for ch in text:
        if ch == "\n" or ord(ch) in allowed:
            out.append(ch)
            continue
        if unicodedata.combining(ch):
            continue  # a stray accent the font lacks: drop it rather than print "?"
        alt = _STAND_INS.get(ch)
        if alt is None:
            alt = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            )
        alt = "".join(c for c in alt if ord(c) in allowed)
        out.append(alt or "?")
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Fonts

# DejaVu Sans covers Latin, Greek, Cyrillic, Arabic, Hebrew and more; fpdf2 bundles no TTF
# font, so we take the system's (Debian: fonts-dejavu-core). Without it we fall back to the
# core Helvetica and transliterate.
DEFAULT_FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu
    Path("/usr/share/fonts/dejavu-sans-fonts"),  # Fedora
    Path("/usr/share/fonts/dejavu"),  # Alpine
    Path("/usr/share/fonts/TTF"),  # Arch
    Path("/usr/local/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
    Path("/opt/homebrew/share/fonts"),
)
_REGULAR = "DejaVuSans.ttf"
_BOLD = "DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class _Fonts:
    regular: Path
    bold: Path
    # Code points that both faces draw: text is fitted to this before it is written.
    coverage: frozenset[int] = field(repr=False)


@functools.lru_cache(maxsize=16)
def _find_fonts(dirs: tuple[Path, ...]) -> _Fonts | None:
    for folder in dirs:
        regular, bold = folder / _REGULAR, folder / _BOLD
        if not (regular.is_file() and bold.is_file()):
            continue
        try:
            coverage = _coverage(regular) & _coverage(bold)
        except Exception:  # a broken font file must not stop letters going out
            log.warning("unusable font in %s; trying the next folder", folder, exc_info=True)
            continue
        return _Fonts(regular, bold, frozenset(c for c in coverage if c >= 0x20))
    log.warning("no DejaVu Sans font found in %s; notices use a core font", dirs)
    return None


def _coverage(path: Path) -> frozenset[int]:
    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def _fonts_for(font_dirs: Sequence[str | Path] | None) -> _Fonts | None:
    dirs = DEFAULT_FONT_DIRS if font_dirs is None else tuple(Path(d) for d in font_dirs)
    return _find_fonts(dirs)


# ---------------------------------------------------------------------------------------------
# Letter content, independent of layout


@dataclass(frozen=True)
class _Heading:
    text: str


@dataclass(frozen=True)
class _Row:
    label: str
    value: str
    strong: bool = False


@dataclass(frozen=True)
class _Para:
    text: str


_Block = _Heading | _Row | _Para


@dataclass(frozen=True)
class _Letter:
    lang: str
    office: str
    office_lines: tuple[str, ...]  # smaller letterhead lines under the office name
    title: str
    references: tuple[tuple[str, str], ...]
    blocks: tuple[_Block, ...]
    place_date: str
    signer_title: str
    signer_name: str
    footer: str
    created: date


def _letter_of(value: str, table: dict[str, str]) -> tuple[str, str | None]:
    """Normalized Pasal letter and its description (None when the letter is unknown)."""
    letter = _clean(value, 10, multiline=False).lower().removeprefix("huruf").strip(" .)(")
    return letter, table.get(letter)


def _label(t: dict[str, str], prefix: str, value: str) -> str:
    key = f"{prefix}.{str(value or '').strip().lower()}"
    return t.get(key) or _clean(value, _SHORT, multiline=False) or "-"


def _office_lines(office: Office) -> tuple[str, ...]:
    officer = _clean(office.officer_title, _SHORT, multiline=False)
    address = ", ".join(
        part
        for part in (
            _clean(office.address, _SHORT, multiline=False),
            _clean(office.city, _SHORT, multiline=False),
        )
        if part
    )
    return tuple(line for line in (officer, address) if line)


def _place_date(office: Office, d: date, lang: str) -> str:
    city = _clean(office.city, _SHORT, multiline=False)
    return f"{city}, {format_date(d, lang)}" if city else format_date(d, lang)


def _exemption_text(t: dict[str, str], lang: str, exemption: str | None) -> str | None:
    if not exemption or not str(exemption).strip():
        return None
    letter, description = _letter_of(exemption, PASAL_17_EN if lang == "en" else PASAL_17)
    return t["exemption_value"].format(
        letter=letter or "?", description=description or t["exemption_unknown"]
    )


def _request_letter(office: Office, req: RequestInfo, dec: Decision, lang: str) -> _Letter:
    t = _EN if lang == "en" else _ID
    if dec.kind not in ("granted", "partly_granted", "rejected", "not_held", "extended"):
        raise ValueError(f"unknown decision kind: {dec.kind!r}")
    office_name = _clean(office.name, _SHORT, multiline=False) or "-"
    officer = _clean(office.officer_title, _SHORT, multiline=False)
    number = _clean(req.number, _SHORT, multiline=False) or "-"
    extended = dec.kind == "extended"
    entity = str(req.requester_kind or "").strip().lower() == "badan_hukum"
    fmt = functools.partial(format_date, lang=lang)

    def row(label: str, value: object, limit: int = _LONG, strong: bool = False) -> _Row:
        return _Row(t[label], _clean(value, limit) or "-", strong)

    blocks: list[_Block] = [
        _Para(
            t["intro_extended" if extended else "intro"].format(
                received=fmt(req.received),
                number=number,
                officer=officer,
                office=office_name,
                law=t["law"],
            )
        ),
        _Heading(t["sec_requester"]),
        row("name", req.requester_name, _SHORT),
        _Row(t["kind"], _label(t, "kind", req.requester_kind)),
        row("entity_no" if entity else "nik", req.nik_masked, _SHORT),
        row("address", req.address),
        row("phone", req.phone, _SHORT),
        row("email", req.email, _SHORT),
        _Heading(t["sec_request"]),
        row("information", req.information),
        row("purpose", req.purpose),
        _Row(t["obtain"], _label(t, "obtain", req.obtain)),
        _Row(t["receive"], _label(t, "receive", req.receive)),
        _Row(t["received"], fmt(req.received)),
        _Row(t["due"], fmt(req.due)),
    ]

    if extended:
        blocks += [
            _Heading(t["sec_extension"]),
            _Row(t["decision"], t["decision.extended"], strong=True),
            row("extension_reason", dec.reason),
            _Row(t["old_due"], fmt(req.due)),
            _Row(t["new_due"], fmt(dec.new_due), strong=True),
        ]
        if _has(dec.note):
            blocks.append(row("note", dec.note))
        when = t["extension_when"].format(date=fmt(dec.new_due)) if dec.new_due else ""
        blocks.append(_Para(t["extension_para"].format(when=when)))
    else:
        blocks.append(_Heading(t["sec_decision"]))
        held = dec.kind != "not_held"
        blocks.append(
            _Row(t["held"], t["held_yes" if held else "held_no"].format(office=office_name))
        )
        if not held:
            holder = _clean(dec.holder, _SHORT) or t["holder_unknown"]
            blocks.append(_Row(t["holder"], holder))
        blocks.append(_Row(t["decision"], t[f"decision.{dec.kind}"], strong=True))
        exemption = _exemption_text(t, lang, dec.exemption)
        if dec.kind == "rejected":
            blocks.append(_Row(t["exemption"], exemption or t["exemption_missing"]))
        elif exemption and dec.kind == "partly_granted":  # the ground for the withheld part
            blocks.append(_Row(t["exemption"], exemption))
        if dec.kind == "rejected" or _has(dec.reason):
            blocks.append(row(f"reason.{dec.kind}", dec.reason))
        if dec.kind in ("granted", "partly_granted"):
            when = (
                t["delivery_by"].format(date=fmt(dec.deliver_by))
                if dec.deliver_by
                else t["delivery_now"].format(date=fmt(dec.decided))
            )
            blocks += [
                row("given", dec.what_given or req.information),
                _Row(t["format"], _clean(dec.format, _SHORT) or _label(t, "obtain", req.obtain)),
                row("cost", dec.cost, _SHORT),
                _Row(t["delivery"], _label(t, "receive", req.receive)),
                _Row(t["delivery_when"], when),
            ]
        if _has(dec.note):
            blocks.append(row("note", dec.note))

    objection_when = (
        t["objection_when"].format(date=fmt(dec.objection_deadline))
        if dec.objection_deadline
        else ""
    )
    blocks += [
        _Heading(t["sec_objection"]),
        _Para(t["objection_para"].format(office=office_name, when=objection_when)),
    ]
    ref_label = t["request_no"]
    return _Letter(
        lang=lang,
        office=office_name,
        office_lines=_office_lines(office),
        title=t["title_extended" if extended else "title"],
        references=((ref_label, number), (t["date"], fmt(dec.decided))),
        blocks=tuple(blocks),
        place_date=_place_date(office, dec.decided, lang),
        signer_title=officer,
        signer_name=_clean(dec.officer_name, _SHORT, multiline=False),
        footer=number,
        created=dec.decided,
    )


def _objection_letter(
    office: Office, obj: ObjectionInfo, dec: ObjectionDecision, lang: str
) -> _Letter:
    t = _EN if lang == "en" else _ID
    if dec.kind not in ("accepted", "rejected"):
        raise ValueError(f"unknown objection decision kind: {dec.kind!r}")
    office_name = _clean(office.name, _SHORT, multiline=False) or "-"
    officer = _clean(office.officer_title, _SHORT, multiline=False)
    number = _clean(obj.number, _SHORT, multiline=False) or "-"
    request_number = _clean(obj.request_number, _SHORT, multiline=False) or "-"
    name = _clean(obj.requester_name, _SHORT, multiline=False) or "-"
    fmt = functools.partial(format_date, lang=lang)
    letter, description = _letter_of(obj.ground, PASAL_35_EN if lang == "en" else PASAL_35)
    ground = t["ground_value"].format(
        letter=letter or "?", description=description or t["exemption_unknown"]
    )
    when = (
        t["commission_when"].format(date=fmt(dec.commission_deadline))
        if dec.commission_deadline
        else ""
    )
    blocks: tuple[_Block, ...] = (
        _Para(
            t["objection_intro"].format(
                name=name,
                received=fmt(obj.received),
                request_number=request_number,
                officer=officer,
                office=office_name,
                law=t["law"],
            )
        ),
        _Heading(t["sec_objection_info"]),
        _Row(t["objector"], name),
        _Row(t["request_no"], request_number),
        _Row(t["objection_received"], fmt(obj.received)),
        _Row(t["objection_due"], t["objection_due_value"].format(date=fmt(obj.due))),
        _Row(t["ground"], ground),
        _Row(t["explanation"], _clean(obj.explanation) or "-"),
        _Heading(t["sec_objection_decision"]),
        _Row(t["decision"], t[f"objection.{dec.kind}"], strong=True),
        _Row(t["considerations"], _clean(dec.reason) or "-"),
        _Heading(t["sec_commission"]),
        _Para(t["commission_para"].format(when=when)),
    )
    return _Letter(
        lang=lang,
        office=office_name,
        office_lines=_office_lines(office),
        title=t["title_objection"],
        references=((t["objection_no"], number), (t["date"], fmt(dec.decided))),
        blocks=blocks,
        place_date=_place_date(office, dec.decided, lang),
        signer_title=t["superior"].format(officer=officer),
        signer_name=_clean(dec.coordinator_name, _SHORT, multiline=False),
        footer=number,
        created=dec.decided,
    )


# ---------------------------------------------------------------------------------------------
# Layout

_FAMILY = "notice"
_LINE = 5.2  # mm per line at 10.5 pt
_LABEL_W = 62.0
_COLON_W = 4.0


class _Pdf(FPDF):
    def __init__(self, letter: _Letter, fonts: _Fonts | None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.letter = letter
        if fonts is not None:
            self.add_font(_FAMILY, "", str(fonts.regular))
            self.add_font(_FAMILY, "B", str(fonts.bold))
            self.family_name = _FAMILY
            self.allowed = fonts.coverage
        else:
            self.family_name = "helvetica"
            self.allowed = _LATIN1
        self.set_margins(25, 20, 20)
        self.set_auto_page_break(True, margin=22)

    def text_of(self, text: str) -> str:
        return _fit(text, self.allowed)

    def use(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)

    def footer(self) -> None:
        self.set_y(-15)
        self.use(8)
        self.set_text_color(110)
        page = (_EN if self.letter.lang == "en" else _ID)["page"]
        self.cell(0, 5, self.text_of(f"{self.letter.footer} · {page} {self.page_no()}"), align="C")
        self.set_text_color(0)

    def block(self, text: str, size: float, bold: bool = False, align: str = "L") -> None:
        self.use(size, bold)
        self.multi_cell(
            0,
            size * 0.45,
            self.text_of(text),
            align=align,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def letterhead(self) -> None:
        self.block(self.letter.office.upper(), 13, bold=True, align="C")
        for line in self.letter.office_lines:
            self.block(line, 9.5, align="C")
        self.ln(1.5)
        y = self.get_y()
        right = self.w - self.r_margin
        self.set_line_width(0.7)
        self.line(self.l_margin, y, right, y)
        self.set_line_width(0.2)
        self.line(self.l_margin, y + 1.1, right, y + 1.1)
        self.ln(6)

    def heading(self, text: str) -> None:
        # Keep a heading with at least two lines of what follows it.
        if self.will_page_break(_LINE * 4):
            self.add_page()
        self.ln(2.5)
        self.use(10.5, bold=True)
        self.multi_cell(0, _LINE, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def para(self, text: str) -> None:
        self.use(10.5)
        for part in text.split("\n"):
            self.multi_cell(
                0, _LINE, self.text_of(part), align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        self.ln(1.5)

    def row(self, label: str, value: str, strong: bool) -> None:
        self.use(10.5)
        label = self.text_of(label)
        # A dry run with output="HEIGHT" returns the height alone.
        label_h = cast(
            float,
            self.multi_cell(_LABEL_W, _LINE, label, align="L", dry_run=True, output="HEIGHT"),
        )
        if self.will_page_break(max(label_h, _LINE)):
            self.add_page()
        top, page = self.get_y(), self.page
        self.set_x(self.l_margin)
        self.multi_cell(_LABEL_W, _LINE, label, align="L", new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.cell(_COLON_W, _LINE, ":")
        self.use(10.5, bold=strong)
        # The value may run over pages; fpdf2 keeps x at the value column across the break.
        self.multi_cell(
            0, _LINE, self.text_of(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        if self.page == page:
            self.set_y(max(self.get_y(), top + label_h))
        self.ln(0.8)

    def signature(self) -> None:
        lines = 4 + len(self.letter.office) // 40
        if self.will_page_break(_LINE * lines + 22):
            self.add_page()
        self.ln(6)
        left = self.w / 2 + 5
        width = self.w - self.r_margin - left
        self.use(10.5)
        for text in (self.letter.place_date, self.letter.signer_title, self.letter.office):
            if text:
                self.set_x(left)
                self.multi_cell(
                    width,
                    _LINE,
                    self.text_of(text),
                    align="L",
                    new_x=XPos.LMARGIN,
                    new_y=YPos.NEXT,
                )
        self.ln(20)  # room for the signature and stamp
        self.set_x(left)
        self.use(10.5, bold=True)
        name = self.letter.signer_name or "(" + " " * 30 + ")"
        self.multi_cell(
            width, _LINE, self.text_of(name), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def draw(self) -> bytes:
        letter = self.letter
        self.set_title(self.text_of(f"{letter.title} {letter.references[0][1]}"))
        self.set_author(self.text_of(letter.office))
        self.set_creator("Loket")
        self.set_lang(letter.lang)
        # The letter's own date, so that the same notice always gives the same bytes.
        if isinstance(letter.created, date):
            self.set_creation_date(datetime.combine(letter.created, time(0), tzinfo=UTC))
        self.add_page()
        self.letterhead()
        self.block(letter.title, 12.5, bold=True, align="C")
        for label, value in letter.references:
            self.block(f"{label}: {value}", 10.5, align="C")
        self.ln(5)
        for item in letter.blocks:
            if isinstance(item, _Heading):
                self.heading(item.text)
            elif isinstance(item, _Row):
                self.row(item.label, item.value, item.strong)
            else:
                self.para(item.text)
        self.signature()
        return bytes(self.output())


def _render(letter: _Letter, fonts: _Fonts | None) -> bytes:
    try:
        return _Pdf(letter, fonts).draw()
    except Exception:
        if fonts is None:
            raise
        # A notice is a legal duty with a deadline: an fpdf2 surprise on some exotic text must
        # not stop it. Log loudly and send the transliterated core-font version instead.
        log.exception(
            "notice %s: rendering with %s failed; using a core font", letter.footer, fonts
        )
        return _Pdf(letter, None).draw()


# ---------------------------------------------------------------------------------------------
# Public API


def render_request_notice(
    office: Office,
    request: RequestInfo,
    decision: Decision,
    lang: str = "id",
    *,
    font_dirs: Sequence[str | Path] | None = None,
) -> tuple[bytes, str]:
    """The written notice on an information request (Pasal 22 ayat 7, or 8 for an extension):
    PDF bytes and a short plain-text summary for the chat message."""
    lang = _lang(lang)
    letter = _request_letter(office, request, decision, lang)
    pdf = _render(letter, _fonts_for(font_dirs))
    return pdf, _request_summary(request, decision, lang)


def render_objection_notice(
    office: Office,
    objection: ObjectionInfo,
    decision: ObjectionDecision,
    lang: str = "id",
    *,
    font_dirs: Sequence[str | Path] | None = None,
) -> tuple[bytes, str]:
    """The atasan PPID's written response to an objection (Pasal 36), with the right to go to
    the Komisi Informasi (Pasal 37): PDF bytes and a short plain-text summary."""
    lang = _lang(lang)
    letter = _objection_letter(office, objection, decision, lang)
    pdf = _render(letter, _fonts_for(font_dirs))
    return pdf, _objection_summary(objection, decision, lang)


def _request_summary(req: RequestInfo, dec: Decision, lang: str) -> str:
    t = _EN if lang == "en" else _ID
    fmt = functools.partial(format_date, lang=lang)
    number = _snippet(req.number) or "-"
    title = "sum_title_extended" if dec.kind == "extended" else "sum_title"
    lines = [
        t[title].format(number=number, date=fmt(dec.decided)),
        t[f"decision.{dec.kind}"] + ".",
    ]
    if dec.kind == "extended":
        if dec.new_due:
            lines.append(t["sum_new_due"].format(date=fmt(dec.new_due)))
    elif dec.kind == "not_held":
        lines.append(t["sum_holder"].format(holder=_snippet(dec.holder) or t["holder_unknown"]))
    else:
        if dec.kind != "granted" and dec.exemption and str(dec.exemption).strip():
            letter, description = _letter_of(
                dec.exemption, PASAL_17_EN if lang == "en" else PASAL_17
            )
            lines.append(
                t["sum_exemption"].format(
                    letter=letter or "?", description=description or t["exemption_unknown"]
                )
            )
        if dec.kind in ("granted", "partly_granted"):
            when = (
                t["delivery_by"].format(date=fmt(dec.deliver_by))
                if dec.deliver_by
                else t["delivery_now"].format(date=fmt(dec.decided))
            )
            lines.append(
                t["sum_given"].format(
                    format=_snippet(dec.format) or _label(t, "obtain", req.obtain),
                    cost=_snippet(dec.cost) or "-",
                    delivery=_label(t, "receive", req.receive),
                    when=when[:1].lower() + when[1:],
                )
            )
    if _has(dec.reason) and dec.kind != "granted":
        lines.append(t["sum_reason"].format(reason=_snippet(dec.reason)))
    when = t["sum_when"].format(date=fmt(dec.objection_deadline)) if dec.objection_deadline else ""
    lines.append(t["sum_objection"].format(when=when, number=number))
    lines.append(t["sum_attached"])
    return "\n".join(lines)


def _objection_summary(obj: ObjectionInfo, dec: ObjectionDecision, lang: str) -> str:
    t = _EN if lang == "en" else _ID
    fmt = functools.partial(format_date, lang=lang)
    when = (
        t["sum_when"].format(date=fmt(dec.commission_deadline)) if dec.commission_deadline else ""
    )
    lines = [
        t["sum_objection_title"].format(
            number=_snippet(obj.number) or "-",
            request_number=_snippet(obj.request_number) or "-",
            date=fmt(dec.decided),
        ),
        t[f"objection.{dec.kind}"] + ".",
    ]
    if _has(dec.reason):
        lines.append(f"{t['considerations']}: {_snippet(dec.reason)}")
    lines += [t["sum_commission"].format(when=when), t["sum_attached"]]
    return "\n".join(lines)
