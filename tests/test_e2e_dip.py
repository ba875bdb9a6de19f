"""The information map (DIP) end to end, through a `loket run` process on the Bot API
emulator: a published document handed over in the chat with no officer, the request form
offering it first (a deflection recorded), an exempt item explained while the request is
still registered, the request card's DIP matches, and /dip in the staff group."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
import pytest_asyncio

from bot.playground.emulator import BotApiEmulator, FakeChat, FakeUser, SentMessage
from tests.harness import RAISED_LIMITS, LoketProcess

pytestmark = pytest.mark.asyncio(loop_scope="module")

PI = re.compile(r"PI-\d{4}-\d{6}")
NIK = "3271012345678901"
FINANCE_URL = "https://ppid.bawaslu-nusakenanga.example/dip/laporan-keuangan-2025.pdf"


@dataclass
class World:
    emu: BotApiEmulator
    loket: LoketProcess
    group: FakeChat
    officer: FakeUser

    async def press(self, citizen: FakeUser, message: SentMessage, data: str) -> SentMessage:
        await self.emu.press_button(citizen, message, data)
        return await self.emu.wait_for_message(citizen.id)

    async def answer(self, citizen: FakeUser, text: str) -> SentMessage:
        await self.emu.send_text(citizen, text)
        return await self.emu.wait_for_message(citizen.id)

    async def form_until_information(self, citizen: FakeUser, information: str) -> SentMessage:
        """The request form up to "information requested"; the bot's answer to it."""
        await self.emu.send_text(citizen, "/permohonan")
        ask = await self.emu.wait_for_message(citizen.id)
        ask = await self.press(citizen, ask, "rf:type:perorangan")
        for text in (
            citizen.first_name + " Wijaya",
            NIK,
            "lewati",
            "Jl. Merdeka No. 10, Kota Kenanga",
            "Wiraswasta",
            "0812-3456-7890",
            "-",
        ):
            ask = await self.answer(citizen, text)
        return await self.answer(citizen, information)

    async def finish(self, citizen: FakeUser, ask: SentMessage) -> str:
        """From the purpose question to Kirim; the PI number."""
        assert "(10/12)" in (ask.text or ""), ask.text
        ask = await self.answer(citizen, "Bahan kajian pemantauan pemilu")
        ask = await self.press(citizen, ask, "rf:obtain:salinan_softcopy")
        summary = await self.press(citizen, ask, "rf:receive:langsung")
        done = await self.press(citizen, summary, "rf:send")
        match = PI.search(done.text or "")
        assert match, done.text
        return match.group(0)

    async def card(self, number: str) -> str:
        """The request card's text as it stands in the staff group."""
        card = await self.emu.wait_for(
            lambda m: m.chat_id == self.group.id and (m.text or "").startswith(f"🎫 {number}")
        )
        return str(self.emu.get_message(self.group, card.message_id).get("text", ""))

    def tickets_of(self, citizen: FakeUser) -> list[tuple[str]]:
        return self.loket.query(
            "SELECT t.number FROM ticket t JOIN citizen c ON c.id = t.citizen_id "
            "WHERE c.external_id = ?",
            str(citizen.id),
        )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    async with BotApiEmulator() as emu:
        officer = emu.user("Ani Petugas")
        group = emu.group("Staf PPID", is_forum=True, members=[officer])
        # No [dip] paths: the packaged map of the fictitious office is in service.
        loket = LoketProcess(
            emu,
            tmp_path_factory.mktemp("dip"),
            extra_toml=RAISED_LIMITS + f"[staff]\nofficers = [{officer.id}]\n",
            env={"LOKET_TELEGRAM__STAFF_GROUP_ID": str(group.id)},
        )
        await loket.start()
        yield World(emu, loket, group, officer)
        assert await loket.stop() == 0, loket.log()


def _data(message: SentMessage) -> list[str]:
    return [str(b.get("callback_data")) for b in message.buttons]


async def test_a_published_document_is_handed_over_without_an_officer(world: World) -> None:
    emu = world.emu
    citizen = emu.user("Rina")
    reply = await world.answer(citizen, "minta laporan keuangan bawaslu tahun 2025")
    text = reply.text or ""
    assert "Laporan Keuangan Bawaslu Provinsi 2025" in text
    assert FINANCE_URL in text and "PDF" in text and "informasi berkala" in text
    # "Ajukan permohonan" for when it is not what they need, and a person.
    assert _data(reply) == ["permohonan", "petugas"]
    assert world.tickets_of(citizen) == []
    rows = world.loket.query(
        "SELECT m.faq_entry_id FROM message m JOIN citizen c ON c.id = m.citizen_id "
        "WHERE c.external_id = ? AND m.direction = 'out'",
        str(citizen.id),
    )
    assert rows == [("dip:laporan-keuangan",)]
    # The button opens the request form.
    form = await world.press(citizen, reply, "permohonan")
    assert "rf:type:perorangan" in _data(form)
    await world.answer(citizen, "/batal")


async def test_an_english_user_gets_the_item_and_the_exempt_note_in_english(world: World) -> None:
    john = world.emu.user("John", language_code="en")
    reply = await world.answer(john, "financial report of bawaslu 2025")
    text = reply.text or ""
    assert "This information is already public (periodic information)" in text
    assert FINANCE_URL in text and "Format: PDF" in text
    # English glosses of the map's words are few: the request is typed in Indonesian here.
    ask = await world.form_until_information(
        john, "Saya minta identitas pelapor dan saksi pelanggaran pemilu"
    )
    text = ask.text or ""
    assert "is <b>exempt" not in text  # HTML, not escaped markup
    assert "is exempt information in our Public Information List" in text
    assert "Law 14/2008, Article 17 letter a" in text and "blacked out" in text
    assert "(10/12)" in text  # the form goes on
    await world.answer(john, "/batal")


async def test_a_question_the_faq_answers_stays_an_faq_answer(world: World) -> None:
    citizen = world.emu.user("Sari")
    reply = await world.answer(citizen, "Jam berapa kantor PPID buka?")
    assert "Senin-Jumat" in (reply.text or "") and "📄" not in (reply.text or "")


async def test_the_form_offers_the_published_item_and_records_the_deflection(
    world: World,
) -> None:
    emu = world.emu
    citizen = emu.user("Tono")
    offer = await world.form_until_information(
        citizen, "Saya minta laporan keuangan Bawaslu Provinsi tahun 2025"
    )
    assert "sudah terbuka untuk umum" in (offer.text or "")
    assert "Laporan Keuangan Bawaslu Provinsi 2025" in (offer.text or "")
    assert _data(offer)[0] == "rf:dip:0" and _data(offer)[-1] == "rf:dip:go"
    taken = await world.press(citizen, offer, "rf:dip:0")
    assert "Permohonan tidak diajukan" in (taken.text or "") and FINANCE_URL in (taken.text or "")
    rows = world.loket.query(
        "SELECT d.item_id, d.category, d.channel FROM dip_deflection d "
        "JOIN citizen c ON c.id = d.citizen_id WHERE c.external_id = ?",
        str(citizen.id),
    )
    assert rows == [("laporan-keuangan", "berkala", "telegram")]
    # Nothing filed, and no personal data kept in a form.
    assert world.tickets_of(citizen) == []
    assert world.loket.query("SELECT count(*) FROM form_state") == [(0,)]
    # A late press of the same offer finds no form: nothing is counted twice.
    await emu.press_button(citizen, offer, "rf:dip:0")
    await emu.wait_for_message(citizen.id)
    assert world.loket.query("SELECT count(*) FROM dip_deflection") == [(1,)]


async def test_still_filing_after_the_offer_registers_and_the_card_shows_the_map(
    world: World,
) -> None:
    citizen = world.emu.user("Umar")
    offer = await world.form_until_information(
        citizen, "Saya minta laporan keuangan Bawaslu Provinsi tahun 2025"
    )
    ask = await world.press(citizen, offer, "rf:dip:go")
    number = await world.finish(citizen, ask)
    card = await world.card(number)
    assert "Daftar Informasi Publik" in card
    assert "Laporan Keuangan Bawaslu Provinsi 2025 (audited) — berkala" in card
    assert "laporan-keuangan" in card


async def test_an_exempt_item_is_explained_and_the_request_still_registered(
    world: World,
) -> None:
    citizen = world.emu.user("Wati")
    ask = await world.form_until_information(
        citizen, "Saya minta identitas pelapor dan saksi pelanggaran pemilu"
    )
    text = ask.text or ""
    assert "informasi yang dikecualikan" in text and "Pasal 17 huruf a" in text
    assert "dihitamkan" in text and "/keberatan" in text
    # Not refused: the form goes on to the purpose, and the request is registered.
    number = await world.finish(citizen, ask)
    assert world.loket.query(
        "SELECT r.information FROM info_request r JOIN ticket t ON t.id = r.ticket_id "
        "WHERE t.number = ?",
        number,
    ) == [("Saya minta identitas pelapor dan saksi pelanggaran pemilu",)]
    card = await world.card(number)
    assert "🔒 dikecualikan (Pasal 17 huruf a" in card


async def test_dip_in_the_staff_group(world: World) -> None:
    emu = world.emu
    await emu.send_text(world.officer, "/dip laporan keuangan 2025", chat=world.group)
    found = await emu.wait_for(
        lambda m: m.chat_id == world.group.id and "Daftar Informasi Publik untuk" in (m.text or "")
    )
    assert "laporan-keuangan" in (found.text or "") and "berkala" in (found.text or "")
    await emu.send_text(world.officer, "/dip identitas pelapor", chat=world.group)
    exempt = await emu.wait_for(
        lambda m: m.chat_id == world.group.id and "“identitas pelapor”" in (m.text or "")
    )
    assert "dikecualikan (Pasal 17 huruf a" in (exempt.text or "")
    await emu.send_text(world.officer, "/dip resep rendang padang", chat=world.group)
    await emu.wait_for(lambda m: m.chat_id == world.group.id and "Tidak ada item" in (m.text or ""))
    await emu.send_text(world.officer, "/dip", chat=world.group)
    await emu.wait_for(
        lambda m: m.chat_id == world.group.id and "/dip &lt;kata&gt;" in (m.html or "")
    )
    # Only registered officers may search (like every staff command).
    stranger = emu.user("Bukan Petugas")
    await emu.send_text(stranger, "/dip laporan keuangan", chat=world.group)
    await emu.wait_for(
        lambda m: m.chat_id == world.group.id and "hanya petugas terdaftar" in (m.text or "")
    )


OFFICE_MAP = """
[[item]]
id = "laporan-tahunan"
title = "Laporan tahunan kantor"
category = "berkala"
summary = "Kegiatan dan capaian kantor selama setahun."
keywords = ["laporan tahunan"]
where = "https://kantor.example/laporan-tahunan.pdf"
format = "PDF"
"""
NEW_ITEM = """
[[item]]
id = "jadwal-piket-pengawasan"
title = "Jadwal piket posko pengawasan"
category = "setiap_saat"
summary = "Siapa berjaga di posko pengawasan setiap hari."
keywords = ["jadwal piket", "posko"]
where = "Papan pengumuman kantor"
format = "cetak"
"""


async def test_an_office_map_is_reloaded_with_reload_and_a_broken_one_is_kept_out(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    async with BotApiEmulator() as emu:
        officer = emu.user("Ani Petugas")
        group = emu.group("Staf PPID", is_forum=True, members=[officer])
        workdir = tmp_path_factory.mktemp("dip-office")
        (workdir / "dip").mkdir()
        office_map = workdir / "dip" / "kantor.toml"
        office_map.write_text(OFFICE_MAP, encoding="utf-8")
        loket = LoketProcess(
            emu,
            workdir,
            extra_toml=RAISED_LIMITS
            + f'[staff]\nofficers = [{officer.id}]\n[dip]\npaths = ["dip"]\n',
            env={"LOKET_TELEGRAM__STAFF_GROUP_ID": str(group.id)},
        )
        await loket.start()
        try:
            citizen = emu.user("Yudi")
            await emu.send_text(citizen, "jadwal piket posko pengawasan")
            first = await emu.wait_for_message(citizen.id)
            # Not in the office's map yet (and the packaged one is replaced): a person.
            assert "Papan pengumuman" not in (first.text or "") and "LC-" in (first.text or "")
            office_map.write_text(OFFICE_MAP + NEW_ITEM, encoding="utf-8")
            await emu.send_text(officer, "/reload", chat=group)
            await emu.wait_for(
                lambda m: (
                    m.chat_id == group.id
                    and "Daftar Informasi Publik dimuat ulang: 2 item" in (m.text or "")
                )
            )
            asker = emu.user("Zaki")
            await emu.send_text(asker, "jadwal piket posko pengawasan")
            found = await emu.wait_for_message(asker.id)
            assert "Papan pengumuman kantor" in (found.text or "")
            office_map.write_text(OFFICE_MAP + NEW_ITEM + "\n[[item]]\nid = ", encoding="utf-8")
            await emu.send_text(officer, "/reload", chat=group)
            failed = await emu.wait_for(
                lambda m: (
                    m.chat_id == group.id
                    and "tidak dimuat ulang" in (m.text or "")
                    and "Daftar Informasi Publik" in (m.text or "")
                )
            )
            assert "kantor.toml" in (failed.text or "")
            later = emu.user("Ayu")
            await emu.send_text(later, "jadwal piket posko pengawasan")
            still = await emu.wait_for_message(later.id)
            assert "Papan pengumuman kantor" in (still.text or "")
        finally:
            assert await loket.stop() == 0, loket.log()


async def test_an_edited_map_is_in_service_without_reload_and_a_broken_one_is_reported_once(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The map's file saved on disk is read again by the running bot (no /reload, no restart);
    a broken save keeps the old map and is reported once, in one line, naming the file."""
    async with BotApiEmulator() as emu:
        officer = emu.user("Ani Petugas")
        group = emu.group("Staf PPID", is_forum=True, members=[officer])
        workdir = tmp_path_factory.mktemp("dip-watch")
        (workdir / "dip").mkdir()
        office_map = workdir / "dip" / "kantor.toml"
        office_map.write_text(OFFICE_MAP, encoding="utf-8")
        loket = LoketProcess(
            emu,
            workdir,
            extra_toml=RAISED_LIMITS
            + f'[staff]\nofficers = [{officer.id}]\n[dip]\npaths = ["dip"]\n',
            env={
                "LOKET_TELEGRAM__STAFF_GROUP_ID": str(group.id),
                "LOKET_FAQ__WATCH_INTERVAL": "0.3",
            },
        )
        await loket.start()

        def notices(words: str) -> list[SentMessage]:
            return [m for m in emu.messages_to(group.id) if words in (m.text or "")]

        try:
            citizen = emu.user("Yudi")
            first = await world_answer(emu, citizen, "jadwal piket posko pengawasan")
            assert "Papan pengumuman" not in (first.text or "") and "LC-" in (first.text or "")
            office_map.write_text(OFFICE_MAP + NEW_ITEM, encoding="utf-8")
            await emu.wait_for(
                lambda m: (
                    m.chat_id == group.id
                    and "Daftar Informasi Publik dimuat ulang: 2 item" in (m.text or "")
                )
            )
            asker = emu.user("Zaki")
            found = await world_answer(emu, asker, "jadwal piket posko pengawasan")
            assert "Papan pengumuman kantor" in (found.text or "")
            office_map.write_text(OFFICE_MAP + NEW_ITEM + "\n[[item]]\nid = ", encoding="utf-8")
            failed = await emu.wait_for(
                lambda m: (
                    m.chat_id == group.id
                    and "Daftar Informasi Publik tidak dimuat ulang" in (m.text or "")
                )
            )
            assert "kantor.toml" in (failed.text or "") and "\n" not in (failed.text or "")
            later = emu.user("Ayu")
            still = await world_answer(emu, later, "jadwal piket posko pengawasan")
            assert "Papan pengumuman kantor" in (still.text or "")
            # Fixed by going back to the good version: announced again (an earlier version is
            # a change too); by then the broken file had been reported once.
            office_map.write_text(OFFICE_MAP + NEW_ITEM, encoding="utf-8")
            await until(lambda: len(notices("Daftar Informasi Publik dimuat ulang: 2 item")) == 2)
            assert len(notices("Daftar Informasi Publik tidak dimuat ulang")) == 1
            # The old map stayed in service while the file was broken: nothing was lost.
            again = await world_answer(emu, emu.user("Budi"), "jadwal piket posko pengawasan")
            assert "Papan pengumuman kantor" in (again.text or "")
        finally:
            assert await loket.stop() == 0, loket.log()


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait for ``condition`` with a deadline (never sleep-then-assert)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def world_answer(emu: BotApiEmulator, citizen: FakeUser, text: str) -> SentMessage:
    await emu.send_text(citizen, text)
    return await emu.wait_for_message(citizen.id)
