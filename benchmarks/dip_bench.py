"""The information map's matcher: accuracy on a query set written before any tuning, how the
chat shares questions between the FAQ and the map, and speed.

usage: python benchmarks/dip_bench.py [--queries benchmarks/dip_queries.jsonl] [--repeat 20]

Measured against the packaged DIP (bot/core/dip/data) and the packaged FAQ (faq/data), with
the packaged thesaurus, as `loket run` uses them without configuration:

* search: for a query that names items, whether the first item found is one of them; for a
  query that names none (``expected: []``), whether nothing is found;
* chat: what the chat does with the same queries (the FAQ answers, the map's item is handed
  over or explained, or a person is asked), by bot.core.dip.search.dip_serves_better;
* FAQ kept: the FAQ's own canonical questions that the chat would hand to the map instead
  (each is a question the FAQ was written to answer);
* speed: building the map's index, and one search (mean and p99 over every query, repeated).

The query set is kept apart from tuning: nothing in the engine or the map was changed for it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.dip import DipIndex, default_dip_paths, load_dip
from bot.core.dip.items import DEFAULT_HOLDER
from bot.core.dip.search import dip_serves_better
from faq import FaqIndex, default_paths, load_knowledge_base

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=Path, default=HERE / "dip_queries.jsonl")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.queries.read_text("utf-8").splitlines() if line]

    started = time.perf_counter()
    dip = DipIndex(load_dip(default_dip_paths()), holder=DEFAULT_HOLDER)
    build_ms = (time.perf_counter() - started) * 1000
    faq = FaqIndex(load_knowledge_base(default_paths()))

    named = [r for r in rows if r["expected"]]
    none = [r for r in rows if not r["expected"]]
    top1 = sum(1 for r in named if (h := dip.search(r["query"])) and h[0].item.id in r["expected"])
    found_any = sum(
        1 for r in named if set(r["expected"]) & {h.item.id for h in dip.search(r["query"])}
    )
    quiet = sum(1 for r in none if not dip.search(r["query"]))
    exempt = [r for r in named if not dip.item(r["expected"][0]).published]  # type: ignore[union-attr]
    exempt_ok = sum(
        1 for r in exempt if (h := dip.search(r["query"])) and h[0].item.id in r["expected"]
    )

    chat = {"dip_right": 0, "dip_wrong": 0, "faq": 0, "person": 0}
    for r in named:
        match, hit = faq.match(r["query"]), dip.best(r["query"])
        if hit is not None and dip_serves_better(match, faq.answer_at, hit, dip.answer_at):
            chat["dip_right" if hit.item.id in r["expected"] else "dip_wrong"] += 1
        elif match.outcome == "answer":
            chat["faq"] += 1
        else:
            chat["person"] += 1
    none_to_dip = 0
    for r in none:
        match, hit = faq.match(r["query"]), dip.best(r["query"])
        if hit is not None and dip_serves_better(match, faq.answer_at, hit, dip.answer_at):
            none_to_dip += 1

    questions = [(e.id, q) for e in faq.kb.entries for q in e.questions]
    faq_right = taken = 0
    for entry_id, question in questions:
        match, hit = faq.match(question), dip.best(question)
        if hit is not None and dip_serves_better(match, faq.answer_at, hit, dip.answer_at):
            taken += 1
        elif match.outcome == "answer" and match.entry is not None and match.entry.id == entry_id:
            faq_right += 1

    times = []
    for _ in range(args.repeat):
        for r in rows:
            t0 = time.perf_counter()
            dip.search(r["query"])
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()

    print(f"DIP: {len(dip.dip.items)} items, calibrated threshold {dip.answer_at:.1f}")
    print(f"queries: {len(rows)} ({len(named)} name items, {len(none)} name none)")
    print("| search | value |\n|---|---|")
    print(f"| first item right | {top1}/{len(named)} ({100 * top1 / len(named):.0f}%) |")
    print(f"| a right item among those found | {found_any}/{len(named)} |")
    print(f"| exempt items: first item right | {exempt_ok}/{len(exempt)} |")
    print(f"| nothing found when nothing fits | {quiet}/{len(none)} |")
    print("\n| chat (with the packaged FAQ) | queries |\n|---|---|")
    print(f"| map's item handed over, right item | {chat['dip_right']}/{len(named)} |")
    print(f"| map's item handed over, wrong item | {chat['dip_wrong']}/{len(named)} |")
    print(f"| the FAQ answered instead | {chat['faq']}/{len(named)} |")
    print(f"| a person (ticket) | {chat['person']}/{len(named)} |")
    print(f"| out-of-map query handed a map item | {none_to_dip}/{len(none)} |")
    print(
        f"\nFAQ canonical questions handed to the map instead: {taken}/{len(questions)} "
        f"(FAQ still answers {faq_right}/{len(questions)} with their own entry)"
    )
    mean = statistics.fmean(times)
    p99 = times[int(0.99 * (len(times) - 1))]
    print(f"\nspeed: index build {build_ms:.0f} ms; search mean {mean:.2f} ms, p99 {p99:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
