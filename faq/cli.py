"""Command line of the FAQ engine: ``loket faq match|lint|stats|group``.

The application wires ``loket faq ...`` to :func:`main`; ``python -m faq ...`` does the same.
"""

from __future__ import annotations

import argparse
import json
import select
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from faq.cluster import group_similar
from faq.index import FaqIndex, Match
from faq.kb import KnowledgeBaseError, default_paths, load_knowledge_base
from faq.lint import lint_paths
from faq.stats import kb_stats


def _paths(values: list[str] | None) -> list[Path]:
    return [Path(v) for v in values] if values else default_paths()


def match_to_json(query: str, match: Match) -> dict[str, object]:
    """The JSON object printed by ``faq match --json`` for one query.

    ``id`` is set only when the engine answers; for "ambiguous" it is null and the candidates
    are ``top`` plus ``alternatives``.
    """
    answered = match.outcome == "answer" and match.entry is not None
    return {
        "query": query,
        "id": match.entry.id if answered and match.entry else None,
        "score": match.score,
        "outcome": match.outcome,
        "top": match.entry.id if match.entry else None,
        "alternatives": [{"id": e.id, "score": s} for e, s in match.alternatives],
        "lang": match.lang_hint,
    }


# One encoder for every line (json.dumps with options builds a new one per call).
_JSON = json.JSONEncoder(ensure_ascii=False)


# Answers are written in blocks, not one system call a line (PYTHONUNBUFFERED, often set,
# makes every write one): a block goes out when no further question is waiting to be read, so
# a program that sends one question and waits gets its answer at once.
_BLOCK = 256


def _more_waiting(stream: TextIO) -> bool:
    """Whether input is ready to read without waiting (a stream with no file: always)."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return True
    try:
        ready, _, _ = select.select([fd], [], [], 0)
    except (OSError, ValueError):
        return False
    return bool(ready)


def _cmd_match(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    index = FaqIndex(load_knowledge_base(_paths(args.faq)))
    pending: list[str] = []
    for raw in stdin:
        query = raw.rstrip("\n")
        if args.explain:
            match, info = index.explain(query)
        else:
            match, info = index.match(query), None
        if args.json:
            row = match_to_json(query, match)
            if info is not None:
                row["words"] = info.words
                row["ranked"] = info.ranked
            pending.append(_JSON.encode(row) + "\n")
        else:
            top = match.entry.id if match.entry else "-"
            pending.append(f"{match.outcome}\t{top}\t{match.score:.1f}\t{query}\n")
            if info is not None:
                pending.append(f"  words: {info.words}\n  ranked: {info.ranked[:3]}\n")
        if len(pending) >= _BLOCK or not _more_waiting(stdin):
            stdout.write("".join(pending))
            stdout.flush()
            pending.clear()
    stdout.write("".join(pending))
    stdout.flush()
    return 0


def _cmd_lint(args: argparse.Namespace, stdout: TextIO) -> int:
    report = lint_paths(_paths(args.paths))
    for problem in report.problems:
        stdout.write(f"{problem.level}: {problem.message}\n")
    stdout.write(f"{report.errors} error(s), {report.warnings} warning(s)\n")
    return 1 if report.errors else 0


def _cmd_stats(args: argparse.Namespace, stdout: TextIO) -> int:
    stats = kb_stats(load_knowledge_base(_paths(args.faq)))
    if args.json:
        stdout.write(json.dumps(stats, ensure_ascii=False, indent=2) + "\n")
        return 0
    stdout.write(f"entries:    {stats['entries']}\n")
    stdout.write(f"questions:  {stats['questions']}\n")
    stdout.write(f"keywords:   {stats['keywords']}\n")
    stdout.write(f"vocabulary: {stats['vocabulary']}\n")
    stdout.write("per category:\n")
    categories = stats["categories"]
    assert isinstance(categories, dict)  # the per-category counts
    for name, count in categories.items():
        stdout.write(f"  {name:<20} {count}\n")
    return 0


def _cmd_group(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    texts = [line.strip() for line in stdin if line.strip()]
    for representative, count, members in group_similar(texts, threshold=args.threshold):
        if args.json:
            row = {"representative": representative, "count": count, "members": members}
            stdout.write(_JSON.encode(row) + "\n")
        else:
            stdout.write(f"{count:>5}  {representative}\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="loket faq", description="FAQ knowledge-base tools")
    sub = parser.add_subparsers(dest="command", required=True)
    faq_help = "knowledge-base file or folder of *.toml (repeatable; default: the packaged one)"

    match = sub.add_parser("match", help="match queries read one per line from stdin")
    match.add_argument("--faq", action="extend", nargs="+", metavar="PATH", help=faq_help)
    match.add_argument("--json", action="store_true", help="one JSON object per line")
    match.add_argument("--explain", action="store_true", help="include scoring diagnostics")

    lint = sub.add_parser("lint", help="check knowledge-base files (exit 1 on errors)")
    lint.add_argument("paths", nargs="*", metavar="PATH", help=faq_help)

    stats = sub.add_parser("stats", help="counts of entries, questions, categories, vocabulary")
    stats.add_argument("--faq", action="extend", nargs="+", metavar="PATH", help=faq_help)
    stats.add_argument("--json", action="store_true")

    group = sub.add_parser("group", help="group similar lines from stdin, most frequent first")
    group.add_argument("--threshold", type=float, default=70.0)
    group.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``loket faq`` with ``argv`` (the arguments after "faq"); return the exit code."""
    parser = _parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        if args.command == "match":
            return _cmd_match(args, sys.stdin, sys.stdout)
        if args.command == "lint":
            return _cmd_lint(args, sys.stdout)
        if args.command == "stats":
            return _cmd_stats(args, sys.stdout)
        return _cmd_group(args, sys.stdin, sys.stdout)
    except KnowledgeBaseError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except BrokenPipeError:
        return 0
