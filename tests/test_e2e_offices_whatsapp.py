"""A network of offices for WhatsApp citizens (they type the office), and a network whose
transferred requests start anew: a `loket run` process between both emulators."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from bot.playground.emulator import BotApiEmulator, FakeChat, FakeUser, SentMessage
from tests.harness import RAISED_LIMITS, LoketProcess, free_port
from tests.wa_emulator import WhatsAppEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")

TOKEN, SECRET, VERIFY, PHONE_ID = "EAAloket", "app-secret-uji", "verify-uji", "1098765432"
NIK = "3271012345678901"


@dataclass
class World:
    tg: BotApiEmulator
    wa: WhatsAppEmulator
    loket: LoketProcess
    groups: dict[str, FakeChat]
    officers: dict[str, FakeUser]

    async def card(self, office: str, number: str) -> SentMessage:
        group = self.groups[office]
        return await self.tg.wait_for(
            lambda m: m.chat_id == group.id and (m.text or "").startswith(f"🎫 {number}")
        )

    async def answer(self, citizen: FakeUser, text: str) -> SentMessage:
        await self.tg.send_text(citizen, text)
        return await self.tg.wait_for_message(citizen.id)

    async def press(self, citizen: FakeUser, message: SentMessage, data: str) -> SentMessage:
        await self.tg.press_button(citizen, message, data)
        return await self.tg.wait_for_message(citizen.id)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    async with (
        BotApiEmulator() as tg,
        WhatsAppEmulator(
            access_token=TOKEN, app_secret=SECRET, verify_token=VERIFY, phone_number_id=PHONE_ID
        ) as wa,
    ):
        officers = {"kab-kudus": tg.user("Kus Kudus"), "kota-semarang": tg.user("Sri Semarang")}
        groups = {
            office: tg.group(f"Staf {office}", is_forum=True, members=[officer])
            for office, officer in officers.items()
        }
        port = free_port()
        toml = (
            RAISED_LIMITS
            + f"""
[requests]
transfer_deadline = "restart"

[whatsapp]
enabled = true
api_base = "{wa.api_base}"
phone_number_id = "{wa.phone_number_id}"
listen = "127.0.0.1:{port}"

[[offices]]
id = "kab-kudus"
name = "PPID Kabupaten Kudus"
staff_group_id = {groups["kab-kudus"].id}
officers = [{officers["kab-kudus"].id}]
number_prefix = "KDS"

[[offices]]
id = "kota-semarang"
name = "PPID Kota Semarang"
staff_group_id = {groups["kota-semarang"].id}
officers = [{officers["kota-semarang"].id}]
number_prefix = "KSM"
"""
        )
        loket = LoketProcess(
            tg,
            tmp_path_factory.mktemp("offices-wa"),
            extra_toml=toml,
            env={
                "LOKET_WHATSAPP__ACCESS_TOKEN": wa.access_token,
                "LOKET_WHATSAPP__APP_SECRET": wa.app_secret,
                "LOKET_WHATSAPP__VERIFY_TOKEN": wa.verify_token,
            },
        )
        await loket.start()
        wa.set_webhook(f"http://127.0.0.1:{port}/whatsapp")
        for office, officer in officers.items():
            await tg.send_text(officer, "/duty on", chat=groups[office])
            await tg.wait_for(
                lambda m, g=groups[office]: m.chat_id == g.id and "piket" in (m.text or "")
            )
        yield World(tg, wa, loket, groups, officers)
        assert await loket.stop() == 0, loket.log()
        assert "Traceback" not in loket.log(), loket.log()


async def test_a_whatsapp_citizen_types_the_office_and_reaches_its_group(world: World) -> None:
    wa = world.wa
    rina = wa.user("6281200000031", name="Rina")
    await wa.send_text(rina, "halo min")
    prompt = await wa.wait_for_message(rina)
    assert "Kantor mana" in (prompt.text or ""), prompt.short()
    assert prompt.button_ids == ["kantor:kab-kudus", "kantor:kota-semarang"]
    await wa.send_text(rina, "kudus")
    chosen = await wa.wait_for_message(rina)
    assert "PPID Kabupaten Kudus" in (chosen.text or ""), chosen.short()
    await wa.send_text(rina, "/petugas")
    opened = await wa.wait_for_message(rina, contains="LC-")
    number = re.search(r"LC-KDS-\d{4}-\d{6}", opened.text or "")
    assert number, opened.short()
    await world.card("kab-kudus", number.group(0))
    # A reply button chooses too, and /kantor <place> changes the office later.
    sari = wa.user("6281200000032", name="Sari")
    await wa.send_text(sari, "/kantor")
    shown = await wa.wait_for_message(sari)
    await wa.send_button_reply(sari, "kantor:kota-semarang", context_wamid=shown.wamid)
    await wa.wait_for_message(sari, contains="PPID Kota Semarang")
    await wa.send_text(sari, "/kantor kab kudus")
    await wa.wait_for_message(sari, contains="PPID Kabupaten Kudus")
    rows = world.loket.query(
        "SELECT external_id, office FROM citizen WHERE channel = 'whatsapp' ORDER BY id"
    )
    assert rows == [("6281200000031", "kab-kudus"), ("6281200000032", "kab-kudus")]


async def test_a_request_transferred_starts_anew_with_a_written_notice(world: World) -> None:
    tg = world.tg
    citizen = tg.user("Tono")
    await tg.send_text(citizen, "/start kab-kudus")
    await tg.wait_for_message(citizen.id, contains="Halo")
    await tg.send_text(citizen, "/permohonan")
    ask = await tg.wait_for_message(citizen.id)
    ask = await world.press(citizen, ask, "rf:type:perorangan")
    for text in ("Tono Wijaya", NIK, "lewati", "Jl. Pemuda 1", "Guru", "0812-1111-2222", "-"):
        ask = await world.answer(citizen, text)
    ask = await world.answer(citizen, "Data sekolah Kota Semarang")
    ask = await world.answer(citizen, "Penelitian")
    ask = await world.press(citizen, ask, "rf:obtain:salinan_softcopy")
    summary = await world.press(citizen, ask, "rf:receive:langsung")
    done = await world.press(citizen, summary, "rf:send")
    old = re.search(r"PI-KDS-\d{4}-\d{6}", done.text or "")
    assert old, done.text
    card = await world.card("kab-kudus", old.group(0))
    before = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    await tg.send_text(
        world.officers["kab-kudus"],
        "/alihkan kota-semarang",
        chat=world.groups["kab-kudus"],
        thread_id=card.thread_id,
    )
    # The letter of the sending office (its PDF), then the new number and deadline.
    letter = await tg.wait_for(lambda m: m.chat_id == citizen.id and m.kind == "document")
    assert (letter.document or {}).get("file_name") == f"{old.group(0)}-not_held.pdf"
    assert "dikuasai oleh: PPID Kota Semarang" in (letter.text or ""), letter.text
    notice = await tg.wait_for_message(citizen.id, contains="diregistrasi ulang")
    new = re.search(r"PI-KSM-\d{4}-\d{6}", notice.text or "")
    assert new and "dikuasai oleh" in (notice.text or ""), notice.text
    rows = await world.loket.wait_query(
        "SELECT t.number, r.received_on, r.due_on FROM info_request r"
        " JOIN ticket t ON t.id = r.ticket_id WHERE t.number = ?",
        new.group(0),
        until=lambda rows: len(rows) == 1,
    )
    # Counted anew from the transfer: received that day at the receiving office (the date
    # read around it, as it may turn meanwhile).
    after = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    assert rows[0][1] in {before.isoformat(), after.isoformat()}
    await world.card("kota-semarang", new.group(0))
