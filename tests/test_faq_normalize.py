"""Normalization of chat messages."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faq import normalize
from faq.lexicon import SLANG


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Min, gmn cara mnta salinan putusan??", "admin bagaimana cara mnta salinan putusan"),
        ("jam brp buka", "jam berapa buka"),
        ("yg ini gak bs dmn?", "yang ini tidak bisa di mana"),
        ("utk warga dgn ktp", "untuk warga dengan ktp"),
        ("tdk ada", "tidak ada"),
        ("kak, kpn dibuka", "kak kapan dibuka"),
    ],
)
def test_slang_is_expanded(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("makasiiiih", "makasih"),
        ("haloooo miiin", "halo admin"),
        ("maaf", "maaf"),  # a genuine double letter stays
        ("tolooong bangetttt", "tolong banget"),
        # An acronym of consonants repeats its letters on purpose: squeezed, "pppk" (contract
        # civil servants) was "pk", read as chat for "pakai".
        ("daftar pppk", "daftar pppk"),
        ("caleg ppp", "caleg ppp"),
    ],
)
def test_repeated_letters_are_folded(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_punctuation_case_accents_and_emoji_are_folded() -> None:
    assert normalize("Halo!!! Kantor-PPID... (Café) 🙏") == "halo kantor ppid cafe"


def test_reduplication_digit_and_repeated_words() -> None:
    assert normalize("chat sy gak dibales2") == "chat saya tidak dibalas"
    assert normalize("teman-teman kami") == "teman kami"


def test_english_possessive_is_dropped() -> None:
    assert normalize("the city's budget") == "the city budget"


def test_numbers_are_kept() -> None:
    assert normalize("No. reg PI-2026-000123") == "nomor registrasi pi 2026 000123"


def test_slang_table_is_closed() -> None:
    """No expansion produces another slang key, which keeps normalize idempotent."""
    for key, value in SLANG.items():
        assert key == key.lower() and key.isascii(), key
        for word in value.split():
            assert word not in SLANG, (key, word)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalize_is_idempotent_and_clean(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert re.fullmatch(r"(?:[a-z0-9]+(?: [a-z0-9]+)*)?", once)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([*SLANG, "aaa", "!!", "2", "x2", "🙏", "É", " ", "-"]), max_size=12)
)
def test_normalize_on_chat_like_input(parts: list[str]) -> None:
    text = " ".join(parts)
    once = normalize(text)
    assert normalize(once) == once
    assert once == once.lower() and once.isascii()


@pytest.mark.parametrize(
    "text",
    ["makasiiih min", "dibales2 x2 2", "it`s a 'test'", "Déjà vu’s café", "a2b2 aa2 ok2"],
)
def test_tokenize_word_by_word_matches_whole_text_rules(text: str) -> None:
    # tokenize applies the reduplication digit and letter-run rules word by word (cached);
    # the result must equal applying them to the whole text.
    from faq.normalize import _APOSTROPHES, _ENGLISH_POSSESSIVE, _ascii_lower, tokenize

    folded = _ascii_lower(text)
    folded = _APOSTROPHES.sub("", _ENGLISH_POSSESSIVE.sub("", folded))
    folded = re.sub(r"[^a-z0-9]+", " ", folded)
    folded = re.sub(r"(?<=[a-z])2(?= |$)", "", folded)
    folded = re.sub(r"([a-z])\1{2,}", r"\1", folded)
    expected: list[str] = []
    for raw in folded.split():
        for word in SLANG.get(raw, raw).split():
            if not expected or expected[-1] != word:
                expected.append(word)
    assert tokenize(text) == expected


def test_words_to_keep_are_not_expanded_as_slang() -> None:
    from faq.normalize import tokenize

    assert tokenize("cek DPT online") == ["cek", "dapat", "online"]
    assert tokenize("cek DPT online", frozenset({"dpt"})) == ["cek", "dpt", "online"]
    assert tokenize("sy cek dpt", frozenset({"dpt"})) == ["saya", "cek", "dpt"]


@pytest.mark.parametrize(
    ("word", "root"),
    [
        ("menulis", "tulis"),
        ("permohonannya", "mohon"),
        ("diperpanjang", "panjang"),  # two prefixes
        ("memperoleh", "oleh"),
        ("diperlakukan", "laku"),
        ("ngelamar", "lamar"),  # colloquial nge-
        ("ngecek", "cek"),
    ],
)
def test_candidate_roots(word: str, root: str) -> None:
    from faq.stem import candidate_roots

    assert root in candidate_roots(word)
    assert word not in candidate_roots(word)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("jgn lama2 ya", ["jangan", "lama", "ya"]),
        ("gx tau caranya", ["tidak", "tahu", "caranya"]),
        ("nungguin smw dokumen", ["menunggu", "semua", "dokumen"]),
        ("nyokap sy", ["ibu", "saya"]),
        ("kartu bpjs bs dipake gk", ["kartu", "bpjs", "bisa", "dipakai", "tidak"]),
        ("dibikin di mana", ["dibuat", "di", "mana"]),
        ("poli tht bukak gk", ["poli", "tht", "buka", "tidak"]),
    ],
)
def test_more_chat_spellings_are_read_as_their_words(text: str, words: list[str]) -> None:
    from faq.normalize import tokenize

    assert tokenize(text) == words


@pytest.mark.parametrize(
    ("text", "words"),
    [
        # A suffix after the reduplication digit belongs to the repeated stem.
        ("syarat2nya apa", ["syaratnya", "apa"]),
        ("berkas2nya", ["berkasnya"]),
        ("usaha kecil2an", ["usaha", "kecil"]),
        # A number glued to its unit is two words; "rb", "jt", "x" after a number are amounts.
        ("buka 24jam", ["buka", "24", "jam"]),
        ("bayar 20rb", ["bayar", "20", "ribu"]),
        ("20jt", ["20", "juta"]),
        ("udah 2x datang", ["sudah", "2", "kali", "datang"]),
        ("3hariii", ["3", "hari"]),
        # A letter before the digits is no number glued to a word.
        ("tps05", ["tps05"]),
    ],
)
def test_digits_inside_chat_words_are_read(text: str, words: list[str]) -> None:
    from faq.normalize import normalize as again
    from faq.normalize import tokenize

    assert tokenize(text) == words
    assert again(again(text)) == again(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("biar cepat", ["agar", "cepat"]),
        ("mintak data", ["minta", "data"]),
        ("ktp sy ilang", ["ktp", "saya", "hilang"]),
        ("gbs daftar", ["tidak", "bisa", "daftar"]),
    ],
)
def test_everyday_chat_spellings_are_read_as_their_words(text: str, words: list[str]) -> None:
    from faq.normalize import tokenize

    assert tokenize(text) == words


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        ("kantornya", {"kantornya", "kantor"}),
        ("tpsnya", {"tpsnya", "tps"}),  # a three-letter stem is still a word (an acronym)
        ("bukunyalah", {"bukunyalah", "bukunya", "buku"}),
        ("penguburan", {"penguburan"}),  # a derivation keeps its suffix: not a clitic
    ],
)
def test_clitics_are_stripped_and_derivations_kept(word: str, forms: set[str]) -> None:
    from faq.stem import without_clitics

    assert without_clitics(word) == forms
