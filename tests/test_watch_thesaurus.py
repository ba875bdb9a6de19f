"""The information map is indexed with the FAQ's thesaurus: an edit of the office's thesaurus
reaches the map when the FAQ puts it in service, also when the FAQ could not read it at first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.core.desk import Desk
from tests import core_app
from tests.harness import SAMPLE_FAQ

# A made-up word the office's thesaurus makes a budget word ("anggaran").
WORD = "zorblax"


@pytest.fixture
async def app(sqlite_url: str, tmp_path: Path) -> AsyncIterator[App]:
    (tmp_path / "kata.txt").write_text("loket, meja layanan\n", encoding="utf-8")
    thesaurus = f'thesaurus = ["{tmp_path / "kata.txt"}"]'
    async for built in core_app.build(sqlite_url, tmp_path, faq_toml=thesaurus):
        yield built


def map_finds(app: App, text: str) -> list[str]:
    assert isinstance(app.desk, Desk) and app.desk.dip is not None
    return [hit.item.id for hit in app.desk.dip.search(text)]


async def test_a_thesaurus_edit_reaches_the_map_once_the_faq_reads_it(
    app: App, tmp_path: Path
) -> None:
    assert "realisasi-anggaran" not in map_finds(app, f"laporan {WORD}")
    faq_file = tmp_path / "kb" / "faq.toml"
    # The thesaurus edited and the knowledge base broken in the same save: the FAQ keeps its
    # old index and old thesaurus, and the map is read with the thesaurus in service.
    (tmp_path / "kata.txt").write_text(f"loket, meja layanan\nanggaran, {WORD}\n", encoding="utf-8")
    faq_file.write_text("[[entry]]\nid = \n", encoding="utf-8")
    await app.watcher.check()
    assert WORD not in app.faq.thesaurus.words
    # The knowledge base fixed: the FAQ reads the new thesaurus, and the map follows.
    faq_file.write_text(SAMPLE_FAQ + "\n", encoding="utf-8")
    await app.watcher.check()
    assert WORD in app.faq.thesaurus.words
    assert "realisasi-anggaran" in map_finds(app, f"laporan {WORD}")


async def test_a_knowledge_base_edit_alone_does_not_read_the_map_again(
    app: App, tmp_path: Path
) -> None:
    assert isinstance(app.desk, Desk) and app.desk.dip is not None
    index = app.desk.dip.index
    faq_file = tmp_path / "kb" / "faq.toml"
    faq_file.write_text(SAMPLE_FAQ + "\n", encoding="utf-8")
    assert await app.watcher.check() == 1  # the FAQ, with the same thesaurus: not the map
    assert app.desk.dip.index is index
