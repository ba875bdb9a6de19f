"""Checks of knowledge-base files beyond what loading enforces (``loket faq lint``).

Errors: TOML or schema problems (each file checked on its own, so every problem is listed),
duplicate ids across files, and canonical questions that the engine answers with a *different*
entry (they will be confused). Warnings: a question of one entry that comes out "ambiguous"
with another, repeated questions inside one entry, an entry without ``answer_en`` (English
users then get the Indonesian answer).
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from faq.index import FaqIndex
from faq.kb import (
    Entry,
    KnowledgeBase,
    KnowledgeBaseError,
    _entry_lines,
    _parse_entry,
    expand_paths,
)
from faq.normalize import normalize


@dataclass(frozen=True, slots=True)
class Problem:
    level: Literal["error", "warning"]
    message: str


@dataclass(slots=True)
class LintReport:
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(p.level == "error" for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.level == "warning" for p in self.problems)

    def add(self, level: Literal["error", "warning"], message: str) -> None:
        self.problems.append(Problem(level, message))


def _read_entries(path: Path, report: LintReport) -> list[tuple[Entry, str]]:
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        report.add("error", f"{path}: {exc}")
        return []
    raw_entries = data.get("entry", [])
    if not isinstance(raw_entries, list) or not raw_entries:
        report.add("error", f"{path}: no [[entry]] tables")
        return []
    for key in sorted(set(data) - {"entry"}):
        report.add("error", f"{path}: unknown top-level key '{key}'")
    lines = _entry_lines(text)
    out = []
    for number, raw in enumerate(raw_entries, start=1):
        at = f"{path}:{lines[number - 1]}" if len(lines) == len(raw_entries) else f"{path}"
        ident = raw.get("id") if isinstance(raw, dict) else None
        where = f"{at} id '{ident}'" if isinstance(ident, str) else f"{at} entry #{number}"
        try:
            out.append((_parse_entry(raw, where), where))
        except KnowledgeBaseError as exc:
            report.add("error", str(exc))
    return out


def lint_entries(entries: Sequence[tuple[Entry, str]], report: LintReport) -> None:
    """Duplicate ids, repeated questions and confusable questions among parsed entries."""
    seen: dict[str, str] = {}
    unique: list[Entry] = []
    for entry, where in entries:
        if entry.id in seen:
            report.add("error", f"{where}: duplicate id (first defined at {seen[entry.id]})")
            continue
        seen[entry.id] = where
        unique.append(entry)
        normalized = [normalize(q) for q in entry.questions]
        if len(set(normalized)) != len(normalized):
            report.add("warning", f"{where}: the same question appears twice")
        if entry.answer_en is None:
            report.add(
                "warning", f"{where}: no answer_en (English users get the Indonesian answer)"
            )
    if len(unique) < 2:
        return
    index = FaqIndex(KnowledgeBase(entries=tuple(unique), sources=()))
    for entry in unique:
        for question in entry.questions:
            match = index.match(question)
            top = match.entry
            if top is None or (top.id == entry.id and match.outcome == "answer"):
                continue
            if top.id != entry.id:
                report.add(
                    "error",
                    f"{seen[entry.id]}: question {question!r} is answered with entry "
                    f"'{top.id}' (score {match.score}); reword one of them",
                )
            elif match.outcome == "ambiguous" and match.alternatives:
                other = match.alternatives[0][0].id
                report.add(
                    "warning",
                    f"{seen[entry.id]}: question {question!r} is close to entry '{other}'",
                )


def lint_paths(paths: Sequence[Path | str]) -> LintReport:
    """Lint knowledge-base files or folders; every problem found is reported."""
    report = LintReport()
    try:
        files = expand_paths(paths)
    except KnowledgeBaseError as exc:
        report.add("error", str(exc))
        return report
    entries: list[tuple[Entry, str]] = []
    for path in files:
        entries.extend(_read_entries(path, report))
    lint_entries(entries, report)
    return report
