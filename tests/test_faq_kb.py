"""Loading, checking and linting knowledge-base files."""

from __future__ import annotations

from pathlib import Path

import pytest

from faq import KnowledgeBaseError, default_paths, load_knowledge_base
from faq.lint import lint_paths

GOOD = """
[[entry]]
id = "jam-buka"
category = "layanan"
questions = ["Jam berapa kantor buka?"]
answer = "Senin-Jumat 08.00-16.00."

[[entry]]
id = "alamat"
category = "layanan"
questions = ["Di mana alamat kantor?"]
answer = "Jl. Contoh No. 1."
keywords = ["lokasi"]
lang = "id"
"""


def write(tmp_path: Path, text: str, name: str = "kb.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_files_and_folders(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    kb = load_knowledge_base([tmp_path])
    assert [e.id for e in kb.entries] == ["jam-buka", "alamat"]
    assert kb.entries[1].keywords == ("lokasi",)
    assert kb.entries[1].lang == "id"
    assert kb.sources == (tmp_path / "kb.toml",)


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("[[entry]]\nid = 'a'\nquestions = [", ["kb.toml", "TOML syntax", "line"]),
        (
            "[[entry]]\nid = 'a-b'\ncategory = 'x'\nquestions = ['q']\n",
            ["kb.toml:1", "id 'a-b'", "missing key 'answer'"],
        ),
        (
            "[[entry]]\nid = 'a'\ncategory = 'x'\nquestions = ['q']\nanswer = '  '\n",
            ["kb.toml:1", "'answer' is empty"],
        ),
        (
            "[[entry]]\nid = 'Bad_Id'\ncategory = 'x'\nquestions = ['q']\nanswer = 'a'\n",
            ["kb.toml:1", "not kebab-case"],
        ),
        (
            "[[entry]]\nid = 'a'\ncategory = 'x'\nquestions = 'q'\nanswer = 'a'\n",
            ["kb.toml:1", "'questions' must be a list of strings"],
        ),
        (
            "[[entry]]\nid = 'a'\ncategory = 'x'\nquestions = []\nanswer = 'a'\n",
            ["'questions' is empty"],
        ),
        (
            "[[entry]]\nid = 'a'\ncategory = 'x'\nquestions = ['q']\nanswer = 'a'\nanswr = 'b'\n",
            ["kb.toml:1", "id 'a'", "unknown key 'answr'"],
        ),
        (
            "[[entry]]\nid = 'a'\ncategory = 'x'\nquestions = ['q']\nanswer = 'a'\nlang = 'fr'\n",
            ["'lang' must be one of"],
        ),
    ],
)
def test_errors_name_file_line_and_problem(tmp_path: Path, text: str, fragments: list[str]) -> None:
    write(tmp_path, text)
    with pytest.raises(KnowledgeBaseError) as err:
        load_knowledge_base([tmp_path / "kb.toml"])
    message = str(err.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_duplicate_id_across_files_names_both(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.toml")
    write(tmp_path, GOOD.split("[[entry]]")[1].join(["[[entry]]", ""]), "b.toml")
    with pytest.raises(
        KnowledgeBaseError, match=r"b\.toml:\d+ id 'jam-buka': duplicate id .*a\.toml"
    ):
        load_knowledge_base([tmp_path])


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="no such file"):
        load_knowledge_base([tmp_path / "nope.toml"])
    with pytest.raises(KnowledgeBaseError, match=r"no \*\.toml"):
        load_knowledge_base([tmp_path])


def test_default_kb_has_40_unique_entries_and_passes_lint() -> None:
    paths = default_paths()
    assert paths and all(p.suffix == ".toml" for p in paths)
    kb = load_knowledge_base(paths)
    ids = [e.id for e in kb.entries]
    assert len(ids) >= 40
    assert len(set(ids)) == len(ids)
    report = lint_paths(paths)
    assert report.errors == 0, [p.message for p in report.problems]


def test_default_kb_covers_the_required_topics() -> None:
    kb = load_knowledge_base(default_paths())
    categories = {e.category for e in kb.entries}
    assert {"permohonan", "keberatan", "biaya", "layanan", "pelanggaran", "rekrutmen"} <= categories
    violation = kb.get("lapor-pelanggaran")
    assert violation is not None and "7 hari" in violation.answer


def test_lint_reports_every_problem(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.toml")
    write(
        tmp_path,
        GOOD.replace('"Senin-Jumat 08.00-16.00."', '""').replace(
            'id = "alamat"', 'id = "alamat-2"'
        ),
        "b.toml",
    )
    report = lint_paths([tmp_path])
    messages = " | ".join(p.message for p in report.problems)
    assert "'answer' is empty" in messages
    assert "alamat-2" not in messages or report.errors >= 1
    assert report.errors >= 1


def test_lint_flags_questions_that_will_be_confused(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
[[entry]]
id = "jam-kantor"
category = "layanan"
questions = ["Jam berapa kantor buka?", "Kapan kantor tutup?"]
answer = "08.00-16.00."

[[entry]]
id = "jam-kantor-lagi"
category = "layanan"
questions = ["Jam berapa kantor buka?"]
answer = "08.00-16.00 juga."
""",
    )
    report = lint_paths([tmp_path])
    assert report.errors + report.warnings >= 1
    assert any("jam-kantor" in p.message for p in report.problems)


def test_answer_en_is_loaded_and_chosen_for_english_users(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
[[entry]]
id = "jam-kantor"
category = "layanan"
questions = ["Jam berapa kantor buka?"]
answer = "Senin-Jumat 08.00-16.00."
answer_en = "Monday-Friday 08:00-16:00."

[[entry]]
id = "biaya"
category = "biaya"
questions = ["Apakah ada biaya?"]
answer = "Gratis."
""",
    )
    kb = load_knowledge_base([tmp_path])
    jam, biaya = kb.entries
    assert jam.answer_for("en") == "Monday-Friday 08:00-16:00."
    assert jam.answer_for("id") == "Senin-Jumat 08.00-16.00."
    assert biaya.answer_for("en") == "Gratis."  # no English answer: the Indonesian one
    report = lint_paths([tmp_path])
    warnings = [p.message for p in report.problems if p.level == "warning"]
    assert any("'biaya'" in m and "answer_en" in m for m in warnings)
    assert not any("'jam-kantor'" in m and "answer_en" in m for m in warnings)


def test_an_empty_answer_en_is_refused_with_one_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
[[entry]]
id = "jam-kantor"
category = "layanan"
questions = ["Jam berapa kantor buka?"]
answer = "Senin-Jumat."
answer_en = "  "
""",
    )
    with pytest.raises(KnowledgeBaseError, match="answer_en") as exc:
        load_knowledge_base([tmp_path])
    assert "\n" not in str(exc.value)


def test_every_packaged_entry_has_an_english_answer() -> None:
    kb = load_knowledge_base(default_paths())
    assert [e.id for e in kb.entries if not e.answer_en] == []
