"""Officers teach the FAQ end to end (issue 16): /faq in a ticket's topic sends an entry's
answer to the citizen (Telegram or WhatsApp) and records the citizen's unanswered question as a
candidate phrasing; `loket faq learned --accept` writes it to the learned file, which the
running bot reloads, and the next citizen asking that way gets the answer at once."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio

from bot.playground.emulator import BotApiEmulator, FakeChat, FakeUser, SentMessage
from tests.harness import REPO, LoketProcess, start_with_whatsapp
from tests.wa_emulator import WhatsAppEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")

LC = re.compile(r"LC-\d{4}-\d{6}")
QUESTION = "dokumennya bisa dikirim ke rumah ga"


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

    async def officer(self, thread: int, text: str) -> None:
        await self.tg.send_text(self.ani, text, chat=self.group, thread_id=thread)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "faq", *args, "--config", str(self.loket.config_path)],
            capture_output=True,
            text=True,
            cwd=self.loket.workdir,
            env={**self.loket.env, "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
            timeout=60,
        )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def setup(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Setup]:
    async with (
        BotApiEmulator() as tg,
        WhatsAppEmulator(
            access_token="EAAloket",
            app_secret="rahasia",
            verify_token="verifikasi",
            phone_number_id="1098765432",
        ) as wa,
    ):
        ani = tg.user("Ani Petugas")
        group = tg.group("Staf PPID", is_forum=True, members=[ani])
        loket = await start_with_whatsapp(
            tg,
            wa,
            tmp_path_factory.mktemp("teach"),
            staff_group_id=group.id,
            officers=[ani.id],
            # The learned file is watched like the FAQ files: a short interval, as in
            # tests/test_e2e_faq_reload.py, so the reload is seen without a 3 s wait.
            env={"LOKET_FAQ__WATCH_INTERVAL": "0.3"},
        )
        s = Setup(tg, wa, loket, group, ani)
        yield s
        assert await loket.stop() == 0, loket.log()
        assert "Traceback" not in loket.log(), loket.log()


async def test_faq_by_id_answers_the_citizen_and_is_learned_after_acceptance(
    setup: Setup,
) -> None:
    tg = setup.tg
    citizen = tg.user("Budi")
    await tg.send_text(citizen, QUESTION)
    opened = await tg.wait_for_message(citizen.id, contains="LC-")
    number = LC.search(opened.text or "")
    assert number, opened.text
    thread = (await setup.card(number.group(0))).thread_id
    assert thread is not None
    await setup.officer(thread, "/faq biaya-salinan")
    answer = await tg.wait_for_message(citizen.id, contains="salinan dikenai biaya")
    assert answer.text.startswith("Permohonan informasi gratis")
    await setup.in_topic(thread, f"“{QUESTION}” dicatat")
    # The candidate is listed with its entry and the citizen's words, then accepted.
    listed = setup.cli("learned")
    assert listed.returncode == 0, listed.stderr
    line = next(row for row in listed.stdout.splitlines() if QUESTION in row)
    assert "biaya-salinan" in line and "[accepted]" not in line
    candidate = line.split()[0]
    assert setup.cli("learned", "--accept", "999999").returncode == 2
    accepted = setup.cli("learned", "--accept", candidate)
    assert accepted.returncode == 0 and "1 phrasing(s) written" in accepted.stdout
    learned = (setup.loket.workdir / "faq_learned.toml").read_text(encoding="utf-8")
    assert 'entry = "biaya-salinan"' in learned and QUESTION in learned
    assert "[accepted]" in setup.cli("learned").stdout
    gaps = setup.cli("gaps")
    assert gaps.returncode == 0 and "[taught: biaya-salinan]" in gaps.stdout
    # The running bot reloads the learned file (the staff group is told): the next citizen
    # asking that way is answered at once.
    await tg.wait_for(
        lambda m: m.chat_id == setup.group.id and "dimuat ulang" in (m.text or ""), timeout=15
    )
    other = tg.user("Sari")
    await tg.send_text(other, QUESTION)
    reply = await tg.wait_for_message(other.id)
    assert (reply.text or "").startswith("Permohonan informasi gratis"), reply.text


async def test_faq_by_words_offers_a_choice_when_several_entries_fit(setup: Setup) -> None:
    tg = setup.tg
    citizen = tg.user("Citra")
    await tg.send_text(citizen, "/petugas")
    opened = await tg.wait_for_message(citizen.id, contains="LC-")
    number = LC.search(opened.text or "")
    assert number, opened.text
    thread = (await setup.card(number.group(0))).thread_id
    assert thread is not None
    # Two words, each an entry's ("layanan": the hours, "salinan": the copying fee), and no
    # kind of answer asked ("biaya" would ask a cost, which only the fee entry answers).
    await setup.officer(thread, "/faq layanan salinan")
    choice = await setup.in_topic(thread, "Pilih yang dikirim ke warga")
    labels = [b["text"] for b in choice.buttons]
    assert any(label.startswith("jam-layanan") for label in labels), labels
    assert any(label.startswith("biaya-salinan") for label in labels), labels
    pick = next(b for b in choice.buttons if b["text"].startswith("jam-layanan"))
    await tg.press_button(setup.ani, choice, pick["callback_data"])
    answer = await tg.wait_for_message(citizen.id, contains="Layanan buka Senin")
    assert "Senin-Jumat" in answer.text
    await setup.in_topic(thread, "Jawaban FAQ jam-layanan dikirim ke warga")
    # Words that fit nothing: the officer is told, the citizen gets nothing.
    await setup.officer(thread, "/faq zzz qqq")
    await setup.in_topic(thread, "Tidak ada entri FAQ yang cocok")


async def test_faq_answers_a_whatsapp_citizen_too(setup: Setup) -> None:
    wa = setup.wa
    dewi = wa.user("6281200000099", name="Dewi")
    await wa.send_text(dewi, "di kampung kami ada yang bagi-bagi amplop, gimana ini")
    opened = await wa.wait_for_message(dewi, contains="LC-")
    number = LC.search(opened.text or "")
    assert number, opened.short()
    thread = (await setup.card(number.group(0))).thread_id
    assert thread is not None
    await setup.officer(thread, "/faq lapor-pelanggaran")
    answer = await wa.wait_for_message(dewi, contains="Laporan pelanggaran pemilu")
    assert answer.type == "text"
    await setup.in_topic(thread, "dicatat sebagai usulan rumusan")
