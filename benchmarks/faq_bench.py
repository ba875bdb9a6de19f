"""Speed of the FAQ matcher against a bare rapidfuzz baseline, side by side in one run.

usage: python benchmarks/faq_bench.py [--sizes 100 1000 10000] [--queries 1000] [--seed 7]
                                     [--long-share 0.1]

For each size a knowledge base is generated from the packaged one (its questions with synthetic
subject words, so the vocabulary grows with the size), and the same query stream is matched by

* ``loket``: ``FaqIndex.match`` (normalization, slang, typo correction, scoring, decision);
* ``extractOne``: ``rapidfuzz.process.extractOne(query.lower(), phrasings, scorer=WRatio)``.

Queries are phrasings of random entries with a word dropped and a typo, plus 20% off-topic
messages (``--long-share``: that share of long messages, a story of two sentences before a
canonical question, which the matcher also reads sentence by sentence); every query text is
distinct, so per-word caches only help as they would in real traffic. Prints a markdown table
of queries/s and p50/p99 latency.
"""

from __future__ import annotations

import argparse
import random
import statistics
import string
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from faq import Entry, FaqIndex, KnowledgeBase, default_paths, load_knowledge_base

_SYLLABLES = [c + v for c in "bcdgjklmnprstw" for v in "aiueo"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))


def generate_kb(size: int, rng: random.Random) -> KnowledgeBase:
    """``size`` entries: packaged questions, each entry with its own synthetic subject words."""
    base = load_knowledge_base(default_paths()).entries
    subjects = [_word(rng) for _ in range(max(50, size // 2))]
    entries = []
    for i in range(size):
        model = base[i % len(base)]
        subject = " ".join(rng.sample(subjects, 2))
        questions = tuple(f"{q.rstrip('?')} {subject}" for q in model.questions[:3])
        entries.append(
            Entry(f"{model.id}-{i}", model.category, questions, model.answer, (subject,), None)
        )
    return KnowledgeBase(entries=tuple(entries), sources=())


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    pos = rng.randrange(1, len(word) - 1)
    return word[:pos] + word[pos + 1 :]


def make_queries(
    kb: KnowledgeBase, count: int, rng: random.Random, long_share: float = 0.0
) -> list[str]:
    queries: list[str] = []
    seen: set[str] = set()
    while len(queries) < count:
        if rng.random() < long_share:
            # A narrative message: greeting, two sentences of story, then the question.
            story = [" ".join(_word(rng) for _ in range(rng.randint(5, 9))) for _ in range(2)]
            entry = rng.choice(kb.entries)
            q = f"Selamat siang. Saya {story[0]}. Kemarin {story[1]}. {rng.choice(entry.questions)}"
        elif rng.random() < 0.2:
            q = " ".join(_word(rng) for _ in range(rng.randint(2, 6)))
            q = f"{q} {rng.choice(['dong', 'min', 'ya', ''])}"
        else:
            entry = rng.choice(kb.entries)
            words = rng.choice(entry.questions).split()
            if len(words) > 3:
                del words[rng.randrange(len(words))]
            i = rng.randrange(len(words))
            words[i] = _typo(words[i], rng)
            q = " ".join(words) + rng.choice(["", "?", " min", " ya kak"])
        q += " " + "".join(rng.choice(string.digits) for _ in range(3))  # make it distinct
        if q not in seen:
            seen.add(q)
            queries.append(q)
    return queries


def measure(fn: Callable[[str], object], queries: list[str]) -> tuple[float, float, float]:
    """(queries per second, p50 ms, p99 ms)."""
    latencies = []
    start = time.perf_counter()
    for q in queries:
        t0 = time.perf_counter_ns()
        fn(q)
        latencies.append((time.perf_counter_ns() - t0) / 1e6)
    total = time.perf_counter() - start
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(queries) / total, statistics.median(latencies), p99


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--long-share", type=float, default=0.0, help="share of long, multi-sentence messages"
    )
    args = ap.parse_args(argv)
    rows = []
    for size in args.sizes:
        rng = random.Random(args.seed + size)
        kb = generate_kb(size, rng)
        t0 = time.perf_counter()
        index = FaqIndex(kb)
        build = time.perf_counter() - t0
        choices = [q.lower() for e in kb.entries for q in e.questions]
        queries = make_queries(kb, args.queries, rng, args.long_share)
        base_queries = queries if size <= 1000 else queries[: max(100, args.queries // 5)]
        ours = measure(index.match, queries)

        def baseline(q: str, choices: list[str] = choices) -> object:
            return process.extractOne(q.lower(), choices, scorer=fuzz.WRatio, score_cutoff=80)

        base = measure(baseline, base_queries)
        rows.append((size, len(choices), build, ours, base, len(base_queries)))
    print(
        "| entries | phrasings | index build | loket q/s | loket p50 | loket p99 "
        "| extractOne q/s | extractOne p50 | extractOne p99 |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, phrasings, build, ours, base, _n in rows:
        print(
            f"| {size:,} | {phrasings:,} | {build:.2f} s | {ours[0]:,.0f} | {ours[1]:.3f} ms "
            f"| {ours[2]:.3f} ms | {base[0]:,.0f} | {base[1]:.3f} ms | {base[2]:.3f} ms |"
        )
    print(
        f"\n{args.queries} distinct queries per size (extractOne: first "
        f"{rows[-1][5]} at sizes above 1,000), {args.long_share:.0%} long multi-sentence "
        f"messages; Python {sys.version.split()[0]}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
