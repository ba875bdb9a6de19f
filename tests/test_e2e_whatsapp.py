"""WhatsApp end to end: a `loket run` process between the WhatsApp and Telegram emulators.

Citizens write on WhatsApp (signed webhooks from the WhatsApp Cloud API emulator); officers
answer in the Telegram staff group (Bot API emulator). Nothing here talks to Meta or Telegram.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio

from bot.playground.emulator import BotApiEmulator, FakeChat, FakeUser, SentMessage
from tests.harness import LoketProcess, start_with_whatsapp
from tests.wa_emulator import SentWaMessage, WaUser, WhatsAppEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")

LC = re.compile(r"LC-\d{4}-\d{6}")
PI = re.compile(r"PI-\d{4}-\d{6}")
TOKEN, SECRET, VERIFY, PHONE_ID = "EAAloket", "app-secret-uji", "verify-uji", "1098765432"
TEMPLATE = "tiket_dijawab"
NIK = "3201234567898901"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF-ktp-scan-bytes\xff\xd9"


@dataclass
class Setup:
    tg: BotApiEmulator
    wa: WhatsAppEmulator
    loket: LoketProcess
    group: FakeChat
    ani: FakeUser

    async def card(self, number: str) -> SentMessage:
        return await self.tg.wait_for(
            lambda m: m.chat_id == self.group.id and (m.text or "").startswith(f"🎫 {number}")
        )

    async def in_topic(self, thread: int, contains: str) -> SentMessage:
        return await self.tg.wait_for(
            lambda m: (
                m.chat_id == self.group.id and m.thread_id == thread and contains in (m.text or "")
            )
        )

    async def choose(self, user: WaUser, shown: SentWaMessage, choice: str) -> SentWaMessage:
        """Tap a reply button or pick a list row, whichever the bot sent; the next message."""
        if choice in shown.button_ids:
            await self.wa.send_button_reply(user, choice, context_wamid=shown.wamid)
        else:
            assert choice in shown.row_ids, shown.short()
            await self.wa.send_list_reply(user, choice, context_wamid=shown.wamid)
        return await self.wa.wait_for_message(user)

    async def answer(self, user: WaUser, text: str) -> SentWaMessage:
        await self.wa.send_text(user, text)
        return await self.wa.wait_for_message(user)

    async def open_ticket(self, user: WaUser) -> tuple[str, int]:
        await self.wa.send_text(user, "/petugas")
        reply = await self.wa.wait_for_message(user, contains="LC-")
        match = LC.search(reply.text or "")
        assert match, reply.short()
        card = await self.card(match.group(0))
        assert card.thread_id is not None
        return match.group(0), card.thread_id

    async def wait_db(self, sql: str, *params: object, timeout: float = 10.0) -> list[tuple]:  # noqa: ASYNC109
        """Rows of ``sql`` once there are any (the emulators keep running meanwhile)."""
        deadline = time.monotonic() + timeout
        while True:
            rows = self.loket.query(sql, *params)
            if rows or time.monotonic() > deadline:
                return rows
            await asyncio.sleep(0.05)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def setup(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Setup]:
    async with (
        BotApiEmulator() as tg,
        WhatsAppEmulator(
            access_token=TOKEN, app_secret=SECRET, verify_token=VERIFY, phone_number_id=PHONE_ID
        ) as wa,
    ):
        wa.add_template(TEMPLATE, "id")
        ani = tg.user("Ani Petugas")
        group = tg.group("Staf PPID", is_forum=True, members=[ani])
        loket = await start_with_whatsapp(
            tg,
            wa,
            tmp_path_factory.mktemp("whatsapp"),
            staff_group_id=group.id,
            officers=[ani.id],
            template=TEMPLATE,
        )
        s = Setup(tg, wa, loket, group, ani)
        await tg.send_text(ani, "/duty on", chat=group)
        await tg.wait_for(lambda m: m.chat_id == group.id and "sekarang piket" in (m.text or ""))
        yield s
        assert await loket.stop() == 0, loket.log()
        assert "Traceback" not in loket.log(), loket.log()


async def test_webhook_verification_answers_the_challenge_only_with_the_token(
    setup: Setup,
) -> None:
    assert await setup.wa.verify_webhook(challenge="1158201444") == (200, "1158201444")
    status, _ = await setup.wa.verify_webhook(verify_token="salah", challenge="x")
    assert status == 403


async def test_faq_answer_on_whatsapp_with_reply_buttons(setup: Setup) -> None:
    wa = setup.wa
    budi = wa.user("6281200000001", name="Budi")
    await wa.send_text(budi, "min jam brp kantor ppid buka?")
    reply = await wa.wait_for_message(budi)
    # Telegram's HTML became plain WhatsApp text: the escaped "<Istirahat>" reads as written.
    assert reply.type == "interactive" and reply.interactive_type == "button", reply.short()
    assert "Senin-Jumat pukul 08.00-16.00 WIB. <Istirahat>" in (reply.text or "")
    assert "&lt;" not in (reply.text or "")
    assert [b["title"] for b in reply.buttons] == ["🙋 Hubungi petugas"]
    # Delivery statuses come back by webhook and are kept on the outgoing message.
    rows = await setup.wait_db(
        "SELECT delivery_status FROM outbox WHERE external_message_id = ? AND delivery_status = ?",
        reply.wamid,
        "read",
    )
    assert rows == [("read",)]


async def test_forged_signatures_and_redeliveries_change_nothing(setup: Setup) -> None:
    wa, loket = setup.wa, setup.loket
    citra = wa.user("6281200000002", name="Citra")
    wamid = await wa.send_text(citra, "berapa biaya salinan dokumen?")
    first = await wa.wait_for_message(citra, contains="gratis")
    # Meta retries the same delivery: stored once, answered once.
    assert await wa.redeliver(wamid) == 200
    forged = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "contacts": [{"profile": {"name": "Citra"}, "wa_id": citra.wa_id}],
                            "messages": [
                                {
                                    "from": citra.wa_id,
                                    "id": "wamid.FORGED0001",
                                    "timestamp": "1700000000",
                                    "type": "text",
                                    "text": {"body": "/petugas"},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    assert await wa.send_raw(forged, signature="sha256=" + "0" * 64) == 401
    assert await wa.send_raw(forged, signature="missing") == 401
    # A later genuine message is answered, and nothing came of the duplicate or the forgeries.
    await wa.send_text(citra, "jam berapa kantor ppid buka?")
    await wa.wait_for_message(citra, contains="Senin-Jumat")
    assert wa.messages_to(citra)[0].wamid == first.wamid
    assert len(wa.messages_to(citra)) == 2, [m.short() for m in wa.messages_to(citra)]
    assert loket.query("SELECT count(*) FROM inbox WHERE update_id = ?", wamid) == [(1,)]
    assert loket.query("SELECT count(*) FROM inbox WHERE update_id = 'wamid.FORGED0001'") == [(0,)]
    assert loket.query(
        "SELECT count(*) FROM ticket t JOIN citizen c ON c.id = t.citizen_id "
        "WHERE c.external_id = ?",
        citra.wa_id,
    ) == [(0,)]


async def test_ticket_answered_from_telegram_both_ways_with_files_and_rating(
    setup: Setup,
) -> None:
    tg, wa = setup.tg, setup.wa
    dewi = wa.user("6281200000003", name="Dewi Lestari")
    await wa.send_text(dewi, "resep rendang padang yang enak gimana ya")
    opened = await wa.wait_for_message(dewi, contains="LC-")
    number = LC.search(opened.text or "")
    assert number, opened.short()
    card = await setup.card(number.group(0))
    assert "Kanal: whatsapp" in (card.text or "") and "Dewi Lestari" in (card.text or "")
    thread = card.thread_id
    assert thread is not None
    # The officer answers in the topic: the citizen gets it as WhatsApp text.
    await tg.send_text(
        setup.ani, "Halo Bu Dewi, ini layanan informasi.", chat=setup.group, thread_id=thread
    )
    answer = await wa.wait_for_message(dewi)
    assert answer.type == "text" and answer.text == "Halo Bu Dewi, ini layanan informasi."
    # The citizen's follow-ups appear in the topic: text, and a photo fetched from WhatsApp.
    await wa.send_text(dewi, "baik, saya mau tanya data DPT")
    await setup.in_topic(thread, "👤 baik, saya mau tanya data DPT")
    await wa.send_image(dewi, JPEG, caption="ini KTP saya")
    photo = await tg.wait_for(
        lambda m: m.chat_id == setup.group.id and m.thread_id == thread and m.kind == "photo"
    )
    assert "ini KTP saya" in (photo.text or "")
    stored = tg.files.get(photo.photo[-1]["file_id"]) if photo.photo else None
    assert stored is not None and stored.data == JPEG
    # A location is not read, but the officers see that one was sent.
    await wa.send_location(dewi, -6.2, 106.8, name="Kantor Bawaslu")
    await setup.in_topic(thread, "👤 [lokasi] Kantor Bawaslu")
    # The officer sends a document: the citizen gets the same file on WhatsApp.
    pdf = b"%PDF-1.4\n% daftar DPT\n"
    await tg.send_document(setup.ani, pdf, file_name="dpt.pdf", chat=setup.group, thread_id=thread)
    doc = await wa.wait_for_message(dewi)
    assert doc.type == "document" and doc.media_data == pdf, doc.short()
    assert (doc.document or {}).get("filename", "").endswith(".pdf")
    # A voice note becomes WhatsApp audio; a sticker cannot cross, and the officer is told.
    ogg = b"OggS\x00voice-note"
    await tg.send_voice(setup.ani, ogg, chat=setup.group, thread_id=thread)
    voice = await wa.wait_for_message(dewi)
    assert voice.type == "audio" and voice.media_data == ogg, voice.short()
    assert (voice.media or {}).get("mime_type") == "audio/ogg"
    await tg.send_sticker(setup.ani, chat=setup.group, thread_id=thread)
    await setup.in_topic(thread, "stiker tidak dapat diteruskan ke WhatsApp")
    # Close: the 1-4 scale arrives as a list (four choices); the citizen picks "4".
    await tg.send_text(setup.ani, "/close", chat=setup.group, thread_id=thread)
    ask = await wa.wait_for_message(dewi, contains="diselesaikan")
    assert ask.interactive_type == "list" and len(ask.rows) == 4, ask.short()
    four = next(r for r in ask.rows if r["title"].startswith("4"))
    thanks = await setup.choose(dewi, ask, four["id"])
    assert "4/4" in (thanks.text or "")
    await setup.in_topic(thread, f"Penilaian warga untuk {number.group(0)}: 4/4")
    assert setup.loket.query(
        "SELECT status, rating, channel FROM ticket WHERE number = ?", number.group(0)
    ) == [("closed", 4, "whatsapp")]


async def test_forged_button_and_unsupported_media_get_polite_answers(setup: Setup) -> None:
    wa = setup.wa
    eka = wa.user("6281200000004", name="Eka")
    await wa.send_button_reply(eka, "r:999:4:forged", title="4", force=True)
    stale = await wa.wait_for_message(eka)
    assert "sudah tidak tersedia" in (stale.text or ""), stale.short()
    await wa.send_sticker(eka)
    note = await wa.wait_for_message(eka)
    assert "hanya dapat membaca pesan teks" in (note.text or "")
    # A reaction to one of our messages needs no answer.
    await wa.send_inbound(eka, "reaction", {"message_id": note.wamid, "emoji": "👍"})
    await wa.send_text(eka, "/entahlah")
    unknown = await wa.wait_for_message(eka)
    assert "/entahlah" in (unknown.text or ""), unknown.short()  # the reaction got no reply
    assert setup.loket.query(
        "SELECT count(*) FROM ticket t JOIN citizen c ON c.id = t.citizen_id "
        "WHERE c.external_id = ?",
        eka.wa_id,
    ) == [(0,)]


async def test_english_on_whatsapp_through_bahasa(setup: Setup) -> None:
    wa = setup.wa
    john = wa.user("6281200000007", name="John")
    # WhatsApp tells nothing of the user's language: Indonesian until they choose.
    await wa.send_text(john, "/bahasa")
    prompt = await wa.wait_for_message(john)
    assert prompt.button_ids == ["bahasa:id", "bahasa:en"], prompt.short()
    done = await setup.choose(john, prompt, "bahasa:en")
    assert done.text == "All right, I will answer in English."
    await wa.send_text(john, "/start")
    assert (await wa.wait_for_message(john)).text.startswith("Hello, John")


async def test_information_request_form_on_whatsapp(setup: Setup) -> None:
    wa = setup.wa
    fajar = wa.user("6281200000005", name="Fajar")
    await wa.send_text(fajar, "/permohonan")
    ask = await wa.wait_for_message(fajar)
    ask = await setup.choose(fajar, ask, "rf:type:perorangan")
    ask = await setup.answer(fajar, "Fajar Wijaya")
    ask = await setup.answer(fajar, NIK)
    # The ID scan is a WhatsApp photo; the officers get it in the request's topic.
    await wa.send_image(fajar, JPEG)
    ask = await wa.wait_for_message(fajar)
    for text in (
        "Jl. Merdeka No. 10, Kota Kenanga",
        "Wiraswasta",
        "0812-3456-7890",
        "-",
        "Daftar pemilih tetap Kecamatan Kenanga",
        "Bahan kajian pemantauan pemilu",
    ):
        ask = await setup.answer(fajar, text)
    ask = await setup.choose(fajar, ask, "rf:obtain:salinan_softcopy")
    summary = await setup.choose(fajar, ask, "rf:receive:langsung")
    assert "************8901" in (summary.text or "") and NIK not in (summary.text or "")
    done = await setup.choose(fajar, summary, "rf:send")
    match = PI.search(done.text or "")
    assert match, done.short()
    card = await setup.card(match.group(0))
    await setup.tg.wait_for(
        lambda m: (
            m.chat_id == setup.group.id and m.thread_id == card.thread_id and m.kind == "photo"
        )
    )
    assert setup.loket.query(
        "SELECT r.information FROM info_request r JOIN ticket t ON t.id = r.ticket_id "
        "WHERE t.number = ?",
        match.group(0),
    ) == [("Daftar pemilih tetap Kecamatan Kenanga",)]
    # The written decision reaches WhatsApp as a PDF document.
    await setup.tg.send_text(
        setup.ani, "/tidak_dikuasai KPU Provinsi", chat=setup.group, thread_id=card.thread_id
    )
    notice = await wa.wait_for_message(fajar)
    assert notice.type == "document" and (notice.media_data or b"").startswith(b"%PDF")
    # The very bytes rendered at the decision, read from the notice the outbox row refers to.
    assert setup.loket.query("SELECT pdf FROM notice") == [(notice.media_data,)]
    assert "KPU Provinsi" in (notice.text or "")
    # An objection, with its seven grounds and a cancel as one list.
    ask = await setup.answer(fajar, f"/keberatan {match.group(0)}")
    assert ask.interactive_type == "list" and len(ask.rows) == 8, ask.short()
    explain = await setup.choose(fajar, ask, "kb:ground:a")
    assert "Jelaskan" in (explain.text or "")
    done = await setup.answer(fajar, "Saya yakin data pemilih ini disimpan oleh Bawaslu Provinsi.")
    objection = re.search(r"KB-\d{4}-\d{6}", done.text or "")
    assert objection, done.short()
    await setup.card(objection.group(0))


async def test_closed_window_sends_the_template_then_the_answer_when_the_citizen_writes(
    setup: Setup,
) -> None:
    tg, wa = setup.tg, setup.wa
    gita = wa.user("6281200000006", name="Gita")
    number, thread = await setup.open_ticket(gita)
    wa.age_window(gita, 25)  # a day passes before the officer answers
    await tg.send_text(setup.ani, "Dokumen Anda sudah siap.", chat=setup.group, thread_id=thread)
    template = await wa.wait_for(lambda m: m.to == gita.wa_id and m.type == "template")
    assert template.template_name == TEMPLATE
    params = template.template["components"][0]["parameters"]  # type: ignore[index]
    assert params == [{"type": "text", "text": number}]
    assert await setup.wait_db(
        "SELECT status FROM outbox WHERE chat_id = ? AND status = 'held'", gita.wa_id
    ) == [("held",)]
    # Nothing free-form went out while the window was closed.
    assert not [m for m in wa.messages_to(gita) if m.text == "Dokumen Anda sudah siap."]
    # The citizen answers the template: the held answer is delivered, before anything else.
    await wa.send_text(gita, "oke")
    held = await wa.wait_for_message(gita, contains="Dokumen Anda sudah siap.")
    assert held.type == "text"
    await setup.in_topic(thread, "👤 oke")
    # Its row's status is written right after the send: wait for it to leave "held".
    await setup.loket.wait_query(
        "SELECT count(*) FROM outbox WHERE chat_id = ? AND status = 'held'",
        gita.wa_id,
        until=lambda rows: rows == [(0,)],
    )


async def test_a_published_document_is_handed_over_on_whatsapp(setup: Setup) -> None:
    wa = setup.wa
    gita = wa.user("6281200000009", name="Gita")
    reply = await setup.answer(gita, "minta laporan keuangan bawaslu tahun 2025")
    text = reply.text or ""
    assert "Laporan Keuangan Bawaslu Provinsi 2025" in text, reply.short()
    assert "https://ppid.bawaslu-nusakenanga.example/dip/laporan-keuangan-2025.pdf" in text
    # File a request anyway, or talk to an officer (a list: the labels are longer than
    # WhatsApp's reply buttons allow).
    assert (reply.button_ids or reply.row_ids) == ["permohonan", "petugas"], reply.short()
    form = await setup.choose(gita, reply, "permohonan")
    assert "rf:type:perorangan" in (form.button_ids or form.row_ids), form.short()
    await setup.answer(gita, "/batal")
    assert setup.loket.query(
        "SELECT count(*) FROM ticket t JOIN citizen c ON c.id = t.citizen_id "
        "WHERE c.external_id = ?",
        "6281200000009",
    ) == [(0,)]
