"""The first slice end to end: a `loket run` process, the Bot API emulator, real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.playground.emulator import BotApiEmulator
from tests.harness import RAISED_LIMITS, LoketProcess

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def loket(
    emu: BotApiEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LoketProcess]:
    # Telegram's pacing lifted (these tests are about behaviour; a burst under the default
    # limits is tests/test_e2e_reliability.py's): a citizen's third reply need not wait 2 s.
    process = LoketProcess(emu, tmp_path_factory.mktemp("loket"), extra_toml=RAISED_LIMITS)
    await process.start()
    yield process
    code = await process.stop()
    assert code == 0, process.log()


async def test_start_greets_in_indonesian(emu: BotApiEmulator, loket: LoketProcess) -> None:
    citizen = emu.user("Siti", language_code="id")
    await emu.send_text(citizen, "/start")
    reply = await emu.wait_for_message(citizen.id)
    assert "Halo, Siti" in reply.text
    assert "PPID Bawaslu Provinsi Uji" in reply.text
    assert reply.parse_mode == "HTML"


async def test_start_greets_in_english_for_english_users(
    emu: BotApiEmulator, loket: LoketProcess
) -> None:
    citizen = emu.user("John", language_code="en-US")
    await emu.send_text(citizen, "/start")
    reply = await emu.wait_for_message(citizen.id)
    assert reply.text.startswith("Hello, John")


async def test_name_with_markup_is_shown_literally(
    emu: BotApiEmulator, loket: LoketProcess
) -> None:
    citizen = emu.user("<b>1 < 2 & 3</b>")
    await emu.send_text(citizen, "/start")
    reply = await emu.wait_for_message(citizen.id)
    assert "<b>1 < 2 & 3</b>" in reply.text  # plain text after the emulator parsed the HTML


async def test_faq_question_gets_the_configured_answer(
    emu: BotApiEmulator, loket: LoketProcess
) -> None:
    citizen = emu.user("Budi")
    await emu.send_text(citizen, "min jam brp kantor ppid buka?")
    reply = await emu.wait_for_message(citizen.id)
    # The answer text contains "<" and "&": it must arrive literally, not break parsing.
    assert (
        reply.text == "Layanan buka Senin-Jumat pukul 08.00-16.00 WIB. <Istirahat> 12.00 & 13.00."
    )


async def test_unanswerable_question_is_recorded(emu: BotApiEmulator, loket: LoketProcess) -> None:
    citizen = emu.user("Rina")
    await emu.send_text(citizen, "resep rendang padang yang enak gimana ya")
    reply = await emu.wait_for_message(citizen.id)
    assert "belum menemukan jawaban" in reply.text
    rows = loket.query("SELECT text FROM unanswered_question")
    assert ("resep rendang padang yang enak gimana ya",) in rows


async def test_every_message_is_stored_both_ways(emu: BotApiEmulator, loket: LoketProcess) -> None:
    citizen = emu.user("Dewi")
    await emu.send_text(citizen, "/start")
    await emu.wait_for_message(citizen.id)
    await emu.send_text(citizen, "berapa biaya salinan dokumen?")
    answer = await emu.wait_for_message(citizen.id)
    assert "gratis" in answer.text
    # The sent mark is written right after the API call returns: wait for it.
    sent = await loket.wait_query(
        "SELECT o.status, o.external_message_id FROM outbox o WHERE o.chat_id = ? ORDER BY o.id",
        str(citizen.id),
        until=lambda rows: [r[0] for r in rows] == ["sent", "sent"],
    )
    assert sent == [("sent", str(m.message_id)) for m in emu.messages_to(citizen.id)]
    rows = loket.query(
        "SELECT m.direction, m.channel, m.text, m.created_at FROM message m "
        "JOIN citizen c ON c.id = m.citizen_id WHERE c.external_id = ? ORDER BY m.id",
        str(citizen.id),
    )
    assert [r[0] for r in rows] == ["in", "out", "in", "out"]
    assert {r[1] for r in rows} == {"telegram"}
    assert rows[2][2] == "berapa biaya salinan dokumen?"
    assert all(r[3] for r in rows)


async def test_unsupported_media_gets_a_polite_answer(
    emu: BotApiEmulator, loket: LoketProcess
) -> None:
    citizen = emu.user("Agus")
    await emu.send_sticker(citizen)
    reply = await emu.wait_for_message(citizen.id)
    assert "hanya dapat membaca pesan teks" in reply.text
    await emu.send_location(citizen, -6.2, 106.8)
    reply = await emu.wait_for_message(citizen.id)
    assert "hanya dapat membaca pesan teks" in reply.text


async def test_unknown_command_is_explained(emu: BotApiEmulator, loket: LoketProcess) -> None:
    citizen = emu.user("Tono")
    await emu.send_text(citizen, "/hapus_semua")
    reply = await emu.wait_for_message(citizen.id)
    assert "/hapus_semua" in reply.text and "tidak dikenal" in reply.text


async def test_over_long_text_is_kept_and_answered(
    emu: BotApiEmulator, loket: LoketProcess
) -> None:
    citizen = emu.user("Panjang")
    text = "tolong " * 700  # 4900 characters, over the 4000 limit
    await emu.send_text(citizen, text)
    reply = await emu.wait_for_message(citizen.id)
    assert "terlalu panjang" in reply.text
    stored = loket.query(
        "SELECT length(text) FROM message WHERE direction = 'in' ORDER BY id DESC LIMIT 1"
    )
    assert stored == [(len(text),)]


async def test_forged_button_data_changes_nothing(emu: BotApiEmulator, loket: LoketProcess) -> None:
    citizen = emu.user("Iseng")
    await emu.send_text(citizen, "/start")
    greeting = await emu.wait_for_message(citizen.id)
    before = loket.query("SELECT count(*) FROM message")
    for forged in ("ticket:close:999", "r:1:4:AAAAAAAA", "faq:0000000000000000"):
        await emu.press_button(citizen, greeting, forged, force=True)
        reply = await emu.wait_for_message(citizen.id)
        assert "tidak tersedia" in reply.text
    after = loket.query("SELECT count(*) FROM message")
    assert after[0][0] == before[0][0] + 6  # each press and its answer, nothing else
    assert loket.query("SELECT count(*) FROM ticket") == [(0,)]


async def test_bahasa_switches_the_language_and_it_sticks(
    emu: BotApiEmulator, loket: LoketProcess
) -> None:
    citizen = emu.user("Wayan", language_code="id")
    await emu.send_text(citizen, "/bahasa")
    prompt = await emu.wait_for_message(citizen.id)
    assert [b["callback_data"] for b in prompt.buttons] == ["bahasa:id", "bahasa:en"]
    await emu.press_button(citizen, prompt, "bahasa:en")
    done = await emu.wait_for_message(citizen.id)
    assert done.text == "All right, I will answer in English."
    # Telegram still says "id", but the choice wins from now on.
    await emu.send_text(citizen, "/start")
    assert (await emu.wait_for_message(citizen.id)).text.startswith("Hello, Wayan")
    await emu.send_text(citizen, "/bahasa indonesia")
    assert "Bahasa Indonesia" in (await emu.wait_for_message(citizen.id)).text
    await emu.send_text(citizen, "/start")
    assert (await emu.wait_for_message(citizen.id)).text.startswith("Halo, Wayan")
    assert loket.query(
        "SELECT language, language_chosen FROM citizen WHERE external_id = ?", str(citizen.id)
    ) == [("id", 1)]


async def test_commands_are_registered_for_private_chats(
    emu: BotApiEmulator, loket: LoketProcess
) -> None:
    registered = {key: [c["command"] for c in cmds] for key, cmds in emu.commands.items()}
    assert any("start" in cmds for cmds in registered.values()), registered


async def test_sigterm_stops_cleanly_and_restart_handles_nothing_twice(tmp_path: Path) -> None:
    # Its own emulator: two bots polling one emulator would take each other's updates.
    async with BotApiEmulator() as emu:
        await _restart_scenario(emu, tmp_path)


async def _restart_scenario(emu: BotApiEmulator, tmp_path: Path) -> None:
    process = LoketProcess(emu, tmp_path / "restart")
    await process.start()
    citizen = emu.user("Ulang")
    await emu.send_text(citizen, "jam layanan kantor?")
    await emu.wait_for_message(citizen.id)
    assert await process.stop() == 0
    await process.start()
    await emu.send_text(citizen, "berapa biaya salinan?")
    await emu.wait_for_message(citizen.id, contains="gratis")
    # Stopped, it has finished what it had in hand: a wrongly re-handled old update would
    # have left a third inbox row or a third reply (sent, or still queued) by now.
    assert await process.stop() == 0
    assert len(emu.messages_to(citizen.id)) == 2
    assert process.query("SELECT status, count(*) FROM inbox GROUP BY status") == [("done", 2)]
    assert process.query("SELECT count(*) FROM outbox WHERE chat_id = ?", str(citizen.id)) == [(2,)]
    assert "Traceback" not in process.log()
