"""Text fit for a letter: citizens' text cleaned and capped, characters a font lacks replaced."""

from __future__ import annotations

import unicodedata

# Caps keep one pasted novel from turning a letter into a book (and the render slow).
_SHORT = 300
_LONG = 6000
_SUMMARY_SNIPPET = 200


def _clean(value: object, limit: int = _LONG, *, multiline: bool = True) -> str:
    """Text fit for a letter: no control, format (bidi overrides, zero-width), surrogate,
    private-use or unassigned characters; NFC; at most `limit` characters."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = text[: limit * 4]  # bound the work before normalizing
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        cat = unicodedata.category(ch)
        if ch == "\n" or cat in ("Zl", "Zp"):
            out.append("\n" if multiline else " ")
        elif ch == "\t" or cat == "Zs":
            out.append(" ")
        elif cat[0] == "C":  # Cc, Cf, Cs, Co, Cn
            continue
        else:
            out.append(ch)
    lines = [" ".join(line.split()) for line in "".join(out).split("\n")]
    # At most one blank line in a row, none at either end.
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    text = "\n".join(kept).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _has(value: object) -> bool:
    return bool(_clean(value, 20))


def _snippet(value: object) -> str:
    return _clean(value, _SUMMARY_SNIPPET, multiline=False)


# Readable stand-ins for characters a font lacks (NFKD covers accents and ligatures).
_STAND_INS = {
    "‘": "'",
    "’": "'",
    "‚": ",",
    "‛": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "―": "-",
    "−": "-",
    "•": "*",
    "…": "...",
    "€": "EUR",
    "™": "TM",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ı": "i",
    "œ": "oe",
    "Œ": "OE",
    "ŋ": "ng",
    "ħ": "h",
}

# What the core fonts can show: fpdf2 encodes their text as latin-1.
LATIN1 = frozenset(range(0x20, 0x7F)) | frozenset(range(0xA0, 0x100))


def fit_text(text: str, allowed: frozenset[int]) -> str:
    """Replace characters the font cannot draw, so that no glyph silently goes missing."""
    if all(ord(ch) in allowed or ch == "\n" for ch in text):
        return text
    out: list[str] = []
    for ch in text:
        if ch == "\n" or ord(ch) in allowed:
            out.append(ch)
            continue
        if unicodedata.combining(ch):
            continue  # a stray accent the font lacks: drop it rather than print "?"
        alt = _STAND_INS.get(ch)
        if alt is None:
            alt = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            )
        alt = "".join(c for c in alt if ord(c) in allowed)
        out.append(alt or "?")
    return "".join(out)
