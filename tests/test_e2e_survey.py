"""The IKM survey end to end ([survey] mode = "ikm", after_chat = true): a real `loket run`
between the Telegram and WhatsApp emulators. A closed chat is followed by the nine questions:
on Telegram with inline buttons, on WhatsApp as a list (five choices); every answer is stored
per element."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio

from bot.core.ikm import ELEMENT_KEYS, ELEMENTS
from bot.playground.emulator import BotApiEmulator, FakeChat, FakeUser
from tests.harness import RAISED_LIMITS, RAISED_WHATSAPP_LIMITS, LoketProcess, free_port
from tests.wa_emulator import WhatsAppEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")

LC = re.compile(r"LC-\d{4}-\d{6}")
SCORES = (4, 3, 3, 2, 4, 4, 3, 1, 2)


@dataclass
class Desk:
    tg: BotApiEmulator
    wa: WhatsAppEmulator
    loket: LoketProcess
    group: FakeChat
    ani: FakeUser

    async def close(self, number: str) -> None:
        card = await self.tg.wait_for(
            lambda m: m.chat_id == self.group.id and (m.text or "").startswith(f"🎫 {number}")
        )
        await self.tg.send_text(self.ani, "/close", chat=self.group, thread_id=card.thread_id)

    def answers(self, number: str) -> dict[str, int]:
        rows = self.loket.query(
            "SELECT s.element, s.score FROM survey_answer s JOIN ticket t ON t.id = s.ticket_id "
            "WHERE t.number = ?",
            number,
        )
        return dict(rows)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def desk(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Desk]:
    async with (
        BotApiEmulator() as tg,
        WhatsAppEmulator(
            access_token="EAAloket",
            app_secret="app-secret-uji",
            verify_token="verify-uji",
            phone_number_id="1098765432",
        ) as wa,
    ):
        ani = tg.user("Ani Petugas")
        group = tg.group("Staf PPID", is_forum=True, members=[ani])
        port = free_port()
        loket = LoketProcess(
            tg,
            tmp_path_factory.mktemp("survey"),
            extra_toml=RAISED_LIMITS
            + f"""
[staff]
officers = [{ani.id}]
[survey]
mode = "ikm"
after_chat = true
[whatsapp]
enabled = true
api_base = "{wa.api_base}"
phone_number_id = "{wa.phone_number_id}"
listen = "127.0.0.1:{port}"
"""
            + RAISED_WHATSAPP_LIMITS,
            env={
                "LOKET_TELEGRAM__STAFF_GROUP_ID": str(group.id),
                "LOKET_WHATSAPP__ACCESS_TOKEN": wa.access_token,
                "LOKET_WHATSAPP__APP_SECRET": wa.app_secret,
                "LOKET_WHATSAPP__VERIFY_TOKEN": wa.verify_token,
            },
        )
        await loket.start()
        wa.set_webhook(f"http://127.0.0.1:{port}/whatsapp")
        d = Desk(tg, wa, loket, group, ani)
        await tg.send_text(ani, "/duty on", chat=group)
        await tg.wait_for(lambda m: m.chat_id == group.id and "sekarang piket" in (m.text or ""))
        yield d
        assert await loket.stop() == 0, loket.log()
        assert "Traceback" not in loket.log(), loket.log()


async def test_telegram_citizen_answers_the_nine_elements_with_buttons(desk: Desk) -> None:
    tg = desk.tg
    budi = tg.user("Budi")
    await tg.send_text(budi, "/petugas")
    opened = await tg.wait_for_message(budi.id, contains="LC-")
    number = LC.search(opened.text or "")
    assert number, opened.text
    await desk.close(number.group(0))
    closing = await tg.wait_for_message(budi.id, contains="diselesaikan")
    assert not closing.buttons  # the survey asks instead of the single rating
    for n, score in enumerate(SCORES):
        question = await tg.wait_for_message(budi.id, contains=f"({n + 1}/9)")
        assert ELEMENTS[n][1] in (question.text or "")
        labels = [b["text"] for b in question.buttons]
        assert labels[-1] == "Lewati survei" and len(labels) == 5
        (data,) = [b["callback_data"] for b in question.buttons if b["text"].startswith(str(score))]
        await tg.press_button(budi, question, data)
    thanks = await tg.wait_for_message(budi.id)
    assert "Terima kasih telah mengisi survei" in (thanks.text or "")
    assert desk.answers(number.group(0)) == dict(zip(ELEMENT_KEYS, SCORES, strict=True))


async def test_whatsapp_citizen_answers_from_lists_and_skips(desk: Desk) -> None:
    wa = desk.wa
    dewi = wa.user("6281200000003", name="Dewi Lestari")
    await wa.send_text(dewi, "/petugas")
    opened = await wa.wait_for_message(dewi, contains="LC-")
    number = LC.search(opened.text or "")
    assert number, opened.short()
    await desk.close(number.group(0))
    await wa.wait_for_message(dewi, contains="diselesaikan")
    for n, score in enumerate(SCORES[:3]):
        question = await wa.wait_for_message(dewi, contains=f"({n + 1}/9)")
        assert question.interactive_type == "list" and len(question.rows) == 5, question.short()
        (row,) = [r for r in question.rows if r["title"].startswith(str(score))]
        await wa.send_list_reply(dewi, row["id"], context_wamid=question.wamid)
    fourth = await wa.wait_for_message(dewi, contains="(4/9)")
    (skip,) = [r for r in fourth.rows if r["title"] == "Lewati survei"]
    await wa.send_list_reply(dewi, skip["id"], context_wamid=fourth.wamid)
    skipped = await wa.wait_for_message(dewi)
    assert "survei dilewati" in (skipped.text or "")
    assert desk.answers(number.group(0)) == dict(zip(ELEMENT_KEYS[:3], SCORES[:3], strict=True))
