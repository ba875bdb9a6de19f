"""The notices' wording, from the data file texts.toml beside this module: Pasal 17 and
Pasal 35 in short words, and the letter's and summary's texts in Indonesian and English.

An office may override any of its keys with a TOML file of the same shape ([requests]
notice_texts): only the keys it names change, and a broken file is one error naming it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path
from string import Formatter

from bot.core.calendar import MONTH_NAMES

# Month names are the calendar's, so letters and chat messages spell dates alike.
_MONTHS = MONTH_NAMES
LANGUAGES = ("id", "en")
SECTIONS = ("pasal_17", "pasal_35", "letter")

Table = dict[str, dict[str, str]]  # lang -> key -> text


class NoticeTextsError(Exception):
    """An office's notice texts file cannot be used (the message names the file)."""


@dataclass(frozen=True)
class NoticeTexts:
    pasal_17: Table  # UU 14/2008 Pasal 17: information exempt from disclosure
    pasal_35: Table  # Pasal 35 ayat (1): the grounds on which a requester may object
    letter: Table  # the letters' and chat summaries' wording

    def words(self, lang: str) -> dict[str, str]:
        return self.letter[_lang(lang)]

    def exemptions(self, lang: str) -> dict[str, str]:
        return self.pasal_17[_lang(lang)]

    def grounds(self, lang: str) -> dict[str, str]:
        return self.pasal_35[_lang(lang)]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


def _default_data() -> dict[str, Table]:
    return tomllib.loads(files(__package__).joinpath("texts.toml").read_text("utf-8"))


def load_texts(override: Path | None = None) -> NoticeTexts:
    """The packaged texts, with an office's file laid over them key by key."""
    data = _default_data()
    if override is not None:
        try:
            extra = tomllib.loads(override.read_text(encoding="utf-8"))
        except OSError as exc:
            raise NoticeTextsError(f"cannot read notice texts {override}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise NoticeTextsError(f"notice texts {override}: not valid TOML: {exc}") from None
        _lay_over(data, extra, override)
    return NoticeTexts(**{section: data[section] for section in SECTIONS})


def _lay_over(data: dict[str, Table], extra: dict[str, object], path: Path) -> None:
    for section, langs in extra.items():
        if section not in SECTIONS or not isinstance(langs, dict):
            raise NoticeTextsError(f"notice texts {path}: unknown section [{section}]")
        for lang, table in langs.items():
            if lang not in LANGUAGES or not isinstance(table, dict):
                raise NoticeTextsError(f"notice texts {path}: unknown section [{section}.{lang}]")
            known = data[section][lang]
            for key, text in table.items():
                name = f"{section}.{lang}.{key}"
                if key not in known:
                    raise NoticeTextsError(f"notice texts {path}: unknown key {name}")
                if not isinstance(text, str) or not text.strip():
                    raise NoticeTextsError(f"notice texts {path}: {name} must be a non-empty text")
                try:
                    unknown = _fields(text) - _fields(known[key])
                except ValueError:
                    raise NoticeTextsError(
                        f"notice texts {path}: {name}: unbalanced {{ }} (write {{{{ for a brace)"
                    ) from None
                if unknown:
                    raise NoticeTextsError(
                        f"notice texts {path}: {name}: unknown placeholder "
                        + ", ".join("{" + f + "}" for f in sorted(unknown))
                    )
                known[key] = text


DEFAULT_TEXTS = load_texts()

PASAL_17: dict[str, str] = DEFAULT_TEXTS.pasal_17["id"]
PASAL_17_EN: dict[str, str] = DEFAULT_TEXTS.pasal_17["en"]
PASAL_35: dict[str, str] = DEFAULT_TEXTS.pasal_35["id"]
PASAL_35_EN: dict[str, str] = DEFAULT_TEXTS.pasal_35["en"]


def _lang(lang: str) -> str:
    # A stored preference may read "en-US" or "EN"; anything not English gets the Indonesian
    # letter, which is the legally binding one.
    return "en" if str(lang or "").strip().lower().startswith("en") else "id"


def format_date(d: date | None, lang: str = "id") -> str:
    """ "1 Desember 2026" (or "1 December 2026"); "-" when there is no date."""
    if d is None:
        return "-"
    return f"{d.day} {_MONTHS[_lang(lang)][d.month - 1]} {d.year}"
