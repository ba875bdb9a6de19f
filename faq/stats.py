"""Counts describing a knowledge base (``loket faq stats``)."""

from __future__ import annotations

from collections import Counter

from faq.index import content_words
from faq.kb import KnowledgeBase


def kb_stats(kb: KnowledgeBase) -> dict[str, object]:
    """Entries, questions, keywords, entries per category and vocabulary size."""
    categories = Counter(e.category for e in kb.entries)
    vocabulary = {
        word
        for entry in kb.entries
        for text in (*entry.questions, *entry.keywords, entry.answer)
        for word in content_words(text)
    }
    return {
        "entries": len(kb.entries),
        "questions": sum(len(e.questions) for e in kb.entries),
        "keywords": sum(len(e.keywords) for e in kb.entries),
        "categories": dict(sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))),
        "vocabulary": len(vocabulary),
        "sources": [str(p) for p in kb.sources],
    }
