"""The knowledge base changes under a running bot: reload on edit and on /reload, broken files
reported with file and line while the old one stays in service; the editors' gap report."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from bot.playground.emulator import BotApiEmulator
from tests.harness import RAISED_LIMITS, REPO, SAMPLE_FAQ, LoketProcess

NEW_ENTRY = """
[[entry]]
id = "pengumuman-hasil"
category = "pemilu"
questions = ["Kapan pengumuman hasil rekapitulasi suara?", "jadwal pleno rekapitulasi"]
answer = "Jadwal pleno rekapitulasi diumumkan di laman resmi dan papan pengumuman kantor."
keywords = ["rekapitulasi", "pleno"]
"""


async def test_edited_files_reload_and_broken_ones_are_reported(tmp_path: Path) -> None:
    async with BotApiEmulator() as emu:
        editor = emu.user("Editor FAQ")
        group = emu.group("Staf PPID", is_forum=True, members=[editor])
        loket = LoketProcess(
            emu,
            tmp_path / "bot",
            extra_toml=RAISED_LIMITS + f"[staff]\nofficers = [{editor.id}]\n",
            env={
                "LOKET_TELEGRAM__STAFF_GROUP_ID": str(group.id),
                "LOKET_FAQ__WATCH_INTERVAL": "0.3",
            },
        )
        await loket.start()
        kb = loket.workdir / "kb" / "faq.toml"
        try:
            # A new entry saved to disk is in service without a restart.
            kb.write_text(SAMPLE_FAQ + NEW_ENTRY, encoding="utf-8")
            await emu.wait_for(
                lambda m: m.chat_id == group.id and "dimuat ulang: 4 entri" in (m.text or "")
            )
            citizen = emu.user("Oki")
            await emu.send_text(citizen, "kapan pengumuman hasil rekapitulasi suara?")
            answer = await emu.wait_for_message(citizen.id)
            assert "pleno rekapitulasi" in (answer.text or "")
            # A broken file is reported with its name and line; the old entries keep answering.
            kb.write_text(
                SAMPLE_FAQ + NEW_ENTRY + '\n[[entry]]\nid = "rusak"\nquestions = [\n',
                encoding="utf-8",
            )
            report = await emu.wait_for(
                lambda m: m.chat_id == group.id and "tidak dimuat ulang" in (m.text or "")
            )
            assert "faq.toml" in (report.text or "") and "line" in (report.text or "")
            await emu.send_text(citizen, "jadwal pleno rekapitulasi")
            again = await emu.wait_for_message(citizen.id)
            assert "pleno rekapitulasi" in (again.text or "")
            # /reload by an officer after the fix.
            kb.write_text(SAMPLE_FAQ, encoding="utf-8")
            await emu.wait_for(
                lambda m: m.chat_id == group.id and "dimuat ulang: 3 entri" in (m.text or "")
            )
            await emu.send_text(editor, "/reload", chat=group)
            await emu.wait_for(
                lambda m: (
                    m.chat_id == group.id
                    and "dimuat ulang: 3 entri" in (m.text or "")
                    and len(
                        [
                            x
                            for x in emu.messages_to(group.id)
                            if "dimuat ulang: 3" in (x.text or "")
                        ]
                    )
                    >= 2
                )
            )
        finally:
            assert await loket.stop() == 0, loket.log()


async def test_gap_report_groups_unanswered_questions(tmp_path: Path) -> None:
    async with BotApiEmulator() as emu:
        loket = LoketProcess(emu, tmp_path / "bot", extra_toml=RAISED_LIMITS)  # no staff group
        await loket.start()
        try:
            questions = [
                "berapa jumlah TPS di kecamatan saya?",
                "jumlah TPS di kecamatan saya berapa ya",
                "berapa jumlah tps di kecamatan saya",
                "apakah ada lowongan magang mahasiswa?",
            ]
            for i, question in enumerate(questions):
                citizen = emu.user(f"Warga {i}")
                await emu.send_text(citizen, question)
                await emu.wait_for_message(citizen.id)
        finally:
            assert await loket.stop() == 0
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "bot", "faq", "gaps", "--config", str(loket.config_path)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
        )
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0].startswith("4 unanswered question(s)")
        first = lines[1].split(maxsplit=1)
        assert first[0] == "3" and "TPS" in first[1].upper()
        assert any(line.split(maxsplit=1)[0] == "1" and "magang" in line for line in lines[2:])
