"""The steps of a request for public information, as a message tells them.

UU 14/2008 gives a request its steps: a request (permohonan) refused or left unanswered goes
to an objection to the PPID's superior (keberatan); an objection refused or left unanswered
goes to the Information Commission as a dispute (sengketa informasi). A citizen who tells
what became of a step ("permintaan data saya ditolak", "keberatan saya sudah dijawab tapi tetap
ditolak", "atasan PPID menolak keberatan saya") is at the next one: an answer about a step
already taken answers a question the citizen no longer has.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from faq.stem import candidate_roots

# The steps in the law's order.
STEPS = ("permohonan", "keberatan", "sengketa")

# Words that name a step; the superior is who decides an objection.
_STEP_WORDS = {
    "permohonan": "permohonan",
    "permintaan": "permohonan",
    "request": "permohonan",
    "keberatan": "keberatan",
    "sanggahan": "keberatan",
    "objection": "keberatan",
    "atasan": "keberatan",
    "superior": "keberatan",
    "sengketa": "sengketa",
    "ajudikasi": "sengketa",
    "dispute": "sengketa",
}
# Roots of verbs that name the request ("data yang saya minta ditolak").
_STEP_ROOTS = {"mohon": "permohonan", "minta": "permohonan"}
# Words at most between a step and what became of it.
_GAP = 6
# What became of it: refused, or not answered ("tidak dijawab", "gak dibales", "tidak ada
# tanggapan").
_REFUSED_ROOTS = frozenset(("tolak", "abai"))
# (Base forms too: code-mixed chat puts the Indonesian passive on them, "di-reject".)
_REFUSED_EN = frozenset(
    (
        *("refused", "rejected", "denied", "ignored", "declined"),
        *("refuse", "reject", "deny", "ignore", "decline"),
        *("refuses", "rejects", "denies", "ignores", "declines"),
    )
)
_ANSWERED_EN = frozenset(
    (
        *("answered", "responded", "replied", "granted", "processed"),
        *("answers", "responds", "replies", "grants", "processes"),
    )
)
_ANSWERED_ROOTS = frozenset(
    ("jawab", "tanggap", "balas", "respon", "gubris", "kabul", "beri", "kasih", "layan", "puas")
)
# Words that ask what comes next.
_NEXT_WORDS = frozenset(("lanjut", "berikut", "next", "further"))
_NEXT_ROOTS = frozenset(("lanjut", "berikut"))
# Words after an answer that say it fell short.
_SHORT_OF = frozenset(("tidak", "kurang", "hanya", "cuma", "cuman", "not", "only"))
# Words between a step and an outcome that make the outcome no outcome of that step: a step
# "against" an outcome is about it ("sanggahan atas penolakan"), and an outcome after a word of
# time is when the step is taken ("batas keberatan berapa hari setelah ditolak": the request
# was refused).
_APART = frozenset(("atas", "terhadap", "against", "setelah", "sesudah", "after"))
# Words that tell the time allowed is over ("sudah lewat batas waktu", "lebih dari sepuluh
# hari"): a request still unanswered then has gone unanswered.
_OVERDUE = frozenset(("lewat", "melewati", "terlewat", "melebihi", "lebih", "terlambat"))
# "permohonan dapat ditolak" says what may happen, not what did.
_MODALS = frozenset(("dapat", "bisa", "boleh", "mungkin", "akan", "can", "may", "could", "might"))
_NEGATION = frozenset(
    (
        *("tidak", "belum", "tanpa", "tak", "no", "not", "never"),
        *("isnt", "arent", "wasnt", "werent", "hasnt", "havent", "hadnt", "doesnt", "didnt"),
        *("dont", "cant", "cannot", "wont"),
    )
)


@dataclass(frozen=True, slots=True)
class Told:
    """A step and what became of it, told in ``words[start:end]``."""

    start: int
    end: int
    step: str  # one of STEPS
    outcome: tuple[str, ...]  # ("ditolak",) or ("tidak", "ditanggapi")


@lru_cache(maxsize=65536)
def step_of(word: str) -> str | None:
    """The step a normalized word names, if any."""
    step = _STEP_WORDS.get(word) or _STEP_ROOTS.get(word)
    if step is None:
        step = next((_STEP_ROOTS[r] for r in candidate_roots(word) if r in _STEP_ROOTS), None)
    return step


@lru_cache(maxsize=65536)
def _outcome_word(word: str) -> str | None:
    """The kind of outcome a word tells: "refused", "answered" (an outcome when negated) or
    None."""
    if word in _REFUSED_EN:
        return "refused"
    if word in _ANSWERED_EN:
        return "answered"
    roots = {word, *candidate_roots(word)}
    if not _REFUSED_ROOTS.isdisjoint(roots):
        return "refused"
    if not _ANSWERED_ROOTS.isdisjoint(roots):
        return "answered"
    return None


def _outcome(words: Sequence[str], pos: int, kind: str) -> tuple[str, ...] | None:
    """What became of a step, if ``words[pos]`` (of outcome kind ``kind``) tells it."""
    if kind == "refused":
        return ("ditolak",)
    if pos and words[pos - 1] == "terima":
        return None  # "terima kasih": thanks, not what was given
    before = words[max(0, pos - 2) : pos]
    if not _NEGATION.isdisjoint(before):
        if "belum" in before and _NEGATION.isdisjoint(set(before) - {"belum"}):
            # "belum dibalas": not yet, still waiting, unless the time allowed is told over.
            if _OVERDUE.isdisjoint(words):
                return None
        return ("tidak", "ditanggapi")
    # "jawabannya tidak sesuai", "jawabannya hanya sebagian", "dijawab tapi kurang lengkap".
    if not _SHORT_OF.isdisjoint(words[pos + 1 : pos + 3]):
        return ("tidak", "ditanggapi")
    return None


def steps_told(words: Sequence[str]) -> tuple[Told, ...]:
    """Every step of a normalized message told together with what became of it.

    The step is the object after an active verb or a noun of the outcome ("menolak keberatan
    saya", "penolakan permohonan"), or else the nearest one named before the outcome
    ("permohonan informasi ditolak").
    """
    return _steps_told(tuple(words))


@lru_cache(maxsize=4096)  # a message is read for its phrases and for its step
def _steps_told(words: tuple[str, ...]) -> tuple[Told, ...]:
    found: list[Told] = []
    for pos, word in enumerate(words):
        kind = _outcome_word(word)
        if kind is None or (pos and words[pos - 1] in _MODALS):
            continue
        outcome = _outcome(words, pos, kind)
        if outcome is None:
            continue
        step_at = None
        if word.startswith(("me", "pe")) or word in _REFUSED_EN or word in _ANSWERED_EN:
            # "menolak keberatan saya", "penolakan permohonan", "rejects my objection": the
            # object follows.
            step_at = next(
                (at for at in range(pos + 1, min(len(words), pos + 3)) if step_of(words[at])),
                None,
            )
        if step_at is None:
            for at in range(pos - 1, max(-1, pos - _GAP - 2), -1):
                if words[at] in _APART:
                    break
                if step_of(words[at]):
                    step_at = at
                    break
        if step_at is None:
            continue
        step = step_of(words[step_at]) or ""
        found.append(Told(min(step_at, pos), max(step_at, pos) + 1, step, outcome))
    return tuple(found)


def is_next_word(word: str) -> bool:
    """Whether a word asks for the next step ("lanjut", "selanjutnya", "berikutnya", "next")."""
    return word in _NEXT_WORDS or not _NEXT_ROOTS.isdisjoint(candidate_roots(word))


def step_reached(words: Sequence[str]) -> int | None:
    """The step a message is at (an index into STEPS): the one after the latest step it tells
    was refused or left unanswered; None when it tells none."""
    told = [STEPS.index(t.step) + 1 for t in steps_told(words)]
    return min(max(told), len(STEPS) - 1) if told else None


def step_asked(words: Sequence[str]) -> int | None:
    """The latest step a question of the knowledge base is about: the latest it names, or the
    one after a step it tells was refused or left unanswered; None when it names none."""
    named = [STEPS.index(s) for w in words if (s := step_of(w)) is not None]
    reached = step_reached(words)
    if reached is not None:
        named.append(reached)
    return max(named) if named else None


__all__ = ["STEPS", "Told", "is_next_word", "step_asked", "step_of", "step_reached", "steps_told"]
