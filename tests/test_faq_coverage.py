"""A short question is not a long phrasing that merely contains its words (issue 16).

"saya mau minta data" was answered with `informasi-tidak-dikuasai` at 93 ("Data yang saya
minta ternyata dipegang lembaga lain, lalu bagaimana?" holds both words, and "minta" alone
covered most of its other, short phrasing). A keyword of several words is a phrasing the
knowledge base declares ("minta data" for `cara-permohonan`), and is covered like one.
"""

from __future__ import annotations

import pytest

from faq import FaqIndex, default_paths, load_knowledge_base
from faq.kb import Entry, KnowledgeBase


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return FaqIndex(load_knowledge_base(default_paths()))


@pytest.mark.parametrize("text", ["saya mau minta data", "mau minta data dong", "minta data"])
def test_a_short_request_is_not_the_long_phrasing_that_contains_its_words(
    index: FaqIndex, text: str
) -> None:
    match = index.match(text)
    assert match.entry is not None
    assert match.entry.id != "informasi-tidak-dikuasai"
    assert match.outcome == "answer" and match.entry.id == "cara-permohonan"


def test_a_declared_phrase_counts_only_when_said_whole_and_alone(index: FaqIndex) -> None:
    # "jam buka" (a keyword of the office hours) inside a question about the sub-district
    # office, and "keberatan" alone against the keyword "tenggat keberatan", do not count.
    assert index.match("jam buka kantor kelurahan").outcome != "answer"
    match = index.match("Bagaimana cara mengajukan keberatan?")
    assert match.entry is not None and match.entry.id == "cara-keberatan"


def test_the_long_phrasing_itself_is_still_answered(index: FaqIndex) -> None:
    match = index.match("data yang saya minta ternyata dipegang lembaga lain")
    assert match.outcome == "answer" and match.entry is not None
    assert match.entry.id == "informasi-tidak-dikuasai"


def test_a_keyword_of_several_words_covers_like_a_question() -> None:
    def kb(keywords: tuple[str, ...]) -> KnowledgeBase:
        return KnowledgeBase(
            entries=(
                Entry("cara", "x", ("Bagaimana cara mengajukan permohonan?",), "a", keywords),
                Entry("lain", "x", ("Data yang saya minta dipegang lembaga lain?",), "b"),
            ),
            sources=(),
        )

    text = "minta data"
    plain = FaqIndex(kb(())).match(text)
    declared = FaqIndex(kb(("minta data",))).match(text)
    assert plain.entry is not None and plain.entry.id == "lain"
    assert declared.entry is not None and declared.entry.id == "cara"
