"""Matching: answers, abstentions, greetings, ambiguity, grouping."""

from __future__ import annotations

from pathlib import Path

import pytest

from faq import (
    Entry,
    FaqIndex,
    KnowledgeBase,
    Match,
    default_paths,
    group_similar,
    load_knowledge_base,
)
from faq.index import Params
from faq.normalize import tokenize


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return FaqIndex(load_knowledge_base(default_paths()))


def entry_id(match: Match) -> str | None:
    return match.entry.id if match.outcome == "answer" and match.entry else None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("min gmn cara mnta salinan putusan?", "salinan-putusan"),
        ("jam brp buka", "jam-layanan"),
        ("halo min, jam brp buka?", "jam-layanan"),
        ("Bagaimana cara melaporkan pelanggaran pemilu?", "lapor-pelanggaran"),
        ("alamt kantr bawaslu dmn", "alamat-kantor"),
        ("What are the office hours of the PPID desk?", "jam-layanan"),
    ],
)
def test_answers_in_scope(index: FaqIndex, query: str, expected: str) -> None:
    match = index.match(query)
    assert entry_id(match) == expected, match
    assert 0.0 <= match.score <= 100.0


@pytest.mark.parametrize(
    "query", ["halo", "Selamat pagi kak", "assalamualaikum", "P", "permisi min 🙏"]
)
def test_greetings_are_not_matched(index: FaqIndex, query: str) -> None:
    match = index.match(query)
    assert match.outcome == "greeting"
    assert match.entry is None


@pytest.mark.parametrize(
    "query",
    [
        "terima kasih kak",
        "makasiiih min 🙏",
        "oke siap",
        "thanks!",
        # What is thanked for is no topic ("perbaikan" is no "baik", "jawaban" no entry).
        "baik, terima kasih atas jawabannya",
        "makasih penjelasannya min",
    ],
)
def test_thanks_are_not_matched(index: FaqIndex, query: str) -> None:
    match = index.match(query)
    assert match.outcome == "thanks"
    assert match.entry is None


@pytest.mark.parametrize(
    "query",
    [
        "resep rendang yang empuk gimana",
        "skor bola semalam berapa",
        "rekomendasi film horor terbaru dong",
        "",
        "🙏🙏",
    ],
)
def test_abstains_off_topic(index: FaqIndex, query: str) -> None:
    match = index.match(query)
    assert match.outcome in ("abstain", "greeting")
    assert entry_id(match) is None


def test_english_hint(index: FaqIndex) -> None:
    assert index.match("where do i report an election violation?").lang_hint == "en"
    assert index.match("dimana lapor pelanggaran pemilu").lang_hint == "id"


def two_close_entries() -> KnowledgeBase:
    def make(entry_id: str, question: str) -> Entry:
        return Entry(entry_id, "x", (question,), "jawaban " + entry_id)

    return KnowledgeBase(
        entries=(
            make("keberatan-cara", "Cara mengajukan keberatan informasi?"),
            make("keberatan-lain", "Mengajukan keberatan informasi, caranya bagaimana?"),
            make("jam-buka", "Jam berapa kantor buka?"),
        ),
        sources=(Path("memory"),),
    )


def test_ambiguous_when_top_two_are_close() -> None:
    match = FaqIndex(two_close_entries()).match("mengajukan keberatan informasi")
    assert match.outcome == "ambiguous"
    assert match.entry is not None
    assert {match.entry.id, match.alternatives[0][0].id} == {"keberatan-cara", "keberatan-lain"}


def test_index_is_reusable_and_deterministic(index: FaqIndex) -> None:
    first = index.match("biaya fotokopi dokumen")
    assert index.match("biaya fotokopi dokumen") == first


def test_group_similar_most_frequent_first() -> None:
    texts = [
        "jadwal sidang kapan?",
        "cara daftar ptps",
        "gmn cara daftar ptps",
        "cara daftar PTPS?",
        "jadwal sidang kapan",
        "harga cabai",
    ]
    groups = group_similar(texts)
    assert groups[0][1] == 3
    assert set(groups[0][2]) == {"cara daftar ptps", "gmn cara daftar ptps", "cara daftar PTPS?"}
    assert groups[1][1] == 2
    assert sum(count for _, count, _ in groups) == len(texts)
    assert group_similar([]) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("berapa lama permohonan dijawab", {"when"}),
        ("proses brp hari", {"when"}),
        ("kantor ppid dmn", {"where"}),
        ("how much does a copy cost", {"cost"}),
        ("fotokopinya biayanya berapa", {"cost"}),
        ("ada biayanya gak", {"cost"}),
        ("alamatnya ppid", {"where"}),
        ("bagaimana cara mengajukan keberatan", set()),
        # Someone's pay is an amount of money: asking for it asks what a fee question asks.
        ("berapa gaji pendamping per bulan", {"cost"}),
        ("honornya berapa", {"cost"}),
        ("how much are supervisors paid", {"cost"}),
    ],
)
def test_intents(text: str, expected: set[str]) -> None:
    from faq.intent import intents
    from faq.normalize import tokenize

    assert intents(tokenize(text)) == expected


def test_threshold_is_calibrated_on_the_knowledge_base(index: FaqIndex) -> None:
    scores = index.near_miss_scores
    assert len(scores) >= 20
    assert list(scores) == sorted(scores)
    assert 35.0 <= index.answer_at <= index.params.calibration_cap
    assert scores[0] <= index.answer_at <= scores[-1]


def test_tiny_knowledge_base_uses_the_fallback_threshold() -> None:
    small = FaqIndex(two_close_entries())
    assert small.answer_at == small.params.fallback_answer_at


def test_long_message_is_matched_on_its_question_sentence(index: FaqIndex) -> None:
    # The narrative before the question is topic the knowledge base does not cover; the
    # question sentence alone is what gets matched.
    story = (
        "Selamat siang. Saya pensiunan guru dan tinggal di sebuah desa di pesisir, anak saya "
        "sedang merantau ke luar pulau untuk bekerja di pelabuhan. "
        "Bagaimana cara mengajukan keberatan?"
    )
    # Read as one message (with no sentence marked as the one asking), the story does not reach
    # the threshold, with or without the story cap (Params.story_covered); its question
    # sentence does.
    windows_only = FaqIndex(index.kb, Params(story_covered=0.0))
    for reader in (windows_only, index):
        assert reader._match(story, None).outcome == "abstain"
        match = reader.match(story)
        assert match.outcome == "answer"
        assert match.entry is not None and match.entry.id == "cara-keberatan"


def test_a_whole_answered_under_the_calibrated_threshold_is_still_read_in_parts(
    index: FaqIndex,
) -> None:
    # The default entries come in siblings: their calibrated threshold is above the cap. The
    # story around "Bagaimana cara mengajukan keberatan?" lifts the deadline entry over the
    # cap, not over the calibrated threshold: the question sentence still decides.
    assert index.answer_at == index.params.calibration_cap < index.calibrated_at
    question = "Bagaimana cara mengajukan keberatan?"
    story = (
        "Selamat siang. Saya pensiunan guru dan tinggal di sebuah desa di pesisir, anak saya "
        f"sedang merantau ke luar pulau untuk bekerja di pelabuhan. {question}"
    )
    whole = index._match(story, None, about=frozenset(tokenize(question)))
    assert whole.outcome == "answer" and whole.entry is not None
    assert whole.entry.id == "batas-waktu-keberatan"
    assert whole.score < index.calibrated_at
    match = index.match(story)
    assert match.entry is not None and match.entry.id == "cara-keberatan"


def test_a_border_in_the_story_is_no_deadline(index: FaqIndex) -> None:
    # "perbatasan" (a border) was read through its root "batas", the limit of "batas waktu":
    # the whole story then answered the objection deadline entry above even the calibrated
    # threshold, and the question sentence ("Bagaimana cara mengajukan keberatan?") was not read.
    story = (
        "Selamat siang. Saya pensiunan guru dan tinggal di desa dekat perbatasan kabupaten, "
        "anak saya sedang merantau ke luar pulau untuk bekerja di pelabuhan. "
        "Bagaimana cara mengajukan keberatan?"
    )
    match = index.match(story)
    assert match.entry is not None and match.entry.id == "cara-keberatan"
    # The deadline itself is still asked with "batas".
    deadline = index.match("kapan batas waktu mengajukan keberatan?")
    assert deadline.entry is not None and deadline.entry.id == "batas-waktu-keberatan"


def test_sentence_windows_do_not_answer_off_topic_stories(index: FaqIndex) -> None:
    story = "Kemarin hujan deras sekali. Jalan depan rumah banjir. Besok cuaca bagaimana ya?"
    assert index.match(story).outcome != "answer"


def test_close_top_two_answered_when_top_explains_and_covers_more() -> None:
    from faq.index import _dominates

    assert _dominates((0.9, 0.6), (0.8, 0.5))
    assert not _dominates((0.9, 0.4), (0.8, 0.5))
    assert not _dominates((0.9, 0.5), (0.9, 0.4))
    # Equal evidence for both close entries: still ambiguous.
    match = FaqIndex(two_close_entries(), Params(dominance=True)).match(
        "mengajukan keberatan informasi"
    )
    assert match.outcome == "ambiguous"


def test_close_call_goes_to_the_entry_whose_question_is_covered_clearly_more() -> None:
    index = FaqIndex(two_close_entries())
    first, second = 0, 1
    fits = {first: True, second: True}
    # The runner-up's best question is covered 0.3 more: it is what the citizen asked.
    assert index._settle(first, second, {first: (0.6, 0.4), second: (0.5, 0.7)}, fits) == second
    assert index._settle(first, second, {first: (0.5, 0.7), second: (0.6, 0.4)}, fits) == first
    # Less than the margin apart: still ambiguous.
    assert index._settle(first, second, {first: (0.6, 0.6), second: (0.5, 0.7)}, fits) is None
    # An entry that does not answer the kind of question asked cannot win a close call.
    unfit = {first: True, second: False}
    assert index._settle(first, second, {first: (0.6, 0.4), second: (0.5, 0.7)}, unfit) is None
    off = FaqIndex(two_close_entries(), Params(cover_margin=0.0))
    assert off._settle(first, second, {first: (0.6, 0.4), second: (0.5, 0.7)}, fits) is None


def test_close_call_checks_the_intent_of_the_covered_question() -> None:
    def make(entry_id: str, *questions: str) -> Entry:
        return Entry(entry_id, "x", questions, "jawaban " + entry_id)

    kb = KnowledgeBase(
        entries=(
            make("tenggat", "Kapan batas keberatan diajukan?", "Keberatan diajukan ke siapa?"),
            make("biaya", "Berapa biaya salinan dokumen?"),
        ),
        sources=(Path("memory"),),
    )
    index = FaqIndex(kb)
    when_q, who_q, cost_q = 0, 1, 2
    assert index._fits(frozenset({"when"}), 0, when_q)
    assert index._fits(frozenset({"when", "who"}), 0, who_q)
    # The covered question asks "when" but the message does not.
    assert not index._fits(frozenset(), 0, when_q)
    # The message asks "cost", which the entry never answers.
    assert not index._fits(frozenset({"cost", "when"}), 0, when_q)
    assert index._fits(frozenset({"cost"}), 1, cost_q)
    assert index._fits(frozenset({"cost"}), 1, -1)


def test_abbreviation_the_knowledge_base_uses_as_a_term_is_not_read_as_slang() -> None:
    # "dpt" is chat slang for "dapat" (a stopword), but here it is the voter list.
    kb = KnowledgeBase(
        entries=(
            Entry("cek-dpt", "x", ("Di mana mengecek daftar pemilih?",), "Di situs KPU.", ("dpt",)),
            Entry("jam-buka", "x", ("Jam berapa kantor buka?",), "Pukul 08.00."),
            Entry("cek-status", "x", ("Cara cek status permohonan online",), "Di situs."),
        ),
        sources=(Path("memory"),),
    )
    index = FaqIndex(kb)
    assert "dpt" in index.vocabulary
    _, info = index.explain("nama saya ada di dpt gak")
    assert ("dpt", "known") in [(word, how) for word, how, _ in info.words]
    assert info.ranked[0][0] == "cek-dpt"


def test_relative_named_with_a_term_of_address_counts_as_family() -> None:
    kb = KnowledgeBase(
        entries=(
            Entry("kuasa", "x", ("Bolehkah keluarga saya mengajukan permohonan?",), "Boleh."),
            Entry("syarat", "x", ("Apa syarat mengajukan permohonan?",), "KTP."),
            Entry("jam", "x", ("Jam berapa kantor buka?",), "Pukul 08.00."),
        ),
        sources=(Path("memory"),),
    )
    index = FaqIndex(kb)
    _, info = index.explain("adik saya mau mengajukan permohonan")
    assert "keluarga" in [word for word, _, _ in info.words]
    assert info.ranked[0][0] == "kuasa"
    _, info = index.explain("suami saya mau mengajukan permohonan")
    assert info.ranked[0][0] == "kuasa"
    # A clipped term of address before "saya" addresses the officer.
    _, info = index.explain("kak saya mau mengajukan permohonan")
    assert "keluarga" not in [word for word, _, _ in info.words]


def test_run_together_words_are_split_into_words_not_affixes(index: FaqIndex) -> None:
    assert index._split("kantorppid") == ["kantor", "ppid"]
    assert index._split("filenya") == ["file", "nya"]
    # Affixes are not words: these are derived words the knowledge base does not know.
    assert index._split("posisinya") is None
    assert index._split("diperlakukan") is None
    assert index._split("siapkan") is None
    # Nor is one letter a word glued between two ("a", an English article, is a stopword).
    assert index._split("kantorappid") is None


def test_an_entry_far_behind_in_evidence_is_not_scored_in_full(index: FaqIndex) -> None:
    # Office hours asked plainly: the other candidates have less than half its evidence and
    # are left unscored; scoring them all gives the same answer.
    every = FaqIndex(index.kb, params=Params(shortlist_share=0.0))
    match, info = index.explain("jam buka kantor PPID hari sabtu")
    full, full_info = every.explain("jam buka kantor PPID hari sabtu")
    assert match.outcome == full.outcome == "answer"
    assert match.entry == full.entry and match.entry is not None
    assert match.entry.id == "jam-layanan"
    assert len(info.ranked) == 1 < len(full_info.ranked)
