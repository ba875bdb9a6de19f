"""The `loket` command (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Config


def _fail(message: str, code: int = 2) -> int:
    print(f"loket: {message}", file=sys.stderr)
    return code


def _load(args: argparse.Namespace) -> Config:
    from bot.config import load_config, resolve_config_path

    return load_config(resolve_config_path(args.config, os.environ))


def cmd_run(args: argparse.Namespace) -> int:
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    from bot.app import MissingTokenError, create_app, run
    from bot.channels.whatsapp import ListenError
    from bot.logs import setup_logging
    from faq import KnowledgeBaseError

    config = _load(args)
    wa = config.whatsapp
    # The verify token is not secret enough to blank out of every log line (it may be a word).
    secrets = [config.telegram.token, wa.access_token, wa.app_secret]
    setup_logging(
        config.logging.level, secrets=[s.get_secret_value() for s in secrets if s is not None]
    )
    try:
        app = create_app(config)
    except MissingTokenError as exc:
        return _fail(str(exc))
    except KnowledgeBaseError as exc:
        return _fail(f"FAQ knowledge base: {exc}")
    # What start-up built (aiogram's and pydantic's models, the FAQ index) lives as long as the
    # process: out of the collector's sight, full collections no longer walk it again and again.
    gc.collect()
    gc.freeze()
    try:
        asyncio.run(run(app))
    except TelegramUnauthorizedError:
        return _fail("Telegram refused the bot token (401 Unauthorized): check it with BotFather")
    except ListenError as exc:
        return _fail(str(exc))
    except TelegramNetworkError as exc:
        # aiogram's message names the host, never the token (it is only in the URL path).
        return _fail(f"cannot reach the Bot API at {config.telegram.api_base}: {exc.message}")
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

    async def go() -> list[tuple[str, str | None]]:
        engine = make_engine(config.database.url)
        try:
            await upgrade(engine)
            async with make_sessionmaker(engine)() as session:
                since = datetime.now(UTC) - timedelta(days=args.days)
                rows = await UnansweredRepo(session).since(since)
                return [(row.text, row.taught_entry_id) for row in rows]
        finally:
            await engine.dispose()

    rows = asyncio.run(go())
    texts = [text for text, _ in rows]
    taught: dict[str, set[str]] = {}
    for text, entry_id in rows:
        if entry_id:
            taught.setdefault(text, set()).add(entry_id)
    groups = group_similar(texts)
    print(
        f"{len(texts)} unanswered question(s) in the last {args.days} days, {len(groups)} group(s)"
    )
    for representative, count, members in groups[: args.limit]:
        # Questions an officer already answered with an entry (/faq): taught, not a gap.
        entries = sorted(set().union(*(taught.get(m, set()) for m in members)))
        mark = f"  [taught: {', '.join(entries)}]" if entries else ""
        print(f"{count:>5}  {representative}{mark}")
        for member in list(dict.fromkeys(members))[1:4]:
            if member != representative:
                print(f"       ~ {member}")
    return 0


def cmd_faq_learned(args: argparse.Namespace) -> int:
    """Candidate phrasings officers taught with /faq; --accept ID... writes them to the
    learned-phrasings file that the running bot reloads."""
    from bot.core.faq_service import learned_file
    from faq.learned import append_learned, load_learned
    from faq.normalize import normalize
    from storage.db import make_engine, make_sessionmaker
    from storage.migrate import upgrade
    from storage.repositories import UnansweredRepo

    config = _load(args)
    path = learned_file(config.faq.learned, config.database.url)

    async def go() -> list[tuple[int, str, str]]:
        engine = make_engine(config.database.url)
        try:
            await upgrade(engine)
            async with make_sessionmaker(engine)() as session:
                rows = await UnansweredRepo(session).taught()
                return [(row.id or 0, row.taught_entry_id or "", row.text) for row in rows]
        finally:
            await engine.dispose()

    rows = asyncio.run(go())
    try:
        accepted = {(e, normalize(t)) for e, t in load_learned(path)}
    except ValueError as exc:
        return _fail(str(exc))
    if args.accept:
        by_id = {row_id: (entry, text) for row_id, entry, text in rows}
        missing = [str(i) for i in args.accept if i not in by_id]
        if missing:
            return _fail(f"--accept: no candidate with id {', '.join(missing)}")
        written = append_learned(path, [by_id[i] for i in args.accept])
        print(f"{written} phrasing(s) written to {path}")
        return 0
    groups: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for row_id, entry, text in rows:
        groups.setdefault((entry, normalize(text)), []).append((row_id, text))
    print(f"{len(groups)} candidate phrasing(s); accepted ones are in {path}")
    print(f"{'id':>6}  {'asked':>5}  entry / citizen's words")
    for (entry, key), members in sorted(groups.items(), key=lambda g: -len(g[1])):
        mark = "  [accepted]" if (entry, key) in accepted else ""
        print(f"{members[0][0]:>6}  {len(members):>5}  {entry}: {members[0][1]}{mark}")
    return 0


def cmd_register(args: argparse.Namespace) -> int:
    """Export the register of requests or objections (CSV to stdout, or a file)."""
    from datetime import date

    from sqlmodel import col, select

    from bot.core.notices import PASAL_35
    from bot.core.registers import ObjectionRow, RequestRow, write_csv, write_xlsx
    from bot.core.requests import DECISION_WORDS, OBTAIN
    from storage.db import make_engine, make_sessionmaker
    from storage.migrate import upgrade
    from storage.models import InfoRequest, Objection, Ticket

    config = _load(args)
    calendar = config.hours.calendar()
    start = date.fromisoformat(args.date_from) if args.date_from else date.min
    end = date.fromisoformat(args.date_to) if args.date_to else date.max

    def days(a: date, b: date | None) -> int | None:
        return calendar.working_days_between(a, b) if b else None

    async def go() -> list[RequestRow] | list[ObjectionRow]:
        engine = make_engine(config.database.url)
        try:
            await upgrade(engine)
            async with make_sessionmaker(engine)() as session:
                if args.kind == "requests":
                    stmt = (
                        select(InfoRequest, Ticket)
                        .join(Ticket, col(Ticket.id) == col(InfoRequest.ticket_id))
                        .where(InfoRequest.received_on >= start, InfoRequest.received_on <= end)
                        .order_by(col(InfoRequest.id))
                    )
                    rows = []
                    for r, tk in (await session.exec(stmt)).all():
                        reason = r.decision_note
                        if r.exemption:
                            reason = f"Pasal 17 huruf {r.exemption}: {r.decision_note}"
                        elif r.holder:
                            reason = f"dikuasai oleh {r.holder}"
                        extension = ""
                        if r.extended_to:
                            extension = (
                                f"diperpanjang s.d. {r.extended_to:%d-%m-%Y}: {r.extension_reason}"
                            )
                        rows.append(
                            RequestRow(
                                number=tk.number,
                                received=r.received_on,
                                name=r.name,
                                address=r.address,
                                contact=" / ".join(x for x in (r.phone, r.email) if x),
                                occupation=r.occupation,
                                information=r.information,
                                purpose=r.purpose,
                                obtain=OBTAIN.get(r.obtain, r.obtain),
                                receive=r.receive,
                                decision=DECISION_WORDS.get(r.decision) if r.decision else None,
                                reason=reason,
                                notice_date=r.notice_on,
                                days_taken=days(r.received_on, r.notice_on),
                                extension=extension,
                            )
                        )
                    return rows
                stmt2 = (
                    select(Objection, Ticket, InfoRequest)
                    .join(Ticket, col(Ticket.id) == col(Objection.ticket_id))
                    .join(InfoRequest, col(InfoRequest.id) == col(Objection.request_id))
                    .where(Objection.received_on >= start, Objection.received_on <= end)
                    .order_by(col(Objection.id))
                )
                result = []
                for o, tk, r in (await session.exec(stmt2)).all():
                    origin = await session.get(Ticket, r.ticket_id)
                    decided = o.decided_at.astimezone(calendar.tz).date() if o.decided_at else None
                    result.append(
                        ObjectionRow(
                            number=tk.number,
                            received=o.received_on,
                            request_number=origin.number if origin else "",
                            name=r.name,
                            address=r.address,
                            contact=" / ".join(x for x in (r.phone, r.email) if x),
                            ground=f"{o.ground}. {PASAL_35.get(o.ground, '')}",
                            explanation=o.explanation,
                            decision={"accepted": "diterima", "rejected": "ditolak"}.get(
                                o.decision or ""
                            ),
                            reason=o.reason,
                            decision_date=decided,
                            days_taken=days(o.received_on, decided),
                            coordinator=str(o.decided_by or ""),
                        )
                    )
                return result
        finally:
            await engine.dispose()

    rows = asyncio.run(go())
    if args.format == "xlsx":
        if not args.output:
            return _fail("--format xlsx needs --output FILE")
        write_xlsx(rows, args.kind, args.output)
    elif args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            write_csv(rows, args.kind, out, bom=True)
    else:
        write_csv(rows, args.kind, sys.stdout)
    return 0


def cmd_config_check(args: argparse.Namespace) -> int:
    config = _load(args)
    token = "set" if config.telegram.token else "NOT SET"
    wa = config.whatsapp
    whatsapp = f"on, webhook {wa.listen}{wa.path}" if wa.enabled else "off"
    print(
        f"config ok: token {token}, database {config.database.url.split('://')[0]}, "
        f"whatsapp {whatsapp}"
    )
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
    reg = with_config(sub.add_parser("register", help="export the registers (UU 14/2008)"))
    reg.add_argument("kind", choices=["requests", "objections"])
    reg.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    reg.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    reg.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    reg.add_argument("--output", metavar="FILE", help="default: standard output (csv only)")
    reg.set_defaults(func=cmd_register)
    cfg = sub.add_parser("config", help="configuration tasks")
    cfg_sub = cfg.add_subparsers(dest="config_command", required=True)
    with_config(cfg_sub.add_parser("check", help="validate the configuration")).set_defaults(
        func=cmd_config_check
    )
    sub.add_parser(
        "faq",
        help="FAQ tools: match, lint, stats, gaps, learned (see `loket faq --help`)",
        add_help=False,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "faq" and argv[1:2] not in (["gaps"], ["learned"]):
        # The FAQ tools need no configuration: skip importing it (pydantic) for a fast start.
        from faq.cli import main as faq_main

        return faq_main(argv[1:])
    from bot.config import ConfigError

    if argv[:2] == ["faq", "learned"]:
        learned = argparse.ArgumentParser(
            prog="loket faq learned", description=cmd_faq_learned.__doc__
        )
        learned.add_argument("--config", metavar="PATH")
        learned.add_argument(
            "--accept", type=int, nargs="+", metavar="ID", help="accept these candidates"
        )
        try:
            return cmd_faq_learned(learned.parse_args(argv[2:]))
        except ConfigError as exc:
            return _fail(f"config error: {exc}")
    if argv[:2] == ["faq", "gaps"]:
        gaps = argparse.ArgumentParser(prog="loket faq gaps", description=cmd_faq_gaps.__doc__)
        gaps.add_argument("--config", metavar="PATH")
        gaps.add_argument("--days", type=int, default=30, help="look back this many days")
        gaps.add_argument("--limit", type=int, default=50, help="show at most this many groups")
        try:
            return cmd_faq_gaps(gaps.parse_args(argv[2:]))
        except ConfigError as exc:
            return _fail(f"config error: {exc}")
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        return _fail(f"config error: {exc}")
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
