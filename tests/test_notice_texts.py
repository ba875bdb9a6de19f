"""The notices' wording is data an office can override (bot/core/formal/notices/texts.toml,
[requests] notice_texts): only the keys it names change, and a broken file is one line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.core.formal.notices import (
    DEFAULT_TEXTS,
    PASAL_35,
    NoticeTextsError,
    load_texts,
    render_request_notice,
)
from tests.test_cli import loket
from tests.test_notices import DECISIONS, OFFICE, REQUEST

OVERRIDE = """
[letter.id]
title = "SURAT PEMBERITAHUAN PPID KAMI"
sum_attached = "Surat resmi kami terlampir."

[pasal_17.id]
h = "informasi yang memuat data pribadi pemilih"

[pasal_35.id]
c = "permohonan tidak dijawab"
"""


def test_an_office_file_changes_only_the_keys_it_names(tmp_path: Path) -> None:
    path = tmp_path / "teks.toml"
    path.write_text(OVERRIDE, encoding="utf-8")
    texts = load_texts(path)
    assert texts.words("id")["title"] == "SURAT PEMBERITAHUAN PPID KAMI"
    assert texts.grounds("id")["c"] == "permohonan tidak dijawab"
    assert texts.grounds("id")["a"] == PASAL_35["a"]
    assert texts.words("en") == DEFAULT_TEXTS.words("en")
    assert texts.words("id")["page"] == DEFAULT_TEXTS.words("id")["page"]
    # The defaults are not touched by an office's file.
    assert DEFAULT_TEXTS.grounds("id")["c"] == PASAL_35["c"] != "permohonan tidak dijawab"


def test_the_override_shows_in_the_letter_and_its_summary(tmp_path: Path) -> None:
    path = tmp_path / "teks.toml"
    path.write_text(OVERRIDE, encoding="utf-8")
    pdf, summary = render_request_notice(
        OFFICE, REQUEST, DECISIONS["rejected"], "id", texts=load_texts(path)
    )
    assert summary.endswith("Surat resmi kami terlampir.")
    assert "informasi yang memuat data pribadi pemilih" in summary
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "SURAT PEMBERITAHUAN PPID KAMI" in " ".join(text.split())
    _, default_summary = render_request_notice(OFFICE, REQUEST, DECISIONS["rejected"], "id")
    assert "Surat resmi kami terlampir." not in default_summary


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[letter.id\ntitle = 'x'\n", "not valid TOML"),
        ("[letter.id]\ntitel = 'x'\n", "unknown key letter.id.titel"),
        ("[letter.jv]\ntitle = 'x'\n", "unknown section [letter.jv]"),
        ("[surat.id]\ntitle = 'x'\n", "unknown section [surat]"),
        ("[letter.id]\ntitle = 3\n", "letter.id.title must be a non-empty text"),
        ("[letter.id]\nsum_new_due = 'Batas baru {tanggal}'\n", "unknown placeholder {tanggal}"),
        ("[letter.id]\nsum_new_due = 'Batas baru {date'\n", "unbalanced { }"),
    ],
)
def test_a_broken_office_file_is_one_error_naming_it(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "teks.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(NoticeTextsError) as caught:
        load_texts(path)
    message = str(caught.value)
    assert str(path) in message and problem in message
    assert "\n" not in message


def test_a_missing_office_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(NoticeTextsError, match=r"cannot read notice texts .*nope\.toml"):
        load_texts(tmp_path / "nope.toml")


def test_config_check_names_a_broken_notice_texts_file(tmp_path: Path) -> None:
    # A relative path is relative to the config file, like the FAQ's.
    (tmp_path / "surat").mkdir()
    (tmp_path / "surat" / "teks.toml").write_text("[letter.id]\ntitel = 'x'\n")
    config = tmp_path / "bot.toml"
    config.write_text('[requests]\nnotice_texts = "surat/teks.toml"\n')
    result = loket("config", "check", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"loket: notice texts {tmp_path / 'surat' / 'teks.toml'}: unknown key letter.id.titel"
    )
    (tmp_path / "surat" / "teks.toml").write_text("[letter.id]\ntitle = 'SURAT KAMI'\n")
    fixed = loket("config", "check", "--config", str(config), cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr
