"""What a network of offices costs at start and per message.

usage: .venv/bin/python benchmarks/offices_bench.py [--offices 35] [--overlays 5]

Builds the app (create_app, no I/O) for one office and for a network of ``--offices`` offices
of which ``--overlays`` have a knowledge base of their own (one entry over the shared one):
each such office builds its own FAQ index, the rest share one. Then times the place search a
citizen's typed office name goes through (search_offices) over the network's offices, with
names a citizen types: an exact id, a typo, a short form, a question that names no place.
Prints wall time and the process's peak memory; figures drift with the machine's load.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from bot.app import create_app
from bot.config import load_config
from bot.core.network import search_offices

TOKEN = "123456789:AAFakeTokenForBenchmarks_abcdefghijk"
OVERLAY = """
[[entry]]
id = "jam-layanan"
category = "layanan"
questions = ["Jam berapa kantor buka?"]
answer = "Kantor ini buka Senin-Kamis."
"""
TYPED = ["kab-kudus-7", "kuduss 7", "kab kds 7", "berapa biaya salinan dokumen"]


def network(folder: Path, offices: int, overlays: int) -> str:
    out = []
    for n in range(offices):
        extra = ""
        if n < overlays:
            (folder / f"kb-{n}").mkdir()
            (folder / f"kb-{n}" / "faq.toml").write_text(OVERLAY, encoding="utf-8")
            extra = f'faq_paths = ["kb-{n}"]\n'
        out.append(
            f'[[offices]]\nid = "kab-kudus-{n}"\nname = "PPID Kabupaten Kudus {n}"\n'
            f'staff_group_id = -100{n + 1}\nnumber_prefix = "K{n}"\n{extra}'
        )
    return "\n".join(out)


def build(offices: int, overlays: int) -> tuple[float, int]:
    folder = Path(tempfile.mkdtemp(prefix="loket-offices-bench-"))
    text = f'[telegram]\ntoken = "{TOKEN}"\n[database]\nurl = "sqlite+aiosqlite:///{folder}/x.db"\n'
    if offices:
        text += network(folder, offices, overlays)
    path = folder / "bot.toml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path, {})
    start = time.perf_counter()
    app = create_app(config)
    took = time.perf_counter() - start
    units = len(app.config.offices) or 1
    del app
    return took, units


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offices", type=int, default=35)
    parser.add_argument("--overlays", type=int, default=5)
    args = parser.parse_args()
    one, _ = build(0, 0)
    print(f"create_app, one office: {one * 1000:.0f} ms")
    many, units = build(args.offices, args.overlays)
    print(f"create_app, {units} offices ({args.overlays} with own FAQ): {many * 1000:.0f} ms")
    folder = Path(tempfile.mkdtemp(prefix="loket-offices-bench-"))
    path = folder / "bot.toml"
    path.write_text(network(folder, args.offices, 0), encoding="utf-8")
    offices = load_config(path, {}).offices
    rounds = 200
    for typed in TYPED:
        start = time.perf_counter()
        for _ in range(rounds):
            found = search_offices(offices, typed)
        each = (time.perf_counter() - start) / rounds
        print(
            f"search {typed!r} over {len(offices)} offices: {each * 1e6:.0f} µs, {len(found)} found"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
