"""The letter's layout on A4, drawn with fpdf2."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
from typing import cast

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bot.core.formal.notices.fonts import _Fonts
from bot.core.formal.notices.letters import (
    _Heading,
    _Letter,
    _Row,
)
from bot.core.formal.notices.safe_text import LATIN1, fit_text

log = logging.getLogger(__name__)


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
            self.allowed = LATIN1
        self.set_margins(25, 20, 20)
        self.set_auto_page_break(True, margin=22)

    def text_of(self, text: str) -> str:
        return fit_text(text, self.allowed)

    def use(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)

    def footer(self) -> None:
        self.set_y(-15)
        self.use(8)
        self.set_text_color(110)
        page = self.letter.page_label
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
