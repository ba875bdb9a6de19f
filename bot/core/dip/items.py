"""The information map (Daftar Informasi Publik, DIP): TOML files made of ``[[item]]`` tables.

Each item is a piece of information the office holds, classified as UU 14/2008 does:
"berkala" (published periodically, Pasal 9), "serta_merta" (announced at once, Pasal 10),
"setiap_saat" (available at any time, Pasal 11) or "dikecualikan" (exempt, Pasal 17). Keys:
``id`` (unique, kebab-case), ``title``, ``category``, ``summary``, ``where`` (a URL or where
to get it at the office), ``format`` ("PDF", "XLSX", "cetak"), optionally ``keywords``,
``year`` and ``unit``; an exempt item also has ``ground`` (the Pasal 17 letter, a-j),
``until`` (the date or event until which it is exempt) and ``reason``. Loading checks
everything and fails with one line naming the file, the line of the item and the problem.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from faq.kb import KnowledgeBaseError
from faq.kb import expand_paths as faq_expand_paths

Category = Literal["berkala", "serta_merta", "setiap_saat", "dikecualikan"]
CATEGORIES: tuple[Category, ...] = ("berkala", "serta_merta", "setiap_saat", "dikecualikan")
PUBLISHED: frozenset[str] = frozenset({"berkala", "serta_merta", "setiap_saat"})
# Pasal 17 UU 14/2008 lists its exemptions as letters a to j.
GROUNDS = tuple("abcdefghij")

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_REQUIRED = ("id", "title", "category", "summary", "where", "format")
_OPTIONAL = ("keywords", "year", "unit")
_EXEMPT = ("ground", "until", "reason")


class DipError(ValueError):
    """A DIP file cannot be used; the message is one line naming the file and the problem."""


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of the information map."""

    id: str
    title: str
    category: str
    summary: str
    where: str
    format: str
    keywords: tuple[str, ...] = ()
    year: int | None = None
    unit: str = ""
    ground: str = ""
    until: str = ""
    reason: str = ""

    @property
    def published(self) -> bool:
        """Whether anyone may have it without a request (not exempt)."""
        return self.category in PUBLISHED


@dataclass(frozen=True, slots=True)
class Dip:
    """Items loaded from one or more files, in file order."""

    items: tuple[Item, ...]
    sources: tuple[Path, ...]

    def get(self, item_id: str) -> Item | None:
        """The item with ``item_id``, or None."""
        for item in self.items:
            if item.id == item_id:
                return item
        return None


# The office that publishes the packaged example map (bot.toml's [office] name).
DEFAULT_HOLDER = "PPID Bawaslu Provinsi"


def default_dip_paths() -> list[Path]:
    """The DIP files shipped with the package (the fictitious office's), sorted by name."""
    folder = resources.files("bot.core.dip") / "data"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml"))


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given, folders replaced by their ``*.toml`` files (sorted); duplicates dropped:
    the knowledge base's rule, with the map's error."""
    try:
        return faq_expand_paths(paths)
    except KnowledgeBaseError as exc:
        raise DipError(str(exc)) from None


def _text(raw: dict[str, Any], key: str, where: str) -> str:
    value = raw[key]
    if not isinstance(value, str):
        raise DipError(f"{where}: '{key}' must be a string")
    value = " ".join(value.split())
    if not value:
        raise DipError(f"{where}: '{key}' is empty")
    return value


def parse_item(raw: Any, where: str) -> Item:
    """One ``[[item]]`` table checked; raises DipError naming ``where`` and the problem."""
    if not isinstance(raw, dict):
        raise DipError(f"{where}: [[item]] must be a table")
    unknown = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL) - set(_EXEMPT))
    if unknown:
        raise DipError(f"{where}: unknown key '{unknown[0]}'")
    for key in _REQUIRED:
        if key not in raw:
            raise DipError(f"{where}: missing key '{key}'")
    fields = {key: _text(raw, key, where) for key in _REQUIRED}
    if not _ID_RE.match(fields["id"]):
        raise DipError(f"{where}: id '{fields['id']}' is not kebab-case (a-z, 0-9, '-')")
    category = fields["category"]
    if category not in CATEGORIES:
        raise DipError(f"{where}: category '{category}' must be one of {', '.join(CATEGORIES)}")
    keywords = raw.get("keywords", [])
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise DipError(f"{where}: 'keywords' must be a list of strings")
    if any(not k.strip() for k in keywords):
        raise DipError(f"{where}: 'keywords' contains an empty string")
    year = raw.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise DipError(f"{where}: 'year' must be a whole number, e.g. 2024")
    if year is not None and not 1945 <= year <= 2200:
        raise DipError(f"{where}: 'year' {year} is not a plausible year")
    unit = _text(raw, "unit", where) if "unit" in raw else ""
    exempt: dict[str, str] = {}
    if category == "dikecualikan":
        for key in _EXEMPT:
            if key not in raw:
                raise DipError(f"{where}: an exempt item needs '{key}'")
        until = raw["until"]
        # A TOML date (until = 2029-02-14) or words ("putusan berkekuatan hukum tetap").
        exempt["until"] = (
            until.isoformat() if isinstance(until, date) else _text(raw, "until", where)
        )
        exempt["ground"] = _text(raw, "ground", where).lower().strip("().")
        if exempt["ground"] not in GROUNDS:
            raise DipError(f"{where}: 'ground' must be a letter of Pasal 17, a to j")
        exempt["reason"] = _text(raw, "reason", where)
    else:
        extra = sorted(k for k in _EXEMPT if k in raw)
        if extra:
            raise DipError(f"{where}: '{extra[0]}' is only for category \"dikecualikan\"")
    return Item(
        id=fields["id"],
        title=fields["title"],
        category=category,
        summary=fields["summary"],
        where=fields["where"],
        format=fields["format"],
        keywords=tuple(k.strip() for k in keywords),
        year=year,
        unit=unit,
        **exempt,
    )


def _item_lines(text: str) -> list[int]:
    """1-based line numbers of the ``[[item]]`` headers, in order."""
    return [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip().replace(" ", "") == "[[item]]"
    ]


def read_file(path: Path) -> list[tuple[Any, str]]:
    """The raw ``[[item]]`` tables of one file with where each is (file:line id '...').

    Raises DipError for a file that cannot be read, is not TOML or is not a DIP file.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DipError(f"{path}: cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DipError(f"{path}: TOML syntax error: {exc}") from None
    unknown = sorted(set(data) - {"item"})
    if unknown:
        raise DipError(f"{path}: unknown top-level key '{unknown[0]}' (expected [[item]])")
    raw_items = data.get("item", [])
    if not isinstance(raw_items, list):
        raise DipError(f"{path}: 'item' must be an array of tables ([[item]])")
    if not raw_items:
        raise DipError(f"{path}: no [[item]] tables")
    lines = _item_lines(text)
    out = []
    for number, raw in enumerate(raw_items, start=1):
        at = f"{path}:{lines[number - 1]}" if len(lines) == len(raw_items) else f"{path}"
        ident = raw.get("id") if isinstance(raw, dict) else None
        where = f"{at} id '{ident}'" if isinstance(ident, str) else f"{at} item #{number}"
        out.append((raw, where))
    return out


def load_dip(paths: Sequence[Path | str]) -> Dip:
    """Load and check items from TOML files or folders of ``*.toml`` files.

    Raises :class:`DipError` with a one-line message on the first problem.
    """
    files = expand_paths(paths)
    if not files:
        raise DipError("no DIP files given")
    items: list[Item] = []
    seen: dict[str, str] = {}
    for path in files:
        for raw, where in read_file(path):
            item = parse_item(raw, where)
            if item.id in seen:
                raise DipError(f"{where}: duplicate id (first defined at {seen[item.id]})")
            seen[item.id] = where
            items.append(item)
    return Dip(items=tuple(items), sources=tuple(files))


def overlay_dip(shared: Dip, own: Dip) -> Dip:
    """A network office's map: its own items laid over the shared ones. An own item with a
    shared item's id takes that item's place (the office holds it differently); the others
    follow the shared ones, in their files' order."""
    mine = {item.id: item for item in own.items}
    kept = tuple(mine.pop(item.id, item) for item in shared.items)
    return Dip(items=kept + tuple(mine.values()), sources=shared.sources + own.sources)
