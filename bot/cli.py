"""The `loket` command (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from bot.config import Config, ConfigError, load_config, resolve_config_path


def _fail(message: str, code: int = 2) -> int:
    print(f"loket: {message}", file=sys.stderr)
    return code


def _load(args: argparse.Namespace) -> Config:
    return load_config(resolve_config_path(args.config, os.environ))


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import MissingTokenError, create_app, run
    from bot.logs import setup_logging
    from faq import KnowledgeBaseError

    config = _load(args)
    token = config.telegram.token.get_secret_value() if config.telegram.token else ""
    setup_logging(config.logging.level, secrets=[token])
    try:
        app = create_app(config)
    except MissingTokenError as exc:
        return _fail(str(exc))
    except KnowledgeBaseError as exc:
        return _fail(f"FAQ knowledge base: {exc}")
    asyncio.run(run(app))
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from storage.db import make_engine
    from storage.migrate import current_revision, upgrade

    config = _load(args)

    async def go() -> str | None:
        engine = make_engine(config.database.url)
        try:
            await upgrade(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    revision = asyncio.run(go())
    print(f"database is at revision {revision}")
    return 0


def cmd_faq_gaps(args: argparse.Namespace) -> int:
    """Unanswered questions grouped by similarity, most frequent first: what the FAQ lacks."""
    from datetime import UTC, datetime, timedelta

    from faq import group_similar
    from storage.db import make_engine, make_sessionmaker
    from storage.migrate import upgrade
    from storage.repositories import UnansweredRepo

    config = _load(args)

    async def go() -> list[str]:
        engine = make_engine(config.database.url)
        try:
            await upgrade(engine)
            async with make_sessionmaker(engine)() as session:
                since = datetime.now(UTC) - timedelta(days=args.days)
                rows = await UnansweredRepo(session).since(since)
                return [row.text for row in rows]
        finally:
            await engine.dispose()

    texts = asyncio.run(go())
    groups = group_similar(texts)
    print(
        f"{len(texts)} unanswered question(s) in the last {args.days} days, {len(groups)} group(s)"
    )
    for representative, count, members in groups[: args.limit]:
        print(f"{count:>5}  {representative}")
        for member in list(dict.fromkeys(members))[1:4]:
            if member != representative:
                print(f"       ~ {member}")
    return 0


def cmd_config_check(args: argparse.Namespace) -> int:
    config = _load(args)
    token = "set" if config.telegram.token else "NOT SET"
    print(f"config ok: token {token}, database {config.database.url.split('://')[0]}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="loket", description="Loket help desk bot")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_config(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--config",
            metavar="PATH",
            help="bot.toml to use (default: $LOKET_CONFIG or ./bot.toml)",
        )
        return p

    with_config(sub.add_parser("run", help="run the bot (long polling)")).set_defaults(func=cmd_run)
    db = sub.add_parser("db", help="database tasks")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    with_config(db_sub.add_parser("upgrade", help="apply migrations")).set_defaults(
        func=cmd_db_upgrade
    )
    cfg = sub.add_parser("config", help="configuration tasks")
    cfg_sub = cfg.add_subparsers(dest="config_command", required=True)
    with_config(cfg_sub.add_parser("check", help="validate the configuration")).set_defaults(
        func=cmd_config_check
    )
    sub.add_parser(
        "faq", help="FAQ tools: match, lint, stats (see `loket faq --help`)", add_help=False
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] == ["faq", "gaps"]:
        gaps = argparse.ArgumentParser(prog="loket faq gaps", description=cmd_faq_gaps.__doc__)
        gaps.add_argument("--config", metavar="PATH")
        gaps.add_argument("--days", type=int, default=30, help="look back this many days")
        gaps.add_argument("--limit", type=int, default=50, help="show at most this many groups")
        try:
            return cmd_faq_gaps(gaps.parse_args(argv[2:]))
        except ConfigError as exc:
            return _fail(f"config error: {exc}")
    if argv and argv[0] == "faq":
        from faq.cli import main as faq_main

        return faq_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        return _fail(f"config error: {exc}")
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
