"""Holds the knowledge base in service; a reload swaps it only when the new files are valid
(bot.core.watcher reloads it when its files change)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

from faq import (
    Entry,
    FaqIndex,
    KnowledgeBase,
    Match,
    default_paths,
    load_knowledge_base,
)
from faq.learned import load_learned, with_learned
from faq.thesaurus import Thesaurus, default_thesaurus_paths, load_thesaurus

log = logging.getLogger(__name__)

BUTTON_PREFIX = "faq:"


def learned_file(configured: Path | None, database_url: str) -> Path:
    """Where accepted phrasings live: ``[faq] learned``, else beside the SQLite database."""
    if configured is not None:
        return configured
    prefix = "sqlite+aiosqlite:///"
    if database_url.startswith(prefix) and database_url[len(prefix) :] not in ("", ":memory:"):
        return Path(database_url[len(prefix) :]).parent / "faq_learned.toml"
    return Path("faq_learned.toml")


def button_data(entry_id: str) -> str:
    """Short, fixed-size button data for an entry (Telegram allows 64 bytes)."""
    return BUTTON_PREFIX + hashlib.sha256(entry_id.encode()).hexdigest()[:16]


class FaqService:
    def __init__(
        self,
        paths: Sequence[Path],
        thesaurus: Sequence[Path] = (),
        learned: Path | None = None,
        overlay: Sequence[Path] = (),
    ) -> None:
        # A network office's own entries, laid over the shared ones (the same id replaces).
        self.overlay: tuple[Path, ...] = tuple(overlay)
        # Configured paths replace the packaged default knowledge base; the office's concept
        # groups are added to the packaged thesaurus; phrasings officers taught (accepted with
        # `loket faq learned --accept`) are loaded after the knowledge base.
        self.paths: tuple[Path, ...] = tuple(paths) or tuple(default_paths())
        self.thesaurus_paths: tuple[Path, ...] = tuple(thesaurus)
        self.learned_path = learned
        self.thesaurus: Thesaurus = self._load_thesaurus()
        self.kb: KnowledgeBase = self._load_kb()
        self.index = FaqIndex(self.kb, thesaurus=self.thesaurus)
        self._by_id = {e.id: e for e in self.kb.entries}
        self._by_button = {button_data(e.id): e for e in self.kb.entries}
        log.info(
            "FAQ loaded: %d entries from %d file(s)", len(self.kb.entries), len(self.kb.sources)
        )

    @property
    def watched(self) -> tuple[Path, ...]:
        """Every file whose change reloads the FAQ: knowledge base, thesaurus, learned."""
        learned = (self.learned_path,) if self.learned_path is not None else ()
        return (*self.paths, *self.overlay, *self.thesaurus_paths, *learned)

    def _load_thesaurus(self) -> Thesaurus:
        return load_thesaurus([*default_thesaurus_paths(), *self.thesaurus_paths])

    def _load_kb(self) -> KnowledgeBase:
        kb = load_knowledge_base(self.paths)
        if self.overlay:
            own = load_knowledge_base(self.overlay)
            mine = {entry.id: entry for entry in own.entries}
            kept = tuple(mine.pop(e.id, e) for e in kb.entries)
            kb = KnowledgeBase(
                entries=kept + tuple(mine.values()), sources=kb.sources + own.sources
            )
        if self.learned_path is None:
            return kb
        return with_learned(kb, load_learned(self.learned_path))

    def load(self) -> tuple[Thesaurus, KnowledgeBase, FaqIndex]:
        """Read the files and build their index, changing nothing in service: the slow part of
        a reload, for a worker thread. Raises KnowledgeBaseError."""
        thesaurus = self._load_thesaurus()
        kb = self._load_kb()
        return thesaurus, kb, FaqIndex(kb, thesaurus=thesaurus)

    def install(self, loaded: tuple[Thesaurus, KnowledgeBase, FaqIndex]) -> int:
        """Put what ``load`` built in service (on the event loop: matches see one or the other,
        never half of each); the number of entries."""
        thesaurus, kb, index = loaded
        if thesaurus != self.thesaurus:  # the same groups read again are no new thesaurus
            self.thesaurus = thesaurus
        self.kb, self.index, self._by_id = kb, index, {e.id: e for e in kb.entries}
        self._by_button = {button_data(e.id): e for e in kb.entries}
        return len(kb.entries)

    def reload(self) -> int:
        """Load the files again, in the caller's thread; raises KnowledgeBaseError and keeps
        the old index on failure."""
        return self.install(self.load())

    def find(self, words: str, limit: int = 4) -> list[Entry]:
        """Entries an officer means by ``words``: an entry id, else what the words match.

        One entry when the id is exact or the matcher answers; otherwise the top entries whose
        score is close to the best (for the officer to choose), possibly none.
        """
        words = words.strip()
        exact = self._by_id.get(words.lower())
        if exact is not None:
            return [exact]
        match = self.index.match(words)
        if match.entry is None:
            return []
        if match.outcome == "answer":
            return [match.entry]
        found = [match.entry]
        for entry, score in match.alternatives:
            if score >= match.score * 0.6 and len(found) < limit:
                found.append(entry)
        return found

    def match(self, text: str) -> Match:
        return self.index.match(text)

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def entry_for_button(self, data: str) -> Entry | None:
        """The entry a "did you mean" button stands for; None when stale or forged."""
        return self._by_button.get(data)


def watched_files(paths: Sequence[Path]) -> list[Path]:
    """The files ``paths`` stand for: a folder's ``*.toml`` and ``*.txt`` files, by name."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted([*path.glob("*.toml"), *path.glob("*.txt")]))
        else:
            files.append(path)
    return files


def fingerprint(paths: Sequence[Path]) -> tuple[tuple[str, int, int], ...]:
    """What the knowledge base files look like on disk: names, sizes and modification times."""
    result = []
    for file in watched_files(paths):
        try:
            stat = file.stat()
        except OSError:
            result.append((str(file), -1, -1))  # gone: a change as well
            continue
        result.append((str(file), stat.st_mtime_ns, stat.st_size))
    return tuple(result)


def content_digest(paths: Sequence[Path]) -> str:
    """A SHA-256 of the files' names and contents (64 hex digits): the same on every replica
    that reads the same files, wherever its copy is and whatever its modification times."""
    digest = hashlib.sha256()
    for file in watched_files(paths):
        digest.update(file.name.encode() + b"\0")
        try:
            digest.update(file.read_bytes())
        except OSError:
            digest.update(b"\0gone")
        digest.update(b"\0")
    return digest.hexdigest()
