"""Chat Indonesian writes words by their consonants ("syrt", "jdwl", "wkt"): such a word is
read as the one known word with the same first letter and consonants (issue 16)."""

from __future__ import annotations

import pytest

from faq import FaqIndex, default_paths, load_knowledge_base
from faq.kb import Entry, KnowledgeBase


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return FaqIndex(load_knowledge_base(default_paths()))


@pytest.mark.parametrize(
    ("word", "read_as"),
    [("syrt", "syarat"), ("prmhnn", "permohonan"), ("kbrtn", "keberatan"), ("wkt", "waktu")],
)
def test_a_vowel_less_word_is_read_as_the_known_word_it_abbreviates(
    index: FaqIndex, word: str, read_as: str
) -> None:
    _match, info = index.explain(f"{word} apa")
    hows = {w: how for w, how, _weight in info.words}
    assert hows[word] == "typo:" + read_as


def test_an_abbreviated_question_gets_the_entry_of_its_full_words(index: FaqIndex) -> None:
    match = index.match("syrt prmhnn informasi apa aja")
    assert match.outcome == "answer" and match.entry is not None
    assert match.entry.id == "syarat-permohonan"


def test_a_skeleton_two_known_words_share_stays_unknown() -> None:
    # "kt" would be kita, kota or kata; with two candidates of the same skeleton ("pst":
    # pasti, pusat) neither is guessed.
    kb = KnowledgeBase(
        entries=(
            Entry("pusat", "x", ("Di mana kantor pusat?",), "Di sini."),
            Entry("pasti", "x", ("Apakah jadwalnya sudah pasti?",), "Ya."),
        ),
        sources=(),
    )
    _match, info = FaqIndex(kb).explain("pst")
    hows = {w: how for w, how, _weight in info.words}
    assert hows["pst"] == "unknown"


def test_a_word_with_its_vowels_is_not_an_abbreviation(index: FaqIndex) -> None:
    # An ordinary unknown word (vowels in it) is left to typo correction, not skeletons.
    _match, info = index.explain("gorengan apa")
    hows = {w: how for w, how, _weight in info.words}
    assert not hows["gorengan"].startswith("typo:")


def test_an_acronym_the_thesaurus_knows_is_not_read_as_another_word() -> None:
    # "pln" (the electricity company) has no vowel and "pelan" has its consonants, but it is a
    # name of its own: it stays a body no entry mentions, never a shorthand of another word.
    kb = KnowledgeBase(
        entries=(
            Entry("lambat", "x", ("Mengapa layanan terasa pelan?",), "Maaf."),
            Entry("alamat", "x", ("Di mana alamat kantor?",), "Di sini."),
        ),
        sources=(),
    )
    _match, info = FaqIndex(kb).explain("pln kantornya dimana")
    hows = {w: how for w, how, _weight in info.words}
    assert hows["pln"] == "unknown"


def test_the_audit_board_is_not_read_as_a_form_of_address(index: FaqIndex) -> None:
    # "bpk" has the consonants of "bapak", a word that names no topic; read so, "hasil audit
    # bpk" lost the audit board altogether. It is an acronym of its own.
    _match, info = index.explain("hasil audit bpk tahun lalu")
    hows = {w: how for w, how, _weight in info.words}
    assert hows["bpk"] != "stop~bapak"
