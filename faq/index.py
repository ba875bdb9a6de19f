"""The matcher: an index built once per knowledge base, queried per message.

How a message is scored
-----------------------
Every word of an entry (its questions and keywords in full, its id and category at half
weight, its answer as weaker evidence) is indexed under several *features*: the word itself,
its candidate roots (:mod:`faq.stem`), a synonym concept and, for English words, the Indonesian
gloss. Each feature has an IDF weight computed over the entries of this knowledge base, so rare,
specific words count more than words every entry shares.

A query word is looked up the same way. A word the knowledge base does not know is split when it
is two known words run together ("kantorppid"), or corrected to the closest known word when it is
a likely typo (rapidfuzz ratio, cut-off by word length). An administrative acronym the knowledge
base does not know ("UU KIP") is looked up by its words, and the spelled-out words of one it
uses ("kartu keluarga") are read as it. A word the knowledge base does not use but the
thesaurus (:mod:`faq.thesaurus`) groups with one it does ("komplain" / "pengaduan") is read
through that shared concept. A thesaurus phrase of several words ("beli suara") is one meaning:
an entry with it accounts for all the phrase's words. A word that stays unknown counts against
every entry: it is topic the knowledge base does not cover.

For each entry the matcher computes

* ``explained``: the share of the query's weight that the entry accounts for (unknown words
  weigh as much as a word found in a single entry, scaled by ``unknown_weight``);
* ``covered``: the share of the best-matching canonical question's weight found in the query
  (a keyword of several words counts as a phrasing when the message says all of it);
* ``fuzzy``: rapidfuzz ``token_set_ratio`` between the content words of query and question
  (query words read as their typo correction, parts or English gloss).

The score (0-100) is a weighted geometric mean of the three, lowered when the message asks a
kind of question (:mod:`faq.intent`: when, cost, where, who) that none of the entry's canonical
questions asks, and when the message names a body, place or document (a thesaurus referent:
TPS, kecamatan, baliho) that the entry never mentions. The answer threshold is calibrated
per knowledge base when the index is built
(:meth:`FaqIndex._calibrate`: canonical questions matched with their own entry left out show
what a near miss scores here); the gap between the two best entries decides between a plain
answer and an "ambiguous" outcome (unless the top entry is ahead on both explained and
covered, or one of the two has its best question clearly more covered and fits the kind of
question asked: :meth:`FaqIndex._settle`). A long message of several sentences is also
matched sentence by sentence (:meth:`FaqIndex._match_windows`), so a story told before the
question does not drown it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from faq.frequency import is_word, meant_as_written, unknown_share
from faq.frequency import load as load_frequencies
from faq.intent import (
    COST,
    PROCEDURE,
    WHERE,
    asks_becoming,
    asks_to_join,
    aspects,
    intents,
    names_pay,
    only_intent,
    tells_joining,
)
from faq.kb import Entry, KnowledgeBase
from faq.lexicon import (
    ACRONYMS,
    ENGLISH,
    GENERIC_WORDS,
    GREETING_WORDS,
    JUDGEMENT_WORDS,
    KIN_ADDRESS,
    OWN_MEANING,
    POSSESSIVE_PRONOUNS,
    PRESENCE_ASKING,
    PRESENCE_WORDS,
    QUESTION_WORDS,
    SLANG,
    STOPWORDS,
    SYNONYMS,
    THANKS_CORE,
    THANKS_WORDS,
    WEAK_WORDS,
    english_base,
    english_gloss,
)
from faq.normalize import tokenize
from faq.stem import candidate_roots, without_clitics, word_forms
from faq.steps import is_next_word, step_asked, step_reached
from faq.thesaurus import Thesaurus, default_thesaurus

Outcome = Literal["answer", "ambiguous", "abstain", "greeting", "thanks"]

# Confidence of each way a query word can meet an indexed word.
_CONF_ROOT = 0.85
_CONF_CONCEPT = 0.8
_CONF_GLOSS = 0.9
_CONF_TYPO = 0.8
_CONF_WEAK = 0.3
# A concept shared through the thesaurus: another word of the same group, weaker than the
# word itself (0.7 until 2026-12-07, 0.75 until 2026-12-08; on the seven offices' tuning sets
# 0.85 answers 21 more of 2,352 in-scope messages, one more of 588 out of scope and one more
# of 240 extra near misses; as sure as the word itself, 1.0, answers about 50 more with four
# more of each, and reads a group's related situations as the word they name).
_CONF_THESAURUS = 0.85
# A thesaurus phrase of several words: together they rule out the other senses each has
# alone ("beli suara"), so it is surer than one word's group (0.85 until 2026-12-08, when
# the groups rose to it; 0.9 answers two in-scope messages fewer), less than a word itself.
_CONF_PHRASE = 0.9
# Field weights inside an entry.
_W_QUESTION = 1.0
_W_LABEL = 0.5
_W_ANSWER = 0.35

_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;\n]*")
_LETTERS = re.compile(r"[a-z]+")
# Affixes and clitics that are also stopwords or short known words.
_BOUND = frozenset("nya an kan in ku mu lah kah tah pun per ber ter se me pe".split())
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]+\b")
# The name after "Kabupaten", "Kota", "Provinsi" (capitalized, one to three words): the
# region a knowledge base is written for ("Kabupaten Tanjung Wangi").
_REGION = re.compile(r"\b(?:Kabupaten|Kab\.|Kota|Provinsi|Prov\.)\s+((?:[A-Z][a-z]+\b ?){1,3})")
# "Sertifikat Laik Fungsi (SLF)": a name and the acronym the knowledge base defines for it.
_DEFINED = re.compile(r"((?:[A-Za-z]+ ){1,8})\(([A-Z][A-Za-z]{1,7})\)")

# Content words a keyword needs to be a phrasing of its entry (covered like a question).
_KEYWORD_PHRASE = 2
_WHOLE = 0.999

# Nouns that head the name of a unit of a government ("dinas kesehatan", "badan
# kepegawaian", "bagian umum"): an entry that speaks of such units in general speaks of each.
# Not "kantor": "kantor kecamatan" is another office, not a kind of the office's own.
_UNIT_HEADS = frozenset("dinas badan bagian bidang unit satuan".split())

# Words before "admin" that make it somebody spoken of ("bicara dengan admin", "lapor ke
# admin"); elsewhere "min"/"admin" addresses the officer, as "kak" or "pak" do.
_REFERS_TO = frozenset("dengan ke sama ama kepada oleh hubungi bicara ngobrol sambungkan".split())

# "Buka" before a business ("buka warung", "open a cafe") is starting one, not the opening
# hours "buka" means before a time or after a place ("ppid buka jam berapa").
_OPEN = frozenset("buka membuka bukak open opening".split())
_VENTURES = frozenset(
    """
    usaha bisnis toko warung warkop kedai kios lapak kafe cafe restoran resto rumah salon
    laundry bengkel klinik apotek praktik praktek homestay penginapan kos kost minimarket
    cabang franchise waralaba business shop store restaurant clinic pharmacy
    """.split()
)


_ENGLISH_ONLY = frozenset(
    "the a an of to for in on at by with is are was be do does did can could would should i me "
    "my we our you your it its this that there what how where when which who why please".split()
)


@dataclass(frozen=True, slots=True)
class Params:
    """Tunable constants of the matcher (all relative: shares of the 0-100 scale or of IDF)."""

    unknown_weight: float = 1.0  # an unknown word weighs this share of the rarest word's IDF
    w_explained: float = 1.0
    w_covered: float = 0.5
    w_fuzzy: float = 0.5
    # Score needed to answer. None: calibrated on the knowledge base itself (see _calibrate).
    answer_at: float | None = None
    calibration_quantile: float = 0.7
    # The calibrated threshold's ceiling. A left-out canonical question stands for a near miss
    # where entries are distinct; where they are siblings (an identity card lost, damaged,
    # made for the first time) it is its sibling's own question and scores like a paraphrase
    # of the right entry, so past this the threshold measures how alike the entries are and
    # refuses the paraphrases (46: about the median of the tuning offices' thresholds). A
    # message scored between the two is answered, but less surely (see _match_windows).
    calibration_cap: float = 46.0
    calibration_samples: int = 240
    fallback_answer_at: float = 45.0  # knowledge bases too small to calibrate on
    ambiguous_gap: float = 0.08  # top two within this share of the top score -> ambiguous
    # Entries scored in full, the strongest by evidence. A fourth more often became the close
    # runner-up that made a call ambiguous than the answer (tuning sets: 3 answers 9 more of
    # 1,344 in-scope messages than 4 and 2 more of 240 extra near misses; a quarter less
    # full scoring).
    candidates: int = 3
    shortlist_share: float = 0.5  # least evidence, as a share of the strongest, scored in full
    intent_penalty: float = 0.15  # factor lost per intent of the message the entry never answers
    window_message_words: int = 16  # words a message needs to be read in windows
    dominance: bool = True  # close top two: answer when the top explains and covers more
    window_candidates: int = 2  # entries scored in full for a sentence window
    window_factor: float = 0.95  # score factor of a sentence window against the whole message
    # Close top two: answer the one whose best canonical question the message covers by at
    # least this much more (0: never), when it fits the kind of question asked.
    cover_margin: float = 0.15
    w_pairs: float = 0.0  # share of the score that depends on word pairs in the same order
    # Near misses: a word of the message that names a body, place, document or campaign
    # material (a thesaurus referent: TPS, kecamatan, baliho) and is rare here (weight at
    # least ``salient_share`` of the rarest word's; a word most entries use is the office's
    # own setting, "kota" for a city) is what the message is about; an entry that never
    # mentions it, word or concept, answers another question: its score loses this factor.
    salient_share: float = 0.4
    salient_penalty: float = 0.5
    # A long message (``window_message_words`` or more) tells a story around its question:
    # an entry explains at least as much of it as it covers of its best question (times
    # this; 0: only what its evidence explains of the whole message).
    story_covered: float = 1.0
    # An entry about a step of a request the message tells was taken already (faq.steps)
    # loses this factor.
    step_penalty: float = 0.3
    # A message that asks how to join a role ("daftar jadi pengawas", faq.intent) asks
    # nothing an entry that never speaks of signing up answers: its score loses this factor.
    join_penalty: float = 0.5
    # A short message that asks how much ("berapa gaji operator 112", "berapa biaya gugatan")
    # wants an amount: an entry that names no fee, price or pay anywhere, answer included,
    # cannot give it, whatever else it shares with the message; its score loses this factor.
    # Asked someone's pay ("gaji penyiar radio brp"), an entry must speak of pay: a price
    # list (what airtime costs) is not what a person earns.
    money_penalty: float = 0.5


@dataclass(frozen=True, slots=True)
class Match:
    """The result of matching one message."""

    outcome: Outcome
    entry: Entry | None
    score: float
    alternatives: tuple[tuple[Entry, float], ...] = ()
    lang_hint: Literal["en", "id"] | None = None


@dataclass(slots=True)
class _Question:
    entry: int
    text: str  # content words, for the fuzzy signal
    words: tuple[tuple[frozenset[str], float], ...]  # (features, weight) per content word
    total: float
    seq: tuple[frozenset[str], ...] = ()  # features of the content words in reading order
    # The entry's one-word keywords read together: covered in part, word by word.
    keywords: bool = False
    keys: frozenset[str] = frozenset()  # every feature of its words: most messages share none


@dataclass(slots=True)
class Explanation:
    """Diagnostics for one message (for tuning and the ``--explain`` CLI flag)."""

    words: list[tuple[str, str, float]] = field(default_factory=list)  # word, how, weight
    ranked: list[tuple[str, float, float, float, float]] = field(default_factory=list)


def _word_features(word: str) -> dict[str, float]:
    """Features of one normalized, non-stop word with the confidence of each."""
    return dict(_word_features_cached(word, True))


@lru_cache(maxsize=65536)
def _word_features_cached(word: str, gloss_ok: bool) -> tuple[tuple[str, float], ...]:
    feats: dict[str, float] = {word: 1.0}
    forms = frozenset((word,)) if word in OWN_MEANING else word_forms(word)
    for form in forms:
        key = "r:" + form
        if feats.get(key, 0.0) < _CONF_ROOT:
            feats[key] = _CONF_ROOT
        concept = SYNONYMS.get(form)
        if concept is not None:
            feats["~" + concept] = max(feats.get("~" + concept, 0.0), _CONF_CONCEPT)
    gloss = english_gloss(word) if gloss_ok else None
    if gloss is not None:
        for part in gloss.split():
            if part in STOPWORDS or part == word:
                continue
            for key, conf in _word_features_cached(part, False):
                feats[key] = max(feats.get(key, 0.0), conf * _CONF_GLOSS)
    if word in WEAK_WORDS or word in GENERIC_WORDS or not forms.isdisjoint(WEAK_WORDS):
        feats = {k: v * _CONF_WEAK for k, v in feats.items()}
    return tuple(feats.items())


def _dominates(first: tuple[float, ...], second: tuple[float, ...]) -> bool:
    """Whether ``first`` is higher than ``second`` in every part."""
    return all(a > b for a, b in zip(first, second, strict=True))


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _plausible_typo(typed: str, known: str) -> bool:
    """Whether ``typed`` is a likely chat misspelling of ``known``."""
    n, m = len(typed), len(known)
    if n < 4 or (typed[0] != known[0] and n < 8):
        return False
    if n < m and m - n <= max(1, m // 4) and _is_subsequence(typed, known):
        return True  # letters left out
    if n == m and sorted(typed) == sorted(known):
        diff = [i for i in range(n) if typed[i] != known[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1:
            return True  # two neighbours swapped
    if n == m + 1 and n >= 8 and _is_subsequence(known, typed):
        return True  # one letter too many
    return n >= 8 and Levenshtein.distance(typed, known) <= 1 + (n >= 11)


_VOWELS = frozenset("aeiou")


def _skeleton(word: str) -> str:
    """First letter and the consonants after it, as a vowel-less abbreviation writes them."""
    return word[0] + "".join(ch for ch in word[1:] if ch not in _VOWELS)


def _asks(sentence: str) -> bool:
    """Whether a sentence is a question (a question mark or a question word in it)."""
    return "?" in sentence or not QUESTION_WORDS.isdisjoint(_LETTERS.findall(sentence.lower()))


def content_words(text: str) -> list[str]:
    """Normalized words of ``text`` without stopwords."""
    return [w for w in tokenize(text) if w not in STOPWORDS]


class FaqIndex:
    """Everything needed to match messages against one knowledge base, built once."""

    def __init__(
        self,
        kb: KnowledgeBase,
        params: Params | None = None,
        thesaurus: Thesaurus | None = None,
        own: str = "",
    ) -> None:
        self.kb = kb
        self.params = params or Params()
        load_frequencies()
        # The name of the office this knowledge answers for ("PPID Bawaslu Provinsi"): a
        # message that names the office itself names no other body, whether or not an entry
        # repeats the name, so its words are never a near miss's referent.
        self._own = frozenset(tokenize(own))
        # The region the office serves is where every question is asked, not what one is
        # about: "lowongan kerja di Tanjung Wangi" does not ask for the entry that gives the
        # office's address there. Its name is read as a function word (a name of several
        # words only when said whole: "sungai" alone is a river).
        regions = {
            tuple(tokenize(m.group(1)))
            for e in kb.entries
            for text in (*e.questions, *e.keywords, e.answer)
            for m in _REGION.finditer(text)
        }
        self._regions = tuple(sorted((r for r in regions if r), key=len, reverse=True))
        self._own |= {w for r in self._regions for w in r}
        self.thesaurus = default_thesaurus() if thesaurus is None else thesaurus
        self._feats = lru_cache(maxsize=65536)(self._feats_uncached)
        self._referent_keys = frozenset("\u2248" + c for c in self.thesaurus.referents)
        self._virtual = lru_cache(maxsize=4096)(self._virtual_uncached)
        self._referents = lru_cache(maxsize=16384)(self._referents_uncached)
        self.entries: tuple[Entry, ...] = kb.entries
        n = len(self.entries)
        # Chat abbreviations that the knowledge base itself uses as terms (written as an
        # acronym, "DPT", or listed as a keyword) keep the knowledge base's meaning, in its
        # texts and in messages alike: "cek dpt" is the voter list, not "cek dapat".
        acronyms = {
            word.lower()
            for e in self.entries
            for text in (*e.questions, *e.keywords, e.answer)
            for word in _ACRONYM.findall(text)
        }
        keywords = {word for e in self.entries for k in e.keywords for word in k.lower().split()}
        self._keep = frozenset(w for w in acronyms | keywords if w in SLANG)
        postings: dict[str, dict[int, float]] = {}
        # The thesaurus phrases the knowledge base writes itself (found while indexing it).
        self._written_phrases: set[tuple[str, ...]] = set()
        self._questions: list[_Question] = []
        self._entry_questions: list[list[int]] = []
        self._question_intents: list[frozenset[str]] = []

        def add(idx: int, text: str, weight: float) -> None:
            for _word, feats in self._content_features(text):
                for key, conf in feats.items():
                    slot = postings.setdefault(key, {})
                    value = conf * weight
                    if slot.get(idx, 0.0) < value:
                        slot[idx] = value

        for idx, entry in enumerate(self.entries):
            for text in (*entry.questions, *entry.keywords):
                add(idx, text, _W_QUESTION)
            add(idx, entry.id.replace("-", " ") + " " + entry.category, _W_LABEL)
            add(idx, entry.answer, _W_ANSWER)
        self._postings = postings
        self._idf = {key: math.log((n + 1) / (len(slot) + 0.5)) for key, slot in postings.items()}
        self._max_idf = math.log((n + 1) / 1.5)
        self._unknown = self._max_idf * self.params.unknown_weight
        self._vocab = sorted(
            {w for e in self.entries for t in (*e.questions, *e.keywords) for w in self._content(t)}
            | {w for e in self.entries for w in self._content(e.answer)}
        )
        self._vocab_set = frozenset(self._vocab)
        self._asked_vocab = frozenset(
            w for e in self.entries for t in (*e.questions, *e.keywords) for w in self._content(t)
        )
        # Words that carry no topic: a message's word among them is skipped, not unknown.
        self._empty = STOPWORDS | GREETING_WORDS | THANKS_WORDS | GENERIC_WORDS
        self._known = self._vocab_set | self._empty | frozenset(ENGLISH)
        # Consonant skeletons of the words a vowel-less chat abbreviation may stand for;
        # None where two words share one ("kt": kita, kota), which then stays unknown.
        # The knowledge base's own words first; the thesaurus's words (read through their
        # concepts) only for a skeleton none of those has.
        claimed: dict[str, str | None] = {}
        for pool in (self._vocab_set | self._empty, self.thesaurus.words.keys()):
            skeletons: dict[str, str | None] = {}
            for known_word in pool:
                if len(known_word) >= 4 and known_word.isalpha():
                    key = _skeleton(known_word)
                    if len(key) >= 3 and key not in claimed:
                        skeletons[key] = None if key in skeletons else known_word
            claimed.update(skeletons)
        self._skeletons = {k: w for k, w in claimed.items() if w is not None}
        # Typo candidates by first letter and length: a plausible typo (_plausible_typo) is at
        # most two letters shorter and a third longer than its word, and a short one keeps
        # the first letter, so only those few lists are scanned for an unknown word.
        self._fuzzy_choices: dict[tuple[str, int], list[str]] = {}
        for known_word in sorted(self._known):
            if known_word:
                for bucket in ((known_word[0], len(known_word)), ("", len(known_word))):
                    self._fuzzy_choices.setdefault(bucket, []).append(known_word)
        for idx, entry in enumerate(self.entries):
            ids = []
            # A one-word keyword feeds the evidence but is no phrasing: it would "cover" any
            # message that contains it. A keyword of several content words ("minta data") is
            # a phrasing the knowledge base declares for the entry.
            phrasings = [
                *entry.questions,
                *(k for k in entry.keywords if len(self._content(k)) >= _KEYWORD_PHRASE),
            ]
            # The one-word keywords together describe the entry the way its author sums it up
            # ("farmasi, apotek, resep"): a message that says one of them covers that share
            # of the description, where no canonical question may share a word with it.
            singles = [k for k in entry.keywords if len(self._content(k)) == 1]
            if singles:
                phrasings.append(" ".join(singles))
            for number, text in enumerate(phrasings):
                ids.append(len(self._questions))
                question = self._make_question(idx, text)
                if number >= len(entry.questions):
                    question.text = ""  # a keyword is covered, not compared letter by letter
                    question.keywords = bool(singles) and number == len(phrasings) - 1
                self._questions.append(question)
                self._question_intents.append(intents(self._tokenize(text)))
            self._entry_questions.append(ids)
        # Shortest canonical question of each entry (by weight): the shortlist favours, among
        # entries with the same evidence, those whose question the evidence nearly covers.
        self._entry_short = [
            min((self._questions[q].total for q in ids if self._questions[q].text), default=0.0)
            or 1.0
            for ids in self._entry_questions
        ]
        # The canonical questions' texts of each entry, for the fuzzy signal (keywords have none).
        self._entry_texts = [
            [self._questions[q].text for q in ids if self._questions[q].text]
            for ids in self._entry_questions
        ]
        self._entry_words = [
            frozenset(w for t in (*e.questions, *e.keywords) for w in self._content(t))
            for e in self.entries
        ]
        self._entry_intents = [
            frozenset().union(*(intents(self._tokenize(t)) for t in (*e.questions, *e.keywords)))
            for e in self.entries
        ]
        # The aspects of its matter each entry's questions ask for (faq.intent); its
        # keywords name requirements too ("syarat permohonan"), never a procedure.
        self._entry_aspects = [
            frozenset().union(
                *(aspects(self._tokenize(t), question=True) for t in e.questions),
                *(aspects(self._tokenize(k)) - {PROCEDURE} for k in e.keywords),
            )
            for e in self.entries
        ]
        # What each entry says anywhere, answer included, read once: whether it speaks of
        # joining (signing up, a selection, a vacancy) or asks about becoming something; of
        # money (a fee, a price, pay, "Rp" amounts); of someone's pay (a wage, an honorarium).
        self._entry_joins: list[bool] = []
        self._entry_money: list[bool] = []
        self._entry_pay: list[bool] = []
        for e in self.entries:
            said = [self._tokenize(text) for text in (*e.questions, *e.keywords, e.answer)]
            distinct = {w for words in said for w in words}
            self._entry_joins.append(
                any(tells_joining(w, candidate_roots(w)) for w in distinct)
                or any(asks_becoming(words, STOPWORDS) for words in said[: len(e.questions)])
            )
            self._entry_money.append(any(_tells_money(words) for words in said))
            self._entry_pay.append(any(names_pay(words) for words in said))
        # The step of a request for information each entry is about (faq.steps), if any.
        self._entry_steps = [
            max(
                (s for t in e.questions if (s := step_asked(self._tokenize(t))) is not None),
                default=None,
            )
            for e in self.entries
        ]
        # The words of an acronym the knowledge base uses, read as that acronym, unless the
        # knowledge base's questions also spell them out ("Peraturan Wali Kota" in one entry,
        # "Perwal" in another's answer): then the words already say what they mean there.
        phrased = " ".join(
            " ".join(self._tokenize(t)) for e in self.entries for t in (*e.questions, *e.keywords)
        )
        self._spelled: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for acronym, expansion in ACRONYMS.items():
            if acronym in self._vocab_set:
                spelled = tuple(self._tokenize(expansion))
                if f" {' '.join(spelled)} " in f" {phrased} ":
                    continue
                self._spelled.setdefault(spelled[0], []).append((spelled, acronym))
        # Acronyms the knowledge base defines in brackets after the name, by the name's words:
        # a message that says "SLF" says "Sertifikat Laik Fungsi", as a canonical question
        # that writes both does.
        self._defined: dict[str, tuple[str, ...]] = {}
        for e in self.entries:
            for text in (*e.questions, *e.keywords, e.answer):
                for m in _DEFINED.finditer(text):
                    name = _defined_name(m.group(1).split(), m.group(2))
                    if name:
                        self._defined.setdefault(m.group(2).lower(), tuple(self._tokenize(name)))
        # So does a common acronym whose name the questions spell out ("Perda": "peraturan
        # daerah").
        padded = f" {phrased} "
        for acronym, expansion in ACRONYMS.items():
            spelled = tuple(self._tokenize(expansion))
            if (
                acronym not in self._defined
                and all(w in self._asked_vocab or w in STOPWORDS for w in spelled)
                and f" {' '.join(spelled)} " in padded
            ):
                self._defined[acronym] = spelled
        self._lookup = lru_cache(maxsize=50000)(self._lookup_uncached)
        self._word = lru_cache(maxsize=50000)(self._word_uncached)
        self._common_cutoff = max(200, n // 20)
        # Merging the postings of a very common word is the slowest step of a query, so do
        # it now, once, for the knowledge base's own common words.
        for word in self._vocab:
            feats = self._feats(word)
            if any(len(postings.get(key, ())) > self._common_cutoff for key, _ in feats):
                self._word(word)
        self.near_miss_scores: tuple[float, ...] = ()
        # What the knowledge base's own near misses score, and the threshold (at most the cap).
        self.calibrated_at = (
            self._calibrate() if self.params.answer_at is None else self.params.answer_at
        )
        self.answer_at = (
            min(self.calibrated_at, self.params.calibration_cap)
            if self.params.answer_at is None
            else self.params.answer_at
        )

    def _calibrate(self) -> float:
        """The answer threshold for this knowledge base, from the knowledge base itself.

        Each sampled canonical question is matched with its own entry left out: the best score
        it then gets is what an on-topic message that the knowledge base cannot answer (a near
        miss) scores here. The threshold is a fixed quantile of those scores, so it follows how
        much the entries of this knowledge base overlap instead of being one number for all.
        """
        p = self.params
        # An English question is a translation of its entry's Indonesian ones: left out, it
        # is the same near miss again, read through the glossary's weaker confidences, so it
        # says how far the glossary reaches, not how much the entries overlap.
        pairs = [
            (i, q)
            for i, e in enumerate(self.entries)
            for q in e.questions
            if self._lang_hint(self._tokenize(q)) != "en"
        ]
        if len(self.entries) < 8 or len(pairs) < 20:
            return p.fallback_answer_at
        step = max(1, len(pairs) // p.calibration_samples)
        scores = sorted(self._match(q, None, i).score for i, q in pairs[::step])
        self.near_miss_scores = tuple(scores)
        pos = p.calibration_quantile * (len(scores) - 1)
        low = int(pos)
        high = min(low + 1, len(scores) - 1)
        value = scores[low] + (scores[high] - scores[low]) * (pos - low)
        return min(max(value, 35.0), 65.0)

    # ---- building blocks -------------------------------------------------------------
    def _tokenize(self, text: str) -> list[str]:
        return tokenize(text, self._keep) if self._keep else tokenize(text)

    def _content(self, text: str) -> list[str]:
        return [w for w in self._tokenize(text) if w not in STOPWORDS]

    def _make_question(self, idx: int, text: str) -> _Question:
        words = []
        total = 0.0
        for _word, feats in self._content_features(text):
            # A word weighs what it says itself: the thesaurus concepts it carries let other
            # words meet it, they do not make it heavier (a phrase's rare concept would).
            said = [c * self._idf.get(k, 0.0) for k, c in feats.items() if k[0] != "\u2248"]
            weight = max(said or [c * self._idf.get(k, 0.0) for k, c in feats.items()])
            words.append((frozenset(feats), weight))
            total += weight
        seq = tuple(fw[0] for fw in words)
        words.sort(key=lambda fw: -fw[1])
        keys = frozenset().union(*seq)
        return _Question(idx, " ".join(self._content(text)), tuple(words), total, seq, keys=keys)

    @staticmethod
    def _pairs(question: _Question, query_seq: list[dict[str, float]]) -> float:
        """Share of the message's neighbouring word pairs found in the same order."""
        seq = question.seq
        if len(query_seq) < 2 or len(seq) < 2:
            return 0.0
        hits = 0
        total = 0
        for i in range(len(query_seq) - 1):
            first, second = query_seq[i].keys(), query_seq[i + 1].keys()
            total += 1
            for j in range(len(seq) - 1):
                if not seq[j].isdisjoint(first):
                    k_end = min(len(seq), j + 3)
                    if any(not seq[k].isdisjoint(second) for k in range(j + 1, k_end)):
                        hits += 1
                        break
        return hits / total

    @staticmethod
    def _coverage(
        question: _Question, key_pos: dict[str, list[tuple[int, float]]], query_keys: frozenset[str]
    ) -> float:
        """Share of the question's weight met by the query, each query word used once.

        ``key_pos`` maps each feature of the query to the (position, confidence) of the query
        words that have it.
        """
        used: list[int] = []  # a few positions: a list is quicker to search than a set
        got = 0.0
        for feats, weight in question.words:  # heaviest first
            if feats.isdisjoint(query_keys):
                continue
            best, best_at = 0.0, -1
            for key in feats & query_keys:
                for pos, conf in key_pos[key]:
                    if conf > best and pos not in used:
                        best, best_at = conf, pos
                    elif conf == best and pos < best_at and pos not in used:
                        best_at = pos
            if best_at >= 0:
                used.append(best_at)
                got += weight * (best if best < 1.0 else 1.0)
        return got / question.total

    def _known_features(self, word: str, english: bool = False) -> dict[str, float]:
        """Features of a message word found in the index.

        A word the knowledge base uses means what the knowledge base means by it: it meets
        entries through its own features. A word it does not use is read through its
        thesaurus concepts ("komplain" meets an entry that says "pengaduan").
        """
        own = {k: c for k, c in _word_features_cached(word, True) if k in self._postings}
        if english and own and english_base(word) is not None:
            # In an English message an English word means its gloss: "request" is
            # "permohonan", as common here as the Indonesian word, even when one English
            # question makes the string rare. (In an Indonesian message "online" or "email"
            # is a loanword the knowledge base uses as it is.)
            spelled = {k for k, _ in _word_features_cached(word, False) if k[0] != "~"}
            meaning = {k: c for k, c in own.items() if k not in spelled}
            if meaning:
                own = meaning
        if own and word in self._asked_vocab:
            return own
        # A word the knowledge base uses only in its answers (never in how a question is
        # put) is also read through its concepts: citizens ask in other words than officers
        # answer ("bayar" in an answer meets "biaya" in a question).
        concepts = {k: c for k, c in self._feats(word) if k in self._postings}
        for key, conf in own.items():
            concepts[key] = max(concepts.get(key, 0.0), conf)
        return concepts

    def _feats_uncached(self, word: str) -> tuple[tuple[str, float], ...]:
        """Features of a word: its own (:func:`_word_features`) and its thesaurus concepts."""
        feats = dict(_word_features_cached(word, True))
        concepts = set(self.thesaurus.concepts(word))
        for root in candidate_roots(word):
            concepts |= self.thesaurus.concepts(root)
        base = english_base(word)
        if base is not None:
            # "complaints" belongs where the thesaurus lists "complaint", and its gloss's.
            concepts |= self.thesaurus.concepts(base)
            gloss = ENGLISH[base]
            if " " not in gloss:
                concepts |= self.thesaurus.concepts(gloss)
        if concepts:
            conf = _CONF_THESAURUS
            if word in WEAK_WORDS or word in GENERIC_WORDS:
                conf *= _CONF_WEAK
            for concept in concepts:
                key = "\u2248" + concept
                feats[key] = max(feats.get(key, 0.0), conf)
        return tuple(feats.items())

    def _content_features(self, text: str) -> list[tuple[str, dict[str, float]]]:
        """Content words of a knowledge-base text with their features; a thesaurus phrase
        ("tanggal merah") adds its concepts to the last content word inside it and is noted
        as written by the knowledge base."""
        words = self._tokenize(text)
        out: list[tuple[str, dict[str, float]]] = []
        at: dict[int, int] = {}
        for pos, word in enumerate(words):
            if word not in STOPWORDS:
                at[pos] = len(out)
                out.append((word, dict(self._feats(word))))
        for start, end, concepts in self.thesaurus.phrase_concepts(words):
            self._written_phrases.add(tuple(words[start:end]))
            inside = [at[pos] for pos in range(start, end) if pos in at]
            if not inside:
                continue
            feats = out[inside[-1]][1]
            for concept in concepts:
                key = "\u2248" + concept
                feats[key] = max(feats.get(key, 0.0), _CONF_THESAURUS)
        return out

    def _virtual_uncached(
        self, concepts: frozenset[str]
    ) -> tuple[dict[str, float], dict[int, float]] | None:
        """A thesaurus phrase of a message read as its concepts: features and evidence."""
        feats = {"\u2248" + c: _CONF_THESAURUS for c in concepts if "\u2248" + c in self._postings}
        if not feats:
            return None
        values: dict[int, float] = {}
        for key, conf in feats.items():
            weight = conf * self._idf[key]
            for idx, post in self._postings[key].items():
                value = weight * post
                if values.get(idx, 0.0) < value:
                    values[idx] = value
        return feats, values

    def _split(self, word: str) -> list[str] | None:
        """Split a run-together word into known words (fewest parts, at most three)."""
        known = self._known
        n = len(word)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for end in range(1, n + 1):
            for start in range(max(0, end - 20), end):
                prev = best[start]
                part = word[start:end]
                if prev is None or len(prev) >= 3:
                    continue
                # (A one-letter part is no word glued to another: "dipake" is no "dip a ke".)
                ok = part in known and (len(part) >= 3 or (len(part) == 2 and part in STOPWORDS))
                if ok and (best[end] is None or len(prev) + 1 < len(best[end] or ())):
                    best[end] = [*prev, part]
        parts = best[n]
        if not parts or len(parts) < 2:
            return None
        # An affix is not a word: "posisinya" is not "pos isi nya", nor "diperlakukan"
        # "di per lakukan". Only a whole known word plus "-nya" is a split ("filenya").
        if any(part in _BOUND for part in parts[:-1]):
            return None
        if parts[-1] in _BOUND and (parts[-1] != "nya" or len(parts) > 2):
            return None
        return parts

    def _unabbreviate(self, word: str) -> str | None:
        """The known word that ``word`` writes by its consonants, if only one does.

        Chat Indonesian drops vowels ("syrt" syarat, "jdwl" jadwal, "prmhnn" permohonan,
        "pngambln" pengambilan): a word with few vowels (at most one in four letters) is read
        as the one known word with the same first letter and the same consonants in order.
        """
        if len(word) < 3 or sum(ch in _VOWELS for ch in word) * 4 > len(word):
            return None
        if word in self.thesaurus.words or word in ACRONYMS:
            return None  # a word of its own ("pln", "skck"), not a shorthand of another
        return self._skeletons.get(_skeleton(word))

    def _unit_of(self, named: str, idx: int) -> bool:
        """Whether ``named`` ("dinas kesehatan") is one of the government's units that entry
        ``idx`` asks about in general ("apakah setiap dinas punya PPID sendiri?"): the
        general word covers each unit it names."""
        head = named.split(" ", 1)[0]
        return " " in named and head in _UNIT_HEADS and head in self._entry_words[idx]

    def _referents_uncached(self, word: str) -> list[str]:
        """The referent concepts (bodies, places, things) ``word`` names as it is written.

        Only the word itself, a possessive or particle stripped ("kantornya"), or the base of
        an English form: a derivation names something else ("penguburan", a burial, is not
        "kuburan", a cemetery).
        """
        forms = without_clitics(word)
        base = english_base(word)
        if base is not None:
            forms.add(base)
        concepts = set().union(*(self.thesaurus.concepts(form) for form in forms))
        return sorted(k for c in concepts if (k := "\u2248" + c) in self._referent_keys)

    def _empty_word(self, word: str) -> bool:
        """Whether a word names no topic: a function word, a greeting, a generic word, or
        an English word whose gloss is only such words."""
        if word in self._empty:
            return True
        gloss = english_gloss(word)
        return gloss is not None and all(part in self._empty for part in gloss.split())

    def _correct(self, word: str) -> str | None:
        """The known word ``word`` is most plausibly a misspelling of, if any.

        Chat typos mostly drop letters ("kantr", "pendudk") or swap two neighbours
        ("infromasi"); a different letter in the same place usually makes another real word
        ("hujan" / "human"), so that is only accepted in long words.
        """
        n = len(word)
        letter = word[0] if n < 8 else ""  # "": any first letter
        choices = [
            known
            for m in range(max(1, n - 2), n + n // 3 + 2)
            for known in self._fuzzy_choices.get((letter, m), ())
        ]
        hits = process.extract(word, choices, scorer=fuzz.ratio, score_cutoff=75.0, limit=8)
        for candidate, _score, _ in hits:
            if _plausible_typo(word, candidate):
                return candidate
        return None

    def _word_uncached(
        self, word: str, english: bool = False
    ) -> tuple[dict[str, float], float, dict[int, float], float]:
        """For a known query word: features, weight, evidence per entry, and its scale.

        The evidence of a corrected typo is the evidence of the word it was corrected to,
        shared (not copied) and scaled down by ``scale``.
        """
        feats, how = self._lookup(word, english)
        if how.startswith("typo:"):
            fm, top, values, scale = self._word(how[5:], english)
            return (
                {k: c * _CONF_TYPO for k, c in fm.items()},
                top * _CONF_TYPO,
                values,
                scale * _CONF_TYPO,
            )
        values = {}
        top = 0.0
        for key, conf in feats:
            weight = conf * self._idf[key]
            top = max(top, weight)
            for idx, post in self._postings[key].items():
                value = weight * post
                if values.get(idx, 0.0) < value:
                    values[idx] = value
        return dict(feats), top, values, 1.0

    def _lookup_uncached(
        self, word: str, english: bool = False
    ) -> tuple[tuple[tuple[str, float], ...], str]:
        """Features of a query word that the index knows, and how they were found."""
        feats = self._known_features(word, english)
        if feats:
            concept_only = all(key.startswith("\u2248") for key in feats)
            return tuple(feats.items()), "concept" if concept_only else "known"
        expansion = ACRONYMS.get(word)
        if expansion is not None:
            merged: dict[str, float] = {}
            for part in expansion.split():
                if part in STOPWORDS:
                    continue
                for key, conf in self._known_features(part, english).items():
                    merged[key] = max(merged.get(key, 0.0), conf * _CONF_GLOSS)
            if merged:
                return tuple(merged.items()), "acronym:" + expansion
        if len(word) == 3 and word not in self._known:
            short = self._unabbreviate(word)  # "wkt" waktu, "tgl" tanggal
            if short is not None:
                return self._read_as(short, english)
        if word.isdigit() or len(word) < 4 or word in self._known or english_base(word):
            # An English word the glossary knows but this knowledge base cannot use is topic
            # it does not cover ("passport": paspor), unless its gloss is itself a word that
            # names no topic ("need": perlu).
            return (), "stop" if self._empty_word(word) else "unknown"
        if english and is_word(word, "en"):
            # An English word the glossary lacks ("become", "shots") is no typo of a word the
            # knowledge base uses, nor words run together ("be" + "com").
            return (), "unknown"
        parts = self._split(word) if len(word) >= 6 else None
        if parts:
            merged = {}
            for part in parts:
                if part in STOPWORDS:
                    continue
                for key, conf in self._known_features(part, english).items():
                    merged[key] = max(merged.get(key, 0.0), conf * 0.95)
            return tuple(merged.items()), "split:" + "+".join(parts)
        if self._derived_word(word):
            return (), "unknown"
        fixed = self._correct(word) or self._unabbreviate(word)
        if fixed is None or self._two_words(word, fixed):
            return (), "unknown"
        return self._read_as(fixed, english)

    @staticmethod
    def _two_words(typed: str, known: str) -> bool:
        """Whether ``typed`` is a word of its own, not a misspelling of the known word it
        resembles: a common word, commoner than that one ("cari", to look for, is no "cair",
        aid paid out; "teman", a friend, no "temuan", a finding). A word cut short ("usah"
        for "usaha") is still a typo: chat drops endings."""
        return not known.startswith(typed) and meant_as_written(typed, known)

    @staticmethod
    def _derived_word(word: str) -> bool:
        """Whether ``word`` is an affixed form of a word of the language ("menertibkan":
        tertib), and so no misspelling of a known word it happens to resemble ("menerbitkan")."""
        return any(
            len(root) >= 5 and root != word and is_word(root, "id")
            for root in candidate_roots(word)
        )

    def _read_as(self, fixed: str, english: bool) -> tuple[tuple[tuple[str, float], ...], str]:
        """A misspelt or abbreviated word read as the known word ``fixed``, less sure."""
        found = {k: c * _CONF_TYPO for k, c in self._known_features(fixed, english).items()}
        if not found:
            return (), ("stop~" if self._empty_word(fixed) else "unknown~") + fixed
        return tuple(found.items()), "typo:" + fixed

    # ---- public API ------------------------------------------------------------------
    def match(self, text: str) -> Match:
        """Match one message."""
        return self._match_windows(text, None)

    def _match_windows(self, text: str, info: Explanation | None) -> Match:
        """Match the whole message and, for a message of several sentences, its parts.

        A long message tells a story before it asks: the narrative words are topic the
        knowledge base does not cover and drag the whole message down. Each sentence that asks
        is matched too, alone and, when that is not answered, with the sentence before it; the
        best-scoring reading decides (scaled by ``window_factor``; the threshold is the same).
        A message answered whole is not read in parts: its story did not drag it below the
        threshold, and a sentence read alone has lost what the story says it is about. Unless
        it is answered under the calibrated threshold (above the cap, ``calibration_cap``):
        the story may then have lifted an entry like the one asked for, and the asking
        sentence may still decide.
        """
        parts = [s for s in _SENTENCE.findall(text) if any(ch.isalnum() for ch in s)]
        # The sentences that ask (a question mark or a question word), the last sentence when
        # none asks; one that does not answer alone is read with the sentence before it too.
        asking = [i for i, part in enumerate(parts) if _asks(part)] or [len(parts) - 1]
        # A body or place named in the story around the question ("data anggaran kelurahan"
        # told before "berapa lama dijawab?") is context; only the asking sentences say what
        # the question is about (near misses, Params.salient_penalty).
        said = {i: self._tokenize(parts[i]) for i in asking} if len(parts) >= 2 else {}
        about = frozenset(w for words in said.values() for w in words) if said else None
        whole = self._match(text, info, about=about)
        if whole.outcome in ("greeting", "thanks") or len(parts) < 2:
            return whole
        if whole.outcome == "answer" and whole.score >= self.calibrated_at:
            return whole
        if len(text.split()) < self.params.window_message_words:
            return whole
        best = whole
        seen = {" ".join(parts)}
        for i in asking:
            for k in (0, 1):
                window = " ".join(parts[max(0, i - k) : i + 1])
                if window in seen:
                    continue
                seen.add(window)
                m = self._match(window, None, candidates=self.params.window_candidates)
                if m.outcome in ("greeting", "thanks"):
                    continue
                score = m.score * self.params.window_factor
                if score > best.score:
                    outcome, entry = m.outcome, m.entry
                    if outcome != "abstain" and score < self.answer_at:
                        outcome, entry = "abstain", None
                    best = Match(outcome, entry, round(score, 1), m.alternatives, whole.lang_hint)
                if m.outcome == "answer":
                    break
        return best

    def explain(self, text: str) -> tuple[Match, Explanation]:
        """Match one message and return the diagnostics used to decide."""
        info = Explanation()
        return self._match_windows(text, info), info

    def _chit_chat(self, words: list[str]) -> Outcome | None:
        if not QUESTION_WORDS.isdisjoint(words):
            return None  # a question, however polite, is asked (most messages end here)
        rest = [
            w
            for w in words
            if w not in GREETING_WORDS and w not in THANKS_WORDS and w not in STOPWORDS
        ]
        if len(rest) == 1 and rest[0] in PRESENCE_WORDS and not PRESENCE_ASKING.isdisjoint(words):
            rest = []  # "halo, ada orang?", "min lagi online?": is anybody there
        if not THANKS_CORE.isdisjoint(words) and all(not self._lookup(w)[0] for w in rest):
            return "thanks"
        if not rest:
            return "greeting"
        return None

    def _lang_hint(self, words: list[str]) -> Literal["en", "id"] | None:
        if not words:
            return None
        english = sum(1 for w in words if w in _ENGLISH_ONLY or english_base(w) is not None)
        return "en" if english * 2 > len(words) else "id"

    def _without_region(self, words: list[str]) -> list[str]:
        """``words`` without the name of the region the knowledge base serves (unless that is
        all the message says)."""
        out = _replace_runs(words, lambda _word: ((region, None) for region in self._regions))
        return out if any(w not in STOPWORDS for w in out) else words

    def _contract(self, words: list[str]) -> list[str]:
        """``words`` with each spelled-out acronym of the knowledge base replaced by it."""
        return _replace_runs(words, lambda word: self._spelled.get(word, ()))

    def _match(
        self,
        text: str,
        info: Explanation | None,
        exclude: int = -1,
        candidates: int = 0,
        about: frozenset[str] | None = None,
    ) -> Match:
        words = self._tokenize(text)
        if self._spelled and not self._spelled.keys().isdisjoint(words):
            words = self._contract(words)
        if self._regions and exclude < 0 and not self._own.isdisjoint(words):
            # (Not while calibrating: the threshold reads the canonical questions as written.)
            words = self._without_region(words)
        if "admin" in words:
            # "min, ..." / "... ya min": the officer addressed, not a topic.
            words = [
                w
                for pos, w in enumerate(words)
                if w != "admin" or _REFERS_TO.intersection(words[max(0, pos - 1) : pos])
            ] or words
        lang = self._lang_hint(words)
        chit = self._chit_chat(words)
        english = lang == "en"
        if chit is not None:
            return Match(chit, None, 0.0, (), lang)
        p = self.params
        evidence: dict[int, float] = {}
        mass = 0.0
        unknown_seen = 0
        query_feats: dict[str, float] = {}
        query_words: list[dict[str, float]] = []
        known: list[tuple[dict[int, float], float]] = []
        salient: list[tuple[str, list[str], dict[int, float]]] = []
        salient_at = p.salient_share * self._max_idf
        phrases = self.thesaurus.phrase_concepts(words)
        # A word inside a longer name ("mall" in "public service mall", "pos" in "kantor
        # pos") is read as part of that name: the longer name is what the message names.
        in_name = {
            pos
            for start, end, concepts in phrases
            if any("\u2248" + c in self._referent_keys for c in concepts)
            for pos in range(start, end)
        }
        # The phrases read as their concepts (below): a phrase the knowledge base writes is
        # read as it means it, word by word. Words it only uses apart ("anak", "baru" and
        # "lahir" in a child's card, a new identity card and a birth) are still the phrase the
        # message says ("anak baru lahir": a birth), and so is one word of its own in a frame
        # that makes it another meaning ("perlu bawa": the requirements; "bayar gak": whether
        # one pays), which the word alone still says too.
        read: list[tuple[int, int, frozenset[str], tuple[dict[str, float], dict[int, float]]]] = []
        for start, end, concepts in phrases:
            span = words[start:end]
            if tuple(span) in self._written_phrases and all(
                w in self._vocab_set or w in STOPWORDS for w in span
            ):
                continue
            virtual = self._virtual(concepts)
            if virtual is not None:
                read.append((start, end, concepts, virtual))
        # A word the index does not know inside such a phrase ("politics" in "money
        # politics") is no topic left unexplained: the phrase says what it means. It weighs
        # what the phrase does, once per phrase ("vote buying": two unknown words, one topic).
        # A referent word inside one ("tps" in "pindah tps") is mentioned by an entry that
        # names the phrase's meaning (moving one's vote), as the phrase is what is said.
        in_phrase: dict[int, tuple[int, float]] = {}
        phrase_keys: dict[int, list[str]] = {}
        hefts: list[float] = []  # what each read phrase's concept weighs
        for number, (start, end, concepts, (phrase_feats, _values)) in enumerate(read):
            heft = max(conf * self._idf[key] for key, conf in phrase_feats.items())
            hefts.append(heft)
            for pos in range(start, end):
                if pos not in in_phrase or in_phrase[pos][1] < heft:
                    in_phrase[pos] = (number, heft)
                phrase_keys.setdefault(pos, []).extend("\u2248" + c for c in concepts)
        phrases_weighed: set[int] = set()
        weighed_at: dict[int, float] = {}  # what each word of a read phrase adds to the mass
        # A message that tells a step of its request was refused or left unanswered is at the
        # next step (faq.steps); "lanjut ke mana?" then asks for that step, no topic of its own.
        reached = step_reached(words)
        for pos, word in enumerate(words):
            if reached is not None and is_next_word(word):
                continue
            if (
                word in KIN_ADDRESS
                and words[pos + 1 : pos + 2]
                and words[pos + 1] in POSSESSIVE_PRONOUNS
            ):
                word = "keluarga"  # "ibu saya" is a relative, not the officer addressed
            if word in STOPWORDS:
                continue
            if word in _OPEN and words[pos + 1 : pos + 2] and words[pos + 1] in _VENTURES:
                continue  # "buka warung": starting one, not opening hours; the noun says what
            feats, how = self._lookup(word, english)
            if not feats:
                unknown = how.startswith("unknown") and len(word) > 1
                weight = 0.0
                if unknown and pos in in_phrase:
                    number, heft = in_phrase[pos]
                    if number not in phrases_weighed:
                        # Weighed as a word read through the thesaurus only.
                        phrases_weighed.add(number)
                        unknown_seen += 1
                        weight = heft
                elif unknown and only_intent(word):
                    pass  # "mahal": what it asks is the intent (faq.intent), no topic
                elif unknown and word in JUDGEMENT_WORDS:
                    pass  # "ketus": how the service went, not which service (faq.lexicon)
                elif unknown:
                    # Each further unknown word adds less: long messages carry narrative.
                    unknown_seen += 1
                    # An everyday word is the circumstances more often than the topic.
                    share = 0.5 if word.isdigit() else unknown_share(word, lang or "id")
                    weight = self._unknown / unknown_seen * share
                if unknown:
                    mass += weight
                    if pos in in_phrase:
                        weighed_at[pos] = weight
                    # A body, place or document no entry mentions ("baliho"): another topic.
                    refs = self._referents(word) if pos not in in_name else []
                    if refs and (about is None or word in about) and word not in self._own:
                        salient.append((word, refs + phrase_keys.get(pos, []), {}))
                if info is not None:
                    info.words.append((word, how, weight))
                continue
            feat_map, top, values, scale = self._word(word, english)
            if (
                self._referent_keys
                and top >= salient_at
                and (about is None or word in about)
                and word not in self._own
                and pos not in in_name
            ):
                refs = self._referents(word)
                # A body most entries name, in other words ("Dinas Sosial" for "dinsos"), is
                # the office's own: the setting of every question, like a common word.
                if refs and all(self._idf.get(k, self._max_idf) >= salient_at for k in refs):
                    # An acronym read through its spelled-out words ("dukcapil": kependudukan,
                    # pencatatan, sipil) is mentioned by an entry that names the body, not by
                    # one that uses one of those words.
                    said = {} if how.startswith("acronym:") else values
                    salient.append((word, refs + phrase_keys.get(pos, []), said))
            if how == "concept" and word in JUDGEMENT_WORDS:
                weight = top  # "lamban" for "lambat": evidence where used, no other topic
            elif how == "concept":
                # Read through the thesaurus only: the knowledge base does not use the word,
                # so it weighs like an unknown word; its concepts only add evidence.
                unknown_seen += 1
                weight = max(top, self._unknown / unknown_seen * unknown_share(word, lang or "id"))
            else:
                weight = top
            mass += weight
            if pos in in_phrase:
                weighed_at[pos] = weight
            query_words.append(feat_map)
            query_feats.update(feat_map)
            known.append((values, scale))
            if info is not None:
                info.words.append((word, how, top))
        for start, end, concepts in phrases:
            # A referent said in several words ("rumah sakit", "kantor pajak") names what the
            # message is about as much as a one-word one ("puskesmas") does, also when the
            # knowledge base uses each word apart ("dinas" and "pendidikan" are not "dinas
            # pendidikan").
            refs = [
                k
                for c in concepts
                if (k := "\u2248" + c) in self._referent_keys
                and self._idf.get(k, self._max_idf) >= salient_at
            ]
            if (
                refs
                and not self._own.issuperset(words[start:end])
                and (about is None or about.issuperset(words[start:end]))
            ):
                salient.append((" ".join(words[start:end]), refs, {}))
        # A thesaurus phrase ("tanggal merah") is read as its concepts too: evidence and
        # coverage, but no extra weight of the message (its words are already weighed).
        for (start, end, _concepts, virtual), heft in zip(read, hefts, strict=True):
            query_words.append(virtual[0])
            query_feats.update(virtual[0])
            # One meaning said in several words ("beli suara": vote buying): an entry with
            # that meaning accounts for what all the words of the phrase weigh (at the
            # thesaurus's confidence), not for one word's worth.
            spoken = sum(weighed_at.get(pos, 0.0) for pos in range(start, end))
            known.append((virtual[1], max(1.0, _CONF_PHRASE * spoken / heft)))
        # An acronym the knowledge base defines ("SLF") says the name it stands for: its
        # words count as said, as sure as a thesaurus concept, where a canonical question
        # spells the name out (coverage), not as more of the message to explain (evidence and
        # weight stay the acronym's).
        if self._defined and not self._defined.keys().isdisjoint(words):
            said_words = set(words)
            for word in words:
                name = self._defined.get(word)
                if name and not said_words.issuperset(name):
                    for part in name:
                        if part not in STOPWORDS:
                            name_feats = self._word(part, english)[0]
                            said_as = {k: c * _CONF_THESAURUS for k, c in name_feats.items()}
                            query_words.append(said_as)
                            query_feats.update(said_as)
        # Most selective words first: they pick the candidate entries; a word found nearly
        # everywhere then only adds to those (keeps big knowledge bases fast).
        known.sort(key=lambda k: len(k[0]))
        get = evidence.get
        for values, scale in known:
            if len(values) > self._common_cutoff and evidence:
                for idx in evidence:
                    value = values.get(idx)
                    if value is not None:
                        evidence[idx] += value * scale
            elif scale == 1.0:
                for idx, value in values.items():
                    evidence[idx] = get(idx, 0.0) + value
            else:
                for idx, value in values.items():
                    evidence[idx] = get(idx, 0.0) + value * scale
        if not evidence or mass <= 0.0:
            return Match("abstain", None, 0.0, (), lang)
        query_keys = frozenset(query_feats)
        key_pos: dict[str, list[tuple[int, float]]] = {}
        for pos, qfeats in enumerate(query_words):
            for key, conf in qfeats.items():
                key_pos.setdefault(key, []).append((pos, conf))
        evidence.pop(exclude, None)
        if not evidence:
            return Match("abstain", None, 0.0, (), lang)
        short = self._entry_short
        # Evidence, raised by up to a tenth for an entry whose shortest question it nearly
        # covers (so an entry more than a tenth below the take-th evidence cannot make it);
        # on a tie the entry found first stays first.
        take = candidates or p.candidates
        # (sorted: heapq.nlargest loops in Python, slower on a few dozen values.)
        cut = sorted(evidence.values(), reverse=True)[:take][-1] / 1.1
        ranked = [
            (ev * (1.0 + 0.1 * min(1.0, ev / short[idx])), -n, idx, ev)
            for n, (idx, ev) in enumerate(evidence.items())
            if ev >= cut
        ]
        strongest = sorted(ranked, reverse=True)[:take]
        # An entry with less than half the evidence of the strongest explains too little of
        # the message to come first: it is not scored in full. Unless the strongest shares no
        # word with any of its questions (its answer alone met the message): then its score
        # falls with its coverage, and its evidence is no measure.
        _, _, lead, lead_ev = strongest[0]
        floor = p.shortlist_share * lead_ev
        if all(self._questions[q].keys.isdisjoint(query_keys) for q in self._entry_questions[lead]):
            floor = 0.0
        shortlist = [(idx, ev) for _, _, idx, ev in strongest if ev >= floor]
        query_text = " ".join(self._reading(w, english) for w in words if w not in STOPWORDS)
        asked = intents(words)
        # (In a long message a cost may be the circumstances: "biayanya memberatkan".)
        how_much = (
            exclude < 0
            and p.money_penalty > 0
            and COST in asked
            and len(words) < p.window_message_words
            and ("berapa" in words or "much" in words)
        )
        pay = how_much and names_pay(words)  # someone's pay: an entry must speak of pay
        # (A long message may tell that one signed up around another question.)
        joining = (
            exclude < 0
            and p.join_penalty > 0
            and len(words) < p.window_message_words
            and asks_to_join(words, STOPWORDS)
        )
        # An aspect asked (requirements, procedure) that a candidate's questions ask for: the
        # candidates whose questions do not answer another aspect of the matter.
        tie_aspects: frozenset[str] = frozenset()
        if len(shortlist) > 1 and any(self._entry_aspects[idx] for idx, _ev in shortlist):
            tie_aspects = frozenset(
                aspect
                for aspect in aspects(words)
                if any(aspect in self._entry_aspects[idx] for idx, _ev in shortlist)
            )
        scored: list[tuple[float, int]] = []
        parts: dict[int, tuple[float, float]] = {}
        fits: dict[int, bool] = {}
        total_w = p.w_explained + p.w_covered + p.w_fuzzy
        for idx, ev in shortlist:
            explained = min(ev / mass, 1.0)
            covered = 0.0
            best_q = -1
            pairs = 0.0
            for qid in self._entry_questions[idx]:
                question = self._questions[qid]
                if question.total > 0 and not question.keys.isdisjoint(query_keys):
                    share = self._coverage(question, key_pos, query_keys)
                    if question.keywords:
                        # The one-word keywords: each one the message says counts for its
                        # share of them, and of at least the weight of the entry's shortest
                        # question ("ppid", an entry's one keyword, is not all it is about).
                        share *= question.total / max(question.total, short[idx])
                    elif not question.text:
                        # A declared keyword phrase counts when the message says all of it
                        # ("tenggat keberatan" is not "keberatan"), and only as far as the
                        # message says nothing else ("jam buka" is not "jam buka kelurahan").
                        whole = share >= _WHOLE
                        share = min(1.0, question.total / mass) if whole else 0.0
                    if share > covered:
                        covered, best_q = share, qid
                if p.w_pairs and pairs < 1.0:
                    pairs = max(pairs, self._pairs(question, query_words))
            # One call per entry: rapidfuzz reads the message's words once for all its questions.
            closest = process.extractOne(
                query_text, self._entry_texts[idx], scorer=fuzz.token_set_ratio, processor=None
            )
            fuzzy_best = closest[1] / 100.0 if closest is not None else 0.0
            if p.story_covered and len(words) >= p.window_message_words:
                # The circumstances told around a question the message says are no topic the
                # entry fails to explain.
                explained = max(explained, p.story_covered * covered)
            score = 100.0 * math.exp(
                (
                    p.w_explained * math.log(max(explained, 1e-6))
                    + p.w_covered * math.log(max(covered, 1e-6))
                    + p.w_fuzzy * math.log(max(fuzzy_best, 1e-6))
                )
                / total_w
            )
            if len(query_words) >= 2:
                score *= 1.0 - p.w_pairs * (1.0 - pairs)
            missing = len(asked - self._entry_intents[idx])
            if tie_aspects:
                missing += len(tie_aspects - self._entry_aspects[idx])
            if missing:
                score *= (1.0 - p.intent_penalty) ** missing
            step = self._entry_steps[idx]
            if reached is not None and p.step_penalty and step is not None and step < reached:
                # About a step the citizen has taken already.
                score *= 1.0 - p.step_penalty
            if how_much and not (self._entry_pay if pay else self._entry_money)[idx]:
                score *= 1.0 - p.money_penalty
            if joining and not self._entry_joins[idx]:
                score *= 1.0 - p.join_penalty  # how to become what the entry is about
            foreign = [
                w
                for w, refs, values in salient
                if idx not in values
                and not any(idx in self._postings.get(k, ()) for k in refs)
                and not self._unit_of(w, idx)
            ]
            # Not while calibrating: a left-out canonical question names this knowledge base's
            # own referents, which its siblings lack; penalizing them would lower the
            # threshold together with the near misses it is meant to stop.
            if foreign and exclude < 0 and p.salient_penalty:
                if info is not None:
                    info.words.append(("foreign:" + self.entries[idx].id, ",".join(foreign), 0.0))
                score *= (1.0 - p.salient_penalty) ** len(foreign)
            scored.append((score, idx))
            parts[idx] = (explained, covered)
            fits[idx] = self._fits(asked, idx, best_q)
            if info is not None:
                info.ranked.append((self.entries[idx].id, score, explained, covered, fuzzy_best))
        scored.sort(reverse=True)
        if info is not None:
            info.ranked.sort(key=lambda r: r[1], reverse=True)
        top_score, top_idx = scored[0]
        alternatives = tuple((self.entries[i], round(s, 1)) for s, i in scored[1:4])
        entry = self.entries[top_idx]
        if top_score < getattr(self, "answer_at", 0.0):
            return Match("abstain", None, round(top_score, 1), alternatives, lang)
        if len(scored) > 1 and scored[1][0] >= top_score * (1.0 - p.ambiguous_gap):
            second_score, second_idx = scored[1]
            pick = self._settle(top_idx, second_idx, parts, fits, asked, reached, tie_aspects)
            if pick == top_idx:
                return Match("answer", entry, round(top_score, 1), alternatives, lang)
            if pick == second_idx and second_score >= getattr(self, "answer_at", math.inf):
                others = ((entry, round(top_score, 1)), *alternatives[1:])
                second = self.entries[second_idx]
                return Match("answer", second, round(second_score, 1), others, lang)
            return Match("ambiguous", entry, round(top_score, 1), alternatives, lang)
        return Match("answer", entry, round(top_score, 1), alternatives, lang)

    def _reading(self, word: str, english: bool) -> str:
        """``word`` as the fuzzy signal reads it: the form its evidence was found under.

        A typo reads as its correction, a run-together word as its parts, and an English word
        the knowledge base does not use as its Indonesian gloss, so that "business license"
        can resemble "izin usaha" letter by letter.
        """
        if word in self._vocab_set:
            return word
        how = self._lookup(word, english)[1]
        if how.startswith("typo:"):
            return how[5:]
        if how.startswith("split:"):
            return " ".join(p for p in how[6:].split("+") if p not in STOPWORDS)
        gloss = english_gloss(word)
        if gloss is None:
            return word
        return " ".join(part for part in gloss.split() if part not in STOPWORDS) or word

    def _fits(self, asked: frozenset[str], idx: int, best_q: int) -> bool:
        """Whether entry ``idx`` fits the kind of question asked, for a close call.

        It must answer every kind asked, and its best-covered canonical question ``best_q``
        must not ask a kind the message does not ask ("berapa lama keberatan dijawab" is no
        answer to "keberatan saya tidak dijawab, lanjut ke mana").
        """
        if asked - self._entry_intents[idx]:
            return False
        return best_q < 0 or self._question_intents[best_q] <= asked

    def _settle(
        self,
        top: int,
        second: int,
        parts: dict[int, tuple[float, float]],
        fits: dict[int, bool],
        asked: frozenset[str] = frozenset(),
        reached: int | None = None,
        aspects_asked: frozenset[str] = frozenset(),
    ) -> int | None:
        """The entry to answer when the two best scores are close, or None (ambiguous).

        The top entry wins when it is ahead on both explained and covered, or when the
        message asks a kind of answer (``asked``: a cost, a time, a place) that only the top
        fits (:mod:`faq.intent`): "how much are polling station supervisors paid" is about
        the supervisors of the entry that says what they do, and asks what the entry on their
        pay answers; the second came close only on the subject. The second wins that way too
        when only it answers a cost or a time asked ("minta data bayar gk?": the fee entry,
        not how to request); a place is asked too loosely for that ("ke mana" is also "to
        whom", "alamat" also an email address). So does the one whose questions alone ask
        for the aspect of the matter asked ("syarat minta info apa aja": the requirements of
        a request, not how to make one). Otherwise the one whose best canonical
        question the message covers clearly more of wins: the scores are close because the
        other explains as much of the message with more general words, and a citizen who
        repeats most of one specific question means that question. Only an entry that fits
        the kind of question asked can win this way.
        """
        p = self.params
        if reached is not None:
            # The message tells a step of its request was refused or left unanswered
            # (faq.steps): of two close entries, the one about the step it has reached
            # answers, not one about a step already taken ("atasan PPID menolak keberatan
            # saya, langkah berikutnya?": the dispute, not how to object).
            steps = self._entry_steps
            top_step, second_step = steps[top], steps[second]
            if second_step == reached and top_step is not None and top_step < reached:
                return second
            if top_step == reached and second_step is not None and second_step < reached:
                return top
        if p.dominance and _dominates(parts[top], parts[second]):
            return top
        if asked and fits[top] and not fits[second]:
            return top
        if asked - {WHERE} and fits[second] and not fits[top]:
            return second
        if aspects_asked:
            top_asks = aspects_asked <= self._entry_aspects[top]
            second_asks = aspects_asked <= self._entry_aspects[second]
            if top_asks and not second_asks:
                return top
            if second_asks and not top_asks:
                return second
        if not p.cover_margin:
            return None
        lead = parts[top][1] - parts[second][1]
        if lead >= p.cover_margin and fits[top]:
            return top
        if -lead >= p.cover_margin and fits[second]:
            return second
        return None

    # ---- introspection (used by lint and stats) ---------------------------------------
    @property
    def vocabulary(self) -> tuple[str, ...]:
        """Distinct content words of the knowledge base."""
        return tuple(self._vocab)


def _tells_money(words: list[str]) -> bool:
    """Whether normalized words name money: a cost word (faq.intent) or an amount in rupiah."""
    return COST in intents(words) or any(
        w.startswith("rp") and (w == "rp" or w[2:3].isdigit()) for w in words
    )


def _defined_name(words: list[str], acronym: str) -> str | None:
    """The last words of ``words`` whose initials spell ``acronym`` ("Bantuan Pangan Non
    Tunai" for "BPNT"; "dan", "atau" may stand between), or None."""
    letters = acronym.lower()
    for start in range(len(words) - 1, -1, -1):
        name = words[start:]
        initials = "".join(w[0].lower() for w in name if w.lower() not in ("dan", "atau", "and"))
        if initials == letters:
            return " ".join(name)
        if len(initials) > len(letters):
            return None
    return None


def _replace_runs(
    words: list[str],
    runs_at: Callable[[str], Iterable[tuple[tuple[str, ...], str | None]]],
) -> list[str]:
    """``words`` with runs replaced, left to right: ``runs_at(word)`` gives the runs that may
    start at a word, each with its replacement (None: the run is dropped); the first that
    matches is taken."""
    out: list[str] = []
    pos = 0
    while pos < len(words):
        for run, replacement in runs_at(words[pos]):
            if tuple(words[pos : pos + len(run)]) == run:
                if replacement is not None:
                    out.append(replacement)
                pos += len(run)
                break
        else:
            out.append(words[pos])
            pos += 1
    return out


def iter_questions(entries: Iterable[Entry]) -> Iterable[tuple[Entry, str]]:
    """Every (entry, canonical question) pair."""
    for entry in entries:
        for question in entry.questions:
            yield entry, question


__all__ = ["SLANG", "Explanation", "FaqIndex", "Match", "Outcome", "Params", "content_words"]
