"""English questions (issue 16): English's function words ("about", "have", "cannot") are not
topic the knowledge base fails to cover, and "someone else" means "orang lain"."""

from __future__ import annotations

import pytest

from faq import FaqIndex, default_paths, load_knowledge_base


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
