"""Texts shown to citizens: Indonesian by default, English for English-speaking users.

Every text is HTML (the bot's parse mode); values substituted into it are escaped here, so a
citizen's "<b>" or "&" is shown literally and never breaks the Bot API's entity parser.
"""

from __future__ import annotations

import html
from typing import Any

from bot.core.commands import Where, where_help

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
    "office_prompt": {
        "id": (
            "Kantor mana yang ingin Anda hubungi? Pilih dari daftar, atau ketik nama "
            "kabupaten/kota (misalnya <i>kudus</i>):\n{offices}"
        ),
        "en": (
            "Which office would you like to contact? Choose from the list, or type the name "
            "of the regency or city (e.g. <i>kudus</i>):\n{offices}"
        ),
    },
    "office_prompt_some": {
        "id": "Kantor mana yang Anda maksud dengan “{typed}”? Pilih salah satu:\n{offices}",
        "en": "Which office do you mean by “{typed}”? Please choose one:\n{offices}",
    },
    "office_chosen": {
        "id": (
            "Anda sekarang dilayani oleh <b>{office}</b>. Silakan tulis pertanyaan Anda. "
            "Ganti kantor kapan saja dengan /kantor."
        ),
        "en": (
            "You are now served by <b>{office}</b>. Please type your question. "
            "Change the office any time with /kantor."
        ),
    },
    "office_current": {
        "id": "Saat ini Anda dilayani oleh <b>{office}</b>.",
        "en": "You are currently served by <b>{office}</b>.",
    },
    "office_kept": {
        "id": (
            "Kantor tidak diganti: Anda tetap dilayani oleh <b>{office}</b>. Silakan tulis "
            "pertanyaan Anda lagi, atau /kantor untuk memilih kantor lain."
        ),
        "en": (
            "Office not changed: you are still served by <b>{office}</b>. Please type your "
            "question again, or /kantor to choose another office."
        ),
    },
    "office_single": {
        "id": "Layanan ini melayani satu kantor: <b>{office}</b>.",
        "en": "This service has one office: <b>{office}</b>.",
    },
    "transferred": {
        "id": (
            "Tiket {number} Anda dialihkan ke <b>{office}</b>, yang kini menanganinya "
            "dengan nomor <b>{new}</b>. Balasan berikutnya datang dari kantor tersebut."
        ),
        "en": (
            "Your ticket {number} was transferred to <b>{office}</b>, which now handles it "
            "as <b>{new}</b>. Further replies come from that office."
        ),
    },
    "transferred_keep": {
        "id": (
            "Permohonan Anda tetap dihitung sejak diterima pada {received}; "
            "keputusan tertulis paling lambat {due}."
        ),
        "en": (
            "Your request is still counted from its receipt on {received}; the written "
            "decision is due by {due}."
        ),
    },
    "transferred_restart": {
        "id": (
            "Informasi yang Anda minta dalam permohonan {old} dikuasai oleh <b>{held_by}</b> "
            "(lihat pemberitahuan tertulis terlampir). Permohonan Anda telah diteruskan ke sana "
            "dan diregistrasi ulang sebagai <b>{number}</b>, diterima pada {received}; "
            "keputusan tertulis paling lambat {due} (UU 14/2008 Pasal 22)."
        ),
        "en": (
            "The information you requested in {old} is held by <b>{held_by}</b> (see the "
            "written notice attached). Your request has been passed on and registered there as "
            "<b>{number}</b>, received on {received}; the written decision is due by {due} "
            "(Law 14/2008, Article 22)."
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
    "after_hours": {
        "id": "\n\nSaat ini di luar jam layanan. Petugas kami melayani kembali pada <b>{when}</b>.",
        "en": "\n\nWe are outside office hours now. Our officers will be back on <b>{when}</b>.",
    },
    "rating_reminder": {
        "id": "Mohon bantu kami menilai layanan untuk tiket <b>{number}</b>. Cukup pilih satu:",
        "en": "Please help us by rating the service for ticket <b>{number}</b>. Just pick one:",
    },
    "request_registered": {
        "id": (
            "✅ Permohonan informasi Anda terdaftar dengan nomor <b>{number}</b>.\n"
            "Tanggal diterima: {received}\n"
            "Batas waktu pemberitahuan tertulis: <b>{due}</b> (10 hari kerja, UU 14/2008 Pasal 22 ayat 7).\n"
            "Simpan nomor ini; cek status dengan /status {number}."
        ),
        "en": (
            "✅ Your request for information is registered as <b>{number}</b>.\n"
            "Received: {received}\n"
            "Written notice due by: <b>{due}</b> (10 working days, Law 14/2008 art. 22(7)).\n"
            "Keep this number; check the status with /status {number}."
        ),
    },
    "request_form_busy": {
        "id": "Anda sedang mengisi formulir. Lanjutkan, atau ketik /batal untuk membatalkan.",
        "en": "You are filling in a form. Carry on, or type /batal to cancel it.",
    },
    "request_extended": {
        "id": "Permohonan <b>{number}</b> diperpanjang sampai <b>{due}</b>. Alasan: {reason}",
        "en": "Request <b>{number}</b> is extended until <b>{due}</b>. Reason: {reason}",
    },
    "objection_usage": {
        "id": "Tulis nomor permohonan Anda, misalnya: /keberatan PI-2026-000123",
        "en": "Write your request number, for example: /keberatan PI-2026-000123",
    },
    "objection_not_found": {
        "id": "Permohonan {number} tidak ditemukan di antara permohonan Anda.",
        "en": "Request {number} is not among your requests.",
    },
    "objection_too_early": {
        "id": (
            "Keberatan atas {number} belum dapat diajukan: permohonan masih diproses dan batas "
            "waktunya ({due}) belum lewat."
        ),
        "en": "An objection to {number} cannot be filed yet: it is still within its deadline ({due}).",
    },
    "objection_too_late": {
        "id": "Batas waktu keberatan atas {number} (30 hari kerja, sampai {until}) sudah lewat.",
        "en": "The deadline for an objection to {number} (30 working days, until {until}) has passed.",
    },
    "objection_exists": {
        "id": "Keberatan atas {number} sudah diajukan ({objection}).",
        "en": "An objection to {number} has already been filed ({objection}).",
    },
    "objection_follows_transfer": {
        "id": (
            "Permohonan {old} telah dialihkan ke <b>{office}</b> dan kini ditangani dengan nomor "
            "<b>{number}</b>: keberatan Anda diajukan atas {number} kepada atasan PPID kantor "
            "tersebut."
        ),
        "en": (
            "Request {old} was transferred to <b>{office}</b>, which now handles it as "
            "<b>{number}</b>: your objection concerns {number} and goes to that office's PPID "
            "superior."
        ),
    },
    "objection_ground": {
        "id": "Apa alasan keberatan Anda atas {number}? (UU 14/2008 Pasal 35 ayat 1)",
        "en": "What are the grounds of your objection to {number}? (Law 14/2008 art. 35(1))",
    },
    "objection_explain": {
        "id": "Jelaskan keberatan Anda secara singkat (minimal 10 karakter). /batal untuk membatalkan.",
        "en": "Briefly explain your objection (at least 10 characters). /batal to cancel.",
    },
    "objection_explain_short": {
        "id": "Penjelasan terlalu pendek. Mohon tulis minimal 10 karakter.",
        "en": "That is too short. Please write at least 10 characters.",
    },
    "objection_pick_ground": {
        "id": "Silakan pilih salah satu alasan dengan tombol di atas.",
        "en": "Please pick one of the grounds with the buttons above.",
    },
    "objection_cancelled": {
        "id": "Pengajuan keberatan dibatalkan.",
        "en": "The objection was cancelled.",
    },
    "objection_registered": {
        "id": (
            "✅ Keberatan Anda terdaftar dengan nomor <b>{number}</b> atas permohonan {request}.\n"
            "Atasan PPID wajib menanggapi paling lambat <b>{due}</b> (30 hari kerja, Pasal 36)."
        ),
        "en": (
            "✅ Your objection is registered as <b>{number}</b> against request {request}.\n"
            "The PPID's superior must respond by <b>{due}</b> (30 working days, art. 36)."
        ),
    },
    "contact_button": {"id": "🙋 Hubungi petugas", "en": "🙋 Talk to an officer"},
    # The information map (Daftar Informasi Publik).
    "dip_item": {
        "id": (
            "📄 <b>{title}</b>\n"
            "Informasi ini sudah terbuka untuk umum ({category}): Anda bisa langsung "
            "mendapatkannya tanpa permohonan.\n{summary}\n\n"
            "<b>Di mana:</b> {where}\n<b>Bentuk:</b> {format}{extra}\n\n"
            "Bukan ini yang Anda perlukan? Tekan <b>Ajukan permohonan informasi</b>."
        ),
        "en": (
            "📄 <b>{title}</b>\n"
            "This information is already public ({category}): you can have it now, "
            "without a request.\n{summary}\n\n"
            "<b>Where:</b> {where}\n<b>Format:</b> {format}{extra}\n\n"
            "Not what you need? Press <b>File an information request</b>."
        ),
    },
    "dip_item_gone": {
        "id": (
            "Maaf, dokumen itu sudah tidak ada di Daftar Informasi Publik kami. Data yang sudah "
            "Anda isi dihapus; tekan tombol di bawah untuk mengajukan permohonan."
        ),
        "en": (
            "Sorry, that document is no longer in our Public Information List. The data you "
            "entered is deleted; press the button below to file a request."
        ),
    },
    "dip_year": {"id": "\n<b>Tahun:</b> {year}", "en": "\n<b>Year:</b> {year}"},
    "dip_unit": {"id": "\n<b>Unit:</b> {unit}", "en": "\n<b>Unit:</b> {unit}"},
    "dip_category_berkala": {"id": "informasi berkala", "en": "periodic information"},
    "dip_category_serta_merta": {
        "id": "informasi serta merta",
        "en": "information announced immediately",
    },
    "dip_category_setiap_saat": {
        "id": "informasi tersedia setiap saat",
        "en": "information available at any time",
    },
    "dip_category_dikecualikan": {"id": "informasi yang dikecualikan", "en": "exempt information"},
    "dip_exempt": {
        "id": (
            "🔒 <b>{title}</b> termasuk <b>informasi yang dikecualikan</b> dalam Daftar Informasi "
            "Publik kami: UU 14/2008 Pasal 17 huruf {ground} ({ground_text}), sampai {until}.\n"
            "Alasannya: {reason}\n\n"
            "Anda tetap boleh mengajukan permohonan; petugas yang memutuskan. Anda dapat meminta "
            "bagian yang tidak dikecualikan (salinan dengan bagian tertentu dihitamkan), dan bila "
            "permohonan ditolak Anda berhak mengajukan keberatan (/keberatan) dalam 30 hari kerja."
        ),
        "en": (
            "🔒 <b>{title}</b> is <b>exempt information</b> in our Public Information List: "
            "Law 14/2008, Article 17 letter {ground} ({ground_text}), until {until}.\n"
            "The reason: {reason}\n\n"
            "You may still file a request; an officer decides. You can ask for the parts that "
            "are not exempt (a copy with some parts blacked out), and if the request is rejected "
            "you have the right to object (/keberatan) within 30 working days."
        ),
    },
    "request_button": {
        "id": "📝 Ajukan permohonan informasi",
        "en": "📝 File an information request",
    },
    "ticket_opened": {
        "id": (
            "Pesan Anda kami teruskan ke petugas dengan nomor tiket <b>{number}</b>. "
            "Balasan petugas akan muncul di percakapan ini. Anda dapat terus menulis di sini; "
            "ketik /status untuk melihat status atau /batal untuk membatalkan."
        ),
        "en": (
            "Your message has been passed to our officers as ticket <b>{number}</b>. "
            "Their reply will appear in this chat. You can keep writing here; "
            "type /status to see the status or /batal to cancel."
        ),
    },
    "ticket_opened_unanswered": {
        "id": (
            "Maaf, saya belum menemukan jawaban yang tepat. Pertanyaan Anda saya teruskan ke "
            "petugas dengan nomor tiket <b>{number}</b>. Balasan petugas akan muncul di "
            "percakapan ini; ketik /batal untuk membatalkan."
        ),
        "en": (
            "Sorry, I could not find a reliable answer. I have passed your question to our "
            "officers as ticket <b>{number}</b>. Their reply will appear in this chat; "
            "type /batal to cancel."
        ),
    },
    "ticket_exists": {
        "id": "Anda sudah terhubung dengan petugas (tiket <b>{number}</b>). Silakan tulis pesan Anda di sini.",
        "en": "You are already connected to our officers (ticket <b>{number}</b>). Just write here.",
    },
    "ticket_reopened": {
        "id": "Tiket <b>{number}</b> dibuka kembali; pesan Anda diteruskan ke petugas.",
        "en": "Ticket <b>{number}</b> is reopened; your message has been passed to our officers.",
    },
    "ticket_limit": {
        "id": (
            "Anda masih memiliki {count} tiket yang belum selesai. Mohon tunggu balasan petugas "
            "atau tutup salah satunya dengan /batal sebelum membuka yang baru."
        ),
        "en": (
            "You still have {count} unfinished tickets. Please wait for our officers or cancel "
            "one with /batal before opening a new one."
        ),
    },
    "no_staff": {
        "id": (
            "Maaf, layanan percakapan dengan petugas belum tersedia. Pertanyaan Anda sudah dicatat."
        ),
        "en": "Sorry, chatting with an officer is not available yet. Your question has been recorded.",
    },
    "ticket_closed_by_officer": {
        "id": (
            "Tiket <b>{number}</b> telah diselesaikan oleh petugas. "
            "Bagaimana penilaian Anda atas layanan kami?"
        ),
        "en": "Ticket <b>{number}</b> has been resolved by our officers. How would you rate our service?",
    },
    "rating_1": {"id": "1 · Tidak puas", "en": "1 · Unsatisfied"},
    "rating_2": {"id": "2 · Kurang puas", "en": "2 · Somewhat unsatisfied"},
    "rating_3": {"id": "3 · Puas", "en": "3 · Satisfied"},
    "rating_4": {"id": "4 · Sangat puas", "en": "4 · Very satisfied"},
    "rating_thanks": {
        "id": "Terima kasih atas penilaian Anda ({score}/4). 🙏",
        "en": "Thank you for your rating ({score}/4). 🙏",
    },
    "survey_question": {
        "id": "Survei kepuasan ({n}/{of}): bagaimana penilaian Anda tentang <b>{element}</b>?",
        "en": "Satisfaction survey ({n}/{of}): how do you rate <b>{element}</b>?",
    },
    "survey_skip": {"id": "Lewati survei", "en": "Skip the survey"},
    "survey_thanks": {
        "id": "Terima kasih telah mengisi survei kepuasan kami. 🙏",
        "en": "Thank you for answering our satisfaction survey. 🙏",
    },
    "survey_skipped": {
        "id": "Baik, survei dilewati. Terima kasih.",
        "en": "All right, the survey is skipped. Thank you.",
    },
    "rating_done": {
        "id": "Penilaian untuk tiket ini sudah tercatat. Terima kasih.",
        "en": "Your rating for this ticket is already recorded. Thank you.",
    },
    "cancelled": {
        "id": "Tiket <b>{number}</b> dibatalkan. Terima kasih telah menghubungi kami.",
        "en": "Ticket <b>{number}</b> is cancelled. Thank you for contacting us.",
    },
    "nothing_to_cancel": {
        "id": "Anda tidak memiliki tiket yang sedang terbuka.",
        "en": "You have no open ticket.",
    },
    "status_none": {"id": "Anda belum memiliki tiket.", "en": "You have no tickets yet."},
    "status_list": {"id": "Tiket Anda:\n{lines}", "en": "Your tickets:\n{lines}"},
    "status_line": {
        "id": "• <b>{number}</b> — {status} ({opened})",
        "en": "• <b>{number}</b> — {status} ({opened})",
    },
    "status_one": {
        "id": "Tiket <b>{number}</b>\nStatus: {status}\nDibuka: {opened}\nPesan awal: {subject}",
        "en": "Ticket <b>{number}</b>\nStatus: {status}\nOpened: {opened}\nFirst message: {subject}",
    },
    "status_not_found": {
        "id": "Tiket {number} tidak ditemukan di antara tiket Anda.",
        "en": "Ticket {number} is not among your tickets.",
    },
    "status_open": {"id": "menunggu petugas", "en": "waiting for an officer"},
    "status_assigned": {"id": "ditangani petugas", "en": "with an officer"},
    "status_waiting": {"id": "dijawab, menunggu tanggapan Anda", "en": "answered, waiting for you"},
    "status_closed": {"id": "selesai", "en": "closed"},
    "unknown_command": {
        "id": (
            "Perintah {command} tidak dikenal. "
            "Perintah yang tersedia: {commands}. "
            "Atau langsung tulis pertanyaan Anda."
        ),
        "en": (
            "I don't know the command {command}. "
            "Available commands: {commands}. "
            "Or just type your question."
        ),
    },
    "nothing_to_go_back": {
        "id": "Anda tidak sedang mengisi formulir; /kembali hanya berlaku di dalam formulir.",
        "en": "You are not filling in a form; /kembali only works inside a form.",
    },
    "language_prompt": {
        "id": "Pilih bahasa / Choose a language: /bahasa id atau /bahasa en.",
        "en": "Choose a language / Pilih bahasa: /bahasa en or /bahasa id.",
    },
    "language_set": {
        "id": "Baik, saya akan menjawab dalam Bahasa Indonesia.",
        "en": "All right, I will answer in English.",
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


# Texts for the officers' staff group: Indonesian, the officers' working language.
STAFF: dict[str, str] = {
    "card": (
        "🎫 <b>{number}</b> · {name}\n"
        "Status: {status}\n"
        "Petugas: {assignee}\n"
        "Kanal: {channel} · Dibuka: {opened}\n\n"
        "{subject}"
    ),
    "btn_claim": "🙋 Ambil",
    "btn_close": "✅ Tutup",
    "btn_reassign": "🔁 Alihkan",
    "status_open": "menunggu petugas",
    "status_assigned": "ditangani",
    "status_waiting": "menunggu warga",
    "status_closed": "selesai",
    "nobody": "— (antrean)",
    "assigned": "Tiket {number} ditugaskan ke {mention}.",
    "unassigned": "Belum ada petugas piket: tiket {number} masuk antrean (/antrian).",
    "claimed": "{mention} mengambil tiket {number}.",
    "reassigned": "Tiket {number} dialihkan ke {mention} oleh {by}.",
    "reassign_prompt": "Alihkan tiket {number} ke:",
    "reassign_nobody": "Tidak ada petugas lain yang terdaftar.",
    "citizen_followup_reopened": "🔄 Warga menulis lagi; tiket {number} dibuka kembali.",
    "closed": "✅ Tiket {number} ditutup oleh {by}. Warga diminta memberi penilaian.",
    "already_closed": "Tiket {number} sudah ditutup.",
    "cancelled": "❌ Warga membatalkan tiket {number}.",
    "rated": "⭐ Penilaian warga untuk {number}: {score}/4.",
    "note_saved": "📝 Catatan internal disimpan; tidak dikirim ke warga.",
    "note_empty": "Tulis catatannya: /note &lt;teks&gt;",
    "faq_usage": "Tulis id entri FAQ atau beberapa kata: /faq &lt;id atau kata&gt;",
    "faq_none": "Tidak ada entri FAQ yang cocok dengan “{words}”.",
    "faq_choose": "Beberapa entri FAQ cocok dengan “{words}”. Pilih yang dikirim ke warga:",
    "faq_sent": "📚 Jawaban FAQ <b>{entry}</b> dikirim ke warga.",
    "faq_sent_learned": (
        "📚 Jawaban FAQ <b>{entry}</b> dikirim ke warga. Pertanyaannya “{question}” dicatat "
        "sebagai usulan rumusan entri ini (loket faq learned)."
    ),
    "refused": "Maaf, hanya petugas terdaftar yang dapat melakukan ini.",
    "coordinator_only": "Hanya atasan PPID (koordinator) yang dapat memakai /{command}.",
    "unknown_command": "Perintah {command} tidak dikenal. Perintah staf:\n{commands}",
    "not_relayed": "Pesan dari {name} tidak diteruskan ke warga: hanya petugas terdaftar yang dapat membalas.",
    "no_ticket": "Pesan ini tidak terkait tiket mana pun. Tulis di topik tiket, atau balas (reply) pesan tiketnya.",
    "ticket_closed_no_relay": "Tiket {number} sudah ditutup; pesan tidak dikirim ke warga.",
    "delivery_failed": "⚠️ Pesan tidak dapat dikirim ke warga: {error}",
    # A WhatsApp citizen's message, shown in the ticket's topic (a Telegram copy cannot be made).
    "citizen_says": "👤 {text}",
    "citizen_sent_other": "👤 [{kind}] {text}",
    "duty_on": "🟢 {mention} sekarang piket.",
    "duty_off": "⚪ {mention} tidak lagi piket.",
    "duty_usage": "Gunakan /duty on atau /duty off (alias /piket).",
    "duty_not_officer": "Hanya petugas terdaftar di [staff] officers yang dapat piket.",
    "network_report": "<b>Per kantor</b> (bulan ini):\n{lines}",
    "network_report_line": (
        "• <b>{office}</b>: {requests} permohonan ({past} melewati batas waktu), "
        "{tickets} tiket obrolan, {chats} warga"
    ),
    "network_report_refused": (
        "/laporan all hanya untuk koordinator kantor yang mengoordinasikan kantor lain."
    ),
    "network_queue": "Antrean jaringan kantor: {total} tiket/permohonan terbuka.\n{lines}",
    "network_queue_line": (
        "• <b>{office}</b>: {open} terbuka, {unassigned} tanpa petugas, "
        "{requests} permohonan · {numbers}"
    ),
    "network_queue_refused": (
        "/queue all hanya untuk koordinator kantor yang mengoordinasikan kantor lain."
    ),
    "transfer_no_network": (
        "Bot ini melayani satu kantor: tidak ada kantor lain untuk dialihkan. "
        "Tulis /alihkan saja untuk mengalihkan ke petugas lain."
    ),
    "transfer_unknown": "Tidak ada kantor “{word}”. Kantor lain: {offices}",
    "transfer_not_open": "{number} sudah selesai atau tidak dapat dialihkan ke kantor lain.",
    "transfer_objection": (
        "⚖️ Keberatan {number} tidak dapat dialihkan ke kantor lain: menurut UU 14/2008 "
        "Pasal 35–36 keberatan diputus oleh atasan PPID badan publik yang menangani "
        "permohonannya ({request}), yaitu {office}, paling lambat {due}. Bila informasinya "
        "dikuasai kantor lain, sebutkan kantor itu dalam tanggapan (/putusan_keberatan); "
        "pemohon dapat mengajukan permohonan ke sana.{now}"
    ),
    "transfer_objection_now": " Permohonan {request} kini ditangani {office} sebagai {new}.",
    "transfer_sent": "{number} dialihkan ke {office} sebagai {new} oleh {by}. Topik ini ditutup.",
    "transfer_received": "Diterima dari {office}: {number}, kini {new}.",
    "transfer_history": "Riwayat {number} ({count} pesan):",
    "transfer_history_empty": "(belum ada pesan)",
    "queue_empty": "Antrean kosong: semua tiket terbuka sudah ada petugasnya.",
    "queue": "Tiket tanpa petugas ({count}):\n{lines}",
    "queue_line": "• <b>{number}</b> · {name} · {opened}",
    "on_duty_now": "Petugas piket: {names}",
    "reload_ok": "🔄 Basis pengetahuan FAQ dimuat ulang: {count} entri.",
    "reload_failed": "⚠️ FAQ tidak dimuat ulang, yang lama tetap dipakai: {error}",
    "inbox_set_aside": (
        "⚠️ {count} pesan masuk tidak dapat diproses dan disisihkan (tidak hilang). "
        "Lihat dengan <code>loket inbox failed</code>, proses ulang dengan "
        "<code>loket inbox retry</code>."
    ),
    "button_stale": "Tombol ini sudah tidak berlaku.",
    "request_card": (
        "\n\n<b>Permohonan informasi</b>\n"
        "Pemohon: {kind} · {name}\nNIK/No. badan hukum: {id_number}\nAlamat: {address}\n"
        "Pekerjaan: {occupation}\nTelepon: {phone} · Email: {email}\n"
        "Informasi: {information}\nTujuan: {purpose}\n"
        "Cara memperoleh: {obtain} · Cara mendapatkan: {receive}\n"
        "Diterima: {received} · Batas: <b>{due}</b>\n"
        "Keputusan: " + where_help(Where.REQUEST_TOPIC)
    ),
    "objection_card": (
        "\n\n<b>Keberatan</b> atas {request}\nAlasan (Pasal 35 ayat 1 huruf {ground}): {ground_text}\n"
        "Uraian: {explanation}\nBatas tanggapan: <b>{due}</b>\n"
        "Atasan PPID memutus dengan /putusan_keberatan terima|tolak &lt;alasan&gt;"
    ),
    "close_by_decision": "{number} selesai dengan keputusan tertulis, bukan /close: /kabulkan, /kabulkan_sebagian, /tolak, /tidak_dikuasai (keberatan: /putusan_keberatan).",
    "decision_sent": "📨 Pemberitahuan tertulis untuk {number} dikirim ke pemohon: {decision}.",
    "decision_usage": "Format: {usage}",
    "decision_not_request": "Perintah ini hanya untuk topik permohonan informasi (PI).",
    "decision_done": "Permohonan {number} sudah diputus ({decision}).",
    "decision_extended_once": "Permohonan {number} sudah pernah diperpanjang; perpanjangan hanya sekali (Pasal 22 ayat 8).",
    "extended_staff": "⏳ {number} diperpanjang sampai {due}: {reason}",
    "objection_only_coordinator": "Hanya atasan PPID (koordinator) yang dapat memutus keberatan.",
    "no_coordinators": "Hanya atasan PPID (koordinator) yang dapat memutus keberatan, dan kantor ini belum punya koordinator: tambahkan ID Telegram atasan PPID di konfigurasi (coordinators) lalu mulai ulang Loket.",
    "objection_not_here": "Perintah ini hanya untuk topik keberatan (KB).",
    "objection_decided": "📨 Tanggapan atas keberatan {number} dikirim: {decision}. Bila pemohon membawanya ke Komisi Informasi: /sengketa [YYYY-MM-DD] [catatan].",
    "commission_undecided": "Keberatan {number} belum diputus; sengketa ke Komisi Informasi dicatat setelah tanggapan atasan PPID.",
    "commission_done": "Sengketa keberatan {number} di Komisi Informasi sudah dicatat ({day}).",
    "commission_bad_day": "Tanggal {day} tidak bisa dipakai: harus antara tanggal putusan keberatan ({decided}) dan hari ini.",
    "commission_recorded": "⚖️ Keberatan {number} dibawa ke Komisi Informasi (Pasal 37), tercatat {day}{note}.",
    "objection_new_private": "⚖️ Keberatan baru <b>{number}</b> atas {request} dari {name}: Pasal 35 ayat 1 huruf {ground}. Batas tanggapan {due}.",
    "deadline_step": "⏰ Permohonan <b>{number}</b>: batas pemberitahuan tertulis {due}. {who}",
    "deadline_overdue": "🚨 Permohonan <b>{number}</b> melewati batas waktu ({due}) dan belum diputus. {who}",
    "escalate_assignee": "⏰ <b>{number}</b> belum dijawab sejak {since} ({waited}). {who}, mohon segera ditanggapi.",
    "escalate_duty": "⏰ <b>{number}</b> belum dijawab sejak {since} ({waited}). Petugas piket: {who}",
    "escalate_coordinators_topic": "⏰ <b>{number}</b> belum dijawab sejak {since} ({waited}); diteruskan ke koordinator.",
    "escalate_coordinator": "⏰ Eskalasi: tiket <b>{number}</b> dari {name} belum dijawab sejak {since} ({waited}).\nPesan awal: {subject}",
    "nobody_on_duty": "tidak ada petugas piket",
    "digest": (
        "☀️ <b>Ringkasan pembukaan layanan</b> — {date}\n"
        "Tiket terbuka: {open}\n"
        "Tanpa petugas: {unassigned}\n"
        "Melewati target jawaban ({target}): {overdue}\n"
        "Eskalasi jatuh tempo hari ini: {due_today}"
    ),
    "digest_overdue_line": "\n• <b>{number}</b> · {name} · menunggu sejak {since}",
    "faq_weekly": "📚 <b>Pertanyaan yang belum terjawab FAQ</b> (7 hari terakhir, {total} pertanyaan):\n{lines}",
    "faq_weekly_line": "• {count}× {text}",
    "faq_weekly_none": "📚 Minggu ini tidak ada pertanyaan yang lolos dari FAQ. 👍",
    "done": "Beres.",
    # The information map (DIP): the request card and /dip.
    "request_card_dip": "\n\n<b>Daftar Informasi Publik</b> (kemiripan dengan informasi yang diminta):\n{lines}",
    "dip_line": "• <b>{title}</b> — {category}\n  {where} · <code>{id}</code> · skor {score}",
    "dip_category_berkala": "berkala",
    "dip_category_serta_merta": "serta merta",
    "dip_category_setiap_saat": "tersedia setiap saat",
    "dip_exempt_category": "🔒 dikecualikan (Pasal 17 huruf {ground}, sampai {until})",
    "dip_reload_ok": "📚 Daftar Informasi Publik dimuat ulang: {count} item.",
    "dip_reload_failed": "⚠️ Daftar Informasi Publik tidak dimuat ulang, yang lama tetap dipakai: {error}",
    "dip_usage": "Cari di Daftar Informasi Publik: /dip &lt;kata&gt;",
    "dip_none": "Tidak ada item Daftar Informasi Publik yang cocok dengan “{words}”.",
    "dip_found": "📚 Daftar Informasi Publik untuk “{words}”:\n{lines}",
}


def st(key: str, **values: Any) -> str:
    """A staff-group text with escaped ``values`` (pass Markup for trusted HTML)."""
    safe = {
        k: v if isinstance(v, Markup) else html.escape(str(v), quote=False)
        for k, v in values.items()
    }
    return STAFF[key].format(**safe)


def mention(user_id: int, name: str) -> Markup:
    """A mention that works without a username (https://core.telegram.org/bots/api#html-style)."""
    return Markup(
        f'<a href="tg://user?id={int(user_id)}">{html.escape(name or str(user_id), quote=False)}</a>'
    )
