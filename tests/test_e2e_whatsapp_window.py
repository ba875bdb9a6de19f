"""WhatsApp's 24-hour window without a template: the officers are told in the ticket's topic.

Here the emulator reports the closed window the way Meta often does: the send is accepted and a
"failed" status webhook (131047) follows, so the news reaches the officers through the status
path rather than the send's own error.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.playground.emulator import BotApiEmulator
from tests.harness import LoketProcess, start_with_whatsapp
from tests.wa_emulator import WhatsAppEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")

LC = re.compile(r"LC-\d{4}-\d{6}")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[BotApiEmulator, WhatsAppEmulator, LoketProcess, object, object]]:
    async with (
        BotApiEmulator() as tg,
        WhatsAppEmulator(access_token="EAAw", app_secret="s3", window_errors="async") as wa,
    ):
        ani = tg.user("Ani Petugas")
        group = tg.group("Staf PPID", is_forum=True, members=[ani])
        loket = await start_with_whatsapp(
            tg,
            wa,
            tmp_path_factory.mktemp("wa-window"),
            staff_group_id=group.id,
            officers=[ani.id],
        )
        yield tg, wa, loket, group, ani
        assert await loket.stop() == 0, loket.log()


async def test_answer_after_the_window_is_reported_to_the_officers(world) -> None:
    tg, wa, loket, group, ani = world
    hana = wa.user("6281200000009", name="Hana")
    await wa.send_text(hana, "/petugas")
    opened = await wa.wait_for_message(hana, contains="LC-")
    number = LC.search(opened.text or "")
    assert number, opened.short()
    card = await tg.wait_for(
        lambda m: m.chat_id == group.id and (m.text or "").startswith(f"🎫 {number.group(0)}")
    )
    wa.age_window(hana, 30)
    await tg.send_text(ani, "Jawaban kami sudah ada.", chat=group, thread_id=card.thread_id)
    warning = await tg.wait_for(
        lambda m: (
            m.chat_id == group.id
            and m.thread_id == card.thread_id
            and "jendela 24 jam" in (m.text or "")
        ),
        timeout=20,
    )
    assert "Pesan tidak dapat dikirim ke warga" in (warning.text or "")
    # The failure is kept on the message and the ticket; nothing was sent as a template.
    assert not [m for m in wa.messages_to(hana) if m.type == "template"]
    assert loket.query(
        "SELECT delivery_status FROM outbox WHERE chat_id = ? AND payload LIKE ?",
        hana.wa_id,
        "%Jawaban kami sudah ada.%",
    ) == [("failed",)]
    assert loket.query(
        "SELECT delivery_error IS NOT NULL FROM ticket WHERE number = ?", number.group(0)
    ) == [(1,)]
