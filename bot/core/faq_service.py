"""Holds the knowledge base in service; a reload swaps it only when the new files are valid."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from faq import Entry, FaqIndex, KnowledgeBase, Match, default_paths, load_knowledge_base

log = logging.getLogger(__name__)


class FaqService:
    def __init__(self, paths: Sequence[Path]) -> None:
        # Configured paths replace the packaged default knowledge base.
        self.paths: tuple[Path, ...] = tuple(paths) or tuple(default_paths())
        self.kb: KnowledgeBase = load_knowledge_base(self.paths)
        self.index = FaqIndex(self.kb)
        self._by_id = {e.id: e for e in self.kb.entries}
        log.info(
            "FAQ loaded: %d entries from %d file(s)", len(self.kb.entries), len(self.kb.sources)
        )

    def reload(self) -> int:
        """Load the files again; raises KnowledgeBaseError and keeps the old index on failure."""
        kb = load_knowledge_base(self.paths)
        index = FaqIndex(kb)
        self.kb, self.index, self._by_id = kb, index, {e.id: e for e in kb.entries}
        return len(kb.entries)

    def match(self, text: str) -> Match:
        return self.index.match(text)

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)
