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
package's business).

model      the office, the request or objection, and the decision (plain data)
texts      the wording, from texts.toml: Pasal 17 and 35 in short words, letter and summary texts
letters    a letter's content in order (headings, rows, paragraphs), independent of layout
pdf        the layout on A4 (fpdf2)
fonts      DejaVu Sans from the system, else a core font
safe_text  citizens' text cleaned and capped; characters a font lacks replaced
summary    the plain-text summary sent in the chat with the PDF
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from bot.core.formal.notices.fonts import DEFAULT_FONT_DIRS, fonts_for
from bot.core.formal.notices.letters import _Letter, _objection_letter, _request_letter
from bot.core.formal.notices.model import (
    Decision,
    ObjectionDecision,
    ObjectionDecisionKind,
    ObjectionInfo,
    Office,
    RequestDecisionKind,
    RequestInfo,
)
from bot.core.formal.notices.summary import _objection_summary, _request_summary
from bot.core.formal.notices.texts import (
    DEFAULT_TEXTS,
    PASAL_17,
    PASAL_17_EN,
    PASAL_35,
    PASAL_35_EN,
    NoticeTexts,
    NoticeTextsError,
    _lang,
    format_date,
    load_texts,
)

# The parent of the package's loggers (fonts, pdf): one place to listen to them all.
log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_FONT_DIRS",
    "DEFAULT_TEXTS",
    "PASAL_17",
    "PASAL_17_EN",
    "PASAL_35",
    "PASAL_35_EN",
    "Decision",
    "NoticeTexts",
    "NoticeTextsError",
    "ObjectionDecision",
    "ObjectionDecisionKind",
    "ObjectionInfo",
    "Office",
    "RequestDecisionKind",
    "RequestInfo",
    "format_date",
    "load_texts",
    "render_objection_notice",
    "render_request_notice",
]


def render_request_notice(
    office: Office,
    request: RequestInfo,
    decision: Decision,
    lang: str = "id",
    *,
    font_dirs: Sequence[str | Path] | None = None,
    texts: NoticeTexts = DEFAULT_TEXTS,
) -> tuple[bytes, str]:
    """The written notice on an information request (Pasal 22 ayat 7, or 8 for an extension):
    PDF bytes and a short plain-text summary for the chat message."""
    lang = _lang(lang)
    letter = _request_letter(office, request, decision, lang, texts)
    pdf = _pdf(letter, font_dirs)
    return pdf, _request_summary(request, decision, lang, texts)


def _pdf(letter: _Letter, font_dirs: Sequence[str | Path] | None) -> bytes:
    # fpdf2 (with fontTools and Pillow, about 20 MB) is loaded by the first notice, in the
    # worker thread that renders it, not by every process at start: most never write one.
    from bot.core.formal.notices.pdf import _render

    return _render(letter, fonts_for(font_dirs))


def render_objection_notice(
    office: Office,
    objection: ObjectionInfo,
    decision: ObjectionDecision,
    lang: str = "id",
    *,
    font_dirs: Sequence[str | Path] | None = None,
    texts: NoticeTexts = DEFAULT_TEXTS,
) -> tuple[bytes, str]:
    """The atasan PPID's written response to an objection (Pasal 36), with the right to go to
    the Komisi Informasi (Pasal 37): PDF bytes and a short plain-text summary."""
    lang = _lang(lang)
    letter = _objection_letter(office, objection, decision, lang, texts)
    pdf = _pdf(letter, font_dirs)
    return pdf, _objection_summary(objection, decision, lang, texts)
