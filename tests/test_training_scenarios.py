"""Training scenarios are data an office writes: the shipped ones parse, mistakes name the file
and key, and `loket playground` refuses bad arguments with one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.playground.training import ScenarioError, load_scenarios, parse_scenario
from tests.harness import REPO

GOOD = """
title = "Contoh"
brief = "Jawab."
citizen = { name = "Ayu" }
[[script]]
say = "/petugas"
[score]
within = "15m"
"""


def test_six_shipped_scenarios_cover_the_required_cases() -> None:
    scenarios = {s.id: s for s in load_scenarios()}
    assert len(scenarios) >= 6
    assert scenarios["06_informasi_dikecualikan"].score["ground"] == "h"
    assert scenarios["04_keberatan_atas_penolakan"].role == "coordinator"
    assert scenarios["05_laporan_pelanggaran"].score["no_request"] is True
    assert scenarios["03_susulan_di_luar_jam"].at == "after_hours"


def test_an_office_adds_its_own_folder(tmp_path: Path) -> None:
    (tmp_path / "kantor.toml").write_text(GOOD, encoding="utf-8")
    ids = [s.id for s in load_scenarios(tmp_path)]
    assert ids[-1] == "kantor" and len(ids) >= 7


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('title = "Contoh"', 'judul = "Contoh"'), "x.toml: unknown key judul"),
        (('say = "/petugas"', 'tulis = "/petugas"'), "x.toml: script[1]: one of"),
        (('say = "/petugas"', 'expect = "(unclosed"'), "x.toml: script[1].expect:"),
        (('within = "15m"', 'within = "sebentar"'), "x.toml: score.within:"),
        (('within = "15m"', "nilai = 1"), "x.toml: score: unknown key nilai"),
        (
            ('citizen = { name = "Ayu" }', 'citizen = { name = "Ayu", language = "jv" }'),
            "x.toml: citizen.language",
        ),
        (('brief = "Jawab."', 'brief = ""'), "x.toml: brief"),
    ],
)
def test_mistakes_name_the_file_and_key(change: tuple[str, str], message: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_scenario("x.toml", GOOD.replace(*change))
    assert str(error.value).startswith(message)


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--speed", "-1"], "loket playground: --speed: must be between 0 and 10000"),
        (["--start", "kemarin"], "loket playground: --start: not an ISO date and time"),
        (["--start", "2026-03-04T09:00"], "loket playground: --start: give a UTC offset"),
        (["--scenarios", "tidak-ada"], "loket playground: --scenarios: no such file or folder"),
        (["--config", "tidak-ada.toml"], "loket playground: --config: no such file"),
    ],
)
def test_bad_arguments_get_one_line(args: list[str], line: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "playground", *args],
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith(line), done.stderr


def test_checking_the_scenarios_does_not_load_the_bot(tmp_path: Path) -> None:
    # `loket playground` checks --scenarios before it starts anything: the check must not
    # import the bot (aiogram alone takes seconds to load), so a mistake is told at once.
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, bot.playground.training; print(sorted(m for m in sys.modules"
            " if m.split('.')[0] == 'aiogram' or m == 'bot.app'))",
        ],
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
