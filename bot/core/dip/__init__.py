"""The information map (Daftar Informasi Publik): its files, its matcher and its tools.

Pure: no database, no Telegram. ``load_dip`` reads and checks the files, ``DipIndex`` matches
questions against them with the FAQ engine.
"""

from bot.core.dip.items import (
    CATEGORIES,
    PUBLISHED,
    Dip,
    DipError,
    Item,
    default_dip_paths,
    load_dip,
)
from bot.core.dip.search import DipIndex, Hit

__all__ = [
    "CATEGORIES",
    "PUBLISHED",
    "Dip",
    "DipError",
    "DipIndex",
    "Hit",
    "Item",
    "default_dip_paths",
    "load_dip",
]
