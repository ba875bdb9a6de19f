"""The ``faq`` command line (``python -m faq`` / ``loket faq``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from faq.cli import main

ROOT = Path(__file__).resolve().parent.parent
KB = """
[[entry]]
id = "jam-buka"
category = "layanan"
questions = ["Jam berapa kantor PPID buka?", "What are the office hours?"]
answer = "Senin-Jumat 08.00-16.00."

[[entry]]
id = "biaya"
category = "biaya"
questions = ["Apakah meminta informasi dikenakan biaya?"]
answer = "Gratis."
"""


def run_module(args: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "faq", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def test_match_json_via_subprocess(tmp_path: Path) -> None:
    kb = tmp_path / "kb.toml"
    kb.write_text(KB, encoding="utf-8")
    queries = "jam brp kantor ppid buka?\nhalo min\nresep rendang gimana\n"
    out = run_module(["match", "--faq", str(kb), "--json"], queries)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["query"] for r in rows] == queries.splitlines()
    assert rows[0]["id"] == "jam-buka" and rows[0]["outcome"] == "answer"
    assert rows[1]["id"] is None and rows[1]["outcome"] == "greeting"
    assert rows[2]["id"] is None and rows[2]["outcome"] == "abstain"
    for row in rows:
        assert set(row) >= {"query", "id", "score", "alternatives", "outcome"}
        assert isinstance(row["score"], float | int)
        assert all(set(a) == {"id", "score"} for a in row["alternatives"])


def test_match_accepts_several_paths_and_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.toml").write_text(KB, encoding="utf-8")
    other = tmp_path / "two.toml"
    other.write_text(
        '[[entry]]\nid = "alamat"\ncategory = "x"\nquestions = ["Di mana alamat kantor?"]\n'
        'answer = "Jl. Contoh."\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO("alamat kantor dmn\n"))
    code = main(["match", "--faq", str(tmp_path / "a"), "--faq", str(other), "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["id"] == "alamat"


def test_bad_knowledge_base_exits_with_one_line(tmp_path: Path) -> None:
    kb = tmp_path / "bad.toml"
    kb.write_text("[[entry]]\nid = 'x'\n", encoding="utf-8")
    out = run_module(["match", "--faq", str(kb)], "halo\n")
    assert out.returncode == 2
    assert "bad.toml" in out.stderr and "missing key" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_lint_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.toml"
    good.write_text(KB, encoding="utf-8")
    assert main(["lint", str(good)]) == 0
    dup = tmp_path / "dup.toml"
    dup.write_text(KB, encoding="utf-8")
    assert main(["lint", str(good), str(dup)]) == 1
    assert "duplicate id" in capsys.readouterr().out


def test_lint_and_stats_of_default_kb(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint"]) == 0
    capsys.readouterr()
    assert main(["stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["entries"] >= 40
    assert stats["questions"] > stats["entries"]
    assert stats["vocabulary"] > 100
    assert sum(stats["categories"].values()) == stats["entries"]
