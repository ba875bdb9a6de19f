"""Knowledge-base files: TOML documents made of ``[[entry]]`` tables.

Each entry has ``id`` (unique, kebab-case), ``category``, ``questions`` (canonical phrasings),
``answer`` and optionally ``keywords`` (extra words a citizen may use), ``lang`` and
``answer_en`` (the answer shown to citizens who chose English). Loading
checks everything and fails with one line naming the file, the line where known, the entry id
and the problem.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_REQUIRED = ("id", "category", "questions", "answer")
_OPTIONAL = ("keywords", "lang", "answer_en")
_KNOWN_LANGS = ("id", "en")


class KnowledgeBaseError(ValueError):
    """A knowledge-base file cannot be used; the message is one line naming file and problem."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One FAQ entry."""

    id: str
    category: str
    questions: tuple[str, ...]
    answer: str
    keywords: tuple[str, ...] = ()
    lang: str | None = None
    answer_en: str | None = None

    def answer_for(self, lang: str) -> str:
        """The answer in the citizen's language: ``answer_en`` for English when there is one."""
        if lang == "en" and self.answer_en:
            return self.answer_en
        return self.answer


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """Entries loaded from one or more files, in file order."""

    entries: tuple[Entry, ...]
    sources: tuple[Path, ...]

    def get(self, entry_id: str) -> Entry | None:
        """The entry with ``entry_id``, or None."""
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        return None


def default_paths() -> list[Path]:
    """The knowledge-base files shipped with the package, sorted by name."""
    folder = resources.files("faq") / "data"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml"))


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given, folders replaced by their ``*.toml`` files (sorted); duplicates dropped."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(path.glob("*.toml"))
            if not found:
                raise KnowledgeBaseError(f"{path}: folder holds no *.toml files")
            candidates = found
        elif path.is_file():
            candidates = [path]
        else:
            raise KnowledgeBaseError(f"{path}: no such file or folder")
        for candidate in candidates:
            if candidate not in out:
                out.append(candidate)
    return out


def _entry_lines(text: str) -> list[int]:
    """1-based line numbers of the ``[[entry]]`` headers, in order."""
    return [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip().replace(" ", "") == "[[entry]]"
    ]


def _string_list(value: Any, where: str, key: str, *, allow_empty: bool) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise KnowledgeBaseError(f"{where}: '{key}' must be a list of strings")
    items = tuple(v.strip() for v in value)
    if any(not v for v in items):
        raise KnowledgeBaseError(f"{where}: '{key}' contains an empty string")
    if not items and not allow_empty:
        raise KnowledgeBaseError(f"{where}: '{key}' is empty")
    return items


def _parse_entry(raw: Any, where: str) -> Entry:
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(f"{where}: [[entry]] must be a table")
    unknown = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise KnowledgeBaseError(f"{where}: unknown key '{unknown[0]}'")
    for key in _REQUIRED:
        if key not in raw:
            raise KnowledgeBaseError(f"{where}: missing key '{key}'")
    for key in ("id", "category", "answer"):
        if not isinstance(raw[key], str):
            raise KnowledgeBaseError(f"{where}: '{key}' must be a string")
        if not raw[key].strip():
            raise KnowledgeBaseError(f"{where}: '{key}' is empty")
    entry_id = raw["id"].strip()
    if not _ID_RE.match(entry_id):
        raise KnowledgeBaseError(f"{where}: id '{entry_id}' is not kebab-case (a-z, 0-9, '-')")
    questions = _string_list(raw["questions"], where, "questions", allow_empty=False)
    keywords = _string_list(raw.get("keywords", []), where, "keywords", allow_empty=True)
    lang = raw.get("lang")
    if lang is not None and (not isinstance(lang, str) or lang not in _KNOWN_LANGS):
        raise KnowledgeBaseError(f"{where}: 'lang' must be one of {', '.join(_KNOWN_LANGS)}")
    answer_en = raw.get("answer_en")
    if answer_en is not None and (not isinstance(answer_en, str) or not answer_en.strip()):
        raise KnowledgeBaseError(f"{where}: 'answer_en' must be a non-empty string")
    return Entry(
        id=entry_id,
        category=raw["category"].strip(),
        questions=questions,
        answer=raw["answer"].strip(),
        keywords=keywords,
        lang=lang,
        answer_en=answer_en.strip() if answer_en else None,
    )


def _load_file(path: Path) -> list[tuple[Entry, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeBaseError(f"{path}: cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # The message ends with "(at line N, column M)", or "(at end of document)" for an
        # unfinished file: name the last line then, so editors always get a line to look at.
        message = str(exc)
        if message.endswith("(at end of document)"):
            last = text.count("\n") + (0 if text.endswith("\n") else 1)
            message = message.replace("(at end of document)", f"(at line {last}, end of file)")
        raise KnowledgeBaseError(f"{path}: TOML syntax error: {message}") from None
    unknown = sorted(set(data) - {"entry"})
    if unknown:
        raise KnowledgeBaseError(
            f"{path}: unknown top-level key '{unknown[0]}' (expected [[entry]])"
        )
    raw_entries = data.get("entry", [])
    if not isinstance(raw_entries, list):
        raise KnowledgeBaseError(f"{path}: 'entry' must be an array of tables ([[entry]])")
    lines = _entry_lines(text)
    out: list[tuple[Entry, str]] = []
    for number, raw in enumerate(raw_entries, start=1):
        line = f"line {lines[number - 1]}" if len(lines) == len(raw_entries) else f"entry #{number}"
        ident = raw.get("id") if isinstance(raw, dict) else None
        label = f" id '{ident}'" if isinstance(ident, str) and ident.strip() else ""
        where = f"{path}:{line}{label}" if line.startswith("line") else f"{path} {line}{label}"
        where = where.replace(f"{path}:line ", f"{path}:")
        out.append((_parse_entry(raw, where), where))
    return out


def load_knowledge_base(paths: Sequence[Path | str]) -> KnowledgeBase:
    """Load and check entries from TOML files or folders of ``*.toml`` files.

    Raises :class:`KnowledgeBaseError` with a one-line message on the first problem.
    """
    files = expand_paths(paths)
    if not files:
        raise KnowledgeBaseError("no knowledge-base files given")
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    for path in files:
        for entry, where in _load_file(path):
            if entry.id in seen:
                raise KnowledgeBaseError(
                    f"{where}: duplicate id (first defined at {seen[entry.id]})"
                )
            seen[entry.id] = where
            entries.append(entry)
    if not entries:
        raise KnowledgeBaseError(f"{', '.join(map(str, files))}: no [[entry]] tables")
    return KnowledgeBase(entries=tuple(entries), sources=tuple(files))
