"""A wish to talk to a person opens a ticket; a question that mentions officers does not.

Issue 16: "Kapan live chat PPID dilayani oleh petugas?" opened a ticket because "chat" stood
within three words of "petugas". The sentences below were written from the language (how
citizens ask for a person, and how they ask about officers), not collected from any log.
"""

from __future__ import annotations

import pytest

from bot.core.intents import wants_person

WISHES = [
    "mau bicara dengan petugas",
    "sambungkan ke admin dong",
    "saya ingin berbicara dengan petugas",
    "min tolong sambungkan ke admin dong",
    "bisa chat sama orang asli?",
    "pengen ngobrol sama manusia aja",
    "tolong hubungkan saya dengan petugas",
    "saya mau ngomong langsung sama admin",
    "boleh bicara dengan petugas?",
    "apakah bisa bicara dengan petugas sekarang?",
    "mohon dihubungkan dengan petugas",
    "sambungin ke cs dong",
    "panggilkan petugas",
    "panggil admin dong",
    "admin dong",
    "petugas tolong",
    "tolong petugas",
    "petugas",
    "admin",
    "cs",
    "saya butuh bicara dengan pegawai PPID",
    "perlu ngobrol sama staf, bukan bot",
    "bisakah saya dialihkan ke petugas?",
    "minta disambungkan ke operator",
    "mau chat dengan admin yang asli",
    "gmn caranya ngobrol sama petugas beneran",
    "bagaimana cara bicara dengan petugas?",
    "saya mau dilayani oleh petugas saja",
    "mau diteruskan ke petugas",
    "min, mo ngomong sm admin",
    "I want to talk to a human",
    "can I speak to an officer please",
    "talk to a human",
    "connect me to an agent",
    "I need to speak with a real person",
    "please transfer me to a staff member",
    "could I talk to someone?",
    "let me chat with an officer",
    "human please",
    "real person",
    "can you connect me with customer service",
    "I would like to speak to a representative",
    "wanna talk to a person",
    "kak, saya ingin bicara dengan petugas sekarang",
]

QUESTIONS = [
    "Kapan live chat PPID dilayani oleh petugas?",
    "kapan chat ini dibalas petugas?",
    "bagaimana cara mengadukan petugas?",
    "cara melaporkan petugas yang kasar",
    "berapa jumlah petugas KPPS di setiap TPS?",
    "jam berapa petugas mulai melayani?",
    "siapa petugas PPID yang bertugas hari ini?",
    "apakah petugas boleh meminta uang?",
    "petugas meminta bayaran, apakah itu pungli?",
    "petugas TPS tidak netral, lapor ke mana?",
    "bagaimana cara mendaftar jadi petugas pengawas TPS?",
    "syarat menjadi petugas pemilu",
    "berapa honor petugas KPPS?",
    "apakah pesan di luar jam kerja dibalas petugas?",
    "kenapa petugas tidak membalas chat saya?",
    "mengapa admin lama sekali menjawab?",
    "kapan admin online?",
    "jam berapa admin membalas pesan?",
    "apa tugas petugas PPID?",
    "petugas di kantor bersikap tidak sopan",
    "saya mau mengadukan petugas yang kasar",
    "mau komplain soal pelayanan petugas",
    "apakah chat ini dijawab oleh manusia atau bot?",
    "berapa lama petugas menjawab permohonan?",
    "di mana saya bisa melihat nama petugas PPID?",
    "apakah petugas KPPS harus lulusan SMA?",
    "mau minta data anggaran",
    "berapa biaya salinan putusan",
    "jam berapa kantor buka?",
    "saya ingin menjadi petugas KPPS",
    "petugas bilang dokumen saya kurang, syaratnya apa?",
    "apakah petugas bisa dihubungi lewat telepon?",
    "how do I apply to become an election officer?",
    "when is the live chat answered by staff?",
    "how do I complain about a rude officer?",
    "what are the working hours of the staff?",
    "why did the officer reject my request?",
    "how many officers work at a polling station?",
    "is the chat answered by a human or a bot?",
    "who is the information officer?",
    "the officer asked me for money, is that allowed?",
    "berapa gaji admin medsos KPU?",
    "orang yang mewakili saya perlu bawa apa?",
    "apakah orang lain boleh mengambil dokumen saya?",
]


def test_there_are_enough_sentences_of_each_kind() -> None:
    assert len(WISHES) >= 40 and len(QUESTIONS) >= 40


@pytest.mark.parametrize("text", WISHES)
def test_a_wish_to_talk_to_a_person_is_a_wish(text: str) -> None:
    assert wants_person(text)


@pytest.mark.parametrize("text", QUESTIONS)
def test_a_question_that_mentions_officers_is_not_a_wish_to_talk_to_one(text: str) -> None:
    assert not wants_person(text)
