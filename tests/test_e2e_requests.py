"""Formal requests and objections end to end: form, registration, decision notices, objection,
coordinator decision, registers — through a `loket run` process on the Bot API emulator."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio

from bot.playground.emulator import BotApiEmulator, FakeChat, FakeUser, SentMessage
from tests.harness import RAISED_LIMITS, REPO, LoketProcess

pytestmark = pytest.mark.asyncio(loop_scope="module")

PI = re.compile(r"PI-\d{4}-\d{6}")
KB = re.compile(r"KB-\d{4}-\d{6}")
NIK = "3271012345678901"


@dataclass
class World:
    emu: BotApiEmulator
    loket: LoketProcess
    group: FakeChat
    officer: FakeUser
    boss: FakeUser

    async def press(self, citizen: FakeUser, message: SentMessage, data: str) -> SentMessage:
        await self.emu.press_button(citizen, message, data)
        return await self.emu.wait_for_message(citizen.id)

    async def answer(self, citizen: FakeUser, text: str) -> SentMessage:
        await self.emu.send_text(citizen, text)
        return await self.emu.wait_for_message(citizen.id)

    async def file_request(self, citizen: FakeUser, information: str) -> str:
        """Go through the whole form; returns the PI number."""
        await self.emu.send_text(citizen, "/permohonan")
        ask = await self.emu.wait_for_message(citizen.id)
        ask = await self.press(citizen, ask, "rf:type:perorangan")
        ask = await self.answer(citizen, citizen.first_name + " Wijaya")
        ask = await self.answer(citizen, NIK)
        ask = await self.answer(citizen, "lewati")
        ask = await self.answer(citizen, "Jl. Merdeka No. 10, Kota Kenanga")
        ask = await self.answer(citizen, "Wiraswasta")
        ask = await self.answer(citizen, "0812-3456-7890")
        ask = await self.answer(citizen, "-")
        ask = await self.answer(citizen, information)
        if any(b.get("callback_data") == "rf:dip:go" for b in ask.buttons):
            # The information map offered a published item first: file the request anyway.
            ask = await self.press(citizen, ask, "rf:dip:go")
        ask = await self.answer(citizen, "Bahan kajian pemantauan pemilu")
        ask = await self.press(citizen, ask, "rf:obtain:salinan_softcopy")
        summary = await self.press(citizen, ask, "rf:receive:langsung")
        assert "************8901" in (summary.text or "") and NIK not in (summary.text or "")
        done = await self.press(citizen, summary, "rf:send")
        match = PI.search(done.text or "")
        assert match, done.text
        return match.group(0)

    async def in_topic(self, number: str, contains: str) -> SentMessage:
        card = await self.emu.wait_for(
            lambda m: m.chat_id == self.group.id and (m.text or "").startswith(f"🎫 {number}")
        )
        return await self.emu.wait_for(
            lambda m: (
                m.chat_id == self.group.id
                and m.thread_id == card.thread_id
                and contains in (m.text or "")
            )
        )

    async def topic_of(self, number: str) -> int:
        card = await self.emu.wait_for(
            lambda m: m.chat_id == self.group.id and (m.text or "").startswith(f"🎫 {number}")
        )
        assert card.thread_id is not None
        return card.thread_id


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    async with BotApiEmulator() as emu:
        officer, boss = emu.user("Ani Petugas"), emu.user("Kepala PPID")
        group = emu.group("Staf PPID", is_forum=True, members=[officer, boss])
        loket = LoketProcess(
            emu,
            tmp_path_factory.mktemp("requests"),
            extra_toml=RAISED_LIMITS
            + f"[staff]\nofficers = [{officer.id}]\ncoordinators = [{boss.id}]\n",
            env={
                "LOKET_TELEGRAM__STAFF_GROUP_ID": str(group.id),
                "LOKET_OFFICE__ADDRESS": "Jl. Pemilu 1",
                "LOKET_OFFICE__CITY": "Kenanga",
            },
        )
        await loket.start()
        await emu.send_text(boss, "/start")
        await emu.wait_for_message(boss.id)
        yield World(emu, loket, group, officer, boss)
        assert await loket.stop() == 0, loket.log()


async def test_request_is_registered_with_due_date_and_card(world: World) -> None:
    emu = world.emu
    citizen = emu.user("Dewi")
    number = await world.file_request(
        citizen, "Salinan keputusan Bawaslu tentang penanganan pelanggaran 2024"
    )
    registered = emu.messages_to(citizen.id)[-1]
    assert "Batas waktu pemberitahuan tertulis" in (registered.text or "")
    card = await emu.wait_for(
        lambda m: m.chat_id == world.group.id and (m.text or "").startswith(f"🎫 {number}")
    )
    card_now = emu.get_message(world.group, card.message_id)
    text = card_now.get("text", "")
    assert "************8901" in text and NIK not in text
    assert "Salinan keputusan Bawaslu" in text and "salinan softcopy" in text
    # No "Tutup" on a request's card: it ends with its written decision.
    assert [b["text"] for b in card.buttons] == ["🙋 Ambil", "🔁 Alihkan"]
    rows = world.loket.query("SELECT received_on, due_on, name FROM info_request")
    assert rows and rows[-1][2] == "Dewi Wijaya" and rows[-1][1] > rows[-1][0]


async def test_rejection_sends_a_written_notice_with_the_exemption(world: World) -> None:
    emu = world.emu
    citizen = emu.user("Eko")
    number = await world.file_request(
        citizen, "Data pribadi seluruh anggota panitia pengawas kecamatan"
    )
    thread = await world.topic_of(number)
    await emu.send_text(world.officer, "/tolak z alasan", chat=world.group, thread_id=thread)
    await world.in_topic(number, "Format:")  # bad letter: explained, nothing sent
    await emu.send_text(
        world.officer,
        "/tolak h Mengungkap data pribadi anggota",
        chat=world.group,
        thread_id=thread,
    )
    notice = await emu.wait_for(lambda m: m.chat_id == citizen.id and m.kind == "document")
    assert notice.document and notice.document["file_name"].endswith(".pdf")
    assert "17" in (notice.text or "")  # the caption names the exemption
    # The citizen gets the very bytes rendered at the decision (kept apart from the outbox).
    uploaded = emu.files.get(notice.document["file_id"])
    rendered = world.loket.query(
        "SELECT pdf FROM notice WHERE filename = ?", notice.document["file_name"]
    )
    assert uploaded is not None and [(uploaded.data,)] == rendered
    await world.in_topic(number, "ditolak")
    # A formal request is not closed with /close: it ends with its written decision.
    await emu.send_text(world.officer, "/close", chat=world.group, thread_id=thread)
    await world.in_topic(number, "bukan /close")
    # Decided once: a second decision is refused.
    await emu.send_text(world.officer, "/kabulkan", chat=world.group, thread_id=thread)
    await world.in_topic(number, "sudah diputus")
    assert world.loket.query(
        "SELECT decision, exemption FROM info_request r "
        "JOIN ticket t ON t.id = r.ticket_id WHERE t.number = ?",
        number,
    ) == [("rejected", "h")]


async def test_extension_once_then_grant(world: World) -> None:
    emu = world.emu
    citizen = emu.user("Fitri")
    number = await world.file_request(citizen, "Laporan hasil pengawasan tahapan kampanye 2024")
    thread = await world.topic_of(number)
    await emu.send_text(
        world.officer,
        "/perpanjang Dokumen masih dihimpun dari kabupaten",
        chat=world.group,
        thread_id=thread,
    )
    extended = await emu.wait_for(lambda m: m.chat_id == citizen.id and m.kind == "document")
    assert "7" in (extended.text or "") or "perpanjang" in (extended.text or "").lower()
    await emu.send_text(world.officer, "/perpanjang lagi", chat=world.group, thread_id=thread)
    await world.in_topic(number, "hanya sekali")
    await emu.send_text(
        world.officer, "/kabulkan Salinan dikirim lewat email", chat=world.group, thread_id=thread
    )
    await emu.wait_for(
        lambda m: (
            m.chat_id == citizen.id and m.kind == "document" and m.message_id != extended.message_id
        )
    )
    # A document the officer posts in the topic reaches the citizen.
    await emu.send_document(
        world.officer,
        b"%PDF-1.4 laporan",
        file_name="laporan.pdf",
        mime_type="application/pdf",
        chat=world.group,
        thread_id=thread,
    )
    await emu.wait_for(
        lambda m: (
            m.chat_id == citizen.id
            and m.document is not None
            and m.document.get("file_name") == "laporan.pdf"
        )
    )
    row = world.loket.query(
        "SELECT decision, extended_to IS NOT NULL FROM info_request r "
        "JOIN ticket t ON t.id = r.ticket_id WHERE t.number = ?",
        number,
    )
    assert row == [("granted", 1)]


async def test_objection_by_owner_decided_by_coordinator_only(world: World) -> None:
    emu = world.emu
    citizen, other = emu.user("Gita"), emu.user("Hadi")
    number = await world.file_request(
        citizen, "Anggaran pengawasan pemilu tahun 2024 per kabupaten"
    )
    thread = await world.topic_of(number)
    # Too early: still within its deadline and undecided.
    early = await world.answer(citizen, f"/keberatan {number}")
    assert "belum dapat diajukan" in (early.text or "")
    await emu.send_text(
        world.officer, "/tidak_dikuasai Bawaslu RI", chat=world.group, thread_id=thread
    )
    notice = await emu.wait_for_message(citizen.id)  # consumes it: the next reply follows
    assert notice.kind == "document" and "Bawaslu RI" in (notice.text or "")
    # Another citizen cannot object to it.
    theirs = await world.answer(other, f"/keberatan {number}")
    assert "tidak ditemukan" in (theirs.text or "")
    ask = await world.answer(citizen, f"/keberatan {number}")
    assert len(ask.buttons) == 8  # grounds a-g and cancel
    explain = await world.press(citizen, ask, "kb:ground:a")
    assert "Jelaskan" in (explain.text or "")
    short = await world.answer(citizen, "tidak")
    assert "terlalu pendek" in (short.text or "")
    done = await world.answer(citizen, "Saya yakin Bawaslu Provinsi menyimpan data anggaran ini.")
    kb = KB.search(done.text or "")
    assert kb, done.text
    private = await emu.wait_for(
        lambda m: m.chat_id == world.boss.id and kb.group(0) in (m.text or "")
    )
    assert number in (private.text or "")
    kb_thread = await world.topic_of(kb.group(0))
    # An officer who is not a coordinator cannot decide it.
    await emu.send_text(
        world.officer, "/putusan_keberatan terima Data ada", chat=world.group, thread_id=kb_thread
    )
    await world.in_topic(kb.group(0), "Hanya atasan PPID")
    # Not decided yet: no dispute at the Komisi Informasi can be recorded.
    await emu.send_text(world.boss, "/sengketa", chat=world.group, thread_id=kb_thread)
    await world.in_topic(kb.group(0), "belum diputus")
    assert world.loket.query("SELECT commission_on FROM objection") == [(None,)]
    await emu.send_text(
        world.boss,
        "/putusan_keberatan terima Data ditemukan di bagian keuangan",
        chat=world.group,
        thread_id=kb_thread,
    )
    answer = await emu.wait_for(
        lambda m: (
            m.chat_id == citizen.id
            and m.kind == "document"
            and kb.group(0) in (m.document or {}).get("file_name", "")
        )
    )
    assert "Komisi Informasi" in (answer.text or "")
    assert world.loket.query("SELECT decision FROM objection") == [("accepted",)]


async def test_dispute_at_the_commission_is_recorded_once_after_the_decision(
    world: World,
) -> None:
    emu = world.emu
    [(number,)] = world.loket.query("SELECT number FROM ticket WHERE kind = 'KB'")
    thread = await world.topic_of(number)

    async def sengketa(user: FakeUser, args: str) -> None:
        await emu.send_text(user, f"/sengketa {args}", chat=world.group, thread_id=thread)

    # Only a coordinator records it.
    await sengketa(world.officer, "dibawa ke KI")
    await world.in_topic(number, "memakai /sengketa")
    # A date before the objection's decision, or one that does not read, is refused.
    await sengketa(world.boss, "2000-01-01 terlalu awal")
    await world.in_topic(number, "tidak bisa dipakai")
    await sengketa(world.boss, "2026-13-45 bukan tanggal")
    await world.in_topic(number, "Format: /sengketa [YYYY-MM-DD] [catatan]")
    assert world.loket.query("SELECT commission_on FROM objection") == [(None,)]
    # Without a date: today, in the office's time zone.
    await sengketa(world.boss, "Register KI 12/2026 <diterima>")
    confirmed = await world.in_topic(number, "dibawa ke Komisi Informasi (Pasal 37)")
    assert "Register KI 12/2026 <diterima>" in (confirmed.text or "")
    [(day, note)] = world.loket.query("SELECT commission_on, commission_note FROM objection")
    assert day is not None and note == "Register KI 12/2026 <diterima>"
    # Recorded once: a second /sengketa is refused and changes nothing.
    await sengketa(world.boss, "lagi")
    await world.in_topic(number, "sudah dicatat")
    assert world.loket.query("SELECT commission_on, commission_note FROM objection") == [
        (day, note)
    ]


async def test_form_back_cancel_and_restart_in_the_middle(world: World) -> None:
    emu = world.emu
    citizen = emu.user("Indah")
    await emu.send_text(citizen, "/permohonan")
    ask = await emu.wait_for_message(citizen.id)
    ask = await world.press(citizen, ask, "rf:type:perorangan")
    ask = await world.answer(citizen, "Indah Permata")
    bad = await world.answer(citizen, "12345")
    assert "16" in (bad.text or "")  # NIK must be 16 digits: explained, asked again
    back = await world.answer(citizen, "/kembali")
    assert "nama" in (back.text or "").lower()
    # The bot restarts in the middle of the form: the form survives.
    assert await world.loket.stop() == 0
    await world.loket.start()
    again = await world.answer(citizen, "Indah Permata Sari")
    assert "NIK" in (again.text or "")
    cancelled = await world.answer(citizen, "/batal")
    assert world.loket.query("SELECT count(*) FROM form_state") == [(0,)]
    assert cancelled.text


async def test_registers_export_what_was_decided(world: World) -> None:
    def export(*args: str) -> str:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "bot",
                "register",
                *args,
                "--config",
                str(world.loket.config_path),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    requests = list(csv.reader(io.StringIO(await asyncio.to_thread(export, "requests"))))
    header, rows = requests[0], requests[1:]
    assert header[0] == "No. Registrasi" and len(rows) >= 4
    decisions = {row[0]: row[header.index("Keputusan")] for row in rows}
    assert "ditolak" in decisions.values() and "diterima" in decisions.values()
    assert "tidak dikuasai" in decisions.values()
    objections = list(csv.reader(io.StringIO(await asyncio.to_thread(export, "objections"))))
    assert len(objections) == 2 and objections[1][0].startswith("KB-")
    head, row = objections
    [(day, note)] = world.loket.query("SELECT commission_on, commission_note FROM objection")
    assert row[head.index("Sengketa ke Komisi Informasi (tanggal)")] == str(day)
    assert row[head.index("Catatan Sengketa")] == note == "Register KI 12/2026 <diterima>"
    xlsx = world.loket.workdir / "register.xlsx"
    await asyncio.to_thread(export, "requests", "--format", "xlsx", "--output", str(xlsx))
    assert xlsx.read_bytes()[:2] == b"PK"
