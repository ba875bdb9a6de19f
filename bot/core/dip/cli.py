"""Command line of the information map: ``loket dip lint|search``.

Needs no configuration (like ``loket faq``): the packaged DIP unless paths are given.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn, TextIO
from zoneinfo import ZoneInfo

from bot.config import HoursConfig
from bot.core.clock import SystemClock
from bot.core.dip.items import DEFAULT_HOLDER, DipError, default_dip_paths, load_dip
from bot.core.dip.lint import lint_paths
from bot.core.dip.search import DipIndex, Hit
from faq import KnowledgeBaseError


def _paths(values: list[str] | None) -> list[Path]:
    return [Path(v) for v in values] if values else default_dip_paths()


def hits_to_json(query: str, hits: Sequence[Hit]) -> dict[str, object]:
    """The JSON object printed by ``dip search --json`` for one query."""
    return {"query": query, "items": [{"id": h.item.id, "score": h.score} for h in hits]}


def _cmd_lint(args: argparse.Namespace, stdout: TextIO) -> int:
    # Today's date, read here at the edge, in the offices' default time zone ([hours]
    # timezone; this command reads no configuration): a UTC date lags Jakarta's until 07:00.
    zone = ZoneInfo(HoursConfig.model_fields["timezone"].default)
    today = args.today or SystemClock().now().astimezone(zone).date()
    report = lint_paths(_paths(args.paths), today=today)
    for problem in report.problems:
        stdout.write(f"{problem.level}: {problem.message}\n")
    stdout.write(
        f"{report.items} item(s), {report.errors} error(s), {report.warnings} warning(s)\n"
    )
    return 1 if report.errors else 0


def _cmd_search(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    # The office publishing the map: the example office's for the packaged map.
    holder = args.office if args.office is not None else ("" if args.dip else DEFAULT_HOLDER)
    index = DipIndex(load_dip(_paths(args.dip)), holder=holder)
    for raw in stdin:
        query = raw.rstrip("\n")
        hits = index.search(query) if query.strip() else []
        if args.json:
            stdout.write(json.dumps(hits_to_json(query, hits), ensure_ascii=False) + "\n")
        else:
            found = ", ".join(f"{h.item.id} ({h.score:.1f})" for h in hits) or "-"
            stdout.write(f"{found}\t{query}\n")
    stdout.flush()
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


class _Parser(argparse.ArgumentParser):
    """One line on stderr for a bad argument (no usage block), as the rest of ``loket``."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: {message}\n")
        sys.exit(2)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="loket dip", description="information map (Daftar Informasi Publik) tools"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    dip_help = "DIP file or folder of *.toml (repeatable; default: the packaged one)"
    lint = sub.add_parser("lint", help="check DIP files (exit 1 on errors)")
    lint.add_argument("paths", nargs="*", metavar="PATH", help=dip_help)
    lint.add_argument(
        "--today",
        type=_date,
        metavar="YYYY-MM-DD",
        help="the date exemptions are checked against (default: today)",
    )
    search = sub.add_parser("search", help="find items for questions read one per line")
    search.add_argument("--dip", action="extend", nargs="+", metavar="PATH", help=dip_help)
    search.add_argument("--json", action="store_true", help="one JSON object per line")
    search.add_argument(
        "--office",
        metavar="NAME",
        help="the office publishing the map, as [office] name (default: the example office's)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``loket dip`` with ``argv`` (the arguments after "dip"); return the exit code."""
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        if args.command == "lint":
            return _cmd_lint(args, sys.stdout)
        return _cmd_search(args, sys.stdin, sys.stdout)
    except (DipError, KnowledgeBaseError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except BrokenPipeError:
        return 0
