"""Texts shown to citizens: Indonesian by default, English for English-speaking users.

Every text is HTML (the bot's parse mode); values substituted into it are escaped here, so a
citizen's "<b>" or "&" is shown literally and never breaks the Bot API's entity parser.
"""

from __future__ import annotations

import html
from typing import Any

LANGUAGES = ("id", "en")

TEXTS: dict[str, dict[str, str]] = {
    "start": {
        "id": (
            "Halo, {name}! 👋\n"
            "Saya asisten layanan informasi publik <b>{office}</b>.\n\n"
            "Tulis pertanyaan Anda dengan kalimat biasa, misalnya:\n"
            "• <i>bagaimana cara mengajukan permohonan informasi?</i>\n"
            "• <i>berapa lama permohonan dijawab?</i>\n"
            "• <i>jam layanan kantor</i>\n\n"
            "Saya menjawab dari daftar pertanyaan yang sering diajukan (FAQ). "
            "Pertanyaan yang belum bisa saya jawab dicatat untuk petugas."
        ),
        "en": (
            "Hello, {name}! 👋\n"
            "I am the public information service assistant of <b>{office}</b>.\n\n"
            "Type your question in plain words, for example:\n"
            "• <i>how do I request public information?</i>\n"
            "• <i>how long does a request take?</i>\n"
            "• <i>office hours</i>\n\n"
            "I answer from our list of frequently asked questions (FAQ). "
            "Questions I cannot answer yet are recorded for our officers."
        ),
    },
    "faq_answer": {
        "id": "{answer}",
        "en": "{answer}",
    },
    "faq_ambiguous": {
        "id": "Maksud Anda yang mana? Pilih salah satu:",
        "en": "Which one do you mean? Please choose:",
    },
    "faq_abstain": {
        "id": (
            "Maaf, saya belum menemukan jawaban yang tepat untuk pertanyaan itu. "
            "Pertanyaan Anda sudah dicatat untuk petugas. "
            "Anda juga dapat menuliskannya dengan kata lain."
        ),
        "en": (
            "Sorry, I could not find a reliable answer to that. "
            "Your question has been recorded for our officers. "
            "You may also try asking in other words."
        ),
    },
    "faq_stale_choice": {
        "id": "Pilihan itu sudah tidak tersedia. Silakan tulis ulang pertanyaan Anda.",
        "en": "That choice is no longer available. Please type your question again.",
    },
    "greeting": {
        "id": "Halo! Ada yang bisa kami bantu? Silakan tulis pertanyaan Anda.",
        "en": "Hello! How can we help? Please type your question.",
    },
    "thanks": {
        "id": "Sama-sama! Jika ada pertanyaan lain, silakan tulis kembali. 🙏",
        "en": "You're welcome! If you have another question, just write it here. 🙏",
    },
    "too_long": {
        "id": (
            "Pesan Anda terlalu panjang ({length} karakter; batas {limit}). "
            "Pesan sudah kami simpan. Mohon ringkas pertanyaan Anda agar dapat kami jawab."
        ),
        "en": (
            "Your message is too long ({length} characters; the limit is {limit}). "
            "We have saved it. Please shorten your question so we can answer it."
        ),
    },
    "empty": {
        "id": "Pesan Anda kosong. Silakan tulis pertanyaan Anda.",
        "en": "Your message is empty. Please type your question.",
    },
    "unsupported": {
        "id": (
            "Maaf, saya hanya dapat membaca pesan teks. "
            "Silakan tuliskan pertanyaan Anda dalam bentuk teks."
        ),
        "en": "Sorry, I can only read text messages. Please type your question as text.",
    },
    "flood": {
        "id": (
            "Anda mengirim banyak pesan dalam waktu singkat. Semua pesan tetap kami simpan, "
            "tetapi baru akan kami jawab lagi setelah sekitar satu menit. Terima kasih atas "
            "kesabaran Anda."
        ),
        "en": (
            "You are sending many messages in a short time. All of them are saved, but we will "
            "answer again in about a minute. Thank you for your patience."
        ),
    },
    "edited": {
        "id": (
            "Pesan yang diubah tidak diproses ulang. Jika ada yang ingin diperbaiki, "
            "silakan kirim sebagai pesan baru."
        ),
        "en": (
            "Edited messages are not processed again. Please send the correction as a new message."
        ),
    },
    "document_saved": {
        "id": (
            "Terima kasih, berkas {name} sudah kami simpan. Saya belum dapat membaca isi berkas; "
            "silakan tuliskan pertanyaan Anda dalam bentuk teks."
        ),
        "en": (
            "Thank you, the file {name} has been saved. I cannot read files; "
            "please type your question as text."
        ),
    },
    "document_too_big": {
        "id": (
            "Maaf, berkas {name} terlalu besar ({size} MB; batas {limit} MB). "
            "Berkas tidak kami simpan."
        ),
        "en": (
            "Sorry, the file {name} is too large ({size} MB; the limit is {limit} MB). "
            "It was not saved."
        ),
    },
    "document_refused": {
        "id": (
            "Maaf, jenis berkas {name} tidak kami terima. "
            "Kirimkan dalam bentuk PDF, JPG/PNG, Word atau Excel."
        ),
        "en": (
            "Sorry, we do not accept this type of file ({name}). "
            "Please send PDF, JPG/PNG, Word or Excel."
        ),
    },
    "unknown_command": {
        "id": (
            "Perintah {command} tidak dikenal. "
            "Ketik /start untuk melihat apa yang bisa saya bantu, "
            "atau langsung tulis pertanyaan Anda."
        ),
        "en": (
            "I don't know the command {command}. "
            "Type /start to see what I can do, or just type your question."
        ),
    },
}


def language_for(language_code: str | None, default: str = "id") -> str:
    """English for users whose Telegram language is English, otherwise the office default."""
    if language_code and language_code.lower().startswith("en"):
        return "en"
    return default if default in LANGUAGES else "id"


def t(key: str, lang: str, **values: Any) -> str:
    """The text ``key`` in ``lang`` with escaped ``values``; pass trusted HTML as Markup."""
    variants = TEXTS[key]
    template = variants.get(lang) or variants["id"]
    safe = {
        k: v if isinstance(v, Markup) else html.escape(str(v), quote=False)
        for k, v in values.items()
    }
    return template.format(**safe)


class Markup(str):
    """A string already safe for HTML parse mode (built by us, not typed by a user)."""
