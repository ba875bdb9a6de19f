"""Escalations end to end: steps of a few seconds, fired once, on time, across a SIGKILL."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.playground.emulator import BotApiEmulator, FakeChat, FakeUser
from tests.harness import RAISED_LIMITS, LoketProcess

NUMBER = re.compile(r"LC-\d{4}-\d{6}")
ALWAYS_OPEN = (
    RAISED_LIMITS
    + """
[hours]
holidays = ""
[hours.weekly]
mon = "00:00-24:00"
tue = "00:00-24:00"
wed = "00:00-24:00"
thu = "00:00-24:00"
fri = "00:00-24:00"
sat = "00:00-24:00"
sun = "00:00-24:00"
[sla]
first_response = "2s"
[[sla.escalation]]
after = "3s"
notify = "assignee"
[[sla.escalation]]
after = "6s"
notify = "coordinators"
"""
)


def setup(emu: BotApiEmulator, workdir: Path, extra: str = ALWAYS_OPEN):
    officer, boss = emu.user("Ani Petugas"), emu.user("Kepala PPID")
    group = emu.group("Staf PPID", is_forum=True, members=[officer, boss])
    loket = LoketProcess(
        emu,
        workdir,
        extra_toml=extra + f"[staff]\nofficers = [{officer.id}]\ncoordinators = [{boss.id}]\n",
        env={"LOKET_TELEGRAM__STAFF_GROUP_ID": str(group.id)},
    )
    return officer, boss, group, loket


def escalations(emu: BotApiEmulator, group: FakeChat, number: str) -> list:
    return [
        m for m in emu.messages_to(group.id) if "⏰" in (m.text or "") and number in (m.text or "")
    ]


async def open_ticket(emu: BotApiEmulator, citizen: FakeUser) -> tuple[str, float]:
    sent = await emu.send_text(citizen, "/petugas")
    opened_at = emu.calls[-1].at if emu.calls else 0.0
    reply = await emu.wait_for_message(citizen.id, contains="LC-")
    match = NUMBER.search(reply.text or "")
    assert match and sent
    return match.group(0), opened_at


async def test_steps_fire_once_on_time_even_across_a_sigkill(tmp_path: Path) -> None:
    async with BotApiEmulator() as emu:
        officer, boss, group, loket = setup(emu, tmp_path / "bot")
        await loket.start()
        # The coordinator has started the bot, so it may write to them privately.
        await emu.send_text(boss, "/start")
        await emu.wait_for_message(boss.id)
        await emu.send_text(officer, "/duty on", chat=group)
        await emu.wait_for(lambda m: m.chat_id == group.id and "piket" in (m.text or ""))

        citizen = emu.user("Rudi")
        number, _ = await open_ticket(emu, citizen)
        await loket.kill()  # between opening and the first step
        await loket.start()
        first = await emu.wait_for(lambda m: m in escalations(emu, group, number), timeout=15)
        assert f"tg://user?id={officer.id}" in (first.html or "")
        assert not first.disable_notification  # escalations are urgent
        private = await emu.wait_for(
            lambda m: (
                m.chat_id == boss.id and number in (m.text or "") and "Eskalasi" in (m.text or "")
            ),
            timeout=15,
        )
        # Both steps' notes in the staff group, then stop: what it had in hand is finished, so
        # a step fired twice would show now.
        await emu.wait_for(lambda _: len(escalations(emu, group, number)) >= 2, timeout=15)
        assert await loket.stop() == 0, loket.log()
        staff = escalations(emu, group, number)
        assert len(staff) == 2, [m.text for m in staff]  # assignee step + coordinators note
        assert [m for m in emu.messages_to(boss.id) if number in (m.text or "")] == [private]
        fired = loket.query(
            "SELECT s.step, s.status, s.due_at <= s.fired_at FROM sla_step s "
            "JOIN ticket t ON t.id = s.ticket_id WHERE t.number = ? ORDER BY step",
            number,
        )
        # Each step fired once, and not before its due time (both stamped by the bot's clock).
        assert fired == [(0, "fired", 1), (1, "fired", 1)]


async def test_first_step_fires_at_its_due_time_not_before(tmp_path: Path) -> None:
    async with BotApiEmulator() as emu:
        officer, _, group, loket = setup(emu, tmp_path / "bot")
        await loket.start()
        await emu.send_text(officer, "/duty on", chat=group)
        await emu.wait_for(lambda m: m.chat_id == group.id and "piket" in (m.text or ""))
        citizen = emu.user("Sari")
        await emu.send_text(citizen, "/petugas")
        reply = await emu.wait_for_message(citizen.id, contains="LC-")
        number = NUMBER.search(reply.text or "").group(0)
        first = await emu.wait_for(lambda m: m in escalations(emu, group, number), timeout=15)
        assert number in (first.text or "")
        # The bot's own records, not this test's stopwatch: due three seconds of office time
        # after the citizen began to wait (always open here), fired at or after that.
        (row,) = loket.query(
            "SELECT s.started_at, s.due_at, s.fired_at FROM sla_step s "
            "JOIN ticket t ON t.id = s.ticket_id WHERE t.number = ? AND s.step = 0",
            number,
        )
        started, due, fired = (datetime.fromisoformat(v) for v in row)
        assert due - started == timedelta(seconds=3)
        assert fired >= due
        assert await loket.stop() == 0


async def test_an_answer_stops_the_clock_and_a_new_message_restarts_it(tmp_path: Path) -> None:
    async with BotApiEmulator() as emu:
        officer, _, group, loket = setup(emu, tmp_path / "bot")
        await loket.start()
        citizen = emu.user("Tini")
        number, _ = await open_ticket(emu, citizen)
        card = await emu.wait_for(
            lambda m: m.chat_id == group.id and (m.text or "").startswith(f"🎫 {number}")
        )
        await emu.send_text(officer, "Baik, kami bantu.", chat=group, thread_id=card.thread_id)
        await emu.wait_for_message(citizen.id, contains="kami bantu")
        steps = (
            "SELECT s.round, s.step, s.status FROM sla_step s JOIN ticket t ON t.id = s.ticket_id "
            "WHERE t.number = ? ORDER BY round, step"
        )
        await loket.wait_query(
            steps, number, until=lambda rows: rows == [(1, 0, "cancelled"), (1, 1, "cancelled")]
        )
        # The citizen writes again: a new round, escalated again after 3 s. Its first step is
        # due after the first round's was, so by then a step the answer failed to cancel would
        # have fired too.
        await emu.send_text(citizen, "pak, sudah ada kabar?")
        await emu.wait_for(lambda m: m in escalations(emu, group, number), timeout=15)
        assert await loket.stop() == 0
        rounds = loket.query(steps, number)
        assert rounds[:2] == [(1, 0, "cancelled"), (1, 1, "cancelled")]
        assert rounds[2] == (2, 0, "fired")
        # Only the second round's steps fired: the answered round's never did.
        assert {r[0] for r in rounds if r[2] == "fired"} == {2}


async def test_after_hours_the_citizen_is_told_when_officers_are_back(tmp_path: Path) -> None:
    # Open only on a weekday that is not today (office time), so it is closed now.
    today = datetime.now(ZoneInfo("Asia/Jakarta")).weekday()
    other = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][(today + 2) % 7]
    closed_now = (
        RAISED_LIMITS
        + f"""
[hours]
holidays = ""
[hours.weekly]
{other} = "08:00-16:00"
"""
    )
    async with BotApiEmulator() as emu:
        _, _, group, loket = setup(emu, tmp_path / "bot", extra=closed_now)
        await loket.start()
        citizen = emu.user("Umar")
        # The FAQ keeps answering after hours.
        await emu.send_text(citizen, "jam berapa kantor ppid buka?")
        answer = await emu.wait_for_message(citizen.id)
        assert "08.00" in (answer.text or "")
        await emu.send_text(citizen, "/petugas")
        reply = await emu.wait_for_message(citizen.id, contains="LC-")
        assert "di luar jam layanan" in (reply.text or "")
        assert re.search(r"pukul 08[:.]00 WIB", reply.text or ""), reply.text
        number = NUMBER.search(reply.text or "").group(0)
        card = await emu.wait_for(
            lambda m: m.chat_id == group.id and (m.text or "").startswith(f"🎫 {number}")
        )
        assert card.disable_notification  # staff messages are quiet outside office hours
        assert await loket.stop() == 0
