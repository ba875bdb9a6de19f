"""Text normalization for Indonesian chat messages.

``normalize`` folds case, accents, emoji and punctuation, squeezes letters repeated three or
more times ("makasiiih" -> "makasih"; not in an acronym of consonants, "pppk"), resolves the
chat reduplication digit ("dibales2" -> "dibales", "syarat2nya" -> "syaratnya"), parts a
number glued to a word ("24jam" -> "24 jam", "20rb" -> "20 ribu"), expands chat abbreviations
and slang from :data:`faq.lexicon.SLANG`, and drops immediate word repetitions ("teman teman"
-> "teman"). The result holds only lowercase ascii letters, digits and single spaces, and
normalizing it again changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from faq.lexicon import SLANG

_APOSTROPHES = re.compile(r"['’`´]")
_ENGLISH_POSSESSIVE = re.compile(r"(?<=[a-z])['’`´]s\b")
_WORD = re.compile(r"[a-z0-9]+")
_LETTER_RUN = re.compile(r"([a-z])\1{2,}")
_VOWELLESS = re.compile(r"[b-df-hj-np-tv-z0-9]+")


def _ascii_lower(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii").lower()


# The reduplication digit inside a word: a suffix may follow the repeated stem
# ("syarat2nya" is syarat-syaratnya, "kecil2an" kecil-kecilan). The possessive and particle
# suffixes stay on the stem (the matcher strips them as usual); "-an"/"-in" only make the
# repetition a derived form of the same stem.
_REDUPLICATED = re.compile(r"([a-z]{2,})2(nya|ku|mu|lah|kah|an|in)")
# A number glued to the word after it ("24jam", "3hari") is two words; after a number, "rb",
# "jt" and "x" are amounts and times ("20rb", "2x"), whatever they abbreviate elsewhere.
_NUMBER_WORD = re.compile(r"([0-9]+)([a-z]+)")
_AFTER_NUMBER = {"rb": "ribu", "jt": "juta", "x": "kali"}


@lru_cache(maxsize=65536)
def _word_parts(raw: str) -> tuple[str, ...]:
    """Normalized words of one raw word (reduplication digit, letter runs, a number glued to
    a word, slang)."""
    if (twice := _REDUPLICATED.fullmatch(raw)) is not None:
        suffix = twice.group(2)
        raw = twice.group(1) + ("" if suffix in ("an", "in") else suffix)
    elif len(raw) > 1 and raw[-1] == "2" and "a" <= raw[-2] <= "z":
        raw = raw[:-1]
    if not _VOWELLESS.fullmatch(raw):
        # A stretched chat word ("tolooong"); a word of consonants only is an acronym, whose
        # letters repeat on purpose ("pppk", the contract civil servants; "ppp", a party).
        raw = _LETTER_RUN.sub(r"\1", raw)
    if (glued := _NUMBER_WORD.fullmatch(raw)) is not None:
        number, unit = glued.groups()
        if unit in _AFTER_NUMBER:
            return (number, _AFTER_NUMBER[unit])
        if len(unit) >= 2:
            return (number, *_word_parts(unit))
    expansion = SLANG.get(raw)
    return tuple(expansion.split()) if expansion is not None else (raw,)


def tokenize(text: str, keep: frozenset[str] = frozenset()) -> list[str]:
    """Normalize ``text`` and return its words.

    Words in ``keep`` are not expanded as slang: a knowledge base that writes "DPT" (the voter
    list) as an acronym means that, not the chat spelling of "dapat".
    """
    text = _ascii_lower(text)
    if "'" in text or "`" in text:  # the only apostrophes left after ascii folding
        text = _APOSTROPHES.sub("", _ENGLISH_POSSESSIVE.sub("", text))
    words: list[str] = []
    last = ""
    for raw in _WORD.findall(text):
        for word in (raw,) if raw in keep else _word_parts(raw):
            if word != last:
                words.append(word)
                last = word
    return words


def normalize(text: str) -> str:
    """Return the canonical form of a chat message (lowercase ascii words and single spaces).

    >>> normalize("Min, gmn cara mnta salinan putusan??")
    'admin bagaimana cara mnta salinan putusan'
    """
    return " ".join(tokenize(text))
