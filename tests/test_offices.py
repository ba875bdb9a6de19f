"""The network of offices' pure parts: the [[offices]] configuration and the place search."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.config import ConfigError, NetworkOffice, load_config
from bot.core.network import deep_link, search_offices

NETWORK = """
[[offices]]
id = "jateng"
name = "PPID Provinsi Jawa Tengah"
staff_group_id = -1001
number_prefix = "JTG"
places = ["jateng"]

[[offices]]
id = "kab-kudus"
name = "PPID Kabupaten Kudus"
staff_group_id = -1002
number_prefix = "KDS"
parent = "jateng"
holidays = [2026-09-23]
faq_paths = ["faq-kudus"]
dip_paths = ["dip-kudus.toml", "/srv/dip/kudus-extra.toml"]

[[offices]]
id = "kab-semarang"
name = "PPID Kabupaten Semarang"
staff_group_id = -1003
number_prefix = "SMG"
parent = "jateng"

[[offices]]
id = "kota-semarang"
name = "PPID Kota Semarang"
staff_group_id = -1004
number_prefix = "KSM"
parent = "jateng"
"""


def load(tmp_path: Path, text: str = NETWORK) -> object:
    path = tmp_path / "bot.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, {})


def error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_network_loads_with_paths_relative_to_the_file(tmp_path: Path) -> None:
    config = load(tmp_path)
    offices = config.offices  # type: ignore[attr-defined]
    assert [o.id for o in offices] == ["jateng", "kab-kudus", "kab-semarang", "kota-semarang"]
    assert offices[1].faq_paths == (tmp_path / "faq-kudus",)
    # Its own map files, like its knowledge base: relative to the file, absolute as written.
    assert offices[1].dip_paths == (tmp_path / "dip-kudus.toml", Path("/srv/dip/kudus-extra.toml"))
    assert offices[2].dip_paths == ()


def test_no_offices_is_the_one_office_of_today(tmp_path: Path) -> None:
    config = load(tmp_path, '[office]\nname = "PPID"\n')
    assert config.offices == ()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('"kab-kudus"', '"Kab_Kudus"'), "offices.1.id: an office id is short kebab-case"),
        (('"kab-semarang"', '"kab-kudus"'), "offices.2.id: the same as offices.1.id"),
        (("-1003", "-1002"), "offices.2.staff_group_id: the same as offices.1.staff_group_id"),
        (('"SMG"', '"KDS"'), "offices.2.number_prefix: the same as offices.1.number_prefix"),
        (
            ('parent = "jateng"\nholidays', 'parent = "jatim"\nholidays'),
            "offices.1.parent: no office with id 'jatim'",
        ),
        (("staff_group_id = -1002\n", ""), "offices.1.staff_group_id: Field required"),
        (
            ("staff_group_id = -1002", "staff_group_id = 1002"),
            "offices.1.staff_group_id: a group id is negative",
        ),
        (('"KDS"', '"kds"'), "offices.1.number_prefix: String should match pattern"),
    ],
)
def test_a_bad_network_fails_with_one_line_naming_the_key(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    old, new = change
    assert old in NETWORK
    assert error(tmp_path, NETWORK.replace(old, new, 1)).startswith(expected)


def test_an_office_calendar_adds_its_own_holidays_to_the_shared_ones(tmp_path: Path) -> None:
    config = load(tmp_path)
    kudus, semarang = config.offices[1], config.offices[2]  # type: ignore[attr-defined]
    hours = config.hours  # type: ignore[attr-defined]
    holiday = date(2026, 9, 23)  # a Wednesday
    assert not kudus.calendar(hours).is_working_day(holiday)
    assert semarang.calendar(hours).is_working_day(holiday)


OFFICES = [
    NetworkOffice(
        id="jateng",
        name="PPID Provinsi Jawa Tengah",
        staff_group_id=-1,
        number_prefix="JTG",
        places=("jateng",),
    ),
    NetworkOffice(
        id="kab-kudus", name="PPID Kabupaten Kudus", staff_group_id=-2, number_prefix="KDS"
    ),
    NetworkOffice(
        id="kab-semarang", name="PPID Kabupaten Semarang", staff_group_id=-3, number_prefix="SMG"
    ),
    NetworkOffice(
        id="kota-semarang", name="PPID Kota Semarang", staff_group_id=-4, number_prefix="KSM"
    ),
]


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("kab-kudus", ["kab-kudus"]),  # the id itself
        ("kudus", ["kab-kudus"]),
        ("Kudus", ["kab-kudus"]),
        ("kuduss", ["kab-kudus"]),  # a typo
        ("kab. kudus", ["kab-kudus"]),
        ("kab smg", ["kab-semarang"]),  # kab = kabupaten, smg = semarang without vowels
        ("kota semarang", ["kota-semarang"]),
        ("kabupaten semarang", ["kab-semarang"]),
        ("semarang", ["kab-semarang", "kota-semarang"]),  # both: the citizen chooses
        ("smg", ["kab-semarang", "kota-semarang"]),
        ("jateng", ["jateng"]),
        ("provinsi jawa tengah", ["jateng"]),
        ("resep rendang padang", []),
    ],
)
def test_a_typed_place_name_finds_its_office(typed: str, found: list[str]) -> None:
    assert [office.id for office in search_offices(OFFICES, typed)] == found


def test_a_deep_link_opens_the_bot_with_the_office() -> None:
    assert deep_link("@loket_bot", "kab-kudus") == "https://t.me/loket_bot?start=kab-kudus"


def test_config_check_warns_per_office_and_about_unused_single_office_keys(
    tmp_path: Path,
) -> None:
    from bot.cli import config_warnings

    text = NETWORK.replace(
        'places = ["jateng"]', 'places = ["jateng"]\nofficers = [11]\ncoordinators = [12]'
    )
    config = load(tmp_path, "[telegram]\nstaff_group_id = -1009\n" + text)
    warnings = config_warnings(config)  # type: ignore[arg-type]
    assert any("not used with [[offices]]" in w for w in warnings)
    assert [w.split(":")[0] for w in warnings if w.startswith("no officers")] == [
        "no officers (offices.1.officers)",
        "no officers (offices.2.officers)",
        "no officers (offices.3.officers)",
    ]
    # The regencies have no coordinators of their own: nobody there decides an objection.
    assert [w.split(":")[0] for w in warnings if w.startswith("no coordinators")] == [
        "no coordinators (offices.1.coordinators)",
        "no coordinators (offices.2.coordinators)",
        "no coordinators (offices.3.coordinators)",
    ]


def test_offices_commands_without_a_network_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    config = tmp_path / "bot.toml"
    config.write_text('[office]\nname = "PPID"\n', encoding="utf-8")
    assert main(["offices", "list", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err == "loket: offices: the configuration has no [[offices]] (one office, no network)\n"


def test_offices_list_and_an_unknown_office_for_qr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    config = tmp_path / "bot.toml"
    config.write_text(NETWORK, encoding="utf-8")
    assert main(["offices", "list", "--config", str(config)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "kab-kudus\tKDS\tPPID Kabupaten Kudus (under jateng)"
    out = tmp_path / "x.png"
    code = main(["offices", "qr", "kab-pati", "--output", str(out), "--config", str(config)])
    assert code == 2 and not out.exists()
    assert "offices qr: argument ID: no office 'kab-pati'" in capsys.readouterr().err
