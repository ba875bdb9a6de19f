"""The short plain-text summary of a notice, sent in the chat with the PDF."""

from __future__ import annotations

import functools

from bot.core.formal.notices.letters import (
    _label,
    _letter_of,
)
from bot.core.formal.notices.model import (
    Decision,
    ObjectionDecision,
    ObjectionInfo,
    RequestInfo,
)
from bot.core.formal.notices.safe_text import _has, _snippet
from bot.core.formal.notices.texts import (
    NoticeTexts,
    format_date,
)


def _request_summary(req: RequestInfo, dec: Decision, lang: str, texts: NoticeTexts) -> str:
    t = texts.words(lang)
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
            letter, description = _letter_of(dec.exemption, texts.exemptions(lang))
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


def _objection_summary(
    obj: ObjectionInfo, dec: ObjectionDecision, lang: str, texts: NoticeTexts
) -> str:
    t = texts.words(lang)
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
