"""The command table (bot.core.commands) is the one source every command list is built from."""

from __future__ import annotations

import re

import pytest

from bot.core import commands
from bot.core.commands import (
    CITIZEN_COMMANDS,
    COMMANDS,
    STAFF_COMMANDS,
    Typed,
    Where,
    Who,
    find,
    parse,
)
from bot.core.formal.request_form import BACK_COMMANDS, CANCEL_COMMANDS
from bot.core.formal.requests import DECISIONS
from bot.texts import STAFF, TEXTS, st, t
from handlers.citizen import USE_CASES

# shared/DESIGN.md, "Commands": what the office was promised, by place.
DESIGN_CITIZEN = {"start", "petugas", "status", "batal", "permohonan", "keberatan", "bahasa"}
DESIGN_STAFF = {
    "note": {"catatan"},
    "close": {"tutup"},
    "duty": {"piket"},
    "queue": {"antrian"},
    "reload": set(),
}
DESIGN_REQUEST_TOPIC = {"perpanjang", "kabulkan", "kabulkan_sebagian", "tolak", "tidak_dikuasai"}
# https://core.telegram.org/bots/api#botcommand
TELEGRAM_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


def test_the_design_commands_are_all_in_the_table() -> None:
    by_name = {spec.name: spec for spec in COMMANDS}
    assert DESIGN_CITIZEN <= {spec.name for spec in CITIZEN_COMMANDS}
    for name, aliases in DESIGN_STAFF.items():
        assert set(by_name[name].aliases) == aliases and not by_name[name].private
    assert {s.name for s in COMMANDS if s.where is Where.REQUEST_TOPIC} == DESIGN_REQUEST_TOPIC
    assert by_name["putusan_keberatan"].who is Who.COORDINATOR
    assert {s.name for s in COMMANDS if s.where is Where.OBJECTION_TOPIC} == {
        "putusan_keberatan",
        "sengketa",
    }
    assert by_name["sengketa"].who is Who.COORDINATOR


def test_every_word_names_one_command_and_telegram_accepts_it() -> None:
    seen = [word for spec in COMMANDS for word in spec.words]
    assert len(seen) == len(set(seen)), "a word names two commands"
    for spec in COMMANDS:
        for word in spec.words:
            assert TELEGRAM_COMMAND.fullmatch(word), word
        for lang in ("id", "en"):
            assert 1 <= len(spec.description(lang)) <= 256


def test_who_matches_where() -> None:
    for spec in COMMANDS:
        assert (spec.who is Who.CITIZEN) == spec.private, spec


def test_every_citizen_command_has_its_use_case_and_no_other() -> None:
    assert set(USE_CASES) == {spec.name for spec in CITIZEN_COMMANDS}


def test_the_decisions_are_the_request_topic_commands() -> None:
    assert set(DECISIONS) == {s.name for s in COMMANDS if s.where is Where.REQUEST_TOPIC}


def test_the_form_takes_cancel_and_back_from_the_table() -> None:
    assert CANCEL_COMMANDS == {"batal", "cancel"} == set(commands.BY_NAME["batal"].words)
    assert BACK_COMMANDS == {"kembali", "back"} == set(commands.BY_NAME["kembali"].words)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/status", Typed("status", None)),
        ("/Status@LoketBot  PI-2026-000001 ", Typed("status", "PI-2026-000001")),
        ("  /BAHASA en", Typed("bahasa", "en")),
        ("/keberatan\nPI-2026-000001", Typed("keberatan", "PI-2026-000001")),
        ("/", None),
        ("/ status", None),
        ("/status-saya", None),
        ("status", None),
    ],
)
def test_typed_commands_are_parsed(text: str, expected: Typed | None) -> None:
    assert parse(text) == expected


def test_a_word_finds_its_command_only_in_its_place() -> None:
    assert find("catatan", private=False) is commands.BY_NAME["note"]
    assert find("catatan", private=True) is None
    assert find("cancel", private=True) is commands.BY_NAME["batal"]
    assert find("status", private=False) is None
    assert find("hapus_semua", private=True) is None


def test_menus_are_the_table_in_its_order() -> None:
    for private, specs in ((True, CITIZEN_COMMANDS), (False, STAFF_COMMANDS)):
        for lang in ("id", "en"):
            menu = commands.menu(private, lang)
            assert [c for c, _ in menu] == [spec.name for spec in specs]
    assert ("note", "Catatan internal di topik tiket (alias /catatan)") in commands.menu(
        False, "id"
    )
    assert ("batal", "Cancel your open ticket or form (alias /cancel)") in commands.menu(True, "en")


def test_help_texts_list_the_table() -> None:
    citizen = t("unknown_command", "id", command="/x", commands=commands.where_help(Where.PRIVATE))
    for spec in CITIZEN_COMMANDS:
        # /kembali works only inside a form, which answers its own unknown commands.
        assert (f"/{spec.name}" in citizen) == (spec.where is Where.PRIVATE), spec.name
    staff = st("unknown_command", command="/x", commands=commands.staff_help())
    for spec in STAFF_COMMANDS:
        # Escaped once for the HTML parse mode: "<alasan>" reads as written.
        line = spec.help_line("id").replace("<", "&lt;").replace(">", "&gt;")
        assert line in staff
    assert (
        "{commands}" in TEXTS["unknown_command"]["id"] and "{commands}" in STAFF["unknown_command"]
    )
    # A request's card lists the decisions an officer can take in its topic.
    decisions = "Keputusan: /kabulkan, /kabulkan_sebagian, /tolak, /tidak_dikuasai, /perpanjang"
    assert decisions.endswith(commands.where_help(Where.REQUEST_TOPIC))
    assert STAFF["request_card"].endswith(decisions)
