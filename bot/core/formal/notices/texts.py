"""The notices' wording, from the data file texts.toml beside this module: Pasal 17 and
Pasal 35 in short words, and the letter's and summary's texts in Indonesian and English."""

from __future__ import annotations

import tomllib
from datetime import date
from importlib.resources import files

from bot.core.calendar import MONTH_NAMES

# Month names are the calendar's, so letters and chat messages spell dates alike.
_MONTHS = MONTH_NAMES

_DATA = tomllib.loads(files(__package__).joinpath("texts.toml").read_text("utf-8"))

# UU 14/2008 Pasal 17: information exempt from disclosure, in our own short words.
PASAL_17: dict[str, str] = _DATA["pasal_17"]["id"]
PASAL_17_EN: dict[str, str] = _DATA["pasal_17"]["en"]
# UU 14/2008 Pasal 35 ayat (1): the grounds on which a requester may object.
PASAL_35: dict[str, str] = _DATA["pasal_35"]["id"]
PASAL_35_EN: dict[str, str] = _DATA["pasal_35"]["en"]
# The letters' and chat summaries' wording.
_ID: dict[str, str] = _DATA["letter"]["id"]
_EN: dict[str, str] = _DATA["letter"]["en"]


def _lang(lang: str) -> str:
    # A stored preference may read "en-US" or "EN"; anything not English gets the Indonesian
    # letter, which is the legally binding one.
    return "en" if str(lang or "").strip().lower().startswith("en") else "id"


def format_date(d: date | None, lang: str = "id") -> str:
    """ "1 Desember 2026" (or "1 December 2026"); "-" when there is no date."""
    if d is None:
        return "-"
    return f"{d.day} {_MONTHS[_lang(lang)][d.month - 1]} {d.year}"
