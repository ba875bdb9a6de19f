"""The letter's fonts: DejaVu Sans from the system when it is there, else a core font."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


# DejaVu Sans covers Latin, Greek, Cyrillic, Arabic, Hebrew and more; fpdf2 bundles no TTF
# font, so we take the system's (Debian: fonts-dejavu-core). Without it we fall back to the
# core Helvetica and transliterate.
DEFAULT_FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu
    Path("/usr/share/fonts/dejavu-sans-fonts"),  # Fedora
    Path("/usr/share/fonts/dejavu"),  # Alpine
    Path("/usr/share/fonts/TTF"),  # Arch
    Path("/usr/local/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
    Path("/opt/homebrew/share/fonts"),
)
_REGULAR = "DejaVuSans.ttf"
_BOLD = "DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class _Fonts:
    regular: Path
    bold: Path
    # Code points that both faces draw: text is fitted to this before it is written.
    coverage: frozenset[int] = field(repr=False)


@functools.lru_cache(maxsize=16)
def _find_fonts(dirs: tuple[Path, ...]) -> _Fonts | None:
    for folder in dirs:
        regular, bold = folder / _REGULAR, folder / _BOLD
        if not (regular.is_file() and bold.is_file()):
            continue
        try:
            coverage = _coverage(regular) & _coverage(bold)
        except Exception:  # a broken font file must not stop letters going out
            log.warning("unusable font in %s; trying the next folder", folder, exc_info=True)
            continue
        return _Fonts(regular, bold, frozenset(c for c in coverage if c >= 0x20))
    log.warning("no DejaVu Sans font found in %s; notices use a core font", dirs)
    return None


def _coverage(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # with the first notice, like fpdf2 (see the package)

    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def fonts_for(font_dirs: Sequence[str | Path] | None) -> _Fonts | None:
    dirs = DEFAULT_FONT_DIRS if font_dirs is None else tuple(Path(d) for d in font_dirs)
    return _find_fonts(dirs)
