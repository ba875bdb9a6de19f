"""Live handoff end to end: a `loket run` process, a forum staff group on the emulator."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from bot.playground.emulator import BotApiEmulator, FakeChat, FakeUser, SentMessage
from tests.harness import RAISED_LIMITS, LoketProcess

pytestmark = pytest.mark.asyncio(loop_scope="module")

NUMBER = re.compile(r"LC-\d{4}-\d{6}")
JPEG = b"\xff\xd8\xff\xe0fake-jpeg-bytes"
PDF = b"%PDF-1.4 fake"


@dataclass
class Desk:
    emu: BotApiEmulator
    loket: LoketProcess
    group: FakeChat
    ani: FakeUser  # officer
    bayu: FakeUser  # officer
    stranger: FakeUser  # in the group, not an officer

    async def open_ticket(self, citizen: FakeUser, text: str = "/petugas") -> tuple[str, int]:
        """Open a ticket; returns its number and topic id once the card is in the topic."""
        await self.emu.send_text(citizen, text)
        reply = await self.emu.wait_for_message(citizen.id, contains="LC-")
        match = NUMBER.search(reply.text or "")
        assert match, reply.text
        number = match.group(0)
        card = await self.card(number)
        assert card.thread_id is not None
        return number, card.thread_id

    async def card(self, number: str) -> SentMessage:
        return await self.emu.wait_for(
            lambda m: m.chat_id == self.group.id and (m.text or "").startswith(f"🎫 {number}")
        )

    async def in_topic(self, thread: int, contains: str) -> SentMessage:
        return await self.emu.wait_for(
            lambda m: (
                m.chat_id == self.group.id and m.thread_id == thread and contains in (m.text or "")
            )
        )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def desk(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Desk]:
    async with BotApiEmulator() as emu:
        ani, bayu = emu.user("Ani Petugas"), emu.user("Bayu Petugas")
        stranger = emu.user("Orang Lain")
        group = emu.group("Staf PPID", is_forum=True, members=[ani, bayu, stranger])
        loket = LoketProcess(
            emu,
            tmp_path_factory.mktemp("handoff"),
            extra_toml=RAISED_LIMITS + f"[staff]\nofficers = [{ani.id}, {bayu.id}]\n",
            env={"LOKET_TELEGRAM__STAFF_GROUP_ID": str(group.id)},
        )
        await loket.start()
        d = Desk(emu, loket, group, ani, bayu, stranger)
        # Ani starts her duty; Bayu is off until a test needs him.
        await emu.send_text(ani, "/duty on", chat=group)
        await emu.wait_for(lambda m: m.chat_id == group.id and "sekarang piket" in (m.text or ""))
        yield d
        assert await loket.stop() == 0, loket.log()


async def test_unanswerable_question_opens_a_ticket_with_topic_and_card(desk: Desk) -> None:
    emu = desk.emu
    citizen = emu.user("Budi Santoso")
    await emu.send_text(citizen, "resep rendang padang yang enak gimana ya")
    reply = await emu.wait_for_message(citizen.id)
    number = NUMBER.search(reply.text or "")
    assert number and "teruskan ke petugas" in reply.text, reply.text
    card = await desk.card(number.group(0))
    topic = next(t for t in emu.topics(desk.group) if t["message_thread_id"] == card.thread_id)
    assert topic["name"] == f"{number.group(0)} · Budi Santoso"
    assert "resep rendang padang" in (card.text or "")
    labels = [b["text"] for b in card.buttons]
    assert labels == ["🙋 Ambil", "✅ Tutup", "🔁 Alihkan"]
    # Ani is the only officer on duty: assigned and mentioned in the topic.
    assigned = await desk.in_topic(card.thread_id, "ditugaskan ke Ani Petugas")
    assert f"tg://user?id={desk.ani.id}" in (assigned.html or "")


async def test_relay_both_ways_note_close_rating_and_reopen(desk: Desk) -> None:
    emu = desk.emu
    citizen = emu.user("Citra")
    number, thread = await desk.open_ticket(citizen)
    # The officer answers in the topic: the citizen gets a copy, not a forward.
    answer = await emu.send_text(
        desk.ani,
        "Selamat siang Bu Citra, dokumen apa yang dicari?",
        chat=desk.group,
        thread_id=thread,
    )
    copy = await emu.wait_for_message(citizen.id)
    assert copy.method == "copyMessage" and copy.copied_from == (
        desk.group.id,
        answer["message_id"],
    )
    assert copy.text == "Selamat siang Bu Citra, dokumen apa yang dicari?"
    # A follow-up while the ticket is open is relayed silently, never FAQ-answered.
    await emu.send_text(citizen, "terima kasih, saya cari jam layanan kantor")
    relayed = await desk.in_topic(thread, "saya cari jam layanan kantor")
    assert relayed.method == "copyMessage" and relayed.disable_notification
    # An internal note stays in the staff group.
    await emu.send_text(
        desk.ani, "/note warga ini sudah dua kali bertanya", chat=desk.group, thread_id=thread
    )
    await desk.in_topic(thread, "Catatan internal disimpan")
    # Close: the citizen is asked for a rating on a 1-4 scale and answers.
    await emu.send_text(desk.ani, "/close", chat=desk.group, thread_id=thread)
    ask = await emu.wait_for_message(citizen.id, contains="diselesaikan")
    assert len(ask.buttons) == 4
    assert emu.messages_to(citizen.id)[1:] == [copy, ask]  # the note and the follow-up: not sent
    four = next(b for b in ask.buttons if b["text"].startswith("4"))
    await emu.press_button(citizen, ask, four["callback_data"])
    thanks = await emu.wait_for_message(citizen.id, contains="penilaian")
    assert "4/4" in (thanks.text or "")
    await desk.in_topic(thread, f"Penilaian warga untuk {number}: 4/4")
    assert desk.loket.query("SELECT status, rating FROM ticket WHERE number = ?", number) == [
        ("closed", 4)
    ]
    # Pressing the scale again changes nothing.
    await emu.press_button(citizen, ask, four["callback_data"])
    await emu.wait_for_message(citizen.id, contains="sudah tercatat")
    # Writing again within the reopen window reopens the same ticket.
    await emu.send_text(citizen, "maaf pak satu lagi pertanyaan")
    await emu.wait_for_message(citizen.id, contains="dibuka kembali")
    await desk.in_topic(thread, "maaf pak satu lagi pertanyaan")
    assert desk.loket.query("SELECT status FROM ticket WHERE number = ?", number) == [("assigned",)]
    events = [
        e
        for (e,) in desk.loket.query(
            "SELECT e.kind FROM ticket_event e JOIN ticket t ON t.id = e.ticket_id "
            "WHERE t.number = ? ORDER BY e.id",
            number,
        )
    ]
    assert events[:2] == ["opened", "assigned"]
    assert {"answered", "note", "closed", "rated", "reopened"} <= set(events)


@pytest.mark.parametrize(("typed", "score"), [("4", 4), ("sangat puas", 4), ("2 / 4", 2)])
async def test_rating_typed_after_close_is_a_rating_not_a_reopened_ticket(
    desk: Desk, typed: str, score: int
) -> None:
    """A newcomer typed "4" after the rating question and got the ticket reopened."""
    emu = desk.emu
    citizen = emu.user(f"Dian {score}")
    number, thread = await desk.open_ticket(citizen)
    await emu.send_text(desk.ani, "Sudah kami kirim, Bu.", chat=desk.group, thread_id=thread)
    await emu.wait_for_message(citizen.id, contains="Sudah kami kirim")
    await emu.send_text(desk.ani, "/close", chat=desk.group, thread_id=thread)
    await emu.wait_for_message(citizen.id, contains="diselesaikan")
    await emu.send_text(citizen, typed)
    thanks = await emu.wait_for_message(citizen.id, contains="penilaian")
    assert f"{score}/4" in (thanks.text or "")
    await desk.in_topic(thread, f"Penilaian warga untuk {number}: {score}/4")
    assert desk.loket.query("SELECT status, rating FROM ticket WHERE number = ?", number) == [
        ("closed", score)
    ]
    # Once rated, writing again is a new message: within the window it reopens the ticket.
    await emu.send_text(citizen, "4")
    await emu.wait_for_message(citizen.id, contains="dibuka kembali")


async def test_photo_and_document_are_relayed_both_ways(desk: Desk) -> None:
    emu = desk.emu
    citizen = emu.user("Dodi")
    _, thread = await desk.open_ticket(citizen)
    await emu.send_photo(citizen, JPEG, caption="ini foto KTP saya")
    photo = await emu.wait_for(
        lambda m: m.chat_id == desk.group.id and m.thread_id == thread and m.kind == "photo"
    )
    assert photo.method == "copyMessage" and photo.text == "ini foto KTP saya"
    await emu.send_document(
        desk.ani,
        PDF,
        file_name="salinan.pdf",
        mime_type="application/pdf",
        caption="Salinan putusan",
        chat=desk.group,
        thread_id=thread,
    )
    doc = await emu.wait_for(lambda m: m.chat_id == citizen.id and m.kind == "document")
    assert (
        doc.method == "copyMessage" and doc.document and doc.document["file_name"] == "salinan.pdf"
    )
    await emu.send_photo(desk.ani, JPEG, chat=desk.group, thread_id=thread)
    await emu.wait_for(lambda m: m.chat_id == citizen.id and m.kind == "photo")
    # The transcript keeps both directions with their media references.
    rows = desk.loket.query(
        "SELECT m.direction, m.kind, m.media_ref IS NOT NULL, m.author_id FROM message m "
        "JOIN citizen c ON c.id = m.citizen_id WHERE c.external_id = ? AND m.kind != 'text' "
        "AND m.kind != 'command' ORDER BY m.id",
        str(citizen.id),
    )
    assert rows == [
        ("in", "photo", 1, None),
        ("out", "document", 1, desk.ani.id),
        ("out", "photo", 1, desk.ani.id),
    ]


async def test_claim_reassign_and_routing_by_load(desk: Desk) -> None:
    emu = desk.emu
    await emu.send_text(desk.bayu, "/duty on", chat=desk.group)
    await emu.wait_for(
        lambda m: m.chat_id == desk.group.id and "Bayu Petugas sekarang piket" in (m.text or "")
    )
    # Ani holds tickets from earlier tests: the next one goes to Bayu, who has fewer.
    citizen = emu.user("Eka")
    number, thread = await desk.open_ticket(citizen)
    await desk.in_topic(thread, "ditugaskan ke Bayu Petugas")
    card = await desk.card(number)
    # Ani claims it with the card's button; the card shows her.
    claim = next(b for b in card.buttons if "Ambil" in b["text"])
    await emu.press_button(desk.ani, card, claim["callback_data"], chat=desk.group)
    await desk.in_topic(thread, f"Ani Petugas mengambil tiket {number}")
    edited = await emu.wait_for(
        lambda m: (
            m.method == "editMessageText"
            and m.message_id == card.message_id
            and "Ani Petugas" in (m.text or "")
        )
    )
    assert "ditangani" in (edited.text or "")
    # Reassign to Bayu through the officer list.
    card_now = emu.get_message(desk.group, card.message_id)
    reassign = next(
        b for b in card_now["reply_markup"]["inline_keyboard"][0] if "Alihkan" in b["text"]
    )
    await emu.press_button(desk.ani, card.message_id, reassign["callback_data"], chat=desk.group)
    prompt = await desk.in_topic(thread, "Alihkan tiket")
    to_bayu = next(b for b in prompt.buttons if b["text"] == "Bayu Petugas")
    await emu.press_button(desk.ani, prompt, to_bayu["callback_data"], chat=desk.group)
    await desk.in_topic(thread, "dialihkan ke Bayu Petugas oleh Ani Petugas")
    assert desk.loket.query("SELECT assignee_id FROM ticket WHERE number = ?", number) == [
        (desk.bayu.id,)
    ]
    await emu.send_text(desk.bayu, "/duty off", chat=desk.group)
    await emu.wait_for(
        lambda m: m.chat_id == desk.group.id and "Bayu Petugas tidak lagi piket" in (m.text or "")
    )


async def test_nobody_on_duty_goes_to_the_queue(desk: Desk) -> None:
    emu = desk.emu
    await emu.send_text(desk.ani, "/piket off", chat=desk.group)
    await emu.wait_for(
        lambda m: m.chat_id == desk.group.id and "Ani Petugas tidak lagi piket" in (m.text or "")
    )
    citizen = emu.user("Fajar")
    number, thread = await desk.open_ticket(citizen)
    await desk.in_topic(thread, "masuk antrean")
    await emu.send_text(desk.ani, "/antrian", chat=desk.group)
    queue = await emu.wait_for(
        lambda m: m.chat_id == desk.group.id and "Tiket tanpa petugas" in (m.text or "")
    )
    assert number in (queue.text or "")
    # Answering an unassigned ticket assigns it to whoever answered.
    await emu.send_text(desk.ani, "Baik, saya bantu.", chat=desk.group, thread_id=thread)
    await emu.wait_for_message(citizen.id, contains="saya bantu")
    assert desk.loket.query("SELECT assignee_id, status FROM ticket WHERE number = ?", number) == [
        (desk.ani.id, "waiting")
    ]
    await emu.send_text(desk.ani, "/piket on", chat=desk.group)
    await emu.wait_for(
        lambda m: m.chat_id == desk.group.id and "Ani Petugas sekarang piket" in (m.text or "")
    )


async def test_strangers_are_refused_and_nothing_reaches_the_citizen(desk: Desk) -> None:
    emu = desk.emu
    citizen = emu.user("Gita")
    number, thread = await desk.open_ticket(citizen)
    card = await desk.card(number)
    sent_before = len(emu.messages_to(citizen.id))
    close = next(b for b in card.buttons if "Tutup" in b["text"])
    update = await emu.press_button(desk.stranger, card, close["callback_data"], chat=desk.group)
    qid = update["callback_query"]["id"]
    call = await emu.wait_for_call(
        "answerCallbackQuery", lambda c: c.params.get("callback_query_id") == qid
    )
    assert "hanya petugas terdaftar" in call.params.get("text", "")
    await emu.send_text(desk.stranger, "/close", chat=desk.group, thread_id=thread)
    await desk.in_topic(thread, "hanya petugas terdaftar")
    await emu.send_text(
        desk.stranger, "halo warga, saya bukan petugas", chat=desk.group, thread_id=thread
    )
    await desk.in_topic(thread, "tidak diteruskan ke warga")
    # A forged card button (another ticket id, bad signature) does nothing either.
    update = await emu.press_button(desk.ani, card, "tx:1:AAAAAAAA", chat=desk.group, force=True)
    qid = update["callback_query"]["id"]
    call = await emu.wait_for_call(
        "answerCallbackQuery", lambda c: c.params.get("callback_query_id") == qid
    )
    assert "tidak berlaku" in call.params.get("text", "")
    assert len(emu.messages_to(citizen.id)) == sent_before
    assert desk.loket.query(
        "SELECT count(*) FROM ticket WHERE status = 'closed' AND number = ?",
        number,
    ) == [(0,)]


async def test_status_shows_only_the_citizens_own_tickets(desk: Desk) -> None:
    emu = desk.emu
    owner, other = emu.user("Hana"), emu.user("Indra")
    number, _ = await desk.open_ticket(owner)
    await emu.send_text(owner, f"/status {number}")
    mine = await emu.wait_for_message(owner.id, contains=number)
    assert "Status:" in (mine.text or "")
    await emu.send_text(other, f"/status {number}")
    theirs = await emu.wait_for_message(other.id)
    assert "tidak ditemukan" in (theirs.text or "") and "Status:" not in (theirs.text or "")
    await emu.send_text(other, "/status")
    assert "belum memiliki tiket" in ((await emu.wait_for_message(other.id)).text or "")
    await emu.send_text(owner, "/status")
    assert number in ((await emu.wait_for_message(owner.id)).text or "")


async def test_markup_in_names_and_messages_arrives_literally(desk: Desk) -> None:
    emu = desk.emu
    tricky = "<b>1 < 2 & 3</b>"
    citizen = emu.user(tricky)
    number, thread = await desk.open_ticket(
        citizen, text=f"mau bicara dengan petugas soal {tricky}"
    )
    card = await desk.card(number)
    assert tricky in (card.text or "")
    topic = next(t for t in emu.topics(desk.group) if t["message_thread_id"] == thread)
    assert topic["name"] == f"{number} · {tricky}"
    await emu.send_text(desk.ani, f"Jawaban: {tricky} _*[`", chat=desk.group, thread_id=thread)
    copy = await emu.wait_for_message(citizen.id)
    assert copy.text == f"Jawaban: {tricky} _*[`"
    assert not [c for c in emu.calls if c.status == 400 and "parse entities" in str(c.params)]


async def test_cancel_by_citizen_tells_the_officers(desk: Desk) -> None:
    emu = desk.emu
    citizen = emu.user("Joko")
    number, thread = await desk.open_ticket(citizen)
    await emu.send_text(citizen, "/batal")
    await emu.wait_for_message(citizen.id, contains="dibatalkan")
    await desk.in_topic(thread, f"Warga membatalkan tiket {number}")
    await emu.send_text(citizen, "/batal")
    await emu.wait_for_message(citizen.id, contains="tidak memiliki tiket")


async def test_deleted_topic_gets_a_new_topic_with_the_card(desk: Desk) -> None:
    emu = desk.emu
    citizen = emu.user("Kiki")
    number, thread = await desk.open_ticket(citizen)
    emu.delete_topic(desk.group, thread)
    await emu.send_text(citizen, "halo, masih ada orang?")
    card = await emu.wait_for(
        lambda m: (
            m.chat_id == desk.group.id
            and m.thread_id not in (None, thread)
            and (m.text or "").startswith(f"🎫 {number}")
        )
    )
    await desk.in_topic(card.thread_id, "masih ada orang")
    await emu.send_text(desk.ani, "Masih, silakan.", chat=desk.group, thread_id=card.thread_id)
    await emu.wait_for_message(citizen.id, contains="Masih, silakan")


async def test_blocked_citizen_is_shown_to_the_officers(desk: Desk) -> None:
    emu = desk.emu
    citizen = emu.user("Lala")
    _, thread = await desk.open_ticket(citizen)
    emu.block(citizen, notify=False)
    await emu.send_text(desk.ani, "Halo Bu Lala?", chat=desk.group, thread_id=thread)
    warning = await desk.in_topic(thread, "tidak dapat dikirim ke warga")
    assert "blocked" in (warning.text or "")


async def test_staff_commands_are_registered_for_the_group(desk: Desk) -> None:
    staff = [
        c["command"] for c in desk.emu.commands_for({"type": "chat", "chat_id": desk.group.id})
    ]
    assert {"note", "close", "duty", "queue", "reload"} <= set(staff)
    private = [c["command"] for c in desk.emu.commands_for({"type": "all_private_chats"})]
    assert {"start", "petugas", "status", "batal"} <= set(private)


async def test_group_without_topics_falls_back_to_cards_answered_by_reply(tmp_path: Path) -> None:
    async with BotApiEmulator() as emu:
        officer = emu.user("Mira Petugas")
        group = emu.group("Staf tanpa topik", is_forum=False, members=[officer])
        loket = LoketProcess(
            emu,
            tmp_path / "plain",
            extra_toml=RAISED_LIMITS + f"[staff]\nofficers = [{officer.id}]\n",
            env={"LOKET_TELEGRAM__STAFF_GROUP_ID": str(group.id)},
        )
        await loket.start()
        citizen = emu.user("Nina")
        await emu.send_text(citizen, "/petugas")
        number = NUMBER.search((await emu.wait_for_message(citizen.id)).text or "").group(0)
        card = await emu.wait_for(
            lambda m: m.chat_id == group.id and (m.text or "").startswith(f"🎫 {number}")
        )
        assert card.thread_id is None and card.buttons
        await emu.send_text(citizen, "dokumen anggaran 2025")
        relayed = await emu.wait_for(
            lambda m: m.chat_id == group.id and "anggaran 2025" in (m.text or "")
        )
        assert relayed.reply_to_message_id == card.message_id
        await emu.send_text(officer, "Kami cek dulu ya.", chat=group, reply_to=relayed.message_id)
        await emu.wait_for_message(citizen.id, contains="Kami cek dulu")
        await emu.send_text(officer, "/close", chat=group, reply_to=card.message_id)
        await emu.wait_for_message(citizen.id, contains="diselesaikan")
        assert await loket.stop() == 0, loket.log()
