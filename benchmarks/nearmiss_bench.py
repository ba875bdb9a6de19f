"""How many near misses the FAQ engine answers on the tuning offices' knowledge bases.

usage: python benchmarks/nearmiss_bench.py [--show]

Each file of ``benchmarks/nearmiss_extra`` holds questions a citizen might send to one tuning
office (``benchmarks/train_faq_<office>``) that share words or a topic with one of its entries
but ask what no entry answers; every one should be refused. Prints, per office, how many were
answered anyway (with ``--show``: which, by which entry, at what score).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from faq import FaqIndex, load_knowledge_base

HERE = Path(__file__).resolve().parent
OFFICES = ("rsud", "ptsp", "bawaslu", "dinsos")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="list the near misses answered")
    args = parser.parse_args()
    answered_all = total = 0
    for office in OFFICES:
        index = FaqIndex(load_knowledge_base([HERE / f"train_faq_{office}" / "faq.toml"]))
        lines = (HERE / "nearmiss_extra" / f"{office}.jsonl").read_text(encoding="utf-8")
        questions = [json.loads(line)["q"] for line in lines.splitlines() if line.strip()]
        answered = []
        for question in questions:
            match = index.match(question)
            if match.outcome == "answer" and match.entry is not None:
                answered.append((match.entry.id, match.score, question))
        answered_all += len(answered)
        total += len(questions)
        print(f"{office:8} answered {len(answered)}/{len(questions)}")
        if args.show:
            for entry_id, score, question in answered:
                print(f"    {entry_id} {score:.1f}  {question}")
    print(f"all      answered {answered_all}/{total} ({100 * answered_all / max(total, 1):.1f}%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
