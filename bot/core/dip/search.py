"""Matching questions against the information map with the FAQ engine and its thesaurus.

Each item is read as an FAQ entry: its title is the canonical question, its keywords (and its
year, so "laporan keuangan 2025" finds that year's report) the keywords, its summary and unit
the weaker answer text. The engine's own calibrated threshold decides what is "close": an
item scoring below what a near miss scores in this map is no match. Nothing in the engine is
tuned for the map.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.dip.items import Dip, Item
from faq import Entry, FaqIndex, KnowledgeBase, Match
from faq.thesaurus import Thesaurus


@dataclass(frozen=True, slots=True)
class Hit:
    item: Item
    score: float


def as_entry(item: Item) -> Entry:
    """The FAQ entry the engine indexes for ``item``."""
    keywords = (*item.keywords, str(item.year)) if item.year is not None else item.keywords
    answer = f"{item.summary} {item.unit}".strip()
    return Entry(
        id=item.id,
        category=item.category.replace("_", " "),
        questions=(item.title,),
        answer=answer,
        keywords=tuple(keywords),
    )


class DipIndex:
    """The information map and its index, built once (slow: build it off the event loop)."""

    def __init__(self, dip: Dip, thesaurus: Thesaurus | None = None, holder: str = "") -> None:
        self.dip = dip
        self._by_id = {item.id: item for item in dip.items}
        kb = KnowledgeBase(entries=tuple(as_entry(i) for i in dip.items), sources=dip.sources)
        # ``holder``: the office publishing the map. Its items rarely repeat its name, and a
        # question naming it ("notulen rapat pleno bawaslu") names no other body: without it,
        # the engine's near-miss rule counted "bawaslu" against every item.
        self.index = FaqIndex(kb, thesaurus=thesaurus, own=holder)

    @property
    def answer_at(self) -> float:
        """The score an item needs to be close (calibrated on the map itself)."""
        return self.index.answer_at

    def item(self, item_id: str) -> Item | None:
        return self._by_id.get(item_id)

    def search(self, text: str, limit: int = 4) -> list[Hit]:
        """The items close to ``text``, best first; empty when none is."""
        match = self.index.match(text)
        if match.entry is None or match.outcome not in ("answer", "ambiguous"):
            return []
        hits = [Hit(self._by_id[match.entry.id], match.score)]
        for entry, score in match.alternatives:
            if score >= self.answer_at and entry.id != match.entry.id:
                hits.append(Hit(self._by_id[entry.id], score))
        return hits[:limit]

    def best(self, text: str) -> Hit | None:
        """The one item the engine answers ``text`` with, confidently; else None."""
        match = self.index.match(text)
        if match.outcome != "answer" or match.entry is None:
            return None
        return Hit(self._by_id[match.entry.id], match.score)


def dip_serves_better(match: Match, faq_answer_at: float, hit: Hit, dip_answer_at: float) -> bool:
    """Whether the map's item ``hit`` should answer a chat question instead of the FAQ.

    A question the FAQ answers confidently stays its answer. Both scores come from the same
    engine (0-100), but each index calibrates its own threshold; the FAQ keeps the question
    when its entry scores at least as high as the item, or clears its own threshold by at
    least as large a share as the item clears the map's. Only an item that beats the FAQ's
    answer on both counts (a document named outright, where the FAQ found a loosely related
    entry) takes the question. A question the FAQ cannot answer (ambiguous, abstain) that
    names a document of the map is better served by the document; greetings and thanks never.
    """
    if match.outcome in ("greeting", "thanks"):
        return False
    if match.outcome == "answer" and match.entry is not None:
        faq_margin = match.score / max(faq_answer_at, 1.0)
        dip_margin = hit.score / max(dip_answer_at, 1.0)
        return hit.score > match.score and dip_margin > faq_margin
    return True
