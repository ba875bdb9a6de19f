"""English questions (issue 16): English's function words ("about", "have", "cannot") are not
topic the knowledge base fails to cover, and "someone else" means "orang lain"."""

from __future__ import annotations

import pytest

from faq import FaqIndex, default_paths, load_knowledge_base
from faq.lexicon import english_base


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return FaqIndex(load_knowledge_base(default_paths()))


def answered(index: FaqIndex, text: str) -> str | None:
    match = index.match(text)
    return match.entry.id if match.outcome == "answer" and match.entry else None


def test_english_function_words_are_not_read_as_an_unknown_topic(index: FaqIndex) -> None:
    _match, info = index.explain("How do I complain about bad service?")
    hows = {word: how for word, how, _weight in info.words}
    assert "about" not in hows  # a stopword: skipped, not "unknown"
    assert hows.get("bad") != "unknown"


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("Can someone else submit the request for me?", "permohonan-kuasa"),
        ("How do I complain about bad service?", "aduan-layanan-ppid"),
    ],
)
def test_an_english_question_with_function_words_gets_its_entry(
    index: FaqIndex, text: str, entry: str
) -> None:
    assert answered(index, text) == entry


@pytest.mark.parametrize(
    ("word", "base"),
    [
        ("requested", "request"),
        ("submitted", "submit"),
        ("submitting", "submit"),
        ("applied", "apply"),
        ("approved", "approve"),
        ("waiting", "wait"),
        ("took", "take"),
        ("complaints", "complaint"),
        # Indonesian words that merely end like an English inflection stay Indonesian.
        ("penting", None),
        ("kambing", None),
        ("proses", None),
        ("khusus", None),
    ],
)
def test_an_inflected_english_word_is_read_as_the_word_the_glossary_lists(
    word: str, base: str | None
) -> None:
    assert english_base(word) == base


def test_an_inflected_english_question_meets_the_entry_its_base_form_would(
    index: FaqIndex,
) -> None:
    # "requested" / "submitted" were unknown words before: topic no entry covers.
    _match, info = index.explain("I submitted an objection but nobody answered")
    hows = {word: how for word, how, _weight in info.words}
    assert not hows["submitted"].startswith("unknown")
    assert answered(index, "My information request was rejected, how do I object?") == (
        "cara-keberatan"
    )


def test_an_english_word_the_knowledge_base_cannot_use_still_names_another_topic(
    index: FaqIndex,
) -> None:
    # "passport" is in the glossary (paspor) but no entry speaks of passports: it must count
    # as topic the knowledge base does not cover, not be skipped like "the" or "please".
    _match, info = index.explain("How long does it take to get a passport?")
    hows = {word: how for word, how, _weight in info.words}
    assert hows["passport"].startswith("unknown")
    assert answered(index, "How long does it take to get a passport?") is None
