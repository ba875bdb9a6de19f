"""A network office's own information-map items ([[offices]] dip_paths) laid over the shared
map: the service, `loket config check` and `loket dip lint` of an office's file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.dip import DipError
from bot.core.dip.service import DipService

KUDUS_FINANCE_URL = "https://ppid.kuduskab.example/dip/laporan-keuangan-2025.pdf"
# One item replacing a shared one (same id), one the shared map lacks.
KUDUS_MAP = f"""
[[item]]
id = "laporan-keuangan"
title = "Laporan Keuangan Pemerintah Kabupaten Kudus 2025 (audited)"
category = "berkala"
summary = "Neraca, laporan realisasi anggaran dan catatan atas laporan keuangan daerah."
keywords = ["laporan keuangan", "neraca"]
where = "{KUDUS_FINANCE_URL}"
format = "PDF"
year = 2025

[[item]]
id = "amdal-pasar-kliwon"
title = "Dokumen AMDAL revitalisasi Pasar Kliwon Kudus"
category = "setiap_saat"
summary = "Analisis mengenai dampak lingkungan pembangunan kembali Pasar Kliwon."
keywords = ["amdal", "pasar kliwon", "dampak lingkungan"]
where = "Meja layanan PPID Kabupaten Kudus"
format = "cetak"
"""


def kudus_map(tmp_path: Path, text: str = KUDUS_MAP) -> Path:
    path = tmp_path / "dip-kudus.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_office_map_replaces_a_shared_item_and_adds_its_own(tmp_path: Path) -> None:
    shared = DipService(holder="PPID Provinsi Jawa Tengah")
    kudus = DipService(shared.paths, holder="PPID Kabupaten Kudus", overlay=[kudus_map(tmp_path)])
    assert len(kudus.index.dip.items) == len(shared.index.dip.items) + 1
    mine = kudus.item("laporan-keuangan")
    assert mine is not None and mine.where == KUDUS_FINANCE_URL
    theirs = shared.item("laporan-keuangan")
    assert theirs is not None and theirs.where != KUDUS_FINANCE_URL
    # The rest of the shared map stays in the office's.
    assert kudus.item("struktur-organisasi") == shared.item("struktur-organisasi")
    hit = kudus.best("minta dokumen amdal pasar kliwon")
    assert hit is not None and hit.item.id == "amdal-pasar-kliwon"
    assert shared.item("amdal-pasar-kliwon") is None
    assert "amdal-pasar-kliwon" not in shared.staff_lines("dokumen amdal pasar kliwon")
    assert "amdal-pasar-kliwon" in kudus.staff_lines("dokumen amdal pasar kliwon")


def test_a_broken_office_map_on_reload_names_its_file_and_keeps_the_old(tmp_path: Path) -> None:
    path = kudus_map(tmp_path)
    kudus = DipService((), holder="PPID Kabupaten Kudus", overlay=[path])
    assert path in kudus.watched
    path.write_text(KUDUS_MAP + '\n[[item]]\nid = "amdal-pasar-kliwon"\n', encoding="utf-8")
    with pytest.raises(DipError) as caught:
        kudus.load()
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)
    assert kudus.item("amdal-pasar-kliwon") is not None


NETWORK = """
[[offices]]
id = "jateng"
name = "PPID Provinsi Jawa Tengah"
staff_group_id = -1001
number_prefix = "JTG"

[[offices]]
id = "kab-kudus"
name = "PPID Kabupaten Kudus"
staff_group_id = -1002
number_prefix = "KDS"
dip_paths = ["dip-kudus.toml"]
"""


def test_config_check_reads_an_office_map_and_names_its_broken_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    config = tmp_path / "bot.toml"
    config.write_text(NETWORK, encoding="utf-8")
    kudus_map(tmp_path, KUDUS_MAP.replace('category = "setiap_saat"', 'category = "rahasia"'))
    assert main(["config", "check", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(
        f"loket: information map (DIP) of office kab-kudus: {tmp_path / 'dip-kudus.toml'}:"
    )
    assert "category 'rahasia'" in err


def test_dip_lint_checks_an_office_file_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.core.dip.cli import main

    path = kudus_map(tmp_path)
    assert main(["lint", str(path), "--today", "2026-12-01"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "2 item(s), 0 error(s), 0 warning(s)"
