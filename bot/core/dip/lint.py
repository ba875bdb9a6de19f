"""Checks of DIP files (``loket dip lint``), the same kind of report as ``loket faq lint``.

Errors: unreadable files, TOML or schema problems (every item is checked, so every problem is
listed), duplicate ids across files, and titles the matcher answers with a *different* item
(a citizen asking for one would be handed the other). Warnings: a title that comes out
"ambiguous" with another item, an item without keywords (only its title and summary find it),
an exempt item whose ``until`` is a date already past (an exemption is not forever: the item
is to be published or classified again).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from bot.core.dip.items import Dip, DipError, Item, expand_paths, parse_item, read_file
from bot.core.dip.search import DipIndex


@dataclass(frozen=True, slots=True)
class Problem:
    level: Literal["error", "warning"]
    message: str


@dataclass(slots=True)
class LintReport:
    problems: list[Problem] = field(default_factory=list)
    items: int = 0

    @property
    def errors(self) -> int:
        return sum(p.level == "error" for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.level == "warning" for p in self.problems)

    def add(self, level: Literal["error", "warning"], message: str) -> None:
        self.problems.append(Problem(level, message))


def lint_paths(paths: Sequence[Path | str], today: date | None = None) -> LintReport:
    """Lint DIP files or folders; every problem found is reported. ``today`` (the office's
    date, given by the caller) finds exemptions whose date has passed; None: not checked."""
    report = LintReport()
    try:
        files = expand_paths(paths)
    except DipError as exc:
        report.add("error", str(exc))
        return report
    parsed: list[tuple[Item, str]] = []
    for path in files:
        try:
            raw_items = read_file(path)
        except DipError as exc:
            report.add("error", str(exc))
            continue
        for raw, where in raw_items:
            try:
                parsed.append((parse_item(raw, where), where))
            except DipError as exc:
                report.add("error", str(exc))
    seen: dict[str, str] = {}
    unique: list[Item] = []
    for item, where in parsed:
        if item.id in seen:
            report.add("error", f"{where}: duplicate id (first defined at {seen[item.id]})")
            continue
        seen[item.id] = where
        unique.append(item)
        if not item.keywords:
            report.add("warning", f"{where}: no keywords (only the title and summary find it)")
        if today is not None and item.category == "dikecualikan" and _past(item.until, today):
            report.add(
                "warning",
                f"{where}: exempt until {item.until}, which has passed: publish it or classify "
                "it again (uji konsekuensi)",
            )
    report.items = len(unique)
    if len(unique) < 2:
        return report
    index = DipIndex(Dip(items=tuple(unique), sources=tuple(files)))
    for item in unique:
        match = index.index.match(item.title)
        top = match.entry
        if top is None or (top.id == item.id and match.outcome == "answer"):
            continue
        if top.id != item.id:
            report.add(
                "error",
                f"{seen[item.id]}: title {item.title!r} finds item '{top.id}' "
                f"(score {match.score}); reword one of them",
            )
        elif match.outcome == "ambiguous" and match.alternatives:
            other = match.alternatives[0][0].id
            report.add("warning", f"{seen[item.id]}: title {item.title!r} is close to '{other}'")
    return report


def _past(until: str, today: date) -> bool:
    """Whether ``until`` is a date (YYYY-MM-DD) before ``today``; an event is never past."""
    try:
        return date.fromisoformat(until) < today
    except ValueError:
        return False
