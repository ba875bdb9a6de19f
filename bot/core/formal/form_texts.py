"""What the request form says to the citizen, in Indonesian and English: the questions, the
reasons an answer is asked again, the summary's labels. Apart from the form's state machine
(request_form.py), so the wording can change without touching the flow."""

from __future__ import annotations

import html
from typing import Any

from bot.texts import Markup

TEXTS: dict[str, dict[str, str]] = {
    "intro": {
        "id": (
            "📝 <b>Formulir permohonan informasi publik</b> (UU 14/2008)\n"
            "Ada 12 pertanyaan singkat. Ketik /kembali untuk kembali ke pertanyaan sebelumnya "
            "atau /batal untuk membatalkan.\n\n"
        ),
        "en": (
            "📝 <b>Public information request form</b> (Law 14/2008)\n"
            "There are 12 short questions. Type /kembali to go back one question "
            "or /batal to cancel.\n\n"
        ),
    },
    "progress": {"id": "<b>({n}/12)</b> ", "en": "<b>({n}/12)</b> "},
    "current": {
        "id": "\n\nJawaban saat ini: <i>{value}</i>",
        "en": "\n\nCurrent answer: <i>{value}</i>",
    },
    "q_requester_kind": {
        "id": (
            "Anda mengajukan permohonan sebagai <b>perorangan</b> atau atas nama "
            "<b>badan hukum</b>?"
        ),
        "en": "Are you requesting as an <b>individual</b> or on behalf of a <b>legal entity</b>?",
    },
    "q_name_perorangan": {
        "id": "Tuliskan <b>nama lengkap</b> Anda sesuai KTP.",
        "en": "Please type your <b>full name</b> as on your ID card (KTP).",
    },
    "q_name_badan_hukum": {
        "id": "Tuliskan <b>nama lengkap badan hukum</b> sesuai akta pendiriannya.",
        "en": (
            "Please type the <b>full name of the legal entity</b> as in its deed of establishment."
        ),
    },
    "q_id_number_perorangan": {
        "id": "Tuliskan <b>NIK</b> Anda (16 angka, tercantum di KTP).",
        "en": "Please type your <b>NIK</b> (the 16-digit number on your KTP).",
    },
    "q_id_number_badan_hukum": {
        "id": (
            "Tuliskan <b>nomor pengesahan badan hukum</b> (mis. AHU-…) atau <b>NIB</b> "
            "(Nomor Induk Berusaha)."
        ),
        "en": (
            "Please type the entity's <b>registration number</b> (e.g. AHU-…) or its <b>NIB</b> "
            "(business identification number)."
        ),
    },
    "q_id_document_perorangan": {
        "id": (
            "Kirim <b>foto atau scan KTP</b> Anda, atau ketik <i>lewati</i> jika tidak ingin "
            "melampirkannya sekarang."
        ),
        "en": (
            "Please send a <b>photo or scan of your KTP</b>, or type <i>lewati</i> (skip) if you "
            "prefer not to attach it now."
        ),
    },
    "q_id_document_badan_hukum": {
        "id": (
            "Kirim foto atau scan <b>dokumen pengesahan badan hukum</b> (SK Kemenkumham, akta, "
            "atau NIB), atau ketik <i>lewati</i> jika tidak ingin melampirkannya sekarang."
        ),
        "en": (
            "Please send a photo or scan of the <b>entity's registration document</b> (ministry "
            "decree, deed or NIB), or type <i>lewati</i> (skip) to leave it out for now."
        ),
    },
    "q_address": {
        "id": (
            "Tuliskan <b>alamat lengkap</b> (jalan, nomor, RT/RW, kelurahan/desa, kecamatan, "
            "kabupaten/kota)."
        ),
        "en": (
            "Please type the <b>full address</b> (street, number, RT/RW, village, district, "
            "city/regency)."
        ),
    },
    "q_occupation_perorangan": {
        "id": "Apa <b>pekerjaan</b> Anda?",
        "en": "What is your <b>occupation</b>?",
    },
    "q_occupation_badan_hukum": {
        "id": "Apa <b>bidang kegiatan atau usaha</b> badan hukum tersebut?",
        "en": "What is the legal entity's <b>field of activity or business</b>?",
    },
    "q_phone": {
        "id": "Tuliskan <b>nomor HP/WhatsApp</b> yang dapat dihubungi (mis. 0812-3456-7890).",
        "en": "Please type a <b>mobile/WhatsApp number</b> we can reach (e.g. 0812-3456-7890).",
    },
    "q_email": {
        "id": "Tuliskan <b>alamat email</b> Anda, atau ketik <b>-</b> jika tidak ada.",
        "en": "Please type your <b>email address</b>, or <b>-</b> if you have none.",
    },
    "q_email_for_receive": {
        "id": (
            "Anda memilih menerima informasi melalui <b>email</b>. Tuliskan <b>alamat email</b> "
            "Anda, atau ketik /kembali untuk memilih cara lain."
        ),
        "en": (
            "You chose to receive the information by <b>email</b>. Please type your "
            "<b>email address</b>, or /kembali to choose another way."
        ),
    },
    "q_information": {
        "id": (
            "Jelaskan <b>informasi yang Anda minta</b> serinci mungkin (judul atau jenis dokumen, "
            "periode, wilayah)."
        ),
        "en": (
            "Describe the <b>information you request</b> as precisely as you can (title or kind "
            "of document, period, area)."
        ),
    },
    "q_purpose": {
        "id": "Apa <b>tujuan penggunaan</b> informasi tersebut?",
        "en": "What is the <b>purpose</b> of the information?",
    },
    "q_obtain": {
        "id": "Bagaimana <b>cara memperoleh</b> informasi yang Anda inginkan?",
        "en": "How do you want to <b>obtain</b> the information?",
    },
    "q_receive": {
        "id": "Bagaimana <b>cara mendapatkan</b> informasi atau salinannya?",
        "en": "How do you want to <b>receive</b> the information or its copy?",
    },
    "summary_title": {
        "id": "📋 <b>Ringkasan permohonan informasi</b>",
        "en": "📋 <b>Summary of your information request</b>",
    },
    "summary_footer": {
        "id": (
            "Periksa kembali data di atas. Tekan <b>Kirim</b> untuk mengajukan, <b>Ubah</b> untuk "
            "memperbaiki, atau <b>Batal</b> untuk membatalkan."
        ),
        "en": (
            "Please check the details above. Press <b>Send</b> to submit, <b>Change</b> to correct "
            "something, or <b>Cancel</b> to cancel."
        ),
    },
    "edit_menu": {
        "id": "Bagian mana yang ingin Anda ubah?",
        "en": "Which part do you want to change?",
    },
    "submitted": {
        "id": "Terima kasih, permohonan informasi Anda kami terima.",
        "en": "Thank you, we have received your information request.",
    },
    "cancelled": {
        "id": (
            "Permohonan informasi dibatalkan; data yang sudah Anda isi dihapus. "
            "Ketik /permohonan untuk memulai lagi."
        ),
        "en": (
            "The information request is cancelled and the details you entered are deleted. "
            "Type /permohonan to start again."
        ),
    },
    "closed": {
        "id": "Formulir ini sudah selesai. Ketik /permohonan untuk membuat permohonan baru.",
        "en": "This form is finished. Type /permohonan to make a new request.",
    },
    "first_step": {
        "id": "Ini sudah pertanyaan pertama.",
        "en": "This is already the first question.",
    },
    "truncated": {"id": "… (dipersingkat)", "en": "… (shortened)"},
    "doc_attached": {"id": "terlampir ✅", "en": "attached ✅"},
    "doc_skipped": {"id": "tidak dilampirkan", "en": "not attached"},
    "none": {"id": "-", "en": "-"},
    # Reasons for re-asking.
    "err_too_short": {
        "id": "Jawaban terlalu pendek (minimal {min} karakter).",
        "en": "That answer is too short (at least {min} characters).",
    },
    "err_too_long": {
        "id": "Jawaban terlalu panjang ({length} karakter; maksimal {max}).",
        "en": "That answer is too long ({length} characters; at most {max}).",
    },
    "err_no_letter": {
        "id": "Jawaban harus berisi huruf, bukan hanya angka atau tanda baca.",
        "en": "The answer must contain letters, not only digits or punctuation.",
    },
    "err_nik_chars": {
        "id": "NIK hanya berisi angka.",
        "en": "A NIK consists of digits only.",
    },
    "err_nik_length": {
        "id": "NIK harus tepat 16 angka; yang Anda tulis {count} angka.",
        "en": "A NIK has exactly 16 digits; you typed {count}.",
    },
    "err_nik_invalid": {
        "id": "NIK tersebut tidak valid. Periksa kembali NIK pada KTP Anda.",
        "en": "That NIK is not valid. Please check the number on your KTP.",
    },
    "err_entity_chars": {
        "id": (
            "Nomor hanya boleh berisi huruf, angka, spasi, titik (.), garis miring (/) "
            "dan tanda hubung (-)."
        ),
        "en": (
            "The number may contain only letters, digits, spaces, dots (.), slashes (/) "
            "and dashes (-)."
        ),
    },
    "err_entity_length": {
        "id": "Nomor harus 5 sampai 64 karakter.",
        "en": "The number must be 5 to 64 characters long.",
    },
    "err_entity_no_digit": {
        "id": "Nomor harus berisi angka.",
        "en": "The number must contain digits.",
    },
    "err_phone_chars": {
        "id": "Nomor HP hanya berisi angka (boleh diawali +).",
        "en": "A phone number consists of digits (it may start with +).",
    },
    "err_phone_prefix": {
        "id": "Gunakan nomor HP Indonesia yang diawali 08, 628 atau +628.",
        "en": "Please use an Indonesian mobile number starting with 08, 628 or +628.",
    },
    "err_phone_length": {
        "id": "Nomor HP harus 10–13 angka (dihitung dari 08…); yang Anda tulis {count} angka.",
        "en": "A mobile number has 10–13 digits (counted from 08…); you typed {count}.",
    },
    "err_email": {
        "id": "Alamat email tidak valid (contoh: nama@contoh.id). Ketik - jika tidak punya email.",
        "en": "That email address is not valid (e.g. name@example.com). Type - if you have none.",
    },
    "err_email_required": {
        "id": "Alamat email wajib diisi karena Anda memilih menerima informasi melalui email.",
        "en": "An email address is required because you chose to receive the information by email.",
    },
    "err_email_in_use": {
        "id": (
            "Alamat email tidak dapat dikosongkan selama informasi dikirim melalui email. "
            "Ubah dulu cara mendapatkan informasi."
        ),
        "en": (
            "The email address cannot be removed while the information is sent by email. "
            "Change how you receive the information first."
        ),
    },
    "err_text_expected": {
        "id": "Mohon jawab dengan pesan teks.",
        "en": "Please answer with a text message.",
    },
    "err_choose_button": {
        "id": "Silakan pilih salah satu tombol di bawah.",
        "en": "Please choose one of the buttons below.",
    },
    "err_stale_button": {
        "id": "Tombol itu bukan untuk pertanyaan ini.",
        "en": "That button does not belong to this question.",
    },
    "err_doc_expected": {
        "id": "Kirim foto atau berkas scan, atau ketik <i>lewati</i>.",
        "en": "Please send a photo or a scanned file, or type <i>lewati</i> (skip).",
    },
    "err_unknown_command": {
        "id": "Saat mengisi formulir, perintah yang dapat dipakai hanya /kembali dan /batal.",
        "en": "While filling in the form, only /kembali (back) and /batal (cancel) work.",
    },
    # Button labels and field labels.
    "opt_type_perorangan": {"id": "Perorangan", "en": "Individual"},
    "opt_type_badan_hukum": {"id": "Badan hukum", "en": "Legal entity"},
    "opt_obtain_melihat": {"id": "Melihat", "en": "Viewing"},
    "opt_obtain_membaca": {"id": "Membaca", "en": "Reading"},
    "opt_obtain_mendengarkan": {"id": "Mendengarkan", "en": "Listening"},
    "opt_obtain_mencatat": {"id": "Mencatat", "en": "Taking notes"},
    "opt_obtain_salinan_softcopy": {"id": "Salinan softcopy", "en": "Softcopy"},
    "opt_obtain_salinan_hardcopy": {"id": "Salinan hardcopy", "en": "Hardcopy"},
    "opt_receive_langsung": {"id": "Langsung", "en": "In person"},
    "opt_receive_pos": {"id": "Pos", "en": "Post"},
    "opt_receive_kurir": {"id": "Kurir", "en": "Courier"},
    "opt_receive_email": {"id": "Email", "en": "Email"},
    "btn_skip": {"id": "⏭ Lewati", "en": "⏭ Skip"},
    # The information map (DIP) offered after "information requested".
    "dip_offer": {
        "id": (
            "📚 <b>Informasi ini sudah terbuka untuk umum</b> dan bisa Anda dapatkan sekarang, "
            "tanpa permohonan:\n{items}\n\n"
            "Pilih dokumennya untuk melihat di mana mendapatkannya. Masih ingin mengajukan "
            "permohonan? Tekan <b>Tetap ajukan permohonan</b>."
        ),
        "en": (
            "📚 <b>This is already public</b> and you can have it now, without a request:\n"
            "{items}\n\n"
            "Pick the document to see where to get it. Still want to file a request? "
            "Press <b>File the request anyway</b>."
        ),
    },
    "dip_offer_line": {"id": "• <b>{title}</b> ({format})", "en": "• <b>{title}</b> ({format})"},
    "dip_taken": {
        "id": (
            "✅ Permohonan tidak diajukan dan data yang sudah Anda isi dihapus. "
            "Berikut informasinya:"
        ),
        "en": (
            "✅ No request was filed and the data you entered is deleted. Here is the information:"
        ),
    },
    "btn_dip_go": {"id": "📝 Tetap ajukan permohonan", "en": "📝 File the request anyway"},
    "btn_send": {"id": "✅ Kirim", "en": "✅ Send"},
    "btn_edit": {"id": "✏️ Ubah", "en": "✏️ Change"},
    "btn_cancel": {"id": "❌ Batal", "en": "❌ Cancel"},
    "btn_summary": {"id": "« Kembali ke ringkasan", "en": "« Back to the summary"},
    "label_requester_kind": {"id": "Jenis pemohon", "en": "Requester"},
    "label_name_perorangan": {"id": "Nama", "en": "Name"},
    "label_name_badan_hukum": {"id": "Nama badan hukum", "en": "Entity name"},
    "label_id_number_perorangan": {"id": "NIK", "en": "NIK"},
    "label_id_number_badan_hukum": {"id": "Nomor pengesahan/NIB", "en": "Registration no."},
    "label_id_document_perorangan": {"id": "Foto KTP", "en": "KTP photo"},
    "label_id_document_badan_hukum": {"id": "Dokumen badan hukum", "en": "Entity document"},
    "label_address": {"id": "Alamat", "en": "Address"},
    "label_occupation_perorangan": {"id": "Pekerjaan", "en": "Occupation"},
    "label_occupation_badan_hukum": {"id": "Bidang kegiatan", "en": "Field of activity"},
    "label_phone": {"id": "Nomor HP", "en": "Phone"},
    "label_email": {"id": "Email", "en": "Email"},
    "label_information": {"id": "Informasi yang diminta", "en": "Information requested"},
    "label_purpose": {"id": "Tujuan penggunaan", "en": "Purpose"},
    "label_obtain": {"id": "Cara memperoleh", "en": "How to obtain"},
    "label_receive": {"id": "Cara mendapatkan", "en": "How to receive"},
}


def form_text(key: str, lang: str, **values: Any) -> str:
    """TEXTS[key] in ``lang`` with every value escaped unless it is trusted Markup."""
    variants = TEXTS[key]
    template = variants.get(lang) or variants["id"]
    safe = {
        k: v if isinstance(v, Markup) else html.escape(str(v), quote=False)
        for k, v in values.items()
    }
    return template.format(**safe)
