"""/laporan in the staff group, end to end: a real `loket run` and the Bot API emulator. A
coordinator gets this month's figures as text and one chart (a PNG document); an officer who is
not a coordinator is told it is theirs only.

The bot reads the wall clock here, so the test does not assume which month it is: it reads the
month from the reply and counts, in the database, the test's citizens who wrote in it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.calendar import MONTH_NAMES
from bot.playground.emulator import BotApiEmulator
from tests.harness import RAISED_LIMITS, LoketProcess

WIB = ZoneInfo("Asia/Jakarta")


def in_month(stored: str, year: int, month: int) -> bool:
    """A stored UTC timestamp falls in ``month`` of the office's time zone."""
    at = datetime.fromisoformat(stored)
    local = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(WIB)
    return (local.year, local.month) == (year, month)


async def test_laporan_gives_coordinators_the_month_in_text_and_a_chart(tmp_path: Path) -> None:
    async with BotApiEmulator() as emu:
        boss, ani = emu.user("Bu Kepala"), emu.user("Ani Petugas")
        group = emu.group("Staf PPID", is_forum=True, members=[boss, ani])
        loket = LoketProcess(
            emu,
            tmp_path / "loket",
            extra_toml=RAISED_LIMITS
            + f"[staff]\nofficers = [{ani.id}]\ncoordinators = [{boss.id}]\n",
            env={"LOKET_TELEGRAM__STAFF_GROUP_ID": str(group.id)},
        )
        await loket.start()
        try:
            citizens = [emu.user("Budi"), emu.user("Rina"), emu.user("Sari")]
            await emu.send_text(citizens[0], "min jam brp kantor ppid buka?")  # the FAQ answers
            await emu.send_text(citizens[1], "resep rendang padang yang enak gimana ya")
            await emu.send_text(citizens[2], "resep rendang padang yang enak gimana ya")
            for citizen in citizens:
                await emu.wait_for_message(citizen.id)

            # An officer who is not a coordinator may not.
            await emu.send_text(ani, "/laporan", chat=group)
            refused = await emu.wait_for(
                lambda m: m.chat_id == group.id and "/laporan" in (m.text or "")
            )
            assert "koordinator" in (refused.text or "")

            await emu.send_text(boss, "/laporan", chat=group)
            summary = await emu.wait_for(
                lambda m: (
                    m.chat_id == group.id
                    and m.kind == "text"
                    and (m.text or "").startswith("Laporan ")
                )
            )
            chart = await emu.wait_for(lambda m: m.chat_id == group.id and m.kind == "document")
            text = summary.text or ""
            match = re.match(r"Laporan (\w+) (\d{4})", text)
            assert match is not None, text
            month = MONTH_NAMES["id"].index(match[1]) + 1
            year = int(match[2])

            # The test's citizens who wrote in that month (office time), counted from the rows.
            rows = loket.query(
                "SELECT c.external_id, m.created_at FROM message m "
                "JOIN citizen c ON c.id = m.citizen_id WHERE m.direction = 'in'"
            )
            assert {row[0] for row in rows} == {str(c.id) for c in citizens}
            wrote = {external for external, at in rows if in_month(at, year, month)}
            assert f"Obrolan: {len(wrote)} warga" in text
            assert "Permohonan informasi: 0" in text
            unanswered = sum(
                1
                for (at,) in loket.query("SELECT created_at FROM unanswered_question")
                if in_month(at, year, month)
            )
            line = f"{unanswered}× resep rendang padang yang enak gimana ya"
            assert (line in text) == (unanswered > 0), text

            assert chart.document is not None
            assert chart.document["file_name"] == f"laporan-{year}-{month:02d}.png"
            stored = emu.files.get(chart.document["file_id"])
            assert stored is not None and stored.data is not None
            assert stored.data[:8] == b"\x89PNG\r\n\x1a\n"
            (tmp_path / "laporan.png").write_bytes(stored.data)  # to look at
        finally:
            code = await loket.stop()
        assert code == 0, loket.log()
