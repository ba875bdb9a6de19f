"""What kind of answer a question asks for, read from its question words.

Two messages about the same subject can ask different things: "berapa lama permohonan
diproses" wants a duration, "bagaimana cara mengajukan permohonan" a procedure. Question words
are stopwords for topic matching, so they are read here separately, from the normalized word
sequence, into a few coarse *intents*. The matcher compares the intents of a message with those
of an entry's canonical questions: an entry that never answers the kind of question asked is
less likely to be the right one.

Only intents that are reliably marked in chat Indonesian and English are detected; "how" and
yes/no questions are too loose to tell entries apart and are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

WHEN = "when"  # a moment, a duration or a deadline
COST = "cost"  # a price or whether something is free
WHERE = "where"  # a place or a channel
WHO = "who"  # a person or a body

# Single words that mark an intent on their own.
_WORDS: dict[str, str] = {
    "kapan": WHEN,
    "when": WHEN,
    "deadline": WHEN,
    "tenggat": WHEN,
    "durasi": WHEN,
    "biaya": COST,
    "tarif": COST,
    "ongkos": COST,
    "bayar": COST,
    "membayar": COST,
    "dibayar": COST,
    "gratis": COST,
    "pungutan": COST,
    "dipungut": COST,
    "harga": COST,
    "fee": COST,
    "fees": COST,
    "cost": COST,
    "costs": COST,
    "free": COST,
    "pay": COST,
    "price": COST,
    "charge": COST,
    # Someone's pay is an amount of money too: a question about it wants one.
    "gaji": COST,
    "honor": COST,
    "honorarium": COST,
    "upah": COST,
    "bayaran": COST,
    "salary": COST,
    "wage": COST,
    "wages": COST,
    "paid": COST,
    # Whether something is dear or cheap asks its price ("mahal gk sih?").
    "mahal": COST,
    "murah": COST,
    "expensive": COST,
    "cheap": COST,
    "pricey": COST,
    "affordable": COST,
    "where": WHERE,
    "alamat": WHERE,
    "lokasi": WHERE,
    "letak": WHERE,
    "located": WHERE,
    "siapa": WHO,
    "who": WHO,
    "whom": WHO,
}

# "berapa X": the noun after "berapa" says what is counted.
_BERAPA: dict[str, str] = {
    "lama": WHEN,
    "hari": WHEN,
    "minggu": WHEN,
    "bulan": WHEN,
    "tahun": WHEN,
    "biaya": COST,
    "biayanya": COST,
    "harga": COST,
    "harganya": COST,
    "tarif": COST,
    "tarifnya": COST,
    "uang": COST,
    "rupiah": COST,
    "ongkos": COST,
    "ongkosnya": COST,
}

# Two-word markers.
_PAIRS: dict[tuple[str, str], str] = {
    ("batas", "waktu"): WHEN,
    ("jangka", "waktu"): WHEN,
    ("tenggat", "waktu"): WHEN,
    ("paling", "lambat"): WHEN,
    ("paling", "lama"): WHEN,
    ("how", "long"): WHEN,
    ("how", "soon"): WHEN,
    ("how", "much"): COST,
    # "hari apa (saja) buka", "what time": which day or hour, a moment like "kapan".
    ("hari", "apa"): WHEN,
    ("jam", "berapa"): WHEN,
    ("pukul", "berapa"): WHEN,
    ("what", "time"): WHEN,
    ("what", "day"): WHEN,
    ("di", "mana"): WHERE,
    ("ke", "mana"): WHERE,
    ("dari", "mana"): WHERE,
    ("lewat", "mana"): WHERE,
    ("melalui", "mana"): WHERE,
    # "di sebelah mana": which side (of a building, a street, a town).
    ("sebelah", "mana"): WHERE,
}


# Every word that can start a marker: most words of a message are none and are skipped.
_STARTS = (
    frozenset(_WORDS) | {first for first, _ in _PAIRS} | frozenset(_BERAPA) | {"berapa", "how"}
)


# Words that say nothing but the intent they mark: no topic of a message ("gaji" marks a
# cost too, and someone's pay is a topic). "Sebelah" (the side of, next to) says where,
# whether it asks ("di sebelah mana") or tells ("rumah sebelah").
_ONLY_INTENT = frozenset(
    ("mahal", "murah", "expensive", "cheap", "pricey", "affordable", "sebelah")
)


def only_intent(word: str) -> bool:
    """Whether a normalized word says nothing but the intent it marks ("mahal gk sih?")."""
    return word in _ONLY_INTENT


def intents(words: Sequence[str]) -> frozenset[str]:
    """The intents marked in a normalized word sequence (possibly none)."""
    found: set[str] = set()
    for pos, word in enumerate(words):
        if word not in _STARTS and not word.endswith("nya"):
            continue
        hit = _WORDS.get(word)
        if hit is None and word.endswith("nya") and len(word) > 5:
            hit = _WORDS.get(word[:-3])  # "biayanya", "alamatnya": the possessive keeps the sense
        if hit is not None:
            found.add(hit)
        if pos + 1 < len(words):
            nxt = words[pos + 1]
            pair = _PAIRS.get((word, nxt))
            if pair is not None:
                found.add(pair)
            if word == "berapa":
                counted = _BERAPA.get(nxt)
                if counted is not None:
                    found.add(counted)
            if nxt == "berapa" and word in _BERAPA:
                found.add(_BERAPA[word])  # "biayanya berapa", "uang berapa"
            if word == "how" and nxt == "many" and pos + 2 < len(words):
                if words[pos + 2] in ("days", "weeks", "months", "hours"):
                    found.add(WHEN)
    return frozenset(found)


# Aspects of one matter: its requirements (what to bring, which documents), its procedure
# (the steps, how to) and, once handed in, its status. Nearly every service has the first two,
# so an entry's answer often gives them while its questions ask for one; and "how" is asked
# loosely ("bagaimana jika ..."). Read as a tie-breaker only (faq.index): among the entries
# scored for a message that asks for an aspect, one whose questions ask for it answers that
# aspect, the others another aspect of the same matter ("syarat minta data": the requirements
# of a request, not how to make one; "prosedurnya seperti apa": how to make one, not its
# requirements).
REQUIREMENTS = "requirements"
PROCEDURE = "procedure"
# Where a thing already handed in stands now ("sudah sampai mana", "statusnya"): not how to
# hand it in, nor what it needs.
STATUS = "status"

_ASPECT_WORDS: dict[str, str] = {
    "syarat": REQUIREMENTS,
    "syaratnya": REQUIREMENTS,
    "persyaratan": REQUIREMENTS,
    "persyaratannya": REQUIREMENTS,
    "kelengkapan": REQUIREMENTS,
    "lampiran": REQUIREMENTS,
    "dilampirkan": REQUIREMENTS,
    "lampirannya": REQUIREMENTS,
    "siapkan": REQUIREMENTS,
    "disiapkan": REQUIREMENTS,
    "persiapkan": REQUIREMENTS,
    "dipersiapkan": REQUIREMENTS,
    "requirement": REQUIREMENTS,
    "requirements": REQUIREMENTS,
    "prerequisite": REQUIREMENTS,
    "prerequisites": REQUIREMENTS,
    "cara": PROCEDURE,
    "caranya": PROCEDURE,
    "prosedur": PROCEDURE,
    "prosedurnya": PROCEDURE,
    "langkah": PROCEDURE,
    "alur": PROCEDURE,
    "alurnya": PROCEDURE,
    "mekanisme": PROCEDURE,
    "mekanismenya": PROCEDURE,
    "tahapan": PROCEDURE,
    "procedure": PROCEDURE,
    "steps": PROCEDURE,
    "process": PROCEDURE,
    "status": STATUS,
    "statusnya": STATUS,
    "progres": STATUS,
    "progresnya": STATUS,
    "perkembangan": STATUS,
    "perkembangannya": STATUS,
    "lacak": STATUS,
    "melacak": STATUS,
    "dilacak": STATUS,
    "ditindaklanjuti": STATUS,
    "progress": STATUS,
    "track": STATUS,
    "tracking": STATUS,
}
# "bawa apa", "perlu bawa": what to bring ("dokumen apa" is left out: "dokumen apa yang
# tersedia" asks which documents there are); "how do I", "how to", "how can I".
_ASPECT_PAIRS: dict[tuple[str, str], str] = {
    ("bawa", "apa"): REQUIREMENTS,
    ("dibawa", "apa"): REQUIREMENTS,
    ("perlu", "bawa"): REQUIREMENTS,
    ("berkas", "apa"): REQUIREMENTS,
    ("harus", "bawa"): REQUIREMENTS,
    ("to", "bring"): REQUIREMENTS,
    ("documents", "needed"): REQUIREMENTS,
    # "sudah sampai mana", "sejauh mana", "di tahap apa", "belum ada kabar".
    ("sampai", "mana"): STATUS,
    ("sampai", "tahap"): STATUS,
    ("sejauh", "mana"): STATUS,
    ("tahap", "apa"): STATUS,
    ("tahap", "mana"): STATUS,
    ("ada", "kabar"): STATUS,
    ("ada", "kejelasan"): STATUS,
    ("tindak", "lanjut"): STATUS,
    ("how", "do"): PROCEDURE,
    ("how", "to"): PROCEDURE,
    ("how", "can"): PROCEDURE,
}
# English asks what is required around its subject: "what documents do I need".
_REQUIRED = frozenset(
    (
        ("do", "i", "need"),
        ("should", "i", "bring"),
        ("must", "i", "bring"),
        ("should", "i", "prepare"),
        ("must", "i", "prepare"),
    )
)
# A canonical question that asks "bagaimana ..." / "how ..." asks a procedure; a message's
# "bagaimana" too often asks what happens ("bagaimana jika ...") to say so.
_QUESTION_PROCEDURE = frozenset(("bagaimana", "how"))


def aspects(words: Sequence[str], question: bool = False) -> frozenset[str]:
    """The aspects a normalized word sequence asks for; ``question``: it is a canonical
    question of the knowledge base."""
    found = {_ASPECT_WORDS[w] for w in words if w in _ASPECT_WORDS}
    found.update(_ASPECT_PAIRS[pair] for pair in pairwise(words) if pair in _ASPECT_PAIRS)
    # "do I need", "what should I bring": what is required.
    if any(
        0 < pos < len(words) - 1 and (words[pos - 1], "i", words[pos + 1]) in _REQUIRED
        for pos, word in enumerate(words)
        if word == "i"
    ):
        found.add(REQUIREMENTS)
    if question and not _QUESTION_PROCEDURE.isdisjoint(words):
        found.add(PROCEDURE)
    return frozenset(found)


# Joining: "mendaftar jadi pengawas", "melamar sebagai panwas desa", "apply to become a
# commissioner". A verb of signing up, then within three words "jadi" / "sebagai" / "become"
# and a role: the message asks how to become one of those, which an entry about the role's
# work, pay or conduct does not answer ("cara daftar jadi anggota polri" is no question about
# police neutrality).
_JOIN_VERBS = frozenset(
    (
        "daftar",
        "mendaftar",
        "ndaftar",
        "mendaftarkan",
        "didaftarkan",
        "melamar",
        "lamar",
        "mencalonkan",
        "dicalonkan",
        "nyalon",
        "register",
        "apply",
        "enrol",
        "enroll",
        "join",
    )
)
_JOIN_AS = frozenset(("jadi", "menjadi", "sebagai", "become", "as", "be"))
_ARTICLES = frozenset(("a", "an", "the", "seorang"))
# What an entry that tells how to join says: signing up, applying, a selection, a vacancy.
_JOINING_ROOTS = frozenset(
    (
        "daftar",
        "lamar",
        "rekrut",
        "rekrutmen",
        "seleksi",
        "lowongan",
        "formasi",
        "pencalonan",
        "register",
        "registration",
        "apply",
        "application",
        "recruit",
        "recruitment",
        "vacancy",
        "enrol",
        "enroll",
        "join",
    )
)


def asks_to_join(words: Sequence[str], stop: frozenset[str]) -> bool:
    """Whether a normalized word sequence asks how to join a role ("daftar jadi pengawas");
    ``stop``: function words, which name no role ("udah daftar, jadi kapan?")."""
    for pos, word in enumerate(words):
        if word not in _JOIN_VERBS:
            continue
        for after in range(pos + 1, min(pos + 4, len(words) - 1)):
            if words[after] in _JOIN_AS:
                role = [w for w in words[after + 1 : after + 3] if w not in _ARTICLES]
                if role and role[0] not in stop:
                    return True
    return False


def tells_joining(word: str, roots: frozenset[str]) -> bool:
    """Whether a normalized word (with its candidate ``roots``) speaks of joining."""
    return word in _JOINING_ROOTS or not roots.isdisjoint(_JOINING_ROOTS)


# Becoming something, in a canonical question ("sebagai", "as", "be" say too much else there:
# "dokumen sebagai syarat", "how long will it be processed").
_BECOMING = frozenset(("jadi", "menjadi", "become", "becoming"))


def asks_becoming(words: Sequence[str], stop: frozenset[str]) -> bool:
    """Whether a canonical question asks about becoming a role ("apa syarat menjadi
    pengawas TPS?"): it answers how to join one, though it names no sign-up."""
    return any(word in _BECOMING and nxt not in stop for word, nxt in pairwise(words))


# Someone's pay: a wage, a fee for work done, an allowance. A question about it ("berapa gaji
# penyiar radio") wants what a person is paid, which an entry that only gives prices (what
# airtime costs) does not say. Wider than the pay words among _WORDS, which mark a cost asked
# by themselves: an allowance or an incentive named is pay, though "tunjangan" alone asks no
# price (faq.index reads this list only once a cost is asked).
_PAY_WORDS = frozenset(
    (
        *("gaji", "gajinya", "honor", "honornya", "honorarium", "upah", "upahnya", "bayaran"),
        *("insentif", "tunjangan", "imbalan", "salary", "salaries", "wage", "wages", "stipend"),
    )
)


def names_pay(words: Sequence[str]) -> bool:
    """Whether a normalized word sequence names someone's pay."""
    return not _PAY_WORDS.isdisjoint(words)
