"""A network of three offices on one bot, end to end: a `loket run` process on the Bot API
emulator with one forum staff group per office."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
import segno
from openpyxl import load_workbook
from PIL import Image

from bot.config import HoursConfig, load_config
from bot.core.calendar import MONTH_NAMES
from bot.playground.emulator import BotApiEmulator, FakeChat, FakeUser, SentMessage
from tests.harness import RAISED_LIMITS, REPO, LoketProcess

pytestmark = pytest.mark.asyncio(loop_scope="module")

NIK = "3271012345678901"
KUDUS_FAQ = """
[[entry]]
id = "jam-layanan"
category = "layanan"
questions = ["Jam berapa kantor PPID buka?", "Kapan jam layanan informasi?", "office hours"]
answer = "PPID Kudus buka Senin-Kamis pukul 07.30-15.30 WIB."
keywords = ["jam", "buka", "layanan"]
"""

KUDUS_FINANCE_URL = "https://ppid.kuduskab.example/dip/laporan-keuangan-2025.pdf"
SHARED_FINANCE_URL = "https://ppid.bawaslu-nusakenanga.example/dip/laporan-keuangan-2025.pdf"
# Kudus's own information map: an item replacing a shared one (same id) and one of its own.
KUDUS_DIP = f"""
[[item]]
id = "laporan-keuangan"
title = "Laporan Keuangan Pemerintah Kabupaten Kudus 2025 (audited)"
category = "berkala"
summary = "Neraca, laporan realisasi anggaran dan catatan atas laporan keuangan daerah."
keywords = ["laporan keuangan", "neraca"]
where = "{KUDUS_FINANCE_URL}"
format = "PDF"
year = 2025

[[item]]
id = "amdal-pasar-kliwon"
title = "Dokumen AMDAL revitalisasi Pasar Kliwon Kudus"
category = "setiap_saat"
summary = "Analisis mengenai dampak lingkungan pembangunan kembali Pasar Kliwon."
keywords = ["amdal", "pasar kliwon", "dampak lingkungan"]
where = "Meja layanan PPID Kabupaten Kudus"
format = "cetak"
"""


@dataclass
class Net:
    emu: BotApiEmulator
    loket: LoketProcess
    groups: dict[str, FakeChat]
    officers: dict[str, FakeUser]
    governor: FakeUser  # the provincial coordinator

    async def card(self, office: str, number: str) -> SentMessage:
        group = self.groups[office]
        return await self.emu.wait_for(
            lambda m: m.chat_id == group.id and (m.text or "").startswith(f"🎫 {number}")
        )

    async def in_topic(self, office: str, thread: int | None, contains: str) -> SentMessage:
        group = self.groups[office]
        return await self.emu.wait_for(
            lambda m: m.chat_id == group.id and m.thread_id == thread and contains in (m.text or "")
        )

    async def choose(self, citizen: FakeUser, office: str) -> None:
        await self.emu.send_text(citizen, f"/start {office}")
        await self.emu.wait_for_message(citizen.id, contains="Halo")

    async def answer(self, citizen: FakeUser, text: str) -> SentMessage:
        await self.emu.send_text(citizen, text)
        return await self.emu.wait_for_message(citizen.id)

    async def press(self, citizen: FakeUser, message: SentMessage, data: str) -> SentMessage:
        await self.emu.press_button(citizen, message, data)
        return await self.emu.wait_for_message(citizen.id)

    async def transfer(
        self, citizen: FakeUser, office: str, thread_id: int | None, to: str
    ) -> SentMessage:
        """``office``'s officer sends /alihkan ``to`` in a topic; the citizen's notice of it."""
        await self.emu.send_text(
            self.officers[office], f"/alihkan {to}", chat=self.groups[office], thread_id=thread_id
        )
        return await self.emu.wait_for_message(citizen.id, contains="dialihkan")

    async def file_request(self, citizen: FakeUser, information: str) -> str:
        await self.emu.send_text(citizen, "/permohonan")
        ask = await self.emu.wait_for_message(citizen.id)
        ask = await self.press(citizen, ask, "rf:type:perorangan")
        for text in (
            citizen.first_name + " Wijaya",
            NIK,
            "lewati",
            "Jl. Merdeka No. 10",
            "Wiraswasta",
            "0812-3456-7890",
            "-",
            information,
        ):
            ask = await self.answer(citizen, text)
        if any(b.get("callback_data") == "rf:dip:go" for b in ask.buttons):
            # The information map offered a published item first: file the request anyway.
            ask = await self.press(citizen, ask, "rf:dip:go")
        ask = await self.answer(citizen, "Bahan kajian")
        ask = await self.press(citizen, ask, "rf:obtain:salinan_softcopy")
        summary = await self.press(citizen, ask, "rf:receive:langsung")
        done = await self.press(citizen, summary, "rf:send")
        match = re.search(r"PI-[A-Z]+-\d{4}-\d{6}", done.text or "")
        assert match, done.text
        return match.group(0)


def kudus_holiday() -> str:
    """A working day inside the next 10 (shared calendar): Kudus's own holiday, so a request
    received today there is due one working day later than one received elsewhere."""
    calendar = HoursConfig().calendar()
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    return calendar.add_working_days(today, 3).isoformat()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def net(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Net]:
    async with BotApiEmulator() as emu:
        officers = {
            "jateng": emu.user("Ani Provinsi"),
            "kab-kudus": emu.user("Kus Kudus"),
            "kab-semarang": emu.user("Sri Semarang"),
        }
        governor = emu.user("Kepala PPID Provinsi")
        groups = {
            "jateng": emu.group(
                "Staf Jateng", is_forum=True, members=[officers["jateng"], governor]
            ),
            "kab-kudus": emu.group("Staf Kudus", is_forum=True, members=[officers["kab-kudus"]]),
            # The Kudus officer is in Semarang's group too, but is not one of its officers.
            "kab-semarang": emu.group(
                "Staf Semarang",
                is_forum=True,
                members=[officers["kab-semarang"], officers["kab-kudus"]],
            ),
        }
        workdir = tmp_path_factory.mktemp("offices")
        (workdir / "kb-kudus").mkdir()
        (workdir / "kb-kudus" / "faq.toml").write_text(KUDUS_FAQ, encoding="utf-8")
        (workdir / "dip-kudus.toml").write_text(KUDUS_DIP, encoding="utf-8")
        toml = (
            RAISED_LIMITS
            + f"""
[[offices]]
id = "jateng"
name = "PPID Provinsi Jawa Tengah"
staff_group_id = {groups["jateng"].id}
officers = [{officers["jateng"].id}]
coordinators = [{governor.id}]
number_prefix = "JTG"
places = ["jateng"]

[[offices]]
id = "kab-kudus"
name = "PPID Kabupaten Kudus"
staff_group_id = {groups["kab-kudus"].id}
officers = [{officers["kab-kudus"].id}]
parent = "jateng"
number_prefix = "KDS"
holidays = [{kudus_holiday()}]
faq_paths = ["kb-kudus"]
dip_paths = ["dip-kudus.toml"]
city = "Kudus"

[[offices]]
id = "kab-semarang"
name = "PPID Kabupaten Semarang"
staff_group_id = {groups["kab-semarang"].id}
officers = [{officers["kab-semarang"].id}]
parent = "jateng"
number_prefix = "SMG"
"""
        )
        # Files saved on disk are looked at often: the tests wait for their reload notices.
        loket = LoketProcess(
            emu, workdir, extra_toml=toml, env={"LOKET_FAQ__WATCH_INTERVAL": "0.3"}
        )
        await loket.start()
        for office, officer in officers.items():
            await emu.send_text(officer, "/duty on", chat=groups[office])
            await emu.wait_for(
                lambda m, g=groups[office]: m.chat_id == g.id and "piket" in (m.text or "")
            )
        yield Net(emu, loket, groups, officers, governor)
        assert await loket.stop() == 0, loket.log()


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait for ``condition`` with a deadline (never sleep-then-assert)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def office_of(net: Net, citizen: FakeUser) -> str | None:
    rows = net.loket.query("SELECT office FROM citizen WHERE external_id = ?", str(citizen.id))
    return rows[0][0] if rows else None


async def test_every_office_group_gets_the_staff_menu(net: Net) -> None:
    for group in net.groups.values():
        menu = [c["command"] for c in net.emu.commands_for(f"chat:{group.id}")]
        assert "alihkan" in menu and "queue" in menu, menu
    private = [c["command"] for c in net.emu.commands_for("all_private_chats")]
    assert "kantor" in private


async def test_deep_link_sets_the_office(net: Net) -> None:
    citizen = net.emu.user("Dina")
    await net.emu.send_text(citizen, "/start kab-kudus")
    hello = await net.emu.wait_for_message(citizen.id)
    assert "PPID Kabupaten Kudus" in (hello.text or ""), hello.text
    assert office_of(net, citizen) == "kab-kudus"


async def test_start_without_office_shows_the_list_and_a_button_chooses(net: Net) -> None:
    citizen = net.emu.user("Eko")
    await net.emu.send_text(citizen, "/start")
    prompt = await net.emu.wait_for_message(citizen.id)
    assert prompt.callback_data == ["kantor:jateng", "kantor:kab-kudus", "kantor:kab-semarang"]
    assert office_of(net, citizen) is None
    chosen = await net.press(citizen, prompt, "kantor:kab-semarang")
    assert "PPID Kabupaten Semarang" in (chosen.text or ""), chosen.text
    assert office_of(net, citizen) == "kab-semarang"


@pytest.mark.parametrize(
    ("typed", "office"),
    [("kudus", "kab-kudus"), ("kab smg", "kab-semarang"), ("kab. kuduss", "kab-kudus")],
)
async def test_a_typed_place_name_is_searched_fuzzily(net: Net, typed: str, office: str) -> None:
    citizen = net.emu.user(f"Warga {typed}")
    await net.emu.send_text(citizen, "/start")
    await net.emu.wait_for_message(citizen.id)
    reply = await net.answer(citizen, typed)
    assert "dilayani oleh" in (reply.text or ""), reply.text
    assert office_of(net, citizen) == office


async def test_kantor_changes_the_office_later(net: Net) -> None:
    citizen = net.emu.user("Fajar")
    await net.choose(citizen, "kab-kudus")
    reply = await net.answer(citizen, "/kantor kab semarang")
    assert "PPID Kabupaten Semarang" in (reply.text or ""), reply.text
    assert office_of(net, citizen) == "kab-semarang"
    # /kantor shows the list; writing something that names no office keeps the office.
    await net.emu.send_text(citizen, "/kantor")
    listed = await net.emu.wait_for_message(citizen.id)
    assert "kantor:kab-kudus" in listed.callback_data
    await net.emu.wait_for_message(citizen.id, contains="Saat ini Anda dilayani")
    kept = await net.answer(citizen, "berapa biaya salinan dokumen?")
    assert "Kantor tidak diganti" in (kept.text or ""), kept.text
    fee = await net.answer(citizen, "berapa biaya salinan dokumen?")
    assert "gratis" in (fee.text or ""), fee.text
    assert office_of(net, citizen) == "kab-semarang"


async def test_an_office_faq_entry_overlays_the_shared_one(net: Net) -> None:
    kudus, semarang = net.emu.user("Gita"), net.emu.user("Hadi")
    await net.choose(kudus, "kab-kudus")
    await net.choose(semarang, "kab-semarang")
    own = await net.answer(kudus, "jam berapa kantor ppid buka?")
    shared = await net.answer(semarang, "jam berapa kantor ppid buka?")
    assert "Senin-Kamis pukul 07.30" in (own.text or ""), own.text
    assert "Senin-Jumat pukul 08.00" in (shared.text or ""), shared.text
    # What only the shared base knows is answered for every office.
    fee = await net.answer(kudus, "berapa biaya salinan dokumen?")
    assert "gratis" in (fee.text or ""), fee.text


async def test_tickets_land_in_their_office_group_with_its_numbering(net: Net) -> None:
    kudus, semarang = net.emu.user("Indah"), net.emu.user("Joko")
    await net.choose(kudus, "kab-kudus")
    await net.choose(semarang, "kab-semarang")
    first = await net.answer(kudus, "/petugas")
    other = await net.answer(semarang, "/petugas")
    lc_kds = re.search(r"LC-KDS-\d{4}-\d{6}", first.text or "")
    lc_smg = re.search(r"LC-SMG-\d{4}-\d{6}", other.text or "")
    assert lc_kds and lc_smg, (first.text, other.text)
    # Each office counts its own numbers.
    assert lc_kds.group(0).endswith("-000001") and lc_smg.group(0).endswith("-000001")
    card = await net.card("kab-kudus", lc_kds.group(0))
    await net.in_topic("kab-kudus", card.thread_id, "Kus Kudus")
    await net.card("kab-semarang", lc_smg.group(0))
    assert not [
        m
        for m in net.emu.messages_to(net.groups["kab-semarang"])
        if lc_kds.group(0) in (m.text or "")
    ]
    # An officer of another office is not one of this group's: not relayed.
    smg_card = await net.card("kab-semarang", lc_smg.group(0))
    await net.emu.send_text(
        net.officers["kab-kudus"],
        "Saya bantu jawab",
        chat=net.groups["kab-semarang"],
        thread_id=smg_card.thread_id,
    )
    await net.in_topic("kab-semarang", smg_card.thread_id, "tidak diteruskan")
    # The Kudus officer's answer in Kudus's group reaches the citizen.
    await net.emu.send_text(
        net.officers["kab-kudus"],
        "Halo Bu Indah",
        chat=net.groups["kab-kudus"],
        thread_id=card.thread_id,
    )
    copy = await net.emu.wait_for_message(kudus.id)
    assert copy.method == "copyMessage"


async def test_the_provincial_coordinator_sees_the_network_queue(net: Net) -> None:
    citizen = net.emu.user("Kurnia")
    await net.choose(citizen, "kab-semarang")
    opened = await net.answer(citizen, "/petugas")
    number = re.search(r"LC-SMG-\d{4}-\d{6}", opened.text or "")
    assert number, opened.text
    await net.card("kab-semarang", number.group(0))
    group = net.groups["jateng"]
    await net.emu.send_text(net.governor, "/queue all", chat=group)
    queue = await net.emu.wait_for(
        lambda m: m.chat_id == group.id and "Antrean jaringan" in (m.text or "")
    )
    text = queue.text or ""
    assert "PPID Kabupaten Kudus" in text and "PPID Kabupaten Semarang" in text, text
    assert number.group(0) in text
    # An officer of a regency is refused: the network is the coordinators' view.
    kudus = net.groups["kab-kudus"]
    await net.emu.send_text(net.officers["kab-kudus"], "/queue all", chat=kudus)
    await net.emu.wait_for(
        lambda m: m.chat_id == kudus.id and "hanya untuk koordinator" in (m.text or "")
    )


async def test_a_local_holiday_changes_only_that_offices_deadlines(net: Net) -> None:
    kudus, semarang = net.emu.user("Lina"), net.emu.user("Maya")
    await net.choose(kudus, "kab-kudus")
    await net.choose(semarang, "kab-semarang")
    pi_kds = await net.file_request(kudus, "Data anggaran PPID Kudus 2025")
    pi_smg = await net.file_request(semarang, "Data anggaran PPID Semarang 2025")
    assert pi_kds.startswith("PI-KDS-") and pi_smg.startswith("PI-SMG-")
    rows = {
        number: (date.fromisoformat(received), due)
        for number, received, due in net.loket.query(
            "SELECT t.number, r.received_on, r.due_on FROM info_request r"
            " JOIN ticket t ON t.id = r.ticket_id WHERE t.number IN (?, ?)",
            pi_kds,
            pi_smg,
        )
    }
    config = load_config(net.loket.config_path, {})
    calendars = {office.id: office.calendar(config.hours) for office in config.offices}
    # Counted from the receipt date the bot recorded (the date may turn during the run).
    kds_due = calendars["kab-kudus"].add_working_days(rows[pi_kds][0], 10)
    smg_due = calendars["kab-semarang"].add_working_days(rows[pi_smg][0], 10)
    assert rows[pi_kds][1] == kds_due.isoformat()
    assert rows[pi_smg][1] == smg_due.isoformat()
    # Kudus's own holiday is inside its count, not Semarang's: one working day later there.
    assert kds_due == calendars["kab-semarang"].add_working_days(rows[pi_kds][0], 11)


async def test_transfer_moves_a_ticket_with_its_history_to_another_office(net: Net) -> None:
    emu = net.emu
    citizen = emu.user("Nina")
    await net.choose(citizen, "kab-kudus")
    opened = await net.answer(citizen, "/petugas")
    old = re.search(r"LC-KDS-\d{4}-\d{6}", opened.text or "")
    assert old, opened.text
    card = await net.card("kab-kudus", old.group(0))
    await emu.send_text(citizen, "Saya minta data DPT Kabupaten Semarang")
    await net.in_topic("kab-kudus", card.thread_id, "data DPT Kabupaten Semarang")
    told = await net.transfer(citizen, "kab-kudus", card.thread_id, "kab-semarang")
    new = re.search(r"LC-SMG-\d{4}-\d{6}", told.text or "")
    assert new and "PPID Kabupaten Semarang" in (told.text or ""), told.text
    new_card = await net.card("kab-semarang", new.group(0))
    history = await net.in_topic("kab-semarang", new_card.thread_id, "Riwayat")
    assert "data DPT Kabupaten Semarang" in (history.text or ""), history.text
    closed = await net.in_topic("kab-kudus", card.thread_id, "dialihkan ke")
    assert new.group(0) in (closed.text or "")
    # With a link to the new topic (https://t.me/c/<group without -100>/<topic id>).
    group = str(net.groups["kab-semarang"].id).removeprefix("-100")
    assert f'href="https://t.me/c/{group}/{new_card.thread_id}"' in (closed.html or ""), closed.html
    # The old topic is closed right after that message (a later Bot API call).
    await until(
        lambda: any(
            t["message_thread_id"] == card.thread_id and t["is_closed"]
            for t in emu.topics(net.groups["kab-kudus"])
        )
    )
    # The citizen's next message goes to the receiving office.
    await emu.send_text(citizen, "Terima kasih, saya tunggu")
    await net.in_topic("kab-semarang", new_card.thread_id, "saya tunggu")
    assert office_of(net, citizen) == "kab-semarang"


async def test_transfer_of_a_request_keeps_its_receipt_date_in_both_registers(net: Net) -> None:
    emu = net.emu
    citizen = emu.user("Oki")
    await net.choose(citizen, "kab-kudus")
    number = await net.file_request(citizen, "Notulen rapat pleno Kabupaten Semarang")
    card = await net.card("kab-kudus", number)
    told = await net.transfer(citizen, "kab-kudus", card.thread_id, "kab-semarang")
    new = re.search(r"PI-SMG-\d{4}-\d{6}", told.text or "")
    assert new, told.text
    rows = await net.loket.wait_query(
        "SELECT t.number, t.office, r.received_on, r.decision, r.holder, r.information"
        " FROM info_request r JOIN ticket t ON t.id = r.ticket_id WHERE t.number IN (?, ?)"
        " ORDER BY t.id",
        number,
        new.group(0),
        until=lambda rows: len(rows) == 2,
    )
    (old_row, new_row) = rows
    assert old_row[1] == "kab-kudus" and old_row[3] == "transferred"
    assert old_row[4] == "PPID Kabupaten Semarang"
    assert new_row[1] == "kab-semarang" and new_row[3] is None
    assert new_row[2] == old_row[2]  # transfer_deadline = "keep"
    assert new_row[5] == old_row[5]
    new_card = await net.card("kab-semarang", new.group(0))
    assert "Notulen rapat pleno" in (new_card.text or "")


def loket_cli(net: Net, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOKET_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args, "--config", str(net.loket.config_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={**env, "PYTHONPATH": str(REPO), "LOKET_TELEGRAM__TOKEN": net.emu.token},
    )


async def test_registers_and_reports_per_office_and_in_total(net: Net) -> None:
    emu = net.emu
    citizen = emu.user("Putri")
    await net.choose(citizen, "kab-kudus")
    kept = await net.file_request(citizen, "Daftar informasi publik Kudus")

    def register(*office: str) -> dict[str, list[str]]:
        result = loket_cli(net, "register", "requests", *office)
        assert result.returncode == 0, result.stderr
        rows = list(csv.reader(io.StringIO(result.stdout)))
        head = rows[0]
        return {row[0]: row for row in rows[1:]} | {"": head}

    kudus = await asyncio.to_thread(register, "--office", "kab-kudus")
    semarang = await asyncio.to_thread(register, "--office", "kab-semarang")
    total = await asyncio.to_thread(register)
    head = kudus.pop("")
    semarang.pop("")
    total.pop("")
    assert kept in kudus and all(n.startswith("PI-KDS-") for n in kudus)
    assert semarang and all(n.startswith("PI-SMG-") for n in semarang)
    assert set(total) == set(kudus) | set(semarang)
    decision = head.index("Keputusan")
    # The request moved from Kudus stands in both registers: moved out there, open here.
    moved = [row for row in kudus.values() if row[decision] == "dialihkan"]
    assert len(moved) == 1 and "PPID Kabupaten Semarang" in " ".join(moved[0])

    # Every year a request was received in (the date may turn during the run).
    years = sorted(
        {int(day[:4]) for (day,) in net.loket.query("SELECT received_on FROM info_request")}
    )

    def report(*office: str) -> int:
        count = 0
        for year in years:
            out = net.loket.workdir / f"laporan-{year}-{'-'.join(office) or 'all'}.xlsx"
            result = loket_cli(
                net, "report", "year", str(year), "--format", "xlsx", "--output", str(out), *office
            )
            assert result.returncode == 0, result.stderr
            match = re.search(r", (\d+) request\(s\)", result.stdout)
            assert match, result.stdout
            count += int(match.group(1))
        return count

    per_kudus = await asyncio.to_thread(report, "--office", "kab-kudus")
    per_semarang = await asyncio.to_thread(report, "--office", "kab-semarang")
    in_total = await asyncio.to_thread(report)
    assert per_kudus == len(kudus) and per_semarang == len(semarang)
    # The network counts a moved request once, at the office that handles it.
    assert in_total == per_kudus + per_semarang - len(moved)
    # The provincial coordinator sees the same in the chat: the network's month, and per office.
    group = net.groups["jateng"]
    await net.emu.send_text(net.governor, "/laporan all", chat=group)
    month = await net.emu.wait_for(
        lambda m: m.chat_id == group.id and "Per kantor" in (m.text or "")
    )
    text = month.text or ""
    # The month it reports on, as its title names it ("Laporan Desember 2026").
    title = re.search(r"Laporan (\w+) (\d{4})", text)
    assert title, text
    first = date(int(title.group(2)), MONTH_NAMES["id"].index(title.group(1)) + 1, 1)
    in_month = net.loket.query(
        "SELECT t.office, r.decision FROM info_request r JOIN ticket t ON t.id = r.ticket_id"
        " WHERE substr(r.received_on, 1, 7) = ?",
        first.isoformat()[:7],
    )
    counts = Counter(office for office, _ in in_month)
    moved_in_month = sum(1 for _, decision in in_month if decision == "transferred")
    assert f"Permohonan informasi: {len(in_month) - moved_in_month}" in text, text
    assert f"PPID Kabupaten Kudus: {counts['kab-kudus']} permohonan" in text, text
    assert f"PPID Kabupaten Semarang: {counts['kab-semarang']} permohonan" in text, text
    bad = await asyncio.to_thread(loket_cli, net, "register", "requests", "--office", "kab-pati")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert "no office 'kab-pati'" in bad.stderr


async def test_offices_qr_draws_the_deep_link(net: Net) -> None:
    out = net.loket.workdir / "kudus.png"
    result = await asyncio.to_thread(
        loket_cli, net, "offices", "qr", "kab-kudus", "--output", str(out)
    )
    assert result.returncode == 0, result.stderr
    link = "https://t.me/loket_test_bot?start=kab-kudus"  # the emulator's bot, from getMe
    assert link in result.stdout
    # The picture's modules are the QR code of that link.
    expected = segno.make(link, error="m", micro=False)
    with Image.open(out) as image:
        pixels = image.convert("L")
        size = expected.symbol_size(scale=1, border=0)[0]
        scale = pixels.width // (size + 8)
        read = [
            [
                pixels.getpixel(((x + 4) * scale + scale // 2, (y + 4) * scale + scale // 2)) < 128
                for x in range(size)
            ]
            for y in range(size)
        ]
    assert read == [[bool(v) for v in row] for row in expected.matrix]


async def test_an_office_map_item_reaches_only_that_offices_citizens(net: Net) -> None:
    kudus, semarang = net.emu.user("Rudi"), net.emu.user("Sinta")
    await net.choose(kudus, "kab-kudus")
    await net.choose(semarang, "kab-semarang")
    own = await net.answer(kudus, "minta dokumen amdal pasar kliwon")
    assert "Dokumen AMDAL revitalisasi Pasar Kliwon Kudus" in (own.text or "")
    assert "Meja layanan PPID Kabupaten Kudus" in (own.text or "")
    # The item Kudus holds differently replaces the shared one for its citizens only.
    replaced = await net.answer(kudus, "minta laporan keuangan kabupaten kudus tahun 2025")
    assert KUDUS_FINANCE_URL in (replaced.text or "") and SHARED_FINANCE_URL not in (
        replaced.text or ""
    )
    shared = await net.answer(semarang, "minta laporan keuangan bawaslu tahun 2025")
    assert SHARED_FINANCE_URL in (shared.text or "") and KUDUS_FINANCE_URL not in (
        shared.text or ""
    )
    # Semarang's map has no such item: its citizen is handed to an officer instead.
    other = await net.answer(semarang, "minta dokumen amdal pasar kliwon")
    assert "Pasar Kliwon Kudus" not in (other.text or "") and "LC-SMG-" in (other.text or "")
    rows = net.loket.query(
        "SELECT c.external_id, m.faq_entry_id FROM message m JOIN citizen c"
        " ON c.id = m.citizen_id WHERE m.direction = 'out' AND m.faq_entry_id LIKE 'dip:%'"
        " AND c.external_id IN (?, ?)",
        str(kudus.id),
        str(semarang.id),
    )
    assert Counter(rows) == Counter(
        [
            (str(kudus.id), "dip:amdal-pasar-kliwon"),
            (str(kudus.id), "dip:laporan-keuangan"),
            (str(semarang.id), "dip:laporan-keuangan"),
        ]
    )


async def test_an_office_request_card_and_dip_command_use_its_map(net: Net) -> None:
    citizen = net.emu.user("Tomo")
    await net.choose(citizen, "kab-kudus")
    number = await net.file_request(citizen, "Saya minta dokumen AMDAL Pasar Kliwon")
    # The form offered Kudus's own item before the request was filed anyway.
    await net.emu.wait_for(
        lambda m: (
            m.chat_id == citizen.id
            and "sudah terbuka untuk umum" in (m.text or "")
            and "Dokumen AMDAL revitalisasi Pasar Kliwon Kudus" in (m.text or "")
        )
    )
    card = await net.card("kab-kudus", number)
    text = str(net.emu.get_message(net.groups["kab-kudus"], card.message_id).get("text", ""))
    assert "Daftar Informasi Publik" in text and "amdal-pasar-kliwon" in text
    kudus, semarang = net.groups["kab-kudus"], net.groups["kab-semarang"]
    await net.emu.send_text(net.officers["kab-kudus"], "/dip amdal pasar kliwon", chat=kudus)
    found = await net.emu.wait_for(
        lambda m: m.chat_id == kudus.id and "“amdal pasar kliwon”" in (m.text or "")
    )
    assert "amdal-pasar-kliwon" in (found.text or "")
    await net.emu.send_text(net.officers["kab-semarang"], "/dip amdal pasar kliwon", chat=semarang)
    theirs = await net.emu.wait_for(
        lambda m: m.chat_id == semarang.id and "“amdal pasar kliwon”" in (m.text or "")
    )
    assert "amdal-pasar-kliwon" not in (theirs.text or "")


async def test_a_broken_office_map_is_named_on_reload_and_the_old_one_kept(net: Net) -> None:
    path = net.loket.config_path.parent / "dip-kudus.toml"
    kudus = net.groups["kab-kudus"]
    path.write_text(KUDUS_DIP + '\n[[item]]\nid = "amdal-pasar-kliwon"\n', encoding="utf-8")
    try:
        await net.emu.send_text(net.officers["kab-kudus"], "/reload", chat=kudus)
        failed = await net.emu.wait_for(
            lambda m: m.chat_id == kudus.id and "Daftar Informasi Publik tidak" in (m.text or "")
        )
        assert "dip-kudus.toml" in (failed.text or "") and "\n" not in (failed.text or "")
        citizen = net.emu.user("Umi")
        await net.choose(citizen, "kab-kudus")
        still = await net.answer(citizen, "minta dokumen amdal pasar kliwon")
        assert "Dokumen AMDAL revitalisasi Pasar Kliwon Kudus" in (still.text or "")
    finally:
        path.write_text(KUDUS_DIP, encoding="utf-8")
    await net.emu.send_text(net.officers["kab-kudus"], "/reload", chat=kudus)
    await net.emu.wait_for(
        lambda m: (
            m.chat_id == kudus.id
            and "Daftar Informasi Publik dimuat ulang: 64 item" in (m.text or "")
        )
    )


WIB = ZoneInfo("Asia/Jakarta")
NEW_KUDUS_ITEM = """
[[item]]
id = "jadwal-festival-dandangan"
title = "Jadwal dan denah Festival Dandangan Kudus"
category = "berkala"
summary = "Tanggal, jam dan denah lapak Festival Dandangan menjelang Ramadan."
keywords = ["dandangan", "festival dandangan", "denah lapak"]
where = "https://ppid.kuduskab.example/dip/dandangan.pdf"
format = "PDF"
"""


async def test_an_office_map_saved_on_disk_is_in_service_for_its_office_without_reload(
    net: Net,
) -> None:
    path = net.loket.config_path.parent / "dip-kudus.toml"
    kudus = net.groups["kab-kudus"]
    path.write_text(KUDUS_DIP + NEW_KUDUS_ITEM, encoding="utf-8")
    try:
        # Told in the office's own group, with its map's count (the shared items and its own).
        await net.emu.wait_for(
            lambda m: (
                m.chat_id == kudus.id
                and "Daftar Informasi Publik dimuat ulang: 65 item" in (m.text or "")
            )
        )
        citizen, other = net.emu.user("Dewi"), net.emu.user("Eko")
        await net.choose(citizen, "kab-kudus")
        await net.choose(other, "kab-semarang")
        found = await net.answer(citizen, "minta jadwal festival dandangan")
        assert "Festival Dandangan Kudus" in (found.text or ""), found.text
        elsewhere = await net.answer(other, "minta jadwal festival dandangan")
        assert "Festival Dandangan Kudus" not in (elsewhere.text or "")
    finally:
        before = len(
            [
                m
                for m in net.emu.messages_to(kudus.id)
                if "Daftar Informasi Publik dimuat ulang: 64 item" in (m.text or "")
            ]
        )
        path.write_text(KUDUS_DIP, encoding="utf-8")
        await until(
            lambda: (
                len(
                    [
                        m
                        for m in net.emu.messages_to(kudus.id)
                        if "Daftar Informasi Publik dimuat ulang: 64 item" in (m.text or "")
                    ]
                )
                > before
            )
        )


async def test_a_deflection_stays_with_the_office_it_happened_in_after_the_citizen_moves(
    net: Net,
) -> None:
    """A Kudus citizen takes an item of Kudus's map instead of filing, then moves to Semarang
    (/kantor): Kudus's report still counts it, Semarang's does not."""
    emu = net.emu
    citizen = emu.user("Wati")
    await net.choose(citizen, "kab-kudus")
    await emu.send_text(citizen, "/permohonan")
    ask = await emu.wait_for_message(citizen.id)
    ask = await net.press(citizen, ask, "rf:type:perorangan")
    for text in (
        "Wati Wijaya",
        NIK,
        "lewati",
        "Jl. Merdeka No. 10",
        "Wiraswasta",
        "0812-3456-7890",
        "-",
        "Saya minta dokumen AMDAL Pasar Kliwon",
    ):
        ask = await net.answer(citizen, text)
    assert "Dokumen AMDAL revitalisasi Pasar Kliwon Kudus" in (ask.text or ""), ask.text
    taken = await net.press(citizen, ask, "rf:dip:0")
    assert "Permohonan tidak diajukan" in (taken.text or "")
    await emu.send_text(citizen, "/kantor kab semarang")
    await until(lambda: office_of(net, citizen) == "kab-semarang")
    rows = net.loket.query(
        "SELECT d.office FROM dip_deflection d JOIN citizen c ON c.id = d.citizen_id"
        " WHERE c.external_id = ?",
        str(citizen.id),
    )
    assert rows == [("kab-kudus",)]

    (at,) = net.loket.query(
        "SELECT d.created_at FROM dip_deflection d JOIN citizen c ON c.id = d.citizen_id"
        " WHERE c.external_id = ?",
        str(citizen.id),
    )[0]
    month = datetime.fromisoformat(str(at)).replace(tzinfo=UTC).astimezone(WIB).strftime("%Y-%m")

    def deflected(office: str) -> int:
        """The month's report of ``office`` (`loket report`), as the spreadsheet says."""
        out = net.loket.workdir / f"laporan-{month}-{office}.xlsx"
        result = loket_cli(
            net,
            "report",
            "month",
            month,
            "--format",
            "xlsx",
            "--output",
            str(out),
            "--office",
            office,
        )
        assert result.returncode == 0, result.stderr
        rows = load_workbook(out).worksheets[0].iter_rows(values_only=True)
        (count,) = [r[1] for r in rows if r[0] == "Permohonan dialihkan ke Daftar Informasi Publik"]
        return int(count)

    def recorded(office: str) -> int:
        """The deflections made in ``office``'s map in that month (its local days)."""
        return sum(
            datetime.fromisoformat(str(at)).replace(tzinfo=UTC).astimezone(WIB).strftime("%Y-%m")
            == month
            for (at,) in net.loket.query(
                "SELECT created_at FROM dip_deflection WHERE office = ?", office
            )
        )

    kudus = await asyncio.to_thread(deflected, "kab-kudus")
    assert kudus == recorded("kab-kudus") and kudus >= 1
    semarang = await asyncio.to_thread(deflected, "kab-semarang")
    assert semarang == recorded("kab-semarang")


# Last of the module: it moves a request, which the register test above would count.
async def test_an_objection_follows_its_transferred_request_and_stays_there(net: Net) -> None:
    emu = net.emu
    citizen = emu.user("Rahmat")
    await net.choose(citizen, "kab-kudus")
    number = await net.file_request(citizen, "Daftar hadir rapat pleno Kabupaten Semarang 2025")
    card = await net.card("kab-kudus", number)
    told = await net.transfer(citizen, "kab-kudus", card.thread_id, "kab-semarang")
    found = re.search(r"PI-SMG-\d{4}-\d{6}", told.text or "")
    assert found, told.text
    new = found.group(0)
    # Semarang, which holds it now, rejects it in writing.
    new_card = await net.card("kab-semarang", new)
    await emu.send_text(
        net.officers["kab-semarang"],
        "/tolak h Memuat data pribadi peserta rapat",
        chat=net.groups["kab-semarang"],
        thread_id=new_card.thread_id,
    )
    await emu.wait_for(lambda m: m.chat_id == citizen.id and m.kind == "document")
    # The citizen objects with the number Kudus gave: told where it is heard, and against which.
    await emu.send_text(citizen, f"/keberatan {number}")
    ask = await emu.wait_for_message(citizen.id, contains="alasan keberatan")
    assert f"{number} telah dialihkan ke <b>PPID Kabupaten Semarang</b>" in (ask.html or ""), (
        ask.html
    )
    assert f"keberatan Anda atas {new}" in (ask.text or ""), ask.text
    await emu.press_button(citizen, ask, "kb:ground:a")
    await emu.wait_for_message(citizen.id, contains="Jelaskan")
    await emu.send_text(citizen, "Daftar hadir rapat pleno bukan informasi yang dikecualikan.")
    done = await emu.wait_for_message(citizen.id, contains="terdaftar")
    kb = re.search(r"KB-SMG-\d{4}-\d{6}", done.text or "")
    assert kb and new in (done.text or ""), done.text
    kb_card = await net.card("kab-semarang", kb.group(0))
    # Moving the objection to another office: refused with the law's reason, nothing moved.
    await emu.send_text(
        net.officers["kab-semarang"],
        "/alihkan kab-kudus",
        chat=net.groups["kab-semarang"],
        thread_id=kb_card.thread_id,
    )
    answer = await net.in_topic("kab-semarang", kb_card.thread_id, "tidak dapat dialihkan")
    assert "Pasal 35" in (answer.text or "") and new in (answer.text or ""), answer.text
    rows = net.loket.query(
        "SELECT number, office, status FROM ticket WHERE kind = 'KB' AND citizen_id ="
        " (SELECT id FROM citizen WHERE external_id = ?)",
        str(citizen.id),
    )
    assert rows == [(kb.group(0), "kab-semarang", "assigned")], rows  # to Sri, on duty
    assert not [m for m in emu.messages_to(net.groups["kab-kudus"]) if "KB-" in (m.text or "")]
