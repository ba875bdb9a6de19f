"""Every command and alias of the table, end to end: a `loket run` process serving the Bot API
emulator (citizens, a forum staff group) and the WhatsApp emulator (citizens typing commands)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
import pytest_asyncio

from bot.core.commands import CITIZEN_COMMANDS, COMMANDS, STAFF_COMMANDS, Where, menu, where_help
from bot.playground.emulator import BotApiEmulator, FakeChat, FakeUser, SentMessage
from tests.harness import LoketProcess, start_with_whatsapp
from tests.wa_emulator import WhatsAppEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")

LC = re.compile(r"LC-\d{4}-\d{6}")


@dataclass
class Office:
    tg: BotApiEmulator
    wa: WhatsAppEmulator
    loket: LoketProcess
    group: FakeChat
    ani: FakeUser  # officer
    bayu: FakeUser  # officer
    stranger: FakeUser  # in the group, not an officer

    async def open_ticket(self, citizen: FakeUser) -> tuple[str, int]:
        """A live chat ticket of ``citizen``: its number and its topic in the staff group."""
        await self.tg.send_text(citizen, "/petugas")
        reply = await self.tg.wait_for_message(citizen.id, contains="LC-")
        match = LC.search(reply.text or "")
        assert match, reply.text
        card = await self.tg.wait_for(
            lambda m: m.chat_id == self.group.id and (m.text or "").startswith(f"🎫 {match[0]}")
        )
        assert card.thread_id is not None
        return match[0], card.thread_id

    async def in_group(self, contains: str, thread: int | None = None) -> SentMessage:
        return await self.tg.wait_for_message(self.group.id, contains=contains, thread_id=thread)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def office(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Office]:
    async with (
        BotApiEmulator() as tg,
        WhatsAppEmulator() as wa,
    ):
        ani, bayu, stranger = tg.user("Ani Petugas"), tg.user("Bayu Petugas"), tg.user("Tamu")
        group = tg.group("Staf PPID", is_forum=True, members=[ani, bayu, stranger])
        loket = await start_with_whatsapp(
            tg,
            wa,
            tmp_path_factory.mktemp("commands"),
            staff_group_id=group.id,
            officers=[ani.id, bayu.id],
        )
        yield Office(tg, wa, loket, group, ani, bayu, stranger)
        assert await loket.stop() == 0, loket.log()
        assert "Traceback" not in loket.log(), loket.log()


async def test_the_menus_of_each_scope_are_the_table(office: Office) -> None:
    scopes = {
        "all_private_chats": True,
        f"chat:{office.group.id}": False,
    }
    registered = {scope for scope, _ in office.tg.commands}
    assert registered == set(scopes)
    for scope, private in scopes.items():
        for lang, code in (("id", ""), ("en", "en")):
            shown = [(c["command"], c["description"]) for c in office.tg.commands_for(scope, code)]
            assert shown == menu(private, lang), (scope, lang)
    staff = [c["command"] for c in office.tg.commands_for(f"chat:{office.group.id}")]
    assert staff == [spec.name for spec in STAFF_COMMANDS]
    assert "putusan_keberatan" in staff and "catatan" not in staff  # aliases stay off the menu


# What each citizen command answers a citizen who has nothing open yet.
FIRST_ANSWER = {
    "start": "Halo",
    "petugas": "LC-",
    "status": "belum memiliki tiket",
    "batal": "tidak memiliki tiket yang sedang terbuka",
    "permohonan": "Formulir permohonan informasi publik",
    "keberatan": "Tulis nomor permohonan Anda",
    "kembali": "tidak sedang mengisi formulir",
    "bahasa": "Pilih bahasa",
    # Without [[offices]] there is one office to choose: the citizen is told so.
    "kantor": "melayani satu kantor",
}
CITIZEN_WORDS = [(spec.name, word) for spec in CITIZEN_COMMANDS for word in spec.words]


async def test_every_citizen_command_has_an_expected_answer() -> None:
    assert set(FIRST_ANSWER) == {spec.name for spec in CITIZEN_COMMANDS}


@pytest.mark.parametrize(("name", "word"), CITIZEN_WORDS)
async def test_each_citizen_word_reaches_its_use_case_on_telegram(
    office: Office, name: str, word: str
) -> None:
    citizen = office.tg.user(f"Warga {word}")
    await office.tg.send_text(citizen, f"/{word}")
    reply = await office.tg.wait_for_message(citizen.id)
    assert FIRST_ANSWER[name] in (reply.text or ""), reply.text


@pytest.mark.parametrize(("name", "word"), CITIZEN_WORDS)
async def test_each_citizen_word_typed_on_whatsapp_is_parsed_from_the_table(
    office: Office, name: str, word: str
) -> None:
    # Typed, not chosen from a menu: phone keyboards capitalize the first letter.
    user = office.wa.user(name=f"Warga {word}")
    await office.wa.send_text(user, f"/{word.capitalize()}")
    reply = await office.wa.wait_for_message(user)
    assert FIRST_ANSWER[name] in (reply.text or ""), reply.short()


async def test_an_unknown_command_on_whatsapp_lists_the_citizen_commands(office: Office) -> None:
    user = office.wa.user(name="Warga Iseng")
    await office.wa.send_text(user, "/hapus_semua")
    reply = await office.wa.wait_for_message(user)
    assert "/hapus_semua" in (reply.text or "") and where_help(Where.PRIVATE) in (reply.text or "")


# An alias in the context where its command has an effect, seen as that effect.
AliasCheck = Callable[[Office, str], Awaitable[None]]


async def _cancel(office: Office, word: str) -> None:
    citizen = office.tg.user(f"Batal {word}")
    number, _ = await office.open_ticket(citizen)
    await office.tg.send_text(citizen, f"/{word}")
    await office.tg.wait_for_message(citizen.id, contains=f"Tiket {number} dibatalkan")


async def _back(office: Office, word: str) -> None:
    citizen = office.tg.user(f"Kembali {word}")
    await office.tg.send_text(citizen, "/permohonan")
    ask = await office.tg.wait_for_message(citizen.id)
    await office.tg.press_button(citizen, ask, "rf:type:perorangan")
    await office.tg.wait_for_message(citizen.id, contains="nama")
    await office.tg.send_text(citizen, "Indah Permata")
    await office.tg.wait_for_message(citizen.id, contains="NIK")
    await office.tg.send_text(citizen, f"/{word}")
    # One step back: the name is asked again, showing the answer given.
    again = await office.tg.wait_for_message(citizen.id)
    assert "nama" in (again.text or "").lower() and "Indah Permata" in (again.text or "")


async def _note(office: Office, word: str) -> None:
    _, thread = await office.open_ticket(office.tg.user(f"Catatan {word}"))
    await office.tg.send_text(
        office.ani, f"/{word} sudah ditelepon", chat=office.group, thread_id=thread
    )
    await office.in_group("Catatan internal disimpan", thread)


async def _close(office: Office, word: str) -> None:
    citizen = office.tg.user(f"Tutup {word}")
    number, thread = await office.open_ticket(citizen)
    await office.tg.send_text(office.ani, f"/{word}", chat=office.group, thread_id=thread)
    await office.tg.wait_for_message(citizen.id, contains=f"Tiket {number} telah diselesaikan")


async def _faq(office: Office, word: str) -> None:
    citizen = office.tg.user(f"FAQ {word}")
    _, thread = await office.open_ticket(citizen)
    await office.tg.send_text(
        office.ani, f"/{word} biaya-salinan", chat=office.group, thread_id=thread
    )
    await office.tg.wait_for_message(citizen.id, contains="Permohonan informasi gratis")


async def _duty(office: Office, word: str) -> None:
    await office.tg.send_text(office.bayu, f"/{word} on", chat=office.group)
    await office.in_group("Bayu Petugas sekarang piket.")
    await office.tg.send_text(office.bayu, f"/{word} off", chat=office.group)
    await office.in_group("Bayu Petugas tidak lagi piket.")


async def _queue(office: Office, word: str) -> None:
    await office.tg.send_text(office.ani, f"/{word}", chat=office.group)
    await office.in_group("Petugas piket:")


ALIAS_CHECKS: dict[str, AliasCheck] = {
    "batal": _cancel,
    "kembali": _back,
    "note": _note,
    "close": _close,
    "faq": _faq,
    "duty": _duty,
    "queue": _queue,
}
ALIASED = [(spec.name, word) for spec in COMMANDS if spec.aliases for word in spec.words]


async def test_every_command_with_an_alias_has_a_check() -> None:
    assert set(ALIAS_CHECKS) == {spec.name for spec in COMMANDS if spec.aliases}


@pytest.mark.parametrize(("name", "word"), ALIASED)
async def test_every_alias_does_what_its_command_does(office: Office, name: str, word: str) -> None:
    await ALIAS_CHECKS[name](office, word)


async def test_an_officers_unknown_command_gets_the_staff_commands_in_its_topic(
    office: Office,
) -> None:
    _, thread = await office.open_ticket(office.tg.user("Salah Ketik"))
    await office.tg.send_text(office.ani, "/tutp", chat=office.group, thread_id=thread)
    help_ = await office.in_group("Perintah /tutp tidak dikenal", thread)
    for spec in STAFF_COMMANDS:
        assert spec.help_line("id") in (help_.text or ""), spec.name
    # Outside any topic, and a citizen's command typed in the group: the same help, there.
    await office.tg.send_text(office.bayu, "/status", chat=office.group)
    general = await office.in_group("Perintah /status tidak dikenal")
    assert general.thread_id is None and "/note (/catatan)" in (general.text or "")


async def test_strangers_and_other_bots_commands_get_no_help(office: Office) -> None:
    _, thread = await office.open_ticket(office.tg.user("Sunyi"))
    await office.tg.send_text(office.stranger, "/rahasia_tamu", chat=office.group, thread_id=thread)
    await office.tg.send_text(office.ani, "/bagan@AnotherBot", chat=office.group, thread_id=thread)
    await office.tg.send_text(office.ani, "/tanda_akhir", chat=office.group, thread_id=thread)
    # Updates of one chat are handled in order: once the last one is answered, the two before
    # it were handled, and nothing was written for them.
    await office.in_group("Perintah /tanda_akhir tidak dikenal", thread)
    for word in ("rahasia_tamu", "bagan"):
        rows = office.loket.query("SELECT count(*) FROM outbox WHERE payload LIKE ?", f"%{word}%")
        assert rows == [(0,)], word
    assert not [
        m for m in office.tg.messages_to(office.group.id) if "rahasia_tamu" in (m.text or "")
    ]
