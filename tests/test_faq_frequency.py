"""An unknown word weighs by how common it is in the language (issue 16): everyday words
("rumah", "depan", "berasal") are a question's circumstances more often than its topic, while
a rare word ("kelontong", "baliho") names a particular thing and keeps its full weight."""

from __future__ import annotations

import pytest

from faq import FaqIndex, default_paths, load_knowledge_base
from faq.frequency import EVERYDAY_SHARE, unknown_share
from faq.kb import Entry, KnowledgeBase

KB = KnowledgeBase(
    entries=(
        Entry("izin", "izin", ("Bagaimana cara mengurus izin usaha?",), "Lewat OSS."),
        Entry("alamat", "kantor", ("Di mana alamat kantor PPID?",), "Jl. Merdeka 1."),
        Entry("biaya", "biaya", ("Berapa biaya salinan dokumen?",), "Rp200 per lembar."),
        Entry("jam", "kantor", ("Jam berapa kantor PPID buka?",), "08.00-16.00."),
    ),
    sources=(),
)


@pytest.fixture(scope="module")
def packaged() -> FaqIndex:
    return FaqIndex(load_knowledge_base(default_paths()))


def test_everyday_words_weigh_less_than_rare_ones() -> None:
    assert unknown_share("yang") == EVERYDAY_SHARE  # several times in a hundred words
    assert EVERYDAY_SHARE < unknown_share("rumah") < unknown_share("berasal") < 1.0
    assert unknown_share("kelontong") == 1.0 and unknown_share("baliho") == 1.0
    assert unknown_share("house", "en") < unknown_share("passport", "en")


def test_nouns_that_name_another_offices_matter_keep_their_full_weight() -> None:
    # Near misses are named by such nouns: the rule must not lighten them.
    for word in ("pajak", "kelurahan", "paspor", "ijazah", "puskesmas"):
        assert unknown_share(word) == 1.0, word


def test_a_question_told_with_everyday_circumstances_is_not_drowned_by_them() -> None:
    index = FaqIndex(KB)
    plain = index.match("izin usaha diurus bagaimana?")
    told = index.match("saya mau buka usaha di depan rumah, izinnya diurus bagaimana?")
    assert told.outcome == "answer" and told.entry is not None and told.entry.id == "izin"
    # The same circumstances said in rare words would count as another topic in full.
    rare = index.match("saya mau buka usaha kelontong palugada, izinnya diurus bagaimana?")
    assert rare.score < told.score <= plain.score


def test_a_near_miss_named_by_a_rare_word_is_still_refused(packaged: FaqIndex) -> None:
    # The fee for copies is not the price of printing campaign banners.
    match = packaged.match("berapa harga cetak baliho?")
    assert match.outcome != "answer" or match.entry is None or "biaya" not in match.entry.id
