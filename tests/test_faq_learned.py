"""The learned-phrasings file: written by `loket faq learned --accept`, loaded after the KB."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.faq_service import FaqService, learned_file
from faq import KnowledgeBaseError
from faq.learned import append_learned, load_learned

KB = """
[[entry]]
id = "biaya"
category = "biaya"
questions = ["Apakah permohonan informasi dipungut biaya?"]
answer = "Gratis."

[[entry]]
id = "jam"
category = "layanan"
questions = ["Jam berapa kantor buka?"]
answer = "08.00-16.00."
"""


def test_accepted_phrasings_are_appended_once_and_quoted_safely(tmp_path: Path) -> None:
    path = tmp_path / "learned.toml"
    assert load_learned(path) == []
    text = 'dokumen "resmi" dikirim ke rumah\\ ga?'
    assert append_learned(path, [("biaya", text), ("biaya", text)]) == 1
    assert append_learned(path, [("biaya", text.upper())]) == 0  # same words, same phrasing
    assert load_learned(path) == [("biaya", text)]


def test_a_broken_learned_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "learned.toml"
    path.write_text('[[phrasing]]\nentry = "biaya"\n')
    with pytest.raises(KnowledgeBaseError, match="needs 'entry' and 'text'") as exc:
        load_learned(path)
    assert "\n" not in str(exc.value)


def test_the_service_answers_with_learned_phrasings_and_reloads_them(tmp_path: Path) -> None:
    kb = tmp_path / "kb.toml"
    kb.write_text(KB)
    learned = tmp_path / "learned.toml"
    service = FaqService([kb], learned=learned)
    assert learned in service.watched
    question = "kalau saya ambil sendiri di loket perlu siapkan uang?"
    assert service.match(question).outcome != "answer"
    append_learned(learned, [("biaya", question), ("hilang", "entry that no longer exists")])
    service.reload()
    match = service.match(question)
    assert match.outcome == "answer" and match.entry is not None and match.entry.id == "biaya"


def test_find_by_id_or_words(tmp_path: Path) -> None:
    kb = tmp_path / "kb.toml"
    kb.write_text(KB)
    service = FaqService([kb])
    assert [e.id for e in service.find("jam")] == ["jam"]  # an exact id
    assert [e.id for e in service.find("biaya permohonan")] == ["biaya"]
    assert service.find("resep rendang") == []


def test_the_learned_file_defaults_beside_the_sqlite_database() -> None:
    assert learned_file(None, "sqlite+aiosqlite:////srv/loket/loket.db") == Path(
        "/srv/loket/faq_learned.toml"
    )
    assert learned_file(None, "postgresql+asyncpg://u@h/db") == Path("faq_learned.toml")
    assert learned_file(Path("/etc/x.toml"), "sqlite+aiosqlite:///a.db") == Path("/etc/x.toml")
