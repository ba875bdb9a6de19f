"""Every command of the bot, declared once.

The aiogram routers' filters, the WhatsApp typed-command parser, the menus registered with
setMyCommands and the help texts are all built from ``COMMANDS``. Plain data: no aiogram here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Who(StrEnum):
    """Who may use a command. Coordinators are officers too: an officer's command is theirs."""

    CITIZEN = "citizen"
    OFFICER = "officer"
    COORDINATOR = "coordinator"


class Where(StrEnum):
    """Where a command is used."""

    PRIVATE = "private"  # a citizen's private chat with the bot
    FORM = "form"  # a citizen's private chat while a form is open
    STAFF_GROUP = "staff_group"  # anywhere in the staff group
    TICKET_TOPIC = "ticket_topic"  # a ticket's topic (or a reply to its card)
    REQUEST_TOPIC = "request_topic"  # an information request's topic
    OBJECTION_TOPIC = "objection_topic"  # an objection's topic


PRIVATE_PLACES = frozenset({Where.PRIVATE, Where.FORM})  # the rest is in the staff group


@dataclass(frozen=True)
class CommandSpec:
    """One command: its name, aliases, who may use it, where, and what it does in a line."""

    name: str
    aliases: tuple[str, ...]
    who: Who
    where: Where
    id: str  # one line in Indonesian, as shown in Telegram's menu
    en: str  # the same line in English

    @property
    def words(self) -> tuple[str, ...]:
        """The name and every alias, each typed after a slash."""
        return (self.name, *self.aliases)

    @property
    def private(self) -> bool:
        return self.where in PRIVATE_PLACES

    def description(self, lang: str) -> str:
        """The menu line in ``lang`` (Indonesian unless English), naming the aliases."""
        line = self.en if lang == "en" else self.id
        if self.aliases:
            line += " (alias " + ", ".join("/" + a for a in self.aliases) + ")"
        return line

    def help_line(self, lang: str) -> str:
        """A help text's line, e.g. "/note (/catatan) — Catatan internal di topik tiket"."""
        aliases = " (" + ", ".join("/" + a for a in self.aliases) + ")" if self.aliases else ""
        return f"/{self.name}{aliases} — {self.en if lang == 'en' else self.id}"


COMMANDS: tuple[CommandSpec, ...] = (
    # Citizens, in their private chat (the order of Telegram's menu).
    CommandSpec(
        "start", (), Who.CITIZEN, Where.PRIVATE, "Mulai dan lihat bantuan", "Start and see help"
    ),
    CommandSpec(
        "petugas", (), Who.CITIZEN, Where.PRIVATE, "Bicara dengan petugas", "Talk to an officer"
    ),
    CommandSpec(
        "status",
        (),
        Who.CITIZEN,
        Where.PRIVATE,
        "Status tiket Anda (opsional: nomor tiket)",
        "Status of your tickets (optional: ticket number)",
    ),
    CommandSpec(
        "batal",
        ("cancel",),
        Who.CITIZEN,
        Where.PRIVATE,
        "Batalkan tiket atau formulir yang terbuka",
        "Cancel your open ticket or form",
    ),
    CommandSpec(
        "permohonan",
        (),
        Who.CITIZEN,
        Where.PRIVATE,
        "Ajukan permohonan informasi publik",
        "File a request for public information",
    ),
    CommandSpec(
        "keberatan",
        (),
        Who.CITIZEN,
        Where.PRIVATE,
        "Ajukan keberatan: /keberatan <nomor PI>",
        "File an objection: /keberatan <PI number>",
    ),
    CommandSpec(
        "kembali",
        ("back",),
        Who.CITIZEN,
        Where.FORM,
        "Kembali satu langkah di formulir",
        "Go back one step in a form",
    ),
    CommandSpec(
        "bahasa",
        (),
        Who.CITIZEN,
        Where.PRIVATE,
        "Ganti bahasa: /bahasa id atau /bahasa en",
        "Change language: /bahasa en or /bahasa id",
    ),
    CommandSpec(
        "kantor",
        (),
        Who.CITIZEN,
        Where.PRIVATE,
        "Pilih atau ganti kantor yang melayani Anda",
        "Choose or change the office that serves you",
    ),
    # Officers, in the staff group.
    CommandSpec(
        "note",
        ("catatan",),
        Who.OFFICER,
        Where.TICKET_TOPIC,
        "Catatan internal di topik tiket",
        "Internal note in a ticket's topic",
    ),
    CommandSpec(
        "faq",
        ("jawab",),
        Who.OFFICER,
        Where.TICKET_TOPIC,
        "Kirim jawaban FAQ ke warga: /faq <id entri atau kata>",
        "Send an FAQ answer to the citizen: /faq <entry id or words>",
    ),
    CommandSpec(
        "close",
        ("tutup",),
        Who.OFFICER,
        Where.TICKET_TOPIC,
        "Tutup tiket di topik ini",
        "Close the ticket of this topic",
    ),
    CommandSpec(
        "duty",
        ("piket",),
        Who.OFFICER,
        Where.STAFF_GROUP,
        "Piket: on untuk mulai, off untuk selesai",
        "Duty: on to start, off to end",
    ),
    CommandSpec(
        "queue",
        ("antrian",),
        Who.OFFICER,
        Where.STAFF_GROUP,
        "Tiket tanpa petugas (/queue all: seluruh jaringan kantor)",
        "Tickets without an officer (/queue all: the whole network of offices)",
    ),
    CommandSpec(
        "alihkan",
        (),
        Who.OFFICER,
        Where.TICKET_TOPIC,
        "Alihkan tiket ke petugas lain, atau /alihkan <id kantor> ke kantor lain",
        "Pass the ticket to another officer, or /alihkan <office id> to another office",
    ),
    CommandSpec(
        "reload",
        (),
        Who.OFFICER,
        Where.STAFF_GROUP,
        "Muat ulang basis pengetahuan FAQ",
        "Reload the FAQ knowledge base",
    ),
    CommandSpec(
        "laporan",
        (),
        Who.COORDINATOR,
        Where.STAFF_GROUP,
        "Laporan bulan ini: angka dan grafik (atasan PPID; /laporan all: seluruh jaringan)",
        "This month's report: figures and a chart (PPID superior; /laporan all: the network)",
    ),
    # Officers, in an information request's topic: its written decision.
    CommandSpec(
        "kabulkan",
        (),
        Who.OFFICER,
        Where.REQUEST_TOPIC,
        "Permohonan: kabulkan [catatan]",
        "Request: grant [note]",
    ),
    CommandSpec(
        "kabulkan_sebagian",
        (),
        Who.OFFICER,
        Where.REQUEST_TOPIC,
        "Permohonan: kabulkan sebagian <catatan>",
        "Request: grant in part <note>",
    ),
    CommandSpec(
        "tolak",
        (),
        Who.OFFICER,
        Where.REQUEST_TOPIC,
        "Permohonan: tolak <huruf Pasal 17> <alasan>",
        "Request: reject <Pasal 17 letter> <reason>",
    ),
    CommandSpec(
        "tidak_dikuasai",
        (),
        Who.OFFICER,
        Where.REQUEST_TOPIC,
        "Permohonan: tidak dikuasai <badan publik>",
        "Request: not held <public body that holds it>",
    ),
    CommandSpec(
        "perpanjang",
        (),
        Who.OFFICER,
        Where.REQUEST_TOPIC,
        "Permohonan: perpanjang 7 hari kerja <alasan>",
        "Request: extend by 7 working days <reason>",
    ),
    # Coordinators (atasan PPID), in an objection's topic.
    CommandSpec(
        "putusan_keberatan",
        (),
        Who.COORDINATOR,
        Where.OBJECTION_TOPIC,
        "Keberatan: terima|tolak <alasan> (atasan PPID)",
        "Objection: terima|tolak <reason> (PPID superior)",
    ),
    CommandSpec(
        "sengketa",
        (),
        Who.COORDINATOR,
        Where.OBJECTION_TOPIC,
        "Keberatan: dibawa ke Komisi Informasi [YYYY-MM-DD] [catatan] (atasan PPID)",
        "Objection: taken to the Information Commission [YYYY-MM-DD] [note] (PPID superior)",
    ),
)

_BY_WORD: dict[str, CommandSpec] = {word: spec for spec in COMMANDS for word in spec.words}
BY_NAME: dict[str, CommandSpec] = {spec.name: spec for spec in COMMANDS}
CITIZEN_COMMANDS = tuple(spec for spec in COMMANDS if spec.private)
STAFF_COMMANDS = tuple(spec for spec in COMMANDS if not spec.private)

# "/name", "/name@bot", "/name args": what a person types; the name is what Telegram allows.
_TYPED = re.compile(r"/([A-Za-z0-9_]+)(?:@\w+)?(?:\s+(.*))?", re.DOTALL)


def find(word: str, *, private: bool) -> CommandSpec | None:
    """The command a typed word (without its slash) names in a private chat or the staff group."""
    spec = _BY_WORD.get(word)
    return spec if spec is not None and spec.private == private else None


def words(name: str) -> frozenset[str]:
    """The words that call the command ``name``, in lower case: its name and its aliases."""
    return frozenset(BY_NAME[name].words)


@dataclass(frozen=True)
class Typed:
    """A command as typed: the word after the slash (lower case) and its arguments."""

    word: str
    args: str | None


def parse(text: str) -> Typed | None:
    """Parse "/Status@LoketBot PI-2026-000001" into its word and arguments; None when the text
    is no command. Case-insensitive: phone keyboards capitalize the first letter."""
    match = _TYPED.fullmatch(text.strip())
    if match is None:
        return None
    args = (match.group(2) or "").strip()
    return Typed(match.group(1).lower(), args or None)


def menu(private: bool, lang: str) -> list[tuple[str, str]]:
    """(command, description) pairs for setMyCommands in private chats or the staff group."""
    return [(spec.name, spec.description(lang)) for spec in COMMANDS if spec.private == private]


def where_help(where: Where) -> str:
    """The commands used in one place, as a list: "/start, /petugas, ..." for citizens."""
    return ", ".join("/" + spec.name for spec in COMMANDS if spec.where is where)


def staff_help() -> str:
    """One line per staff command with its aliases and its description (Indonesian)."""
    return "\n".join(spec.help_line("id") for spec in STAFF_COMMANDS)
