"""A letter's content, independent of its layout: headings, rows and paragraphs in order."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from bot.core.formal.notices.model import (
    Decision,
    ObjectionDecision,
    ObjectionInfo,
    Office,
    RequestInfo,
)
from bot.core.formal.notices.safe_text import _LONG, _SHORT, _clean, _has
from bot.core.formal.notices.texts import (
    NoticeTexts,
    format_date,
)


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
    page_label: str  # "Halaman" / "Page" in the footer
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


def _exemption_text(
    t: dict[str, str], exemptions: dict[str, str], exemption: str | None
) -> str | None:
    if not exemption or not str(exemption).strip():
        return None
    letter, description = _letter_of(exemption, exemptions)
    return t["exemption_value"].format(
        letter=letter or "?", description=description or t["exemption_unknown"]
    )


def _request_letter(
    office: Office, req: RequestInfo, dec: Decision, lang: str, texts: NoticeTexts
) -> _Letter:
    t = texts.words(lang)
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
        exemption = _exemption_text(t, texts.exemptions(lang), dec.exemption)
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
        page_label=t["page"],
        created=dec.decided,
    )


def _objection_letter(
    office: Office, obj: ObjectionInfo, dec: ObjectionDecision, lang: str, texts: NoticeTexts
) -> _Letter:
    t = texts.words(lang)
    if dec.kind not in ("accepted", "rejected"):
        raise ValueError(f"unknown objection decision kind: {dec.kind!r}")
    office_name = _clean(office.name, _SHORT, multiline=False) or "-"
    officer = _clean(office.officer_title, _SHORT, multiline=False)
    number = _clean(obj.number, _SHORT, multiline=False) or "-"
    request_number = _clean(obj.request_number, _SHORT, multiline=False) or "-"
    name = _clean(obj.requester_name, _SHORT, multiline=False) or "-"
    fmt = functools.partial(format_date, lang=lang)
    letter, description = _letter_of(obj.ground, texts.grounds(lang))
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
        page_label=t["page"],
        created=dec.decided,
    )
