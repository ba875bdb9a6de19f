"""Issue 16, accuracy round: behaviours that made answers depend on how a knowledge base happens
to be worded rather than on what the citizen asked (each test is named after what broke)."""

from __future__ import annotations

import pytest

from faq import FaqIndex
from faq.intent import intents
from faq.kb import Entry, KnowledgeBase
from faq.normalize import tokenize


def answered(index: FaqIndex, text: str) -> str | None:
    match = index.match(text)
    return match.entry.id if match.outcome == "answer" and match.entry else None


def test_spelled_out_acronym_words_that_the_questions_use_are_not_contracted() -> None:
    # "peraturan wali kota" was read as "perwal", a word only another entry's answer used.
    kb = KnowledgeBase(
        entries=(
            Entry(
                "produk-hukum",
                "hukum",
                ("Di mana saya bisa mencari Peraturan Wali Kota?",),
                "Di situs JDIH.",
            ),
            Entry(
                "dokumen-apbd",
                "anggaran",
                ("Di mana melihat dokumen APBD?",),
                "Perda APBD dan Perwal penjabarannya ada di situs pemkot.",
            ),
        ),
        sources=(),
    )
    assert answered(FaqIndex(kb), "Di mana saya bisa membaca peraturan wali kota?") == (
        "produk-hukum"
    )


def test_a_word_the_knowledge_base_uses_only_in_an_answer_also_reads_as_its_concept() -> None:
    # "pengunjung" met only the answer that mentions visitors; the entry that asks about
    # "tamu" (the same concept in the thesaurus) got nothing from it.
    kb = KnowledgeBase(
        entries=(
            Entry(
                "tamu",
                "kantor",
                ("Apakah tamu harus mengisi buku tamu di resepsionis?",),
                "Ya, isi buku tamu.",
            ),
            Entry(
                "jam", "kantor", ("Jam berapa kantor buka?",), "Pengunjung dilayani 08.00-15.00."
            ),
        ),
        sources=(),
    )
    _match, info = FaqIndex(kb).explain("pengunjung wajib apa?")
    assert info.ranked[0][0] == "tamu"


def test_a_body_named_in_the_story_is_context_not_what_the_question_is_about() -> None:
    # A short message of two sentences is read whole: "kecamatan" in the first one made
    # every entry a near miss of a question about the sub-district.
    kb = KnowledgeBase(
        entries=(
            Entry(
                "waktu",
                "informasi",
                ("Berapa lama permohonan informasi dijawab?",),
                "Paling lambat 10 hari kerja.",
            ),
            Entry(
                "cara",
                "informasi",
                ("Bagaimana cara mengajukan permohonan informasi?",),
                "Isi formulir.",
            ),
        ),
        sources=(),
    )
    index = FaqIndex(kb)
    text = "Saya minta data anggaran kecamatan. Berapa lama permohonan informasi dijawab?"
    assert answered(index, text) == "waktu"
    # Asked about in the question itself, the sub-district still makes it a near miss.
    assert answered(index, "Berapa lama permohonan informasi kecamatan dijawab?") is None


@pytest.mark.parametrize(
    "text",
    ["hari apa saja ppid buka", "jam berapa ppid buka", "what time do you open"],
)
def test_which_day_or_hour_asks_when(text: str) -> None:
    assert intents(tokenize(text)) == {"when"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("kantor ppid dimna", ["kantor", "ppid", "di", "mana"]),
        ("syarat nya apa sja", ["syarat", "nya", "apa", "saja"]),
        ("data yg gak boleh dikasih", ["data", "yang", "tidak", "boleh", "diberi"]),
        ("keberatan paling telat kpn", ["keberatan", "paling", "lambat", "kapan"]),
        ("mau ngobrol sm petugas", ["mau", "bicara", "sama", "petugas"]),
    ],
)
def test_chat_spellings_of_common_words_fold_onto_them(text: str, words: list[str]) -> None:
    assert tokenize(text) == words


def test_paling_telat_asks_a_deadline() -> None:
    # "telat" was read as "terlambat": "paling telat" lost the "paling lambat" deadline marker.
    assert intents(tokenize("ngajuin keberatan paling telat")) == {"when"}
