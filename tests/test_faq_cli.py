"""The ``faq`` command line (``python -m faq`` / ``loket faq``)."""

from __future__ import annotations

import json
import os
import select
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


def test_match_answers_each_question_while_the_sender_waits(tmp_path: Path) -> None:
    # Answers are written in blocks; a program that sends one question and waits for its
    # answer (stdin still open) must get it, not wait for a block to fill.
    kb = tmp_path / "kb.toml"
    kb.write_text(KB, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        [sys.executable, "-m", "faq", "match", "--faq", str(kb), "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        for question, expected in (("jam brp kantor ppid buka?", "jam-buka"), ("halo", None)):
            proc.stdin.write(question + "\n")
            proc.stdin.flush()
            ready, _, _ = select.select([proc.stdout], [], [], 60)
            assert ready, "no answer while the question's sender waits"
            row = json.loads(proc.stdout.readline())
            assert row["query"] == question and row["id"] == expected
        proc.stdin.close()
        assert proc.stdout.read() == ""
        assert proc.wait(timeout=60) == 0


def test_match_writes_every_answer_of_a_long_batch_in_order(tmp_path: Path) -> None:
    kb = tmp_path / "kb.toml"
    kb.write_text(KB, encoding="utf-8")
    queries = [f"jam buka kantor {n}" for n in range(600)]  # more than one block
    out = run_module(["match", "--faq", str(kb), "--json"], "\n".join(queries) + "\n")
    assert out.returncode == 0, out.stderr
    assert [json.loads(line)["query"] for line in out.stdout.splitlines()] == queries


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
