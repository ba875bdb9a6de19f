"""Phrasings officers taught the bot: citizens' own words for an entry, accepted by an editor.

An officer answers a citizen's unanswered question with ``/faq <entry>`` in the ticket's topic;
the question becomes a candidate phrasing of that entry (``loket faq learned`` lists them) and
``loket faq learned --accept ID...`` appends the accepted ones to a TOML file of

    [[phrasing]]
    entry = "cara-permohonan"
    text = "saya mau minta data"

which is loaded after the knowledge base: each phrasing becomes one more question of its entry.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tomllib
from collections.abc import Iterable
from pathlib import Path

from faq.kb import KnowledgeBase, KnowledgeBaseError
from faq.normalize import normalize


def load_learned(path: Path) -> list[tuple[str, str]]:
    """The (entry id, text) pairs of a learned-phrasings file; none when it does not exist."""
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeBaseError(f"{path}: cannot read learned phrasings: {exc}") from None
    rows = data.get("phrasing", [])
    if not isinstance(rows, list):
        raise KnowledgeBaseError(f"{path}: 'phrasing' must be an array of tables")
    pairs = []
    for number, row in enumerate(rows, start=1):
        entry, text = (row.get("entry"), row.get("text")) if isinstance(row, dict) else (0, 0)
        if not isinstance(entry, str) or not isinstance(text, str) or not text.strip():
            raise KnowledgeBaseError(f"{path}: phrasing #{number} needs 'entry' and 'text'")
        pairs.append((entry, text.strip()))
    return pairs


def append_learned(path: Path, pairs: Iterable[tuple[str, str]]) -> int:
    """Append phrasings not already in the file; returns how many were written."""
    known = {(e, normalize(t)) for e, t in load_learned(path)}
    lines = []
    for entry, text in pairs:
        key = (entry, normalize(text))
        if key in known:
            continue
        known.add(key)
        # json.dumps writes a valid TOML basic string (quotes and escapes alike).
        entry_s = json.dumps(entry, ensure_ascii=False)
        text_s = json.dumps(text, ensure_ascii=False)
        lines.append(f"\n[[phrasing]]\nentry = {entry_s}\ntext = {text_s}\n")
    if lines:
        # Written whole and swapped in: a running bot watching the file never reads half of it.
        path.parent.mkdir(parents=True, exist_ok=True)
        old = path.read_text(encoding="utf-8") if path.is_file() else ""
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(old + "".join(lines), encoding="utf-8")
        os.replace(temporary, path)
    return len(lines)


def with_learned(kb: KnowledgeBase, pairs: Iterable[tuple[str, str]]) -> KnowledgeBase:
    """The knowledge base with each learned phrasing added as a question of its entry.

    Phrasings of entries that no longer exist are skipped (the knowledge base moved on).
    """
    extra: dict[str, list[str]] = {}
    for entry_id, text in pairs:
        extra.setdefault(entry_id, []).append(text)
    if not extra:
        return kb
    entries = []
    for entry in kb.entries:
        added = [t for t in extra.get(entry.id, ()) if t not in entry.questions]
        if added:
            entry = dataclasses.replace(entry, questions=(*entry.questions, *added))
        entries.append(entry)
    return KnowledgeBase(entries=tuple(entries), sources=kb.sources)


__all__ = ["append_learned", "load_learned", "with_learned"]
