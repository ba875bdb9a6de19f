"""The thesaurus: packaged concept groups, an office's own groups, and their use by the matcher."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import load_config
from bot.core.faq_service import FaqService
from faq import FaqIndex, KnowledgeBaseError
from faq.index import _CONF_THESAURUS
from faq.kb import Entry, KnowledgeBase, default_paths, load_knowledge_base
from faq.normalize import tokenize
from faq.thesaurus import Thesaurus, default_thesaurus, default_thesaurus_paths, load_thesaurus

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def spans(thesaurus: Thesaurus, text: str) -> list[tuple[int, int]]:
    """Where the thesaurus reads phrases in ``text`` (words split on spaces)."""
    return [(start, end) for start, end, _ in thesaurus.phrase_concepts(text.split())]


KB = KnowledgeBase(
    entries=(
        Entry(
            "pemilih-tunanetra",
            "pemilih",
            ("Apakah ada layanan untuk pemilih tunanetra di TPS?",),
            "Ada template braille.",
        ),
        Entry("jam-layanan", "kantor", ("Jam berapa kantor buka?",), "08.00-16.00."),
        Entry("biaya", "biaya", ("Apakah meminta informasi dipungut biaya?",), "Gratis."),
        Entry("meja", "kantor", ("Di mana letak meja layanan PPID?",), "Lantai 1."),
    ),
    sources=(),
)


def test_the_packaged_thesaurus_has_at_least_400_groups_over_the_areas() -> None:
    thesaurus = default_thesaurus()
    assert thesaurus.groups >= 400

    def concepts(term: str) -> frozenset[str]:
        words = term.split()
        if len(words) == 1:
            return thesaurus.concepts(term)
        return frozenset().union(*(c for _, _, c in thesaurus.phrase_concepts(words)))

    def share(a: str, b: str) -> bool:
        return bool(concepts(a) & concepts(b))

    # Complaints, media, objections, polling stations, campaigns, institutions, documents,
    # recruitment, office matters: one pair per area, from the examples.
    assert share("aduan", "komplain") and share("keluhan", "complaint")
    assert share("wartawan", "jurnalis") and share("pers", "press")
    assert share("menyanggah", "keberatan") and share("banding", "appeal")
    assert share("tps", "tempat pemungutan suara") and share("baliho", "billboard")
    assert share("pkd", "pengawas desa") and share("dkpp", "dewan kehormatan penyelenggara pemilu")
    assert share("menyanggah", "protes keputusan") and share("keberatan", "appeal")
    assert share("perbup", "perwal") and share("juknis", "juklak")
    assert share("honor", "gaji") and share("parkir", "parkiran")
    assert share("pungli", "uang pelicin") and share("pungli", "extortion")


def test_a_word_the_knowledge_base_lacks_is_read_through_its_concept() -> None:
    bare = FaqIndex(KB, thesaurus=Thesaurus())
    full = FaqIndex(KB)
    # "visually impaired" is in no glossary: only the thesaurus reads it as "tunanetra".
    texts = ("ada bantuan buat pemilih buta di tps?", "voting booth for visually impaired voters?")
    for text in texts:
        assert full.match(text).score > bare.match(text).score
    assert full.match("ada bantuan buat pemilih buta di tps?").entry.id == "pemilih-tunanetra"


def test_an_office_adds_its_own_groups(tmp_path: Path) -> None:
    office = tmp_path / "office.txt"
    office.write_text("# regional word for the service desk\nmeja layanan, loket, kaunter\n")
    before, info = FaqIndex(KB).explain("kaunter ppid di mana")
    assert ("kaunter", "unknown") in {(w, how) for w, how, _ in info.words}
    thesaurus = load_thesaurus([*default_thesaurus_paths(), office])
    match, info = FaqIndex(KB, thesaurus=thesaurus).explain("kaunter ppid di mana")
    assert ("kaunter", "concept") in {(w, how) for w, how, _ in info.words}
    assert match.outcome == "answer" and match.entry is not None and match.entry.id == "meja"
    assert match.score > before.score + 10


def test_a_bad_thesaurus_file_is_one_line_naming_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("aduan, keluhan\nsendirian\n")
    with pytest.raises(KnowledgeBaseError, match=r"bad.txt:2: a group needs at least two terms"):
        load_thesaurus([bad])
    with pytest.raises(KnowledgeBaseError, match="no such file"):
        load_thesaurus([tmp_path / "missing.txt"])


def test_the_faq_thesaurus_key_names_the_office_file(tmp_path: Path) -> None:
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "faq.toml").write_text(
        '[[entry]]\nid = "meja"\ncategory = "kantor"\n'
        'questions = ["Di mana letak meja layanan PPID?"]\nanswer = "Lantai 1."\n'
    )
    (tmp_path / "kata.txt").write_text("meja layanan, loket, kaunter\n")
    config_path = tmp_path / "bot.toml"
    config_path.write_text('[faq]\npaths = ["kb"]\nthesaurus = ["kata.txt"]\n')
    config = load_config(config_path, environ={})
    assert config.faq.thesaurus == (tmp_path / "kata.txt",)
    service = FaqService(config.faq.paths, thesaurus=config.faq.thesaurus)
    assert tmp_path / "kata.txt" in service.watched
    assert service.thesaurus.concepts("kaunter")


def test_dpt_in_the_thesaurus_is_the_voter_list_not_the_chat_spelling_of_dapat() -> None:
    # "dpt" is both the voter list (Daftar Pemilih Tetap) and chat for "dapat"; loaded as chat
    # it became a function word and the voter-list group lost it ("tidak masuk dpt" too).
    thesaurus = default_thesaurus()
    voter_list = dict(thesaurus.phrases["daftar", "pemilih"])[("daftar", "pemilih", "tetap")]
    assert thesaurus.concepts("dpt") == voter_list
    assert not thesaurus.concepts("dapat")
    phrases = [p for p, _ in thesaurus.phrases.get(("tidak", "masuk"), ())]
    assert ("tidak", "masuk", "dpt") in phrases
    assert ("tidak", "masuk", "dapat") not in phrases


def _concepts(thesaurus: Thesaurus, term: str) -> frozenset[str]:
    words = term.split()
    if len(words) == 1:
        return thesaurus.concepts(term)
    return frozenset().union(*(c for _, _, c in thesaurus.phrase_concepts(words)))


def test_everyday_words_of_any_office_share_a_concept_and_ambiguous_ones_do_not() -> None:
    thesaurus = default_thesaurus()

    def share(a: str, b: str) -> bool:
        return bool(_concepts(thesaurus, a) & _concepts(thesaurus, b))

    # Formal, chat, regional and English words of one meaning.
    assert share("ketinggalan", "lupa bawa") and share("kuitansi", "bukti pembayaran")
    assert share("dititipkan", "titip") and share("tumbas", "beli") and share("suwek", "robek")
    assert share("screenshot", "tangkapan layar") and share("japri", "direct message")
    assert share("bayar berapa", "biaya") and share("uangnya berapa", "biaya")
    # "uang" alone may be campaign money, not a fee; English "issue" is mostly a problem, not
    # a document being issued: the cost and issuing groups leave them out.
    assert _concepts(thesaurus, "uang") and not share("uang", "biaya")
    assert _concepts(thesaurus, "issue") and not share("issue", "diterbitkan")


def test_a_chat_cost_question_meets_the_fee_entry_and_campaign_money_does_not() -> None:
    without = load_thesaurus(
        p for p in default_thesaurus_paths() if not p.name.startswith(("16_", "17_"))
    )
    assert FaqIndex(KB, thesaurus=without).match("bayar berapa?").outcome == "abstain"
    match = FaqIndex(KB).match("bayar berapa?")
    assert match.outcome == "answer" and match.entry is not None and match.entry.id == "biaya"
    assert FaqIndex(KB).match("uang kampanye berapa").outcome == "abstain"


SECTOR_KB = KnowledgeBase(
    entries=(
        Entry(
            "ijazah-hilang",
            "pendidikan",
            ("Bagaimana cara mengurus ijazah yang hilang?",),
            "Ajukan surat keterangan pengganti ijazah ke dinas pendidikan.",
        ),
        Entry(
            "pju-mati",
            "pekerjaan umum",
            ("Ke mana melapor lampu penerangan jalan umum yang mati?",),
            "Laporkan lokasi tiangnya ke dinas perhubungan.",
        ),
        Entry(
            "sktm",
            "sosial",
            ("Apa syarat surat keterangan tidak mampu?",),
            "Pengantar RT/RW, KTP dan KK.",
        ),
        Entry(
            "banjir",
            "bencana",
            ("Rumah saya kebanjiran, ke mana minta pertolongan?",),
            "Hubungi pusat pengendalian operasi BPBD.",
        ),
    ),
    sources=(),
)


def _without_sectors() -> Thesaurus:
    return load_thesaurus(
        p for p in default_thesaurus_paths() if not p.name.startswith(("18_", "19_"))
    )


@pytest.mark.parametrize(
    ("message", "entry_id"),
    [
        ("sttb saya hilang, gimana ngurusnya?", "ijazah-hilang"),
        ("pju mati lapor ke mana", "pju-mati"),
        ("street lights out, where do I report it?", "pju-mati"),
        ("poverty certificate requirements", "sktm"),
        ("my home was inundated, where can I get help", "banjir"),
        ("rumah kena air bah, minta tolong ke mana", "banjir"),
    ],
)
def test_a_citizen_s_sector_word_meets_the_entry_written_in_the_office_s_word(
    message: str, entry_id: str
) -> None:
    assert_carried_by_groups(SECTOR_KB, _without_sectors(), message, entry_id)


def test_a_poverty_letter_in_chat_words_is_the_certificate_of_inability() -> None:
    # Once carried by the sector groups alone; since the groups count as 0.85 of a word,
    # the everyday groups ("miskin" is "tidak mampu") carry it as well.
    match = FaqIndex(SECTOR_KB).match("syarat bikin surat miskin apa aja")
    assert match.outcome == "answer" and match.entry is not None and match.entry.id == "sktm"


def assert_carried_by_groups(
    kb: KnowledgeBase, without: Thesaurus, message: str, entry_id: str
) -> None:
    """``message`` gets ``entry_id`` with the packaged thesaurus, and the groups left out of
    ``without`` are what carries it: without them it scores clearly less."""
    before = FaqIndex(kb, thesaurus=without).match(message)
    match = FaqIndex(kb).match(message)
    assert match.outcome == "answer" and match.entry is not None and match.entry.id == entry_id
    assert match.score > before.score + 5


def test_a_phrase_inside_a_longer_one_keeps_its_own_concept() -> None:
    thesaurus = default_thesaurus()
    found = thesaurus.phrase_concepts("surat keterangan tidak mampu".split())
    concepts = frozenset().union(*(c for _, _, c in found))
    # A poverty certificate (18_) and, still, a "surat keterangan" (10_, a referent): an
    # entry that says it is not a near miss for a message that asks for a certificate.
    assert any(c.startswith("18_") for c in concepts)
    assert concepts & thesaurus.concepts("certificate")
    # A shorter phrase of the same group adds nothing twice.
    nested = thesaurus.phrase_concepts("akta kelahiran anak".split())
    assert len(nested) == 1


def test_a_word_that_means_different_things_in_two_sectors_is_grouped_only_in_phrases() -> None:
    thesaurus = default_thesaurus()

    def sector_concepts(term: str) -> frozenset[str]:
        return frozenset(c for c in _concepts(thesaurus, term) if c.startswith(("18_", "19_")))

    def share(a: str, b: str) -> bool:
        return bool(_concepts(thesaurus, a) & _concepts(thesaurus, b))

    # "kartu", "surat", "izin", "bantuan", "pajak", "paket" alone name no sector's document.
    for bare in ("kartu", "surat", "izin", "bantuan", "pajak", "paket", "kia", "tpa", "pkl"):
        assert not sector_concepts(bare), bare
    # "KIA" is a child's identity card and the mother-and-child health book: each phrase
    # meets its own words, never the other's.
    assert share("kartu identitas anak", "child identity card")
    assert share("buku kia", "buku pink")
    assert not share("buku kia", "kartu identitas anak")
    # "TPS" alone is the polling station; "TPS sampah" is the waste depot.
    assert share("tps sampah", "depo sampah") and not share("tps", "depo sampah")
    # "PKL" is a student's field work here, not street vendors.
    assert share("pedagang kaki lima", "street vendor") and not share("pkl", "pedagang kaki lima")


def _kb(*rows: tuple[str, str, str, str]) -> KnowledgeBase:
    """A knowledge base of (id, category, one question, answer) rows."""
    return KnowledgeBase(entries=tuple(Entry(i, c, (q,), a) for i, c, q, a in rows), sources=())


SITUATION_KB = _kb(
    (
        "akta-kelahiran",
        "kependudukan",
        "Bagaimana cara mengurus akta kelahiran?",
        "Akta kelahiran diurus di Disdukcapil dengan surat keterangan lahir dan KK.",
    ),
    (
        "akta-kematian",
        "kependudukan",
        "Bagaimana cara mengurus akta kematian?",
        "Akta kematian diurus dengan surat keterangan kematian dari desa.",
    ),
    (
        "surat-pindah",
        "kependudukan",
        "Bagaimana mengurus surat pindah domisili?",
        "Surat pindah diajukan lewat aplikasi atau loket Disdukcapil.",
    ),
    (
        "pengaduan-pelayanan",
        "pengaduan",
        "Ke mana menyampaikan pengaduan pelayanan?",
        "Pengaduan pelayanan disampaikan lewat kanal pengaduan resmi.",
    ),
    ("jam-layanan", "kantor", "Jam berapa kantor buka?", "Senin-Jumat 08.00-15.00."),
)


def _without_situations() -> Thesaurus:
    return load_thesaurus(p for p in default_thesaurus_paths() if not p.name.startswith("23_"))


@pytest.mark.parametrize(
    ("message", "entry_id"),
    [
        ("anak saya baru lahir kemarin", "akta-kelahiran"),
        ("orang tua saya meninggal dunia minggu lalu", "akta-kematian"),
        # ("pindah rumah" is carried by the general group of moving as well: that group's
        # phrase explains both its words.)
        ("mau pindah ke luar kota", "surat-pindah"),
    ],
)
def test_a_situation_a_citizen_tells_meets_the_service_that_handles_it(
    message: str, entry_id: str
) -> None:
    assert_carried_by_groups(SITUATION_KB, _without_situations(), message, entry_id)


def test_a_situation_is_no_service_the_knowledge_base_lacks() -> None:
    # A lost identity card is a situation too, of a service this office does not list.
    assert FaqIndex(SITUATION_KB).match("KTP saya hilang waktu mudik").outcome == "abstain"


def test_a_phrase_of_words_the_knowledge_base_uses_apart_is_read_as_the_phrase() -> None:
    # "anak", "baru" and "lahir" are each words of this knowledge base (a child's card, a new
    # identity card, a birth keyword), never together: "anak baru lahir" is a birth, read
    # through its concept. A phrase the knowledge base writes itself is read as it means it.
    kb = _kb(
        (
            "akta-kelahiran",
            "kependudukan",
            "Bagaimana cara mengurus akta kelahiran?",
            "Akta kelahiran diurus dengan surat keterangan lahir dan KK orang tua.",
        ),
        ("kia", "kependudukan", "Bagaimana membuat kartu identitas anak?", "KIA untuk anak."),
        ("ktp-baru", "kependudukan", "Apa syarat membuat KTP baru?", "KTP baru umur 17 tahun."),
        ("surat-pindah", "kependudukan", "Bagaimana mengurus surat pindah?", "Lewat aplikasi."),
        ("jam-layanan", "kantor", "Jam berapa kantor buka?", "Senin-Jumat."),
    )
    birth = replace(kb.entries[0], keywords=("lahir",))
    kb = replace(kb, entries=(birth, *kb.entries[1:]))
    match = FaqIndex(kb).match("anak saya baru lahir kemarin")
    assert match.outcome == "answer" and match.entry is not None
    assert match.entry.id == "akta-kelahiran"


ELECTION_KB = _kb(
    (
        "politik-uang",
        "pelanggaran",
        "Bagaimana melaporkan politik uang?",
        "Laporkan ke pengawas dengan bukti amplop atau barang yang dibagikan.",
    ),
    (
        "pindah-memilih",
        "hak pilih",
        "Bagaimana cara pindah memilih ke daerah lain?",
        "Urus formulir pindah memilih di KPU asal atau tujuan.",
    ),
    ("honor-ptps", "rekrutmen", "Berapa honor pengawas TPS?", "Honor pengawas TPS dibayar sekali."),
    ("jam-layanan", "kantor", "Jam berapa kantor PPID buka?", "Senin-Jumat 08.00-16.00."),
    ("biaya", "biaya", "Apakah meminta informasi dipungut biaya?", "Gratis."),
)


@pytest.mark.parametrize("message", ["pindah TPS", "mau pindah tps gimana caranya"])
def test_a_referent_inside_a_phrase_is_named_by_the_entry_about_the_phrase(message: str) -> None:
    # "pindah TPS" is moving one's vote: the entry about moving one's vote never says "TPS",
    # yet it is the one the message names; before, "TPS" counted as a place that entry never
    # mentions and the pay of polling-station supervisors was answered.
    match = FaqIndex(ELECTION_KB).match(message)
    assert match.outcome == "answer" and match.entry is not None
    assert match.entry.id == "pindah-memilih"
    # Said alone, a polling station is still a place the office-hours entry never mentions.
    assert FaqIndex(ELECTION_KB).match("jam buka TPS").outcome == "abstain"


def test_words_the_index_does_not_know_inside_a_phrase_weigh_as_the_phrase_once() -> None:
    # "vote" and "buying" are neither in this knowledge base nor in the glossary; together
    # they are "vote buying", politik uang, one topic the entry explains. Before, each weighed
    # as an unknown word beside the phrase's evidence, and the message was refused.
    index = FaqIndex(ELECTION_KB)
    match, info = index.explain("vote buying")
    assert match.outcome == "answer" and match.entry is not None
    assert match.entry.id == "politik-uang"
    assert [weight > 0 for word, _how, weight in info.words] == [True, False]
    # Each unknown word outside a phrase still weighs: the message then says more.
    assert index.match("vote buying di desa saya").score < match.score


def test_an_entry_with_a_phrase_s_meaning_explains_every_word_of_the_phrase() -> None:
    # "beli suara" is vote buying, one meaning in two words. The entry about it explained one
    # word's worth of the message, while "suara" alone counted for the count of the votes, and
    # the citizen was refused.
    votes = Entry("hasil-suara", "hasil", ("Di mana melihat hasil penghitungan suara?",), "KPU.")
    money, _moving, *rest = ELECTION_KB.entries
    kb = replace(ELECTION_KB, entries=(money, votes, *rest))
    match = FaqIndex(kb).match("mau lapor orang beli suara")
    assert match.outcome == "answer" and match.entry is not None
    assert match.entry.id == "politik-uang"
    default = FaqIndex(load_knowledge_base(default_paths()))
    match = default.match("Bagaimana mengadukan praktik beli suara di lingkungan saya?")
    assert match.outcome == "answer" and match.entry is not None
    assert match.entry.id == "politik-uang"


def test_a_phrase_is_read_though_the_knowledge_base_uses_its_one_word() -> None:
    # "bayar gak" asks whether one pays: the thesaurus reads it as a cost question. "bayar" is
    # a word of the default knowledge base, and a phrase of one such word was left to that
    # word alone (at first even with the negation). Before, "minta data" carried the message
    # to the entry about data the office does not hold.
    match = FaqIndex(load_knowledge_base(default_paths())).match("minta data bayar gak")
    assert match.outcome == "answer" and match.entry is not None
    assert match.entry.id == "biaya-permohonan"
    # "perlu bawa" (what to bring: the requirements) with no negation: the social affairs
    # office's knowledge base says "membawa" in its answers, so the phrase was read as the
    # word, and the entry on how to ask answered (61.2) ahead of the one on requirements.
    office = FaqIndex(load_knowledge_base([BENCHMARKS / "train_faq_dinsos" / "faq.toml"]))
    match = office.match("Kalau minta data ke PPID perlu bawa apa saja?")
    assert match.outcome == "answer" and match.entry is not None
    assert match.entry.id == "syarat-permohonan-informasi"


def test_a_phrase_s_later_words_may_be_said_in_another_form_or_word_of_their_group(
    tmp_path: Path,
) -> None:
    # A phrase is found by its first two words as written; after them a citizen may say
    # another form of a word ("membuka" for "dibuka") or a word of its group ("masyarakat"
    # for "publik"). Before, "tidak boleh dibuka ke masyarakat" was no phrase at all.
    groups = tmp_path / "groups.txt"
    groups.write_text(
        "rahasia, tidak boleh dibuka ke publik\npublik, masyarakat, umum\n", encoding="utf-8"
    )
    thesaurus = load_thesaurus([groups])
    secret = thesaurus.concepts("rahasia")

    def read(text: str) -> frozenset[str]:
        return frozenset().union(*(c for _, _, c in thesaurus.phrase_concepts(text.split())))

    assert read("data yang tidak boleh dibuka ke publik") == secret
    assert read("data yang tidak boleh dibuka ke masyarakat") == secret
    assert read("data yang tidak boleh membuka ke publik") == secret
    assert read("data yang tidak boleh buka ke publik") == secret
    # Another thing, or another function word, is another phrase.
    assert read("data yang tidak boleh dibuka ke kantor") == frozenset()
    assert read("data yang tidak boleh dibuka untuk publik") == frozenset()


def test_a_question_word_weighs_the_same_whatever_concepts_the_thesaurus_gives_it(
    tmp_path: Path,
) -> None:
    # "pasien baru" in a canonical question: a group for that phrase lets "new patient" meet
    # it, and must not make "baru" weigh more (a phrase's concept is rare, so it did), which
    # changed how much of the question "mendaftar pasien" covers.
    kb = _kb(
        ("daftar", "pasien", "Bagaimana cara mendaftar sebagai pasien baru?", "Di loket."),
        ("besuk", "pasien", "Kapan jam besuk pasien rawat inap?", "Pukul 16.00-19.00."),
        ("igd", "darurat", "Apakah IGD buka 24 jam?", "Ya."),
        ("tarif", "biaya", "Berapa tarif pasien umum?", "Sesuai perda."),
        ("jam", "kantor", "Jam berapa loket buka?", "Senin-Jumat."),
    )
    common = tmp_path / "umum.txt"
    common.write_text("daftar, mendaftar, register\n", encoding="utf-8")
    extra = tmp_path / "pasien.txt"
    extra.write_text("pasien baru, new patient, first visit\n", encoding="utf-8")
    readings = []
    for paths in ([common], [common, extra]):
        _match, info = FaqIndex(kb, thesaurus=load_thesaurus(paths)).explain("mendaftar pasien")
        readings.append(info.ranked[0])
    assert readings[0][0] == readings[1][0] == "daftar"
    assert readings[0][3] == pytest.approx(readings[1][3])  # covered


def test_a_verb_object_phrase_is_found_in_the_passive_too(tmp_path: Path) -> None:
    # Indonesian passive voice puts the object first: "data diminta" is "meminta data".
    groups = tmp_path / "groups.txt"
    groups.write_text("permohonan informasi, meminta data, request data\n", encoding="utf-8")
    thesaurus = load_thesaurus([groups])

    assert spans(thesaurus, "saya mau meminta data") == [(2, 4)]
    assert spans(thesaurus, "data diminta ke mana") == [(0, 2)]
    # A pointing word and a modal between.
    assert spans(thesaurus, "apakah data itu bisa diminta") == [(1, 5)]
    # A negation between is another matter; so is a word that is no passive of the verb.
    assert spans(thesaurus, "data tidak diminta") == []
    assert spans(thesaurus, "data dikirim ke mana") == []
    assert spans(thesaurus, "data saya kemarin sudah diminta") == []


def test_a_phrase_is_found_with_the_owner_after_its_noun(tmp_path: Path) -> None:
    # "ktp saya hilang" is "ktp hilang": a possessive pronoun does not change the meaning.
    groups = tmp_path / "groups.txt"
    groups.write_text("kehilangan dokumen, ktp hilang, lost my id card\n", encoding="utf-8")
    thesaurus = load_thesaurus([groups])

    assert spans(thesaurus, "ktp hilang") == [(0, 2)]
    assert spans(thesaurus, "kemarin ktp saya hilang di pasar") == [(1, 4)]
    assert spans(thesaurus, "ktp kami hilang") == [(0, 3)]
    # Only an owner: another word between is another phrase.
    assert spans(thesaurus, "ktp lama hilang") == []
    assert spans(thesaurus, "ktp saya tidak hilang") == []


def test_a_lost_wallet_is_asked_like_the_knowledge_base_s_lost_belongings() -> None:
    # The hospital's lost-property entry says "barang saya hilang"; read as "barang hilang"
    # it meets a message about a wallet left behind (43.5 before, below the threshold).
    index = FaqIndex(load_knowledge_base([BENCHMARKS / "train_faq_rsud" / "faq.toml"]))
    match = index.match(
        "Dompet saya ketinggalan di ruang tunggu poli, ke mana saya harus menanyakannya?"
    )
    assert match.outcome == "answer" and match.entry is not None
    assert match.entry.id == "barang-hilang"


def test_asking_for_data_is_a_request_for_information_in_either_voice() -> None:
    # "minta data" stood only inside longer phrases ("mau minta data"), so neither the plain
    # phrase nor its passive ("data itu bisa diminta") was read as a request for information:
    # "syarat minta data" got the research permit's entry.
    thesaurus = default_thesaurus()

    def concepts(text: str) -> set[str]:
        return {c for _s, _e, found in thesaurus.phrase_concepts(text.split()) for c in found}

    asked = concepts("minta data")
    assert asked and asked == concepts("meminta data")
    assert asked <= concepts("apakah data itu bisa diminta")
    index = FaqIndex(load_knowledge_base([BENCHMARKS / "train_faq_bawaslu" / "faq.toml"]))
    match = index.match("syarat minta data")
    assert match.outcome == "answer" and match.entry is not None
    assert match.entry.id == "syarat-permohonan-informasi"


def test_what_may_not_be_given_out_is_exempt_information() -> None:
    # "yg gk boleh dikasih ke publik" (may not be given to the public) asks what is exempt;
    # the request entry answered it ("info", "publik"): only "tidak boleh dibuka ke publik"
    # and hearsay ("katanya rahasia") were read as exempt information.
    thesaurus = default_thesaurus()

    def concepts(text: str) -> set[str]:
        words = tokenize(text)
        return {c for _s, _e, found in thesaurus.phrase_concepts(words) for c in found}

    exempt = concepts("katanya rahasia")
    assert exempt and exempt <= concepts("info yg gk boleh dikasih ke publik")
    assert exempt <= concepts("data izin orang lain gk bisa diminta")
    index = FaqIndex(load_knowledge_base([BENCHMARKS / "train_faq_bawaslu" / "faq.toml"]))
    match = index.match("info apa aja yg ga boleh dikasih ke publik?")
    assert match.outcome == "answer" and match.entry is not None
    assert match.entry.id == "informasi-dikecualikan"


def test_a_phrase_s_second_word_may_be_said_in_another_word_of_its_group(
    tmp_path: Path,
) -> None:
    # "perkembangan permintaan" is "perkembangan permohonan": only the words after the
    # second could be said otherwise, so the hospital's request-status entry was not met.
    groups = tmp_path / "groups.txt"
    groups.write_text(
        "status permohonan, perkembangan permohonan, progress\npermohonan, permintaan, request\n",
        encoding="utf-8",
    )
    thesaurus = load_thesaurus([groups])

    assert spans(thesaurus, "perkembangan permohonan saya") == [(0, 2)]
    assert spans(thesaurus, "perkembangan permintaan saya") == [(0, 2)]
    # The first word stays as written: it is what the phrase is about.
    assert spans(thesaurus, "kemajuan permintaan saya") == []
    index = FaqIndex(load_knowledge_base([BENCHMARKS / "train_faq_rsud" / "faq.toml"]))
    match = index.match("Saya ingin tahu perkembangan permintaan data yang sudah saya kirim")
    assert match.outcome == "answer" and match.entry is not None
    assert match.entry.id == "status-permohonan"


def test_a_phrase_asked_about_with_apa_saja_inside_is_still_the_phrase() -> None:
    # "dokumen apa saja yang bisa diakses" asks which of "the documents that can be
    # accessed" (the register of public information): the question words split the phrase.
    thesaurus = default_thesaurus()
    words = tokenize("Dokumen apa saja yang bisa diakses masyarakat dari dinas ini?")
    whole = [c for s, e, c in thesaurus.phrase_concepts(tokenize("dokumen yang bisa diakses"))]
    found = thesaurus.phrase_concepts(words)
    assert (0, 6, whole[0]) in found
    index = FaqIndex(load_knowledge_base([BENCHMARKS / "train_faq_ptsp" / "faq.toml"]))
    match = index.match("Dokumen apa saja yang bisa diakses masyarakat dari dinas ini?")
    assert match.outcome == "answer"
    assert match.entry is not None and match.entry.id == "ppid-daftar-informasi-publik"


def test_a_common_acronym_says_the_name_the_questions_spell_out() -> None:
    # The question writes "peraturan daerah"; "Perda" (in the acronym list) said one word of
    # it. It now says the name for coverage, without weighing more.
    kb = KnowledgeBase(
        entries=(
            Entry(
                "produk-hukum",
                "hukum",
                ("Di mana saya bisa membaca peraturan daerah dan peraturan wali kota?",),
                "Di laman JDIH.",
            ),
            *KB.entries,
        ),
        sources=(),
    )
    index = FaqIndex(kb)
    _match, spelled = index.explain("teks peraturan daerah parkir di mana")
    _match, said = index.explain("teks perda parkir di mana")
    # (entry, score, explained, covered, fuzzy): both words of the name, at a concept's
    # confidence (the name said in full covers a third of the question).
    full = next(r for r in spelled.ranked if r[0] == "produk-hukum")
    short = next(r for r in said.ranked if r[0] == "produk-hukum")
    assert short[3] == pytest.approx(_CONF_THESAURUS * full[3])
    assert short[2] < full[2]  # it explains no more of the message than before


def test_a_phrase_s_second_word_in_another_form_of_its_root_is_still_the_phrase() -> None:
    # "villa sewaan" (a villa for rent) is the group's "villa disewakan"; the later words of a
    # phrase could already be said in another form, the second could not.
    thesaurus = default_thesaurus()
    said = thesaurus.phrase_concepts(tokenize("mau bikin villa sewaan buat turis"))
    written = thesaurus.phrase_concepts(tokenize("villa disewakan"))
    assert (2, 4, written[0][2]) in said
