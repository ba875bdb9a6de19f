"""The information map in service: the chat, the request form and the staff card ask it.

Built once at start (the index is built with the FAQ's thesaurus, so a word the FAQ reads
through a concept reads the same here). Renders what citizens and officers are shown of an
item; the texts live in bot.texts like every other.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.dip.items import Dip, Item, default_dip_paths, load_dip, overlay_dip
from bot.core.dip.search import DipIndex, Hit
from bot.core.formal.notices import DEFAULT_TEXTS, NoticeTexts
from bot.texts import Markup, st, t
from faq.thesaurus import Thesaurus

log = logging.getLogger(__name__)

# Published items the form offers at most (buttons on a phone screen); exempt items explained.
OFFERS = 3
STAFF_MATCHES = 3
# A staff line's title and place, shortened: the request card already carries the form's
# long fields, and Telegram refuses a message over 4096 characters.
STAFF_FIELD = 90


def _short(text: str, limit: int = STAFF_FIELD) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class Found:
    """What the map holds for a question: published items close to it, and the closest
    exempt one (explained, never a refusal)."""

    published: tuple[Hit, ...]
    exempt: Hit | None


class DipService:
    def __init__(
        self,
        paths: Sequence[Path] = (),
        *,
        thesaurus: Thesaurus | None = None,
        notice_texts: NoticeTexts = DEFAULT_TEXTS,
        holder: str = "",
        overlay: Sequence[Path] = (),
    ) -> None:
        # Configured paths replace the packaged example map of the fictitious office.
        self.paths: tuple[Path, ...] = tuple(paths) or tuple(default_dip_paths())
        # A network office's own items, laid over the shared map (the same id replaces).
        self.overlay: tuple[Path, ...] = tuple(overlay)
        self.thesaurus = thesaurus
        self.holder = holder  # the office that publishes the map ([office] or its own name)
        self.index = DipIndex(self._load_dip(), thesaurus=thesaurus, holder=holder)
        self.notice_texts = notice_texts
        log.info(
            "DIP loaded: %d items from %d file(s)",
            len(self.index.dip.items),
            len(self.index.dip.sources),
        )

    @property
    def watched(self) -> tuple[Path, ...]:
        """Every file or folder the map is read from: the shared ones and the office's own."""
        return (*self.paths, *self.overlay)

    def _load_dip(self) -> Dip:
        dip = load_dip(self.paths)
        return overlay_dip(dip, load_dip(self.overlay)) if self.overlay else dip

    def load(self, thesaurus: Thesaurus | None = None) -> DipIndex:
        """Read the files again and build their index, changing nothing in service: the slow
        part of /reload, for a worker thread. ``thesaurus``: the FAQ's, when it was just read
        again too. Raises DipError."""
        return DipIndex(self._load_dip(), thesaurus=thesaurus or self.thesaurus, holder=self.holder)

    def install(self, index: DipIndex) -> int:
        """Put what ``load`` built in service (on the event loop); the number of items."""
        self.index = index
        self.thesaurus = index.index.thesaurus
        return len(index.dip.items)

    def best(self, text: str) -> Hit | None:
        """The item the question clearly asks for, or None."""
        return self.index.best(text)

    def search(self, text: str, limit: int = 4) -> list[Hit]:
        return self.index.search(text, limit)

    def find(self, text: str) -> Found:
        hits = self.index.search(text, limit=OFFERS + 1)
        published = tuple(h for h in hits if h.item.published)[:OFFERS]
        exempt = next((h for h in hits if not h.item.published), None)
        return Found(published, exempt)

    def item(self, item_id: str) -> Item | None:
        return self.index.item(item_id)

    # -- what people are shown ---------------------------------------------------------

    def category_name(self, item: Item, lang: str) -> str:
        return t(f"dip_category_{item.category}", lang)

    def published_html(self, item: Item, lang: str) -> str:
        """A published item for a citizen: title, where, format (year, unit when known)."""
        extra = ""
        if item.year is not None:
            extra += t("dip_year", lang, year=item.year)
        if item.unit:
            extra += t("dip_unit", lang, unit=item.unit)
        return t(
            "dip_item",
            lang,
            title=item.title,
            category=self.category_name(item, lang),
            summary=item.summary,
            where=item.where,
            format=item.format,
            extra=Markup(extra),
        )

    def exempt_html(self, item: Item, lang: str) -> str:
        """An exempt item explained: its Pasal 17 ground, until when, why, and what the citizen
        can still do (file anyway, ask for the rest blacked out, object later)."""
        return t(
            "dip_exempt",
            lang,
            title=item.title,
            ground=item.ground,
            ground_text=self.notice_texts.exemptions(lang).get(item.ground, ""),
            until=item.until,
            reason=item.reason,
        )

    def staff_lines(self, text: str) -> str:
        """The closest items for an officer (the request card, /dip), one line each."""
        lines = []
        for hit in self.index.search(text, limit=STAFF_MATCHES):
            item = hit.item
            if item.published:
                category = st(f"dip_category_{item.category}")
            else:
                category = st(
                    "dip_exempt_category", ground=item.ground, until=_short(item.until, 60)
                )
            lines.append(
                st(
                    "dip_line",
                    id=item.id,
                    title=_short(item.title),
                    category=Markup(category),
                    where=_short(item.where),
                    score=f"{hit.score:.0f}",
                )
            )
        return "\n".join(lines)
