"""The information map's files, checks and command line (``loket dip lint|search``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.core.dip import CATEGORIES, DipError, DipIndex, Hit, default_dip_paths, load_dip
from bot.core.dip.cli import main
from bot.core.dip.lint import lint_paths
from bot.core.dip.search import dip_serves_better
from faq import Entry, Match

ROOT = Path(__file__).resolve().parent.parent
GOOD = """
[[item]]
id = "laporan-keuangan"
title = "Laporan keuangan tahunan"
category = "berkala"
summary = "Neraca dan laporan realisasi anggaran yang telah diaudit."
keywords = ["neraca", "audited"]
where = "https://ppid.example/keuangan.pdf"
format = "PDF"
year = 2025

[[item]]
id = "identitas-pelapor"
title = "Identitas pelapor pelanggaran"
category = "dikecualikan"
summary = "Nama dan alamat pelapor."
where = "Tidak diumumkan"
format = "-"
ground = "a"
until = 2029-02-14
reason = "Melindungi pelapor."
"""


def write(tmp_path: Path, text: str, name: str = "dip.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_loket(args: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bot", "dip", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_the_default_map_is_clean_and_covers_every_category() -> None:
    dip = load_dip(default_dip_paths())
    assert len(dip.items) >= 60
    counts = {c: sum(i.category == c for i in dip.items) for c in CATEGORIES}
    assert all(counts.values()), counts
    for item in dip.items:
        if item.category == "dikecualikan":
            assert item.ground in "abcdefghij" and item.until and item.reason
    report = lint_paths(default_dip_paths())
    assert report.errors == 0, report.problems


def test_load_reads_every_field(tmp_path: Path) -> None:
    dip = load_dip([write(tmp_path, GOOD)])
    first, exempt = dip.items
    assert first.year == 2025 and first.keywords == ("neraca", "audited") and first.published
    assert not exempt.published and exempt.ground == "a" and exempt.until == "2029-02-14"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('category = "berkala"', 'category = "rahasia"'), "category 'rahasia' must be one of"),
        (('ground = "a"', 'ground = "z"'), "'ground' must be a letter of Pasal 17"),
        (('ground = "a"\n', ""), "an exempt item needs 'ground'"),
        (('id = "laporan-keuangan"', 'id = "Laporan Keuangan"'), "is not kebab-case"),
        (('format = "PDF"', 'formaat = "PDF"'), "unknown key 'formaat'"),
        (("year = 2025", 'year = "2025"'), "'year' must be a whole number"),
        (('where = "https://ppid.example/keuangan.pdf"', 'where = ""'), "'where' is empty"),
        (('format = "PDF"', 'format = "PDF"\nreason = "x"'), "only for category"),
        (('id = "identitas-pelapor"', 'id = "laporan-keuangan"'), "duplicate id"),
    ],
)
def test_a_bad_item_is_one_line_naming_file_line_and_item(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = write(tmp_path, GOOD.replace(*change, 1))
    with pytest.raises(DipError) as caught:
        load_dip([path])
    text = str(caught.value)
    assert message in text and str(path) in text and "\n" not in text
    assert f"{path}:" in text  # the line of the [[item]]


def test_lint_lists_every_problem_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = GOOD.replace('category = "berkala"', 'category = "rahasia"').replace(
        'ground = "a"', 'ground = "z"'
    )
    path = write(tmp_path, bad)
    assert main(["lint", "--today", "2026-12-06", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("error: ") for line in out) == 2
    assert out[-1].endswith("2 error(s), 0 warning(s)")


def test_lint_reports_titles_that_find_another_item(tmp_path: Path) -> None:
    twin = GOOD + GOOD.replace('"laporan-keuangan"', '"laporan-keuangan-2"').replace(
        '"identitas-pelapor"', '"identitas-pelapor-2"'
    )
    report = lint_paths([write(tmp_path, twin)])
    assert any("finds item" in p.message or "is close to" in p.message for p in report.problems)


def test_search_json_best_first_and_empty_when_nothing_is_close(tmp_path: Path) -> None:
    out = run_loket(["search", "--json"], "minta laporan keuangan 2025\nresep rendang padang\n\n")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["query"] for r in rows] == ["minta laporan keuangan 2025", "resep rendang padang", ""]
    assert rows[0]["items"][0]["id"] == "laporan-keuangan"
    scores = [i["score"] for i in rows[0]["items"]]
    assert scores[0] == max(scores)
    assert rows[1]["items"] == [] and rows[2]["items"] == []


def test_search_with_an_office_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD)
    index = DipIndex(load_dip([path]))
    assert index.search("identitas pelapor pelanggaran")[0].item.id == "identitas-pelapor"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["search", "--dip", "/nonexistent/dip.toml"], "no such file or folder"),
        (["lint", "/nonexistent/dip.toml"], "no such file or folder"),
    ],
)
def test_bad_paths_are_one_line_without_traceback(args: list[str], expected: str) -> None:
    out = run_loket(args, "laporan keuangan\n")
    assert out.returncode in (1, 2)
    text = out.stderr + out.stdout
    assert expected in text and "Traceback" not in text


def test_a_broken_toml_file_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[[item]\nid = ")
    out = run_loket(["search", "--dip", str(path)], "x\n")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.count("\n") == 1 and "TOML syntax error" in out.stderr


def test_config_check_names_a_broken_map_in_one_line(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace('category = "berkala"', 'category = "rahasia"'), "kantor.toml")
    config = write(tmp_path, '[dip]\npaths = ["kantor.toml"]\n', "bot.toml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOKET_")}
    out = subprocess.run(
        [sys.executable, "-m", "bot", "config", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.startswith("loket: information map (DIP): ")
    assert "kantor.toml" in out.stderr and "category 'rahasia'" in out.stderr
    assert out.stderr.count("\n") == 1


def _match(outcome: str, score: float) -> Match:
    entry = Entry(id="faq", category="x", questions=("q",), answer="a")
    return Match(outcome, entry if outcome in ("answer", "ambiguous") else None, score)  # type: ignore[arg-type]


def _hit(score: float) -> Hit:
    return Hit(load_dip(default_dip_paths()).items[0], score)


@pytest.mark.parametrize(
    ("outcome", "faq_score", "faq_at", "dip_score", "dip_wins"),
    [
        ("greeting", 0.0, 50.0, 90.0, False),
        ("thanks", 0.0, 50.0, 90.0, False),
        ("abstain", 30.0, 50.0, 50.0, True),
        ("ambiguous", 80.0, 50.0, 50.0, True),
        # The FAQ keeps what it answers with a higher score...
        ("answer", 100.0, 50.0, 90.0, False),
        # ...or by a larger share over its own threshold (70/35 against the map's 75/40).
        ("answer", 70.0, 35.0, 75.0, False),
        # The item takes it only when it is ahead on both (80/40 against 55/50).
        ("answer", 55.0, 50.0, 80.0, True),
    ],
)
def test_the_faq_keeps_the_questions_it_answers_confidently(
    outcome: str, faq_score: float, faq_at: float, dip_score: float, dip_wins: bool
) -> None:
    match = _match(outcome, faq_score)
    assert dip_serves_better(match, faq_at, _hit(dip_score), 40.0) is dip_wins


def test_lint_warns_of_an_exemption_whose_date_has_passed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD)  # exempt until 2029-02-14
    assert main(["lint", "--today", "2029-02-14", str(path)]) == 0
    assert "has passed" not in capsys.readouterr().out
    assert main(["lint", "--today", "2029-02-15", str(path)]) == 0
    out = capsys.readouterr().out
    assert "exempt until 2029-02-14, which has passed" in out and "identitas-pelapor" in out
    # An event is never "past" by date.
    event = write(tmp_path, GOOD.replace("until = 2029-02-14", 'until = "putusan inkracht"'))
    assert not any("passed" in p.message for p in lint_paths([event], date(2099, 1, 1)).problems)


def test_a_question_naming_the_office_itself_still_finds_the_item() -> None:
    # "bawaslu" named the office publishing the map, yet the engine's near-miss rule read it
    # as another body that no item mentions, and every item lost the question.
    from bot.core.dip.items import DEFAULT_HOLDER

    dip = load_dip(default_dip_paths())
    question = "notulen rapat pleno bawaslu"
    assert DipIndex(dip).search(question) == []  # no holder: the rule that broke it
    hits = DipIndex(dip, holder=DEFAULT_HOLDER).search(question)
    assert [h.item.id for h in hits][:1] == ["notulen-rapat-pleno"]
    # Another body named stays a near miss.
    assert DipIndex(dip, holder=DEFAULT_HOLDER).search("notulen rapat pleno kpu") == []


def test_dip_search_reads_the_packaged_map_as_the_example_offices() -> None:
    out = run_loket(["search", "--json"], "notulen rapat pleno bawaslu\n")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["items"][0]["id"] == "notulen-rapat-pleno"
    out = run_loket(["search", "--json", "--office", ""], "notulen rapat pleno bawaslu\n")
    assert json.loads(out.stdout)["items"] == []


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["lint", "--today", "2026-13-01"], "'2026-13-01' is not a date (use YYYY-MM-DD)"),
        (["bogus"], "invalid choice: 'bogus'"),
    ],
)
def test_a_bad_dip_argument_is_one_line_without_the_usage_block(args: list[str], said: str) -> None:
    out = run_loket(args, "")
    assert out.returncode == 2
    assert said in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
