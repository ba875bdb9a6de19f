"""The `loket` command (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.config import Config
    from bot.core.calendar import OfficeCalendar
    from storage.migrate import SchemaBehindError

T = TypeVar("T")


def _fail(message: str, code: int = 2) -> int:
    print(f"loket: {message}", file=sys.stderr)
    return code


class _Parser(argparse.ArgumentParser):
    """argparse with one line on stderr for a bad argument (no usage block)."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("loket").strip()
        sys.exit(_fail(f"{command}: {message}" if command else message))


def _iso_date(text: str) -> str:
    # Kept as text (the command parses it): checked here so a bad one stops at the argument.
    try:
        if len(text) == 10:
            date.fromisoformat(text)
            return text
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)")


def _check_register(args: argparse.Namespace) -> str | None:
    """What is wrong with `loket register`'s arguments as a whole, before any database work."""
    if args.date_from and args.date_to:
        if date.fromisoformat(args.date_from) > date.fromisoformat(args.date_to):
            return f"register: argument --from: {args.date_from} is after --to {args.date_to}"
    if args.format == "xlsx" and not args.output:
        return "register: argument --format: xlsx needs --output FILE"
    if args.output:
        output = Path(args.output)
        folder = output.parent
        if not folder.is_dir():
            return f"register: argument --output: folder {folder} does not exist"
        if output.is_dir():
            return f"register: argument --output: {output} is a folder, give a file name"
    return None


def _load(args: argparse.Namespace) -> Config:
    from bot.config import load_config, resolve_config_path

    return load_config(resolve_config_path(args.config, os.environ))


def _read_database(config: Config, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """``work`` in one session of a database whose schema is current. Read-only commands never
    migrate it (that is `loket db upgrade`'s job): an older one raises SchemaBehindError."""
    from storage.db import make_engine, make_sessionmaker
    from storage.migrate import require_current

    async def go() -> T:
        engine = make_engine(config.database.url)
        try:
            await require_current(engine)
            async with make_sessionmaker(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _behind(exc: SchemaBehindError) -> int:
    return _fail(f"{exc}: run `loket db upgrade`", 1)


def cmd_run(args: argparse.Namespace) -> int:
    # The configuration first: its errors are one line without waiting for aiogram's import.
    config = _load(args)
    # Start-up (aiogram's and pydantic's models, the FAQ index) makes many lasting objects and
    # little garbage: the collector's passes over them took a fifth of the start. One full
    # collection once it is built instead (in _run, which turns the collector back on).
    gc.disable()
    try:
        return _run(config)
    finally:
        gc.enable()


def _run(config: Config) -> int:
    from aiogram.exceptions import (
        ClientDecodeError,
        TelegramAPIError,
        TelegramNetworkError,
        TelegramUnauthorizedError,
    )

    from bot.app import MissingTokenError, create_app, run
    from bot.channels.whatsapp import ListenError
    from bot.core.dip import DipError
    from bot.core.formal.notices import NoticeTextsError
    from bot.logs import setup_logging
    from faq import KnowledgeBaseError
    from storage.migrate import SchemaAheadError

    wa = config.whatsapp
    # The verify token is not secret enough to blank out of every log line (it may be a word).
    secrets = [
        config.telegram.token,
        config.telegram.webhook_secret,
        wa.access_token,
        wa.app_secret,
    ]
    setup_logging(
        config.logging.level, secrets=[s.get_secret_value() for s in secrets if s is not None]
    )
    try:
        app = create_app(config)
    except MissingTokenError as exc:
        return _fail(str(exc))
    except DipError as exc:
        return _fail(f"information map (DIP): {exc}")
    except KnowledgeBaseError as exc:
        return _fail(f"FAQ knowledge base: {exc}")
    except NoticeTextsError as exc:
        return _fail(str(exc))
    # What start-up built (aiogram's and pydantic's models, the FAQ index) lives as long as the
    # process: out of the collector's sight, full collections no longer walk it again and again.
    gc.collect()
    gc.freeze()
    gc.enable()
    api_base = config.telegram.api_base
    token = config.telegram.token.get_secret_value() if config.telegram.token else ""

    def hidden(text: str) -> str:
        # Some HTTP errors quote the request URL, which holds the token.
        return text.replace(token, "<token>") if token else text

    try:
        asyncio.run(run(app))
    except SchemaAheadError as exc:
        return _fail(str(exc), 1)
    except TelegramUnauthorizedError:
        return _fail("Telegram refused the bot token (401 Unauthorized): check it with BotFather")
    except ListenError as exc:
        return _fail(str(exc))
    except TelegramNetworkError as exc:
        return _fail(f"cannot reach the Bot API at {api_base}: {hidden(exc.message)}")
    except ClientDecodeError:
        return _fail(f"{api_base} answers, but not as a Telegram Bot API: check telegram.api_base")
    except TelegramAPIError as exc:
        if exc.method.__api_method__ == "setWebhook":
            return _fail(
                f"Telegram refused the webhook (telegram.webhook_url, telegram.webhook_secret): "
                f"{hidden(exc.message)}"
            )
        return _fail(
            f"the Bot API at {api_base} answered {exc.method.__api_method__} with "
            f"{hidden(exc.message)!r}: check telegram.api_base"
        )
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from storage.db import make_engine
    from storage.migrate import SchemaAheadError, current_revision, upgrade

    config = _load(args)

    async def go() -> str | None:
        engine = make_engine(config.database.url)
        try:
            await upgrade(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    try:
        revision = asyncio.run(go())
    except SchemaAheadError as exc:
        return _fail(str(exc), 1)
    print(f"database is at revision {revision}")
    return 0


def _check_copy(args: argparse.Namespace) -> str | None:
    """Both URLs must name a Loket database before anything connects."""
    from storage.copy import CopyError, check_url

    try:
        check_url(args.source, "--from")
        check_url(args.target, "--to")
    except CopyError as exc:
        return f"db copy: {exc}"
    return None


def cmd_db_copy(args: argparse.Namespace) -> int:
    """Copy every table of one database into a new, empty one (SQLite to PostgreSQL, or back)."""
    from storage.copy import CopyError, copy_database
    from storage.migrate import DatabaseMissingError, SchemaAheadError, SchemaBehindError

    def progress(table: str, rows: int) -> None:
        print(f"{table}: {rows} row(s)")

    try:
        report = asyncio.run(copy_database(args.source, args.target, progress=progress))
    except DatabaseMissingError as exc:
        return _fail(f"db copy: --from {exc}", 1)
    except SchemaBehindError as exc:
        return _fail(f"db copy: the --from {exc}: run `loket db upgrade` on it first", 1)
    except (CopyError, SchemaAheadError) as exc:
        return _fail(f"db copy: {exc}", 1)
    print(f"copied {report.rows} row(s) in {len(report.tables)} table(s)")
    return 0


def cmd_faq_gaps(args: argparse.Namespace) -> int:
    """Unanswered questions grouped by similarity, most frequent first: what the FAQ lacks."""
    from datetime import timedelta

    from bot.core.clock import SystemClock
    from faq import group_similar
    from storage.migrate import SchemaBehindError
    from storage.repositories import UnansweredRepo

    config = _load(args)

    async def unanswered(session: AsyncSession) -> list[tuple[str, str | None]]:
        since = SystemClock().now() - timedelta(days=args.days)
        rows = await UnansweredRepo(session).since(since)
        return [(row.text, row.taught_entry_id) for row in rows]

    try:
        rows = _read_database(config, unanswered)
    except SchemaBehindError as exc:
        return _behind(exc)
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

    from bot.core.formal.notices import NoticeTextsError, load_texts
    from bot.core.formal.registers import (
        ObjectionRow,
        RequestRow,
        objection_rows,
        request_rows,
        write_csv,
        write_xlsx,
    )
    from storage.migrate import SchemaBehindError

    config = _load(args)
    try:
        grounds = load_texts(config.requests.notice_texts).grounds("id")
    except NoticeTextsError as exc:
        return _fail(str(exc))
    office = _office_of(config, args.office, "register: argument --office")
    if isinstance(office, int):
        return office
    calendar, _ = office
    start = date.fromisoformat(args.date_from) if args.date_from else date.min
    end = date.fromisoformat(args.date_to) if args.date_to else date.max

    async def register(session: AsyncSession) -> list[RequestRow] | list[ObjectionRow]:
        if args.kind == "requests":
            return await request_rows(session, calendar, start, end, args.office)
        return await objection_rows(session, calendar, start, end, grounds, args.office)

    try:
        rows = _read_database(config, register)
    except SchemaBehindError as exc:
        return _behind(exc)
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


def _office_of(
    config: Config, office_id: str | None, command: str
) -> tuple[OfficeCalendar, str] | int:
    """The calendar and name of ``--office`` (the whole network, or the one office, without
    it); the exit code after a one-line error when no office has that id."""
    if office_id is None:
        return config.hours.calendar(), config.office.name
    for office in config.offices:
        if office.id == office_id:
            return office.calendar(config.hours), office.name
    known = ", ".join(config.office_ids()) or "none: the configuration has no [[offices]]"
    return _fail(f"{command}: no office {office_id!r} (offices: {known})")


def cmd_offices(args: argparse.Namespace) -> int:
    """The network's offices: list them, or draw an office's deep-link QR code."""
    config = _load(args)
    if not config.offices:
        return _fail("offices: the configuration has no [[offices]] (one office, no network)")
    if args.offices_command == "list":
        for office in config.offices:
            parent = f" (under {office.parent})" if office.parent else ""
            print(f"{office.id}\t{office.number_prefix}\t{office.name}{parent}")
        return 0
    found = _office_of(config, args.id, "offices qr: argument ID")
    if isinstance(found, int):
        return found
    username = args.bot or _bot_username(config)
    if username is None:
        return _fail(
            "offices qr: cannot learn the bot's username from the Bot API; give --bot USERNAME"
        )
    from bot.core.network import deep_link, write_qr

    link = deep_link(username, args.id)
    try:
        write_qr(link, args.output)
    except OSError as exc:
        return _fail(f"offices qr: cannot write --output {args.output}: {exc.strerror or exc}", 1)
    print(f"{args.output}: {link}")
    return 0


def _bot_username(config: Config) -> str | None:
    """The bot's @username from getMe (https://core.telegram.org/bots/api#getme)."""
    if config.telegram.token is None:
        return None
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramAPIError

    async def ask() -> str | None:
        assert config.telegram.token is not None
        session = AiohttpSession(api=TelegramAPIServer.from_base(config.telegram.api_base))
        bot = Bot(token=config.telegram.token.get_secret_value(), session=session)
        try:
            me = await bot.get_me(request_timeout=10)
            return me.username
        except (TelegramAPIError, OSError, TimeoutError):
            return None
        finally:
            await bot.session.close()

    return asyncio.run(ask())


def _check_report(args: argparse.Namespace) -> str | None:
    """The period must read before any database work."""
    from bot.core.reports import PeriodError, parse_period

    try:
        parse_period(args.period_kind, args.period)
    except PeriodError as exc:
        return f"report {args.period_kind}: {exc}"
    return None


def cmd_report(args: argparse.Namespace) -> int:
    """The yearly or monthly report on the information service, as PDF or XLSX."""
    from bot.core.clock import SystemClock
    from bot.core.formal.notices import NoticeTextsError, load_texts
    from bot.core.reports import Report, build_report, parse_period, render_pdf, write_xlsx
    from storage.migrate import SchemaBehindError

    config = _load(args)
    try:
        texts = load_texts(config.requests.notice_texts)
    except NoticeTextsError as exc:
        return _fail(str(exc))
    office = _office_of(config, args.office, f"report {args.period_kind}: argument --office")
    if isinstance(office, int):
        return office
    calendar, office_name = office
    period = parse_period(args.period_kind, args.period)
    today = SystemClock().now().astimezone(calendar.tz).date()
    output = args.output or f"laporan-{period.slug}.{args.format}"

    async def figures(session: AsyncSession) -> Report:
        return await build_report(session, calendar, period, today, args.office)

    try:
        report = _read_database(config, figures)
    except SchemaBehindError as exc:
        return _behind(exc)
    pasal_17, pasal_35 = texts.exemptions("id"), texts.grounds("id")
    try:
        if args.format == "xlsx":
            write_xlsx(report, pasal_17, pasal_35, output)
        else:
            pdf = render_pdf(report, pasal_17, pasal_35, office_name)
            Path(output).write_bytes(pdf)
    except OSError as exc:
        return _fail(f"report: cannot write --output {output}: {exc.strerror or exc}", 1)
    print(f"{output}: {period.label}, {report.requests} request(s), {report.chats} chat(s)")
    return 0


def _inbox_ids(words: Sequence[str], what: str) -> list[int] | str:
    """Inbox ids from the command line, or the one-line complaint about the first bad one."""
    ids = []
    for word in words:
        if not word.isdigit() or int(word) == 0:
            return f"inbox {what}: {word!r} is not an inbox id (a positive number)"
        ids.append(int(word))
    return ids


def cmd_inbox(args: argparse.Namespace) -> int:
    """What was set aside: list it, print one stored payload, hand rows back to the worker."""
    import json

    from bot.core.clock import SystemClock
    from storage.db import make_engine, make_sessionmaker
    from storage.migrate import upgrade
    from storage.repositories import InboxRepo

    ids: list[int] | None = None
    if args.inbox_command in ("retry", "show"):
        if args.inbox_command == "retry" and args.all == bool(args.ids):
            return _fail("inbox retry: give the ids to retry, or --all (not both)")
        parsed = _inbox_ids(args.ids, args.inbox_command)
        if isinstance(parsed, str):
            return _fail(parsed)
        ids = None if args.inbox_command == "retry" and args.all else parsed
    config = _load(args)

    async def go() -> int:
        engine = make_engine(config.database.url)
        try:
            await upgrade(engine)
            async with make_sessionmaker(engine)() as session:
                repo = InboxRepo(session)
                if args.inbox_command == "failed":
                    rows = await repo.failed()
                    for row in rows:
                        error = " ".join((row.error or "").split())[:120]
                        content = json.dumps(row.payload, ensure_ascii=False)[:80]
                        when = row.received_at.strftime("%Y-%m-%d %H:%M:%SZ")
                        print(
                            f"{row.id}\t{row.channel}\t{row.chat_key}\t{when}\t{error}\t{content}"
                        )
                    print(f"{len(rows)} update(s) set aside", file=sys.stderr)
                    return 0
                if args.inbox_command == "show":
                    assert ids is not None
                    for row_id in ids:
                        found = await repo.get(row_id)
                        if found is None:
                            return _fail(f"inbox show: there is no inbox row {row_id}", 1)
                        print(json.dumps(found.payload, ensure_ascii=False, indent=2))
                    return 0
                retried = await repo.retry(ids, SystemClock().now())
                await session.commit()
                missing = sorted(set(ids or ()) - set(retried))
                if retried:
                    print(f"handed back to the worker: {', '.join(map(str, retried))}")
                if missing:
                    listed = ", ".join(map(str, missing))
                    return _fail(
                        f"inbox retry: not set aside (see `loket inbox failed`): {listed}", 1
                    )
                if not retried:
                    print("nothing is set aside")
                return 0
        finally:
            await engine.dispose()

    return asyncio.run(go())


def cmd_purge(args: argparse.Namespace) -> int:
    """Apply [retention] now (the daily job does the same): one line per kind of data."""
    from bot.core.clock import SystemClock
    from bot.core.retention import RetentionService
    from storage.db import make_engine, make_sessionmaker
    from storage.migrate import alembic_config, current_revision, upgrade

    config = _load(args)
    retention = RetentionService.from_config(config, SystemClock())

    async def go() -> list[str] | None:
        engine = make_engine(config.database.url)
        try:
            if args.dry_run:
                # A dry run changes nothing, not even the schema.
                from alembic.script import ScriptDirectory

                head = ScriptDirectory.from_config(alembic_config()).get_current_head()
                if await current_revision(engine) != head:
                    return None
            else:
                await upgrade(engine)
            async with make_sessionmaker(engine)() as session:
                report = await retention.purge(session, dry_run=args.dry_run)
                if not args.dry_run:
                    await session.commit()
            return report.lines()
        finally:
            await engine.dispose()

    lines = asyncio.run(go())
    if lines is None:
        return _fail("the database schema is behind: run `loket db upgrade`")
    verb = "would remove" if args.dry_run else "removed"
    for line in lines:
        print(f"{verb} {line}")
    return 0


def config_warnings(config: Config) -> list[str]:
    """What `loket run` will refuse, or what will not work, with this configuration."""
    warnings = []
    if config.telegram.token is None:
        warnings.append(
            "no Telegram bot token (telegram.token or LOKET_TELEGRAM__TOKEN): "
            "`loket run` will refuse to start"
        )
    if config.offices:
        # A network: each office has its staff group (required); [staff] is not used.
        if config.telegram.staff_group_id is not None or config.staff.officers:
            warnings.append(
                "telegram.staff_group_id and [staff] are not used with [[offices]]: each "
                "office has its own staff_group_id, officers and coordinators"
            )
        for index, office in enumerate(config.offices):
            if not office.officers:
                warnings.append(
                    f"no officers (offices.{index}.officers): nobody at {office.id} can take "
                    "or answer a ticket"
                )
            if not office.coordinators:
                warnings.append(
                    f"no coordinators (offices.{index}.coordinators): nobody at {office.id} "
                    "can decide an objection (keberatan) or hears of overdue requests"
                )
        return warnings
    if config.telegram.staff_group_id is None:
        warnings.append(
            "no staff group (telegram.staff_group_id): no officer sees what citizens write"
        )
    if not config.staff.officers:
        warnings.append("no officers (staff.officers): nobody can take or answer a ticket")
    if not config.staff.coordinators:
        warnings.append(
            "no coordinators (staff.coordinators): nobody can decide an objection (keberatan) "
            "or hears of overdue requests"
        )
    return warnings


def cmd_config_check(args: argparse.Namespace) -> int:
    from bot.core.formal.notices import NoticeTextsError, load_texts

    config = _load(args)
    try:
        load_texts(config.requests.notice_texts)
    except NoticeTextsError as exc:
        return _fail(str(exc))
    from bot.core.dip import DipError, default_dip_paths, load_dip

    try:
        load_dip(config.dip.paths or default_dip_paths())
    except DipError as exc:
        return _fail(f"information map (DIP): {exc}")
    for office in config.offices:
        # An office's own files alone: laid over the shared map, the same id only replaces.
        try:
            if office.dip_paths:
                load_dip(office.dip_paths)
        except DipError as exc:
            return _fail(f"information map (DIP) of office {office.id}: {exc}")
    for warning in config_warnings(config):
        _fail(f"warning: {warning}")
    token = "set" if config.telegram.token else "NOT SET"
    wa = config.whatsapp
    whatsapp = f"on, webhook {wa.listen}{wa.path}" if wa.enabled else "off"
    tg = config.telegram
    # The secret is "set" or not, never shown.
    mode = (
        f"webhook {tg.webhook_url} (listen {tg.listen}{tg.webhook_path}, secret set)"
        if tg.mode == "webhook"
        else "polling"
    )
    print(
        f"config ok: token {token}, telegram {mode}, "
        f"database {config.database.url.split('://')[0]}, whatsapp {whatsapp}"
    )
    return _check_schema(config)


def _check_schema(config: Config) -> int:
    """The database as `loket config check` sees it, read only: a schema behind is one line."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage.migrate import DatabaseMissingError, SchemaBehindError

    async def nothing(session: AsyncSession) -> None:
        return None

    try:
        _read_database(config, nothing)
    except DatabaseMissingError as exc:
        print(f"{exc} yet: `loket db upgrade` or `loket run` creates it")
    except SchemaBehindError as exc:
        return _behind(exc)
    except (SQLAlchemyError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return _fail(f"cannot open the database (database.url): {reason}", 1)
    return 0


def cmd_playground(args: argparse.Namespace) -> int:
    """The whole desk in a browser: emulator, bot and web page (see bot/playground)."""
    from bot.playground.run import main as playground_main

    return playground_main(args)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="loket", description="Loket help desk bot")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_config(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--config",
            metavar="PATH",
            help="bot.toml to use (default: $LOKET_CONFIG or ./bot.toml)",
        )
        return p

    with_config(
        sub.add_parser("run", help="run the bot (long polling, or webhooks: [telegram] mode)")
    ).set_defaults(func=cmd_run)
    db = sub.add_parser("db", help="database tasks")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    with_config(db_sub.add_parser("upgrade", help="apply migrations")).set_defaults(
        func=cmd_db_upgrade
    )
    copy = db_sub.add_parser("copy", help="copy a database into a new, empty one")
    copy.add_argument("--from", dest="source", required=True, metavar="URL")
    copy.add_argument("--to", dest="target", required=True, metavar="URL")
    copy.set_defaults(func=cmd_db_copy, check=_check_copy)
    reg = with_config(sub.add_parser("register", help="export the registers (UU 14/2008)"))
    reg.add_argument("kind", choices=["requests", "objections"])
    reg.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", type=_iso_date)
    reg.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", type=_iso_date)
    reg.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    reg.add_argument("--output", metavar="FILE", help="default: standard output (csv only)")
    reg.add_argument(
        "--office", metavar="ID", help="one office of the network (default: all of them)"
    )
    reg.set_defaults(func=cmd_register, check=_check_register)
    report = sub.add_parser("report", help="the report on the information service (PDF, XLSX)")
    report_sub = report.add_subparsers(dest="period_kind", required=True)
    for kind, metavar, what in (("year", "YYYY", "a year"), ("month", "YYYY-MM", "a month")):
        one = with_config(report_sub.add_parser(kind, help=f"the report of {what}"))
        one.add_argument("period", metavar=metavar)
        one.add_argument("--format", choices=["pdf", "xlsx"], default="pdf")
        one.add_argument("--output", metavar="FILE", help="default: laporan-PERIOD.FORMAT")
        one.add_argument(
            "--office", metavar="ID", help="one office of the network (default: all of them)"
        )
        one.set_defaults(func=cmd_report, check=_check_report)
    purge = with_config(
        sub.add_parser("purge", help="remove personal data past its [retention] days")
    )
    purge.add_argument("--dry-run", action="store_true", help="count only, change nothing")
    purge.set_defaults(func=cmd_purge)
    offices = sub.add_parser("offices", help="the network's offices: list, deep-link QR codes")
    offices_sub = offices.add_subparsers(dest="offices_command", required=True)
    with_config(offices_sub.add_parser("list", help="id, number prefix, name")).set_defaults(
        func=cmd_offices
    )
    qr = with_config(offices_sub.add_parser("qr", help="a PNG QR code of an office's deep link"))
    qr.add_argument("id", metavar="ID", help="the office's id")
    qr.add_argument("--output", metavar="FILE.png", required=True)
    qr.add_argument("--bot", metavar="USERNAME", help="the bot's username (default: getMe)")
    qr.set_defaults(func=cmd_offices)
    cfg = sub.add_parser("config", help="configuration tasks")
    cfg_sub = cfg.add_subparsers(dest="config_command", required=True)
    with_config(cfg_sub.add_parser("check", help="validate the configuration")).set_defaults(
        func=cmd_config_check
    )
    from bot.playground.run import add_arguments as playground_arguments

    playground = sub.add_parser(
        "playground", help="the whole desk in a browser, no Telegram account needed"
    )
    playground_arguments(playground)
    playground.set_defaults(func=cmd_playground)
    inbox = sub.add_parser("inbox", help="updates set aside: failed, show, retry")
    inbox_sub = inbox.add_subparsers(dest="inbox_command", required=True)
    with_config(inbox_sub.add_parser("failed", help="list the updates set aside")).set_defaults(
        func=cmd_inbox
    )
    show = with_config(inbox_sub.add_parser("show", help="print an update's stored payload"))
    show.add_argument("ids", nargs="+", metavar="ID")
    show.set_defaults(func=cmd_inbox)
    retry = with_config(inbox_sub.add_parser("retry", help="hand updates back to the worker"))
    retry.add_argument("ids", nargs="*", metavar="ID")
    retry.add_argument("--all", action="store_true", help="every update set aside")
    retry.set_defaults(func=cmd_inbox)
    sub.add_parser(
        "faq",
        help="FAQ tools: match, lint, stats, gaps, learned (see `loket faq --help`)",
        add_help=False,
    )
    sub.add_parser(
        "dip",
        help="information map tools: lint, search (see `loket dip --help`)",
        add_help=False,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "faq" and argv[1:2] not in (["gaps"], ["learned"]):
        # The FAQ tools need no configuration: skip importing it (pydantic) for a fast start.
        from faq.cli import main as faq_main

        return faq_main(argv[1:])
    if argv and argv[0] == "dip":
        # Like the FAQ tools: no configuration needed, the packaged DIP unless paths are given.
        from bot.core.dip.cli import main as dip_main

        return dip_main(argv[1:])
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
        gaps = _Parser(prog="loket faq gaps", description=cmd_faq_gaps.__doc__)
        gaps.add_argument("--config", metavar="PATH")
        gaps.add_argument("--days", type=int, default=30, help="look back this many days")
        gaps.add_argument("--limit", type=int, default=50, help="show at most this many groups")
        try:
            return cmd_faq_gaps(gaps.parse_args(argv[2:]))
        except ConfigError as exc:
            return _fail(f"config error: {exc}")
    args = build_parser().parse_args(argv)
    problem = args.check(args) if hasattr(args, "check") else None
    if problem:
        return _fail(problem)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        return _fail(f"config error: {exc}")
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
