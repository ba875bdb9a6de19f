"""Nothing lost, nothing doubled: bursts through a real `loket run`, with 429s and a SIGKILL."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from bot.playground.emulator import BotApiEmulator, FakeUser
from tests.harness import RAISED_LIMITS, LoketProcess

# Flood control lifted too: a burst of 20 messages a citizen is the point here.
BURST_LIMITS = (
    RAISED_LIMITS
    + """
[limits]
messages_per_minute = 1000
"""
)
QUESTIONS = ["jam berapa kantor ppid buka?", "berapa biaya salinan dokumen?"]


async def burst(emu: BotApiEmulator, citizens: int, per_citizen: int) -> list[FakeUser]:
    users = [emu.user(f"Warga {i}") for i in range(citizens)]
    for round_ in range(per_citizen):
        for user in users:
            await emu.send_text(user, QUESTIONS[round_ % 2])
    return users


async def wait_replies(emu: BotApiEmulator, users: list[FakeUser], each: int, limit: float) -> None:
    deadline = asyncio.get_running_loop().time() + limit
    while any(len(emu.messages_to(u.id)) < each for u in users):
        if asyncio.get_running_loop().time() > deadline:
            counts = Counter(len(emu.messages_to(u.id)) for u in users)
            raise AssertionError(f"replies per citizen after {limit}s: {dict(counts)}")
        await asyncio.sleep(0.05)


def assert_exactly_once(emu: BotApiEmulator, users: list[FakeUser], each: int) -> None:
    for user in users:
        replies = [m.text for m in emu.messages_to(user.id)]
        assert len(replies) == each, (user.first_name, replies)
        # Replies come in the order the questions were asked.
        for i, text in enumerate(replies):
            assert ("08.00" in text) if i % 2 == 0 else ("gratis" in text), (i, text)


async def test_burst_with_429s_is_answered_exactly_once(tmp_path: Path) -> None:
    async with BotApiEmulator() as emu:
        emu.set_flood(0.1, retry_after=1, seed=7, methods=("sendMessage",))
        loket = LoketProcess(emu, tmp_path / "bot", extra_toml=BURST_LIMITS)
        await loket.start()
        users = await burst(emu, citizens=20, per_citizen=4)
        await wait_replies(emu, users, 4, limit=60)
        # Stopped, it has finished what it had in hand: a doubled reply would be sent or still
        # queued in the outbox by now.
        assert await loket.stop() == 0
        assert_exactly_once(emu, users, 4)
        assert loket.query("SELECT status, count(*) FROM outbox GROUP BY status") == [
            ("sent", 20 * 4)
        ]
        rejected = [c for c in emu.calls if c.method == "sendMessage" and c.status == 429]
        assert rejected, "the emulator answered no 429 at all: the test proved nothing"


async def test_sigkill_in_the_middle_of_a_burst_loses_and_doubles_nothing(tmp_path: Path) -> None:
    async with BotApiEmulator() as emu:
        # Slow sends widen the window in which the kill lands mid-send.
        emu.set_latency(0.02)
        loket = LoketProcess(emu, tmp_path / "bot", extra_toml=BURST_LIMITS)
        await loket.start()
        users = await burst(emu, citizens=25, per_citizen=4)
        total = 25 * 4
        await emu.wait_for(lambda _: len(emu.sent) >= total * 0.4, timeout=30)
        await loket.kill()
        answered_before_kill = len(emu.sent)
        assert answered_before_kill < total, "the burst finished before the kill"
        await loket.start()
        await wait_replies(emu, users, 4, limit=90)
        assert await loket.stop() == 0  # what it had in hand is finished: the counts are final
        assert_exactly_once(emu, users, 4)
        statuses = dict(loket.query("SELECT status, count(*) FROM outbox GROUP BY status"))
        assert statuses == {"sent": total}, statuses
        assert loket.query("SELECT count(*) FROM inbox WHERE status != 'done'") == [(0,)]


async def test_a_burst_under_the_default_limits_is_answered_exactly_once(tmp_path: Path) -> None:
    """40 citizens x 2 questions at once with the default limits (30/s overall, 1/s a chat):
    paced, every reply still arrives once and in order. That the pacing keeps to the limits
    is checked on the sender's own decisions, with a time the test moves
    (tests/test_outbox.py): measured here in wall-clock seconds, it would depend on the
    machine's load."""
    async with BotApiEmulator() as emu:
        loket = LoketProcess(emu, tmp_path / "bot")
        await loket.start()
        users = await burst(emu, citizens=40, per_citizen=2)
        await wait_replies(emu, users, 2, limit=60)
        assert await loket.stop() == 0  # what it had in hand is finished: the counts are final
        assert_exactly_once(emu, users, 2)
        assert loket.query("SELECT status, count(*) FROM outbox GROUP BY status") == [
            ("sent", 40 * 2)
        ]


async def test_updates_handled_together_each_get_their_answers_once(tmp_path: Path) -> None:
    """Updates queued while loket was down arrive in one getUpdates batch: the inbox worker
    handles those of different chats in one shared transaction. Each button press is still
    answered (answerCallbackQuery, made after that commit) and each message replied to once."""
    async with BotApiEmulator() as emu:
        loket = LoketProcess(emu, tmp_path / "bot", extra_toml=BURST_LIMITS)
        await loket.start()
        users = [emu.user(f"Warga {i}", language_code="id") for i in range(6)]
        prompts = []
        for user in users:
            await emu.send_text(user, "/bahasa")
            prompts.append(await emu.wait_for_message(user.id))
        assert await loket.stop() == 0
        emu.clear_records()
        presses = []
        for user, prompt in zip(users, prompts, strict=True):
            presses.append(await emu.press_button(user, prompt, "bahasa:en"))
            await emu.send_text(user, "jam berapa kantor ppid buka?")
        await loket.start()
        await wait_replies(emu, users, 2, limit=30)
        # Stopped, it has finished what it had in hand: a doubled reply or answer would be
        # recorded (or queued) by now.
        assert await loket.stop() == 0
        # Three texts queued for each (the language prompt, two replies), sent or not.
        texts = loket.query("SELECT chat_id, count(*) FROM outbox WHERE method = 'text' GROUP BY 1")
        assert sorted(texts) == sorted((str(user.id), 3) for user in users)
        for user, press in zip(users, presses, strict=True):
            replies = [m.text for m in emu.messages_to(user.id)]
            assert len(replies) == 2, replies
            assert replies[0] == "All right, I will answer in English."
            assert "08.00" in replies[1]
            answers = [
                a
                for a in emu.callback_answers
                if str(a.get("callback_query_id")) == press["callback_query"]["id"]
            ]
            assert len(answers) == 1, answers
        assert loket.query("SELECT status, count(*) FROM inbox GROUP BY status") == [("done", 18)]
