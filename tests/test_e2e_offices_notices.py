"""Notices about the whole network, end to end: a `loket run` process on the Bot API emulator
with three forum staff groups, the coordinating (provincial) office listed last. What concerns
every office — the shared FAQ files reloaded or broken, updates set aside — is said in the
coordinating office's group, not in the first listed office's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio

from bot.playground.emulator import BotApiEmulator, FakeChat, FakeUser
from tests.harness import RAISED_LIMITS, SAMPLE_FAQ, LoketProcess

pytestmark = pytest.mark.asyncio(loop_scope="module")

NEW_ENTRY = """
[[entry]]
id = "jadwal-pleno"
category = "pemilu"
questions = ["Kapan rapat pleno rekapitulasi suara?"]
answer = "Rapat pleno rekapitulasi diumumkan di laman resmi sepekan sebelumnya."
keywords = ["rekapitulasi", "pleno"]
"""


@dataclass
class Net:
    emu: BotApiEmulator
    loket: LoketProcess
    groups: dict[str, FakeChat]

    def said(self, office: str, contains: str) -> list[str]:
        group = self.groups[office]
        return [m.text or "" for m in self.emu.messages_to(group.id) if contains in (m.text or "")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def net(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Net]:
    async with BotApiEmulator() as emu:
        people: dict[str, FakeUser] = {
            "kab-kudus": emu.user("Kus Kudus"),
            "kab-semarang": emu.user("Sri Semarang"),
            "jateng": emu.user("Kepala PPID Provinsi"),
        }
        groups = {
            office: emu.group(f"Staf {office}", is_forum=True, members=[person])
            for office, person in people.items()
        }
        toml = (
            RAISED_LIMITS
            + f"""
[faq]
paths = ["kb"]
watch_interval = 0.3

[[offices]]
id = "kab-kudus"
name = "PPID Kabupaten Kudus"
staff_group_id = {groups["kab-kudus"].id}
officers = [{people["kab-kudus"].id}]
parent = "jateng"
number_prefix = "KDS"

[[offices]]
id = "kab-semarang"
name = "PPID Kabupaten Semarang"
staff_group_id = {groups["kab-semarang"].id}
officers = [{people["kab-semarang"].id}]
parent = "jateng"
number_prefix = "SMG"

[[offices]]
id = "jateng"
name = "PPID Provinsi Jawa Tengah"
staff_group_id = {groups["jateng"].id}
coordinators = [{people["jateng"].id}]
number_prefix = "JTG"
"""
        )
        # The FAQ is configured above (with its watch interval), not by the harness.
        workdir = tmp_path_factory.mktemp("notices")
        (workdir / "kb").mkdir()
        (workdir / "kb" / "faq.toml").write_text(SAMPLE_FAQ, encoding="utf-8")
        loket = LoketProcess(emu, workdir, faq_text=None, extra_toml=toml)
        await loket.start()
        yield Net(emu, loket, groups)
        assert await loket.stop() == 0, loket.log()


async def test_the_shared_faq_reload_is_told_to_the_coordinating_office(net: Net) -> None:
    kb = net.loket.workdir / "kb" / "faq.toml"
    kb.write_text(SAMPLE_FAQ + NEW_ENTRY, encoding="utf-8")
    group = net.groups["jateng"]
    await net.emu.wait_for(
        lambda m: m.chat_id == group.id and "dimuat ulang: 4 entri" in (m.text or "")
    )
    # A broken edit: named there too; the entries in service keep answering.
    kb.write_text(SAMPLE_FAQ + NEW_ENTRY + '\n[[entry]]\nid = "rusak"\n', encoding="utf-8")
    report = await net.emu.wait_for(
        lambda m: m.chat_id == group.id and "tidak dimuat ulang" in (m.text or "")
    )
    assert "faq.toml" in (report.text or ""), report.text
    citizen = net.emu.user("Oki")
    await net.emu.send_text(citizen, "/start kab-kudus")
    await net.emu.wait_for_message(citizen.id, contains="Halo")
    await net.emu.send_text(citizen, "kapan pleno rekapitulasi suara?")
    answer = await net.emu.wait_for_message(citizen.id)
    assert "Rapat pleno rekapitulasi" in (answer.text or ""), answer.text
    # The first listed office (a regency) heard nothing of the shared files.
    for office in ("kab-kudus", "kab-semarang"):
        assert not net.said(office, "dimuat ulang"), net.said(office, "dimuat ulang")


async def test_updates_set_aside_are_told_to_the_coordinating_office(net: Net) -> None:
    citizen = net.emu.user("Putri")
    await net.emu.send_unreadable_message(citizen)
    group = net.groups["jateng"]
    notice = await net.emu.wait_for(
        lambda m: m.chat_id == group.id and "disisihkan" in (m.text or "")
    )
    assert "loket inbox retry" in (notice.text or ""), notice.text
    # The desk goes on, and the regencies' groups are not told.
    await net.emu.send_text(citizen, "/start kab-semarang")
    await net.emu.wait_for_message(citizen.id, contains="Halo")
    for office in ("kab-kudus", "kab-semarang"):
        assert not net.said(office, "disisihkan"), net.said(office, "disisihkan")
