"""FAQ answers end to end: the citizen's language picks the answer (issue 16)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.playground.emulator import BotApiEmulator
from tests.harness import SAMPLE_FAQ, LoketProcess

pytestmark = pytest.mark.asyncio(loop_scope="module")

FAQ = SAMPLE_FAQ.replace(
    'keywords = ["jam", "buka", "layanan"]',
    'keywords = ["jam", "buka", "layanan"]\n'
    'answer_en = "Open Monday-Friday 08:00-16:00 WIB. <Break> 12:00 & 13:00."',
)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def loket(
    emu: BotApiEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LoketProcess]:
    process = LoketProcess(emu, tmp_path_factory.mktemp("loket"), faq_text=FAQ)
    await process.start()
    yield process
    code = await process.stop()
    assert code == 0, process.log()


async def test_an_english_user_gets_the_english_answer_after_bahasa_en(
    emu: BotApiEmulator, loket: LoketProcess
) -> None:
    citizen = emu.user("Maya", language_code="id")
    await emu.send_text(citizen, "jam berapa kantor PPID buka?")
    assert (await emu.wait_for_message(citizen.id)).text.startswith("Layanan buka Senin")
    await emu.send_text(citizen, "/bahasa en")
    assert "English" in (await emu.wait_for_message(citizen.id)).text
    await emu.send_text(citizen, "jam berapa kantor PPID buka?")
    reply = await emu.wait_for_message(citizen.id)
    assert reply.text == "Open Monday-Friday 08:00-16:00 WIB. <Break> 12:00 & 13:00."


async def test_an_entry_without_english_answer_gives_the_indonesian_one_in_english(
    emu: BotApiEmulator, loket: LoketProcess
) -> None:
    citizen = emu.user("Tom", language_code="en")
    await emu.send_text(citizen, "Berapa biaya salinan dokumen?")
    reply = await emu.wait_for_message(citizen.id)
    assert reply.text.startswith("Permohonan informasi gratis")
