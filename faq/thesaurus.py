"""A thesaurus of public-service and election vocabulary: groups of words for one meaning.

Files are plain text, one *concept group* a line: its words and phrases separated by commas
(formal, informal, slang, regional and English words for one meaning), ``#`` starts a comment:

    aduan, keluhan, komplain, protes, ketidakpuasan, complaint

The packaged groups live in ``faq/thesaurus/*.txt``; an office adds its own in a file named by
``[faq] thesaurus``. Terms are normalized like messages (:func:`faq.normalize.tokenize`), so
chat spellings fold onto the same words. A word may belong to several groups (it then carries
every concept). The matcher (:mod:`faq.index`) reads a shared concept as weaker evidence than
the same word or a close synonym, beside its lexical and fuzzy signals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from faq.kb import KnowledgeBaseError
from faq.lexicon import ACRONYMS, SLANG, STOPWORDS
from faq.normalize import tokenize
from faq.stem import candidate_roots, word_forms
from faq.steps import steps_told


class ThesaurusError(KnowledgeBaseError):
    """A thesaurus file cannot be used; the message is one line naming file and line."""


@dataclass(frozen=True, slots=True)
class Thesaurus:
    """Concept groups: single words to their concepts, and phrases by their first two words
    (thousands of phrases start with a common word, "tidak" or "mau": the second tells them
    apart, so a message is searched by its word pairs)."""

    words: dict[str, frozenset[str]] = field(default_factory=dict)
    phrases: dict[tuple[str, str], tuple[tuple[tuple[str, ...], frozenset[str]], ...]] = field(
        default_factory=dict
    )
    groups: int = 0
    # Phrases also by their first word and another word of a group of their second, or a root
    # of it after _ROOT_MARK: the second word may be said otherwise ("perkembangan permintaan"
    # for "perkembangan permohonan", "villa sewaan" for "villa disewakan"), as the later words
    # may (:meth:`_says`).
    seconds: dict[tuple[str, str], tuple[tuple[tuple[str, ...], frozenset[str]], ...]] = field(
        default_factory=dict
    )
    # The roots of the second words in ``seconds`` by first word: a message's word pair is
    # looked up by its second word's roots only where they meet.
    rooted: dict[str, frozenset[str]] = field(default_factory=dict)
    # Two-word phrases of a verb and its object ("meminta data", "tebus resep") by (object, a
    # form of the verb): the passive says them the other way round ("data diminta", "resep
    # ditebus").
    passives: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    # Concepts that name what a question is about (a body, a place, a document, a campaign
    # material): groups of files that start with the line "#! referents".
    referents: frozenset[str] = frozenset()

    def concepts(self, word: str) -> frozenset[str]:
        """The concepts of one normalized word (empty when it is in no group)."""
        return self.words.get(word, frozenset())

    def phrase_concepts(self, words: Sequence[str]) -> list[tuple[int, int, frozenset[str]]]:
        """Phrases found in a word sequence: (start, end, concepts), longest first at a place.

        A shorter phrase at the same place counts too when it names another concept: "surat
        keterangan tidak mampu" is a poverty certificate and still a "surat keterangan", as a
        word inside a phrase keeps its own concepts. Its concepts already named there are left
        out, so one meaning is not read twice. After its first two words, a phrase may be
        said in other forms or words of its groups (:meth:`_says`), its second word too
        (:meth:`_second_said_otherwise`, :meth:`_second_in_another_form`). Phrases whose
        first noun has its owner after it (:meth:`_owned_phrases`) or "apa (saja)" after it
        (:meth:`_asked_phrases`), two-word verb-object phrases said in the passive
        (:meth:`_passive_phrases`) and the steps of a request told apart
        (:meth:`_steps_told_apart`) follow, after all the others, where they name something
        not found there already.
        """
        found: list[tuple[int, int, frozenset[str]]] = []
        if not self.phrases:
            return found
        count = len(words)
        seconds = self.seconds
        rooted = self.rooted
        otherwise: list[tuple[int, int, frozenset[str]]] = []
        for pos in range(count - 1):
            pair = (words[pos], words[pos + 1])
            if pair in seconds:
                otherwise.extend(self._second_said_otherwise(words, pos))
            roots = rooted.get(words[pos])
            if roots is not None and not roots.isdisjoint(word_forms(words[pos + 1])):
                otherwise.extend(self._second_in_another_form(words, pos))
            here = self.phrases.get(pair)
            if here is None:
                continue
            named: frozenset[str] = frozenset()
            for phrase, concepts in here:
                end = pos + len(phrase)
                if end > count or concepts <= named:
                    continue
                # (The pair is the phrase's first two words: a two-word phrase is said.)
                if end - pos == 2 or self._says(tuple(words[pos:end]), phrase):
                    found.append((pos, end, concepts - named))
                    named |= concepts
        # The other readings count where they add to what was found over the same words.
        later = [*otherwise, *self._owned_phrases(words), *self._asked_phrases(words)]
        if self.passives:
            later.extend(self._passive_phrases(words))
        later.extend(self._steps_told_apart(words))
        for start, end, concepts in later:
            if not any(s <= start and end <= e and concepts <= c for s, e, c in found):
                found.append((start, end, concepts))
        return found

    def _second_said_otherwise(
        self, words: Sequence[str], pos: int
    ) -> list[tuple[int, int, frozenset[str]]]:
        """Phrases at ``pos`` whose second word is said in another word of its groups
        ("perkembangan permintaan": "perkembangan permohonan"), the later words as
        :meth:`_says` allows."""
        found: list[tuple[int, int, frozenset[str]]] = []
        for phrase, concepts in self.seconds[(words[pos], words[pos + 1])]:
            end = pos + len(phrase)
            if end <= len(words) and self._says(tuple(words[pos:end]), phrase):
                found.append((pos, end, concepts))
        return found

    def _second_in_another_form(
        self, words: Sequence[str], pos: int
    ) -> list[tuple[int, int, frozenset[str]]]:
        """Phrases at ``pos`` whose second word is said in another form of its root ("villa
        sewaan": "villa disewakan"), the later words as :meth:`_says` allows."""
        found: list[tuple[int, int, frozenset[str]]] = []
        first, second = words[pos], words[pos + 1]
        for form in word_forms(second):
            for phrase, concepts in self.seconds.get((first, _ROOT_MARK + form), ()):
                end = pos + len(phrase)
                if phrase[1] != second and end <= len(words):
                    if self._says(tuple(words[pos:end]), phrase):
                        found.append((pos, end, concepts))
        return found

    def _owned_phrases(self, words: Sequence[str]) -> list[tuple[int, int, frozenset[str]]]:
        """Phrases whose first word, a noun, has its owner after it ("dompet saya ketinggalan":
        "dompet ketinggalan", "KTP kami hilang"): a possessive pronoun does not change what
        the phrase means."""
        found: list[tuple[int, int, frozenset[str]]] = []
        if _OWNERS.isdisjoint(words):
            return found
        for pos in range(len(words) - 2):
            if words[pos + 1] not in _OWNERS:
                continue
            rest = (words[pos], *words[pos + 2 :])
            for phrase, concepts in self.phrases.get((rest[0], rest[1]), ()):
                said = rest[: len(phrase)]
                if len(said) == len(phrase) and (said == phrase or self._says(said, phrase)):
                    found.append((pos, pos + len(phrase) + 1, concepts))
                    break
        return found

    def _asked_phrases(self, words: Sequence[str]) -> list[tuple[int, int, frozenset[str]]]:
        """Phrases of a noun and the clause that describes it, asked about with "apa (saja)",
        "jenis apa" or "mana saja" between them ("dokumen apa saja yang bisa diakses":
        "dokumen yang bisa diakses"): the question words ask which ones, they do not change
        what the phrase names."""
        found: list[tuple[int, int, frozenset[str]]] = []
        if "yang" not in words or _WHICH.isdisjoint(words):
            return found
        for pos in range(len(words) - 2):
            after = pos + 1
            while after < len(words) and after - pos <= 3 and words[after] in _ASKING_WHICH:
                after += 1
            asked = words[pos + 1 : after]
            if _WHICH.isdisjoint(asked) or words[after : after + 1] != ["yang"]:
                continue
            rest = (words[pos], *words[after:])
            for phrase, concepts in self.phrases.get((rest[0], rest[1]), ()):
                said = rest[: len(phrase)]
                if len(said) == len(phrase) and (said == phrase or self._says(said, phrase)):
                    found.append((pos, after + len(phrase) - 1, concepts))
                    break
        return found

    def _steps_told_apart(self, words: Sequence[str]) -> list[tuple[int, int, frozenset[str]]]:
        """A request or an objection and what became of it, told with words between
        ("keberatan saya sudah dijawab tapi tetap ditolak", "menolak keberatan saya"): read as
        the groups' own phrase for that situation ("keberatan ditolak"), which names the next
        step the law gives (:mod:`faq.steps`)."""
        found: list[tuple[int, int, frozenset[str]]] = []
        for told in steps_told(words):
            phrase = (told.step, *told.outcome)
            for term, concepts in self.phrases.get((phrase[0], phrase[1]), ()):
                if term == phrase:
                    found.append((told.start, told.end, concepts))
                    break
        return found

    def _passive_phrases(self, words: Sequence[str]) -> list[tuple[int, int, frozenset[str]]]:
        """Verb-object phrases said in the passive: the object, then the verb with di-
        ("data itu bisa diminta": "meminta data"), at most two words of ``_PASSIVE_GAP`` between."""
        found: list[tuple[int, int, frozenset[str]]] = []
        for end, verb in enumerate(words):
            if end == 0 or not verb.startswith("di") or len(verb) <= 4:
                continue
            pos = end - 1
            while pos > 0 and end - pos <= 2 and words[pos] in _PASSIVE_GAP:
                pos -= 1
            thing = words[pos]
            if thing in STOPWORDS or thing in _PASSIVE_GAP:
                continue
            for root in candidate_roots(verb):
                concepts = self.passives.get((thing, root))
                if concepts is not None:
                    found.append((pos, end + 1, concepts))
                    break
        return found

    def _says(self, said: Sequence[str], phrase: tuple[str, ...]) -> bool:
        """Whether the message words ``said`` say ``phrase``, whose first two words they
        share: each later content word as written, in another form of its root ("membuka"
        for "dibuka") or as a word of one of its groups ("masyarakat" for "publik"); function
        words exactly (they decide what the phrase means)."""
        for word, term in zip(said[2:], phrase[2:], strict=True):
            if word == term:
                continue
            if word in STOPWORDS or term in STOPWORDS:
                return False
            if self.words.get(word, _NONE).isdisjoint(self.words.get(term, _NONE)) and (
                word_forms(word).isdisjoint(word_forms(term))
            ):
                return False
        return True


_NONE: frozenset[str] = frozenset()
# Marks a root in the keys of Thesaurus.seconds (no word starts with it).
_ROOT_MARK = "\u2218"
# "apa saja", "jenis apa", "mana saja" between a noun and its "yang" clause: which ones.
_WHICH = frozenset(("apa", "mana"))
_ASKING_WHICH = frozenset(("apa", "mana", "saja", "jenis", "macam"))
# Possessive pronouns after a noun (normalized: "aku", "gue" are "saya").
_OWNERS = frozenset(("saya", "kami", "kita", "mereka", "dia", "anda", "kamu", "my", "our", "your"))

# Words that may stand between an object and its passive verb: pointing words, modals and
# aspect words ("data itu bisa diminta", "berkas ini sudah diurus"). A negation is left out:
# "data tidak diberikan" is another matter than giving data.
_PASSIVE_GAP = frozenset(
    (
        "itu",
        "ini",
        "tersebut",
        "nya",
        "bisa",
        "dapat",
        "boleh",
        "harus",
        "wajib",
        "perlu",
        "sudah",
        "udah",
        "telah",
        "akan",
        "mau",
        "masih",
        "sedang",
        "lagi",
        "juga",
    )
)


def default_thesaurus_paths() -> list[Path]:
    """The thesaurus files shipped with the package, sorted by name."""
    folder = resources.files("faq") / "thesaurus"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".txt"))


def _is_referents(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as handle:
            return handle.readline().strip() == "#! referents"
    except (OSError, UnicodeDecodeError):
        return False


# A thesaurus lists the domain's terms: where one is both a domain acronym and a chat
# abbreviation ("dpt": the voter list, or "dapat"), it means the acronym. Expanded as chat, it
# would become a function word and leave its group ("tidak masuk dpt" -> "... dapat").
_DOMAIN_ACRONYMS = frozenset(ACRONYMS) & frozenset(SLANG)


def _read_groups(path: Path) -> list[tuple[str, list[tuple[str, ...]]]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ThesaurusError(f"{path}: cannot read: {exc}") from None
    groups = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        terms = [tuple(tokenize(term, keep=_DOMAIN_ACRONYMS)) for term in line.split(",")]
        terms = [t for t in terms if t]
        if len(terms) < 2:
            raise ThesaurusError(f"{path}:{number}: a group needs at least two terms")
        groups.append((f"{path.name}:{number}", terms))
    return groups


def load_thesaurus(paths: Iterable[Path | str]) -> Thesaurus:
    """Load concept groups from text files; raises :class:`ThesaurusError` (one line)."""
    words: dict[str, set[str]] = {}
    phrases: dict[tuple[str, str], dict[tuple[str, ...], set[str]]] = {}
    passives: dict[tuple[str, str], set[str]] = {}
    count = 0
    referents: set[str] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(path.glob("*.txt"))
        elif path.is_file():
            files = [path]
        else:
            raise ThesaurusError(f"{path}: no such file or folder")
        for file in files:
            marked = _is_referents(file)
            for concept, terms in _read_groups(file):
                count += 1
                if marked:
                    referents.add(concept)
                for term in terms:
                    if len(term) == 1:
                        word = term[0]
                        # Function words and single letters carry no concept.
                        if word in STOPWORDS or len(word) < 2:
                            continue
                        words.setdefault(word, set()).add(concept)
                    else:
                        pair = (term[0], term[1])
                        phrases.setdefault(pair, {}).setdefault(term, set()).add(concept)
                        if len(term) == 2 and STOPWORDS.isdisjoint(term):
                            for root in word_forms(term[0]):
                                passives.setdefault((term[1], root), set()).add(concept)
    # By the first word and each other word of a group of the second (a message's word pair is
    # then one lookup, as for the exact phrases).
    members: dict[str, list[str]] = {}
    for word, concepts in words.items():
        for concept in concepts:
            members.setdefault(concept, []).append(word)
    seconds: dict[tuple[str, str], dict[tuple[str, ...], frozenset[str]]] = {}
    rooted: dict[str, set[str]] = {}
    for (first, second), by_phrase in phrases.items():
        if second in STOPWORDS:
            continue  # a function word says which phrase it is ("tidak", "di")
        # A name is said as written: "kantor kelurahan" is no "kantor desa".
        kept = [(p, frozenset(c)) for p, c in by_phrase.items() if c.isdisjoint(referents)]
        if not kept:
            continue
        for concept in words.get(second, ()):
            for other in members[concept]:
                if other != second:
                    seconds.setdefault((first, other), {}).update(kept)
        # Or in another form of its root ("villa sewaan": "villa disewakan"), as the later
        # words may be: by the first word and each root, marked apart from words.
        for form in word_forms(second):
            if form != second and len(form) >= 3:
                seconds.setdefault((first, _ROOT_MARK + form), {}).update(kept)
                rooted.setdefault(first, set()).add(form)
    return Thesaurus(
        words={w: frozenset(c) for w, c in words.items()},
        phrases={
            pair: tuple(
                sorted(
                    ((p, frozenset(c)) for p, c in by_phrase.items()),
                    key=lambda pc: -len(pc[0]),
                )
            )
            for pair, by_phrase in phrases.items()
        },
        groups=count,
        seconds={
            key: tuple(sorted(found.items(), key=lambda pc: -len(pc[0])))
            for key, found in seconds.items()
        },
        rooted={first: frozenset(roots) for first, roots in rooted.items()},
        passives={key: frozenset(c) for key, c in passives.items()},
        referents=frozenset(referents),
    )


@lru_cache(maxsize=1)
def default_thesaurus() -> Thesaurus:
    """The packaged thesaurus (loaded once)."""
    return load_thesaurus(default_thesaurus_paths())


__all__ = [
    "Thesaurus",
    "ThesaurusError",
    "default_thesaurus",
    "default_thesaurus_paths",
    "load_thesaurus",
]
