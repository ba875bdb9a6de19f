"""A small held-out check of the engine against the packaged knowledge base.

The queries below were written once, before the matcher was tuned further, and are not used for
tuning: they measure. The test only guards against a large regression; run this file as a
script (``python tests/test_faq_heldout.py``) to print the figures.
"""

from __future__ import annotations

import pytest

from faq import FaqIndex, default_paths, load_knowledge_base

# (query, expected entry id or None when the engine should not answer)
HELDOUT: list[tuple[str, str | None]] = [
    # in scope: plain, slang, typos, English
    ("gmn caranya ngajuin permintaan informasi ke bawaslu prov?", "cara-permohonan"),
    ("sy mau minta dokumen hasil pengawasan, alurnya kyk apa", "data-hasil-pengawasan"),
    ("syrat minta infromasi apa aj min", "syarat-permohonan"),
    ("harus bawa ktp gak kalo mau minta data?", "syarat-permohonan"),
    ("bisa ngajuin permohonan lewat email aja?", "permohonan-online"),
    ("suami sy yg dtg ngurus permohonannya boleh?", "permohonan-kuasa"),
    ("brp hari kerja permohonan dijawab", "waktu-jawaban"),
    ("kok permohonan sy diperpanjang, emang boleh?", "perpanjangan-waktu"),
    ("cek status PI-2026-000321 gmn", "cek-status"),
    ("dokumennya dikirim lewat pos bisa?", "cara-menerima-informasi"),
    ("minta info di bawaslu bayar ga", "biaya-permohonan"),
    ("fotokopi dokumennya berapa per lembar", "biaya-salinan"),
    ("permohonan sy ditolak, mau keberatan caranya gmn", "cara-keberatan"),
    ("batas waktu ngajuin keberatan brp hari?", "batas-waktu-keberatan"),
    ("keberatan sy gak dijawab atasan ppid, lanjut ke komisi informasi gmn", "sengketa-informasi"),
    ("jam buka kantor bawaslu provinsi", "jam-layanan"),
    ("hari sabtu ppid buka gak", "jam-layanan"),
    ("chat ini dibales jam brp sih", "jam-chat"),
    ("mau ngobrol sama petugas beneran bukan bot", "bicara-petugas"),
    ("alamat kantor bawaslu provinsi dmn", "alamat-kantor"),
    ("nomor telpon ppid bawaslu brp", "kontak-ppid"),
    ("petugas ppid minta duit, lapor kmn?", "aduan-layanan-ppid"),
    ("apa itu informasi yg dikecualikan", "informasi-dikecualikan"),
    ("daftar informasi publik bawaslu ada dimana", "daftar-informasi-publik"),
    ("gmn cara lapor pelanggaran pemilu", "lapor-pelanggaran"),
    ("ada caleg bagi2 amplop ke warga, lapor kemana?", "politik-uang"),
    ("kades ikut kampanye boleh gak, mau lapor", "netralitas-asn"),
    ("pelanggarannya udah 10 hari lalu masih bisa dilaporin?", "batas-waktu-laporan"),
    ("gakkumdu itu apa", "gakkumdu-pidana"),
    ("identitas pelapor dirahasiain gak?", "perlindungan-pelapor"),
    ("pendaftaran pengawas ad hoc kapan dibuka", "rekrutmen-pengawas-adhoc"),
    ("syarat jd panwascam apa aja", "syarat-pengawas-adhoc"),
    ("daftar ptps gmn caranya", "pengawas-tps"),
    ("salinan putusan bawaslu provinsi bisa diminta?", "salinan-putusan"),
    ("min gmn cara mnta salinan putusan?", "salinan-putusan"),
    ("how do i get a copy of a bawaslu decision", "salinan-putusan"),
    ("where do i report election fraud?", "lapor-pelanggaran"),
    ("what are your office hours", "jam-layanan"),
    ("sy mahasiswa butuh data utk skripsi ttg pengawasan pemilu", "data-penelitian"),
    ("sy wartawan mau wawancara ketua bawaslu", "permintaan-media"),
    ("cek dpt online dimana ya", "rujukan-kpu"),
    ("halo min, jam brp buka?", "jam-layanan"),
    # out of scope: off-topic, near misses, greetings and thanks
    ("harga cabai hari ini berapa", None),
    ("cara bikin sim c online", None),
    ("jadwal kapal ke pulau seberang besok", None),
    ("rekomendasi hp murah buat kuliah", None),
    ("siapa yang bakal menang pilkada nanti?", None),
    ("lowongan cpns kemenkumham kapan buka", None),
    ("cara bayar pajak kendaraan online", None),
    ("nomor hp ketua bawaslu pribadi dong", None),
    ("bansos pkh kapan cair min", None),
    ("alamat rumah ketua kpu dmn", None),
    ("halo", None),
    ("selamat siang min", None),
    ("assalamualaikum kak", None),
    ("makasih banyak min", None),
    ("oke siap kak, terima kasih", None),
    ("thanks!", None),
    ("p", None),
    ("wkwkwk", None),
]


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return FaqIndex(load_knowledge_base(default_paths()))


def heldout_figures(index: FaqIndex) -> tuple[float, float, int]:
    """(in-scope right share, out-of-scope answered share, wrong-entry count)."""
    inscope = [(q, want) for q, want in HELDOUT if want]
    outscope = [q for q, want in HELDOUT if not want]
    right = wrong = 0
    for query, want in inscope:
        match = index.match(query)
        got = match.entry.id if match.outcome == "answer" and match.entry else None
        right += got == want
        wrong += got not in (None, want)
    leaked = sum(index.match(q).outcome == "answer" for q in outscope)
    return right / len(inscope), leaked / len(outscope), wrong


def test_heldout_ids_exist(index: FaqIndex) -> None:
    ids = {e.id for e in index.entries}
    assert {want for _, want in HELDOUT if want} <= ids


def test_heldout_floor(index: FaqIndex) -> None:
    right, leaked, _wrong = heldout_figures(index)
    # A floor well under the measured figures: it catches a broken matcher, not noise.
    assert right >= 0.6
    assert leaked <= 0.15


if __name__ == "__main__":
    idx = FaqIndex(load_knowledge_base(default_paths()))
    for query, want in HELDOUT:
        m = idx.match(query)
        got = m.entry.id if m.outcome == "answer" and m.entry else None
        if got != want:
            print(f"miss {query!r}: want {want} got {m.outcome} {m.entry and m.entry.id} {m.score}")
    r, leak, wrong = heldout_figures(idx)
    print(
        f"held-out: in-scope right {r:.1%} ({wrong} wrong entry), out-of-scope answered {leak:.1%}"
    )
