"""Candidate roots of an Indonesian word, formal and colloquial.

Instead of one stem (a full stemmer such as Sastrawi turns "keberatan" into "berat"), a word
yields a small set of plausible roots. The matcher indexes the roots of the knowledge-base words
and only uses a root of a query word when the knowledge base has it too, so a wrong candidate is
harmless unless it collides with a real root of the same knowledge base; an exact word match
always scores higher than a shared root.
"""

from __future__ import annotations

from functools import lru_cache

_VOWELS = frozenset("aeiou")
_PARTICLES = ("lah", "kah", "tah", "pun")
_POSSESSIVES = ("nya", "ku", "mu")
_SUFFIXES = ("kan", "an", "in", "i")
_MIN_ROOT = 3


def _prefix_variants(word: str) -> set[str]:
    """Word without its derivational prefix, trying every plausible reading."""
    out = {word}
    if len(word) < 5:
        return out
    # Nasal prefixes replace the first consonant of the root: me+tulis -> menulis.
    for prefix in ("meng", "peng", "ng"):
        if word.startswith(prefix) and len(word) > len(prefix) + 2:
            rest = word[len(prefix) :]
            out.add(rest)
            if rest[0] in _VOWELS:
                out.add("k" + rest)
            if prefix != "ng" and rest.startswith("e"):
                out.add(rest[1:])  # menge-/penge- before one-syllable roots
    for prefix in ("meny", "peny", "ny"):
        if word.startswith(prefix) and len(word) > len(prefix) + 2 and word[len(prefix)] in _VOWELS:
            rest = word[len(prefix) :]
            out.update(("s" + rest, "c" + rest))
    for prefix in ("mem", "pem"):
        if word.startswith(prefix) and len(word) > len(prefix) + 2:
            rest = word[len(prefix) :]
            out.add(rest)
            if rest[0] in _VOWELS:
                out.add("p" + rest)
    for prefix in ("men", "pen"):
        if word.startswith(prefix) and len(word) > len(prefix) + 2 and word[3] not in "gy":
            rest = word[len(prefix) :]
            out.add(rest)
            if rest[0] in _VOWELS:
                out.add("t" + rest)
    if word.startswith("nge") and len(word) >= 6 and word[3] not in _VOWELS:
        out.add(word[3:])  # colloquial nge-: ngelamar -> lamar, ngecek -> cek
    if word.startswith("n") and len(word) > 4 and word[1] in _VOWELS:
        out.add("t" + word[1:])  # colloquial: nanya -> tanya, nulis -> tulis
    if word[:2] in ("me", "pe") and len(word) > 5 and word[2] in "lrwymn":
        out.add(word[2:])  # me-/pe- before l, r, w, y and a nasal: melapor -> lapor
    for prefix in ("di", "ke", "se", "ter", "ber", "be", "per"):
        if word.startswith(prefix) and len(word) - len(prefix) >= _MIN_ROOT + 1:
            out.add(word[len(prefix) :])
    # Two prefixes: di-/me-/pe-/ke- before per-/ber-/ter- ("diperpanjang", "memperoleh").
    for outer in list(out):
        if outer != word and outer.startswith(("per", "ber", "ter")) and len(outer) >= 7:
            out.add(outer[3:])
    return out


def without_clitics(word: str, min_stem: int = _MIN_ROOT) -> set[str]:
    """``word`` and its forms without a particle ("-lah", "-kah", "-tah", "-pun") and/or a
    possessive ("-nya", "-ku", "-mu"), each at least ``min_stem`` letters: "kantornya" is
    still "kantor", unlike a derivation."""
    out = {word}
    for particle in _PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= min_stem:
            out.add(word[: -len(particle)])
    for stem in list(out):
        for possessive in _POSSESSIVES:
            if stem.endswith(possessive) and len(stem) - len(possessive) >= min_stem:
                out.add(stem[: -len(possessive)])
    return out


def _suffix_variants(word: str) -> set[str]:
    out = without_clitics(word, 4)
    for stem in list(out):
        for suffix in _SUFFIXES:
            if stem.endswith(suffix) and len(stem) - len(suffix) >= 4:
                out.add(stem[: -len(suffix)])
    return out


@lru_cache(maxsize=65536)
def candidate_roots(word: str) -> frozenset[str]:
    """Plausible roots of ``word`` (the word itself excluded), each at least 3 letters."""
    if len(word) < 5 or not word.isalpha():
        return frozenset()
    found: set[str] = set()
    for stripped in _suffix_variants(word):
        for root in _prefix_variants(stripped):
            found.add(root)
            # Confix ke-...-an / pe-...-an / per-...-an leave the suffix on the first pass.
            if root != stripped:
                found.update(_suffix_variants(root))
    return frozenset(r for r in found if len(r) >= _MIN_ROOT and r != word)


@lru_cache(maxsize=65536)
def word_forms(word: str) -> frozenset[str]:
    """``word`` and its candidate roots: two forms of one root share one ("dibuka", "buka")."""
    return candidate_roots(word) | {word}
