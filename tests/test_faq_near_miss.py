"""Near misses refused (issue 16): a body, place or document the question is about (a polling
station, a sub-district office, campaign banners, advertising) that the entry never mentions
lowers the entry's score below the answer threshold; the same question about the office's own
service is still answered."""

from __future__ import annotations

import pytest

from faq import FaqIndex, default_paths, load_knowledge_base
from faq.thesaurus import Thesaurus, default_thesaurus_paths, load_thesaurus


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return FaqIndex(load_knowledge_base(default_paths()))


def answered(index: FaqIndex, text: str) -> str | None:
    match = index.match(text)
    return match.entry.id if match.outcome == "answer" and match.entry else None


@pytest.mark.parametrize(
    "text",
    [
        "Jam berapa TPS buka?",
        "kantor kecamatan buka jam berapa",
        "jam buka kantor kelurahan",
        # The village office is not the ward its supervisors are counted by (PKD).
        "Kapan kantor kelurahan buka?",
        "berapa harga cetak baliho kampanye",
        "berapa biaya pasang iklan kampanye di koran",
        "berapa biaya cetak spanduk",
    ],
)
def test_a_near_miss_about_another_place_or_thing_is_not_answered(
    index: FaqIndex, text: str
) -> None:
    assert answered(index, text) is None


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("Jam berapa meja layanan PPID buka?", "jam-layanan"),
        ("kantor ppid buka jam berapa", "jam-layanan"),
        ("berapa biaya salinan dokumen", "biaya-salinan"),
        ("pengawas tps direkrut kapan", "pengawas-tps"),
    ],
)
def test_the_same_question_about_the_office_itself_is_still_answered(
    index: FaqIndex, text: str, entry: str
) -> None:
    assert answered(index, text) == entry


def test_the_term_the_entry_never_mentions_is_what_lowers_the_score() -> None:
    kb = load_knowledge_base(default_paths())
    without = FaqIndex(kb, thesaurus=Thesaurus())
    with_referents = FaqIndex(kb)
    text = "kantor kecamatan buka jam berapa"
    assert answered(without, text) == "jam-layanan"  # what happened before the fix
    assert with_referents.match(text).score < without.match(text).score


# A question about another public body's service (its hours, address, phone, fees) was
# answered with the office's own entry: "imigrasi", "samsat", "paspor" were words no entry
# used, and an unknown word only lowers the share of the message an entry explains.
@pytest.mark.parametrize(
    "text",
    [
        "Jam berapa kantor imigrasi buka?",
        "alamat kantor samsat di mana",
        "berapa nomor telepon rumah sakit",
        "alamat kantor pajak dimana",
        "Where is the tax office?",
    ],
)
def test_a_question_about_another_public_body_is_not_answered_with_the_offices_entry(
    index: FaqIndex, text: str
) -> None:
    assert answered(index, text) is None


def test_a_body_named_in_several_words_lowers_the_score_like_a_one_word_one(
    index: FaqIndex,
) -> None:
    # "rumah sakit" is two ordinary words; only the phrase names a hospital.
    before = FaqIndex(
        load_knowledge_base(default_paths()),
        thesaurus=load_thesaurus(
            p for p in default_thesaurus_paths() if p.name != "15_layanan_lain.txt"
        ),
    )
    text = "berapa nomor telepon rumah sakit"
    assert answered(before, text) == "kontak-ppid"  # what happened before the fix
    assert index.match(text).score < before.match(text).score
    assert answered(index, "berapa nomor telepon ppid") == "kontak-ppid"
