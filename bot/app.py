"""App factory and lifecycle: everything is built by create_app(config), nothing at import."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.base import ChannelSender
from bot.channels.telegram import CHANNEL as TELEGRAM
from bot.channels.telegram import (
    ParsedUpdates,
    TelegramPoller,
    TelegramSender,
    download,
    update_handler,
)
from bot.channels.telegram_webhook import TelegramWebhook
from bot.channels.whatsapp import CHANNEL as WHATSAPP
from bot.channels.whatsapp import WhatsAppClient, WhatsAppMedia, WhatsAppSender, WhatsAppWebhook
from bot.config import Config, NetworkOffice
from bot.core.callbacks import CallbackCodec
from bot.core.clock import Clock, SystemClock
from bot.core.desk import Desk
from bot.core.dip import DipError, DipIndex
from bot.core.dip.service import DipService
from bot.core.durations import parse_duration
from bot.core.faq_service import FaqService, learned_file
from bot.core.formal.lookup import RequestLookup
from bot.core.formal.notices import NoticeTexts, Office, load_texts
from bot.core.formal.requests import RequestService
from bot.core.network import Network, NetworkDesk, NetworkStaff, OfficeUnit
from bot.core.officers import OfficerDirectory
from bot.core.offload import Offload
from bot.core.postman import Postman
from bot.core.pushes import Pushes
from bot.core.retention import RetentionService
from bot.core.roster import Roster
from bot.core.sla import SlaService
from bot.core.staff import StaffDesk
from bot.core.survey import SurveyService
from bot.core.tickets import TicketService
from bot.core.watcher import FileWatcher, Reloaded, Watched, notice_job
from bot.inbox import InboxWorker
from bot.metrics import DatabaseCollector, Metrics, MetricsServer
from bot.outbox import OutboxSender
from bot.scheduler import Scheduler
from bot.setaside import SetAsideNotice, WarnEvery, database_unavailable
from bot.shared_limits import limiter_factory
from bot.texts import st
from bot.web import WebServer
from faq import KnowledgeBaseError
from handlers import build_routers, staff_groups
from handlers.commands import set_commands
from handlers.middlewares import DbSessionMiddleware
from handlers.whatsapp import whatsapp_handler
from storage.db import make_app_sessions, make_engine
from storage.migrate import upgrade
from storage.models import Outbox, Ticket
from storage.repositories import claim_version

log = logging.getLogger(__name__)
T = TypeVar("T")


# Seconds the first request to the Bot API may take at start.
BOT_API_TIMEOUT = 10


class MissingTokenError(Exception):
    pass


@dataclass
class App:
    config: Config
    clock: Clock
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    faq: FaqService
    desk: Desk | NetworkDesk
    bot: Bot
    dispatcher: Dispatcher
    sender: OutboxSender
    inbox: InboxWorker
    # Reloads the knowledge bases and the information maps when their files change.
    watcher: FileWatcher
    scheduler: Scheduler
    whatsapp: WhatsAppWebhook | None = None
    whatsapp_client: WhatsAppClient | None = None
    # Updates the poller or the webhook parsed, handed to the inbox worker's Telegram handler.
    parsed_updates: ParsedUpdates | None = None
    # Tells the staff group when updates were set aside (poller, webhook and worker share it).
    set_aside: SetAsideNotice | None = None
    # /metrics when [metrics] listen is set.
    metrics: MetricsServer | None = None
    # Webhook mode: the HTTP server of this replica (Telegram's webhook, /healthz, and
    # WhatsApp's webhook when it listens on the same address).
    web: WebServer | None = None
    # Closes the Redis client of the shared send limiter ([redis] url), when there is one.
    close_redis: Callable[[], Awaitable[None]] | None = None


def create_app(config: Config, *, clock: Clock | None = None) -> App:
    """Build engine, services, bot, dispatcher and sender from config (no I/O yet)."""
    if config.telegram.token is None:
        raise MissingTokenError(
            "no Telegram bot token: set [telegram] token in the config or LOKET_TELEGRAM__TOKEN"
        )
    clock = clock or SystemClock()
    token = config.telegram.token.get_secret_value()
    engine = make_engine(config.database.url, echo=config.database.echo)
    sessionmaker = make_app_sessions(engine)
    faq = FaqService(
        config.faq.paths,
        thesaurus=config.faq.thesaurus,
        learned=learned_file(config.faq.learned, config.database.url),
    )
    # Button data is signed with a key derived from the token: stable across restarts and
    # replicas, secret, and nothing more to configure.
    codec = CallbackCodec(hashlib.sha256(token.encode()).digest())
    offload = Offload()  # slow work of use cases, done in a thread outside their transaction
    hours = config.hours
    calendar = hours.calendar()
    metrics: Metrics | None = None
    metrics_server: MetricsServer | None = None
    if (where := config.metrics.host_port) is not None:
        metrics = Metrics(DatabaseCollector(sessionmaker, clock, calendar))
        metrics_server = MetricsServer(metrics, *where)
    notice_texts = load_texts(config.requests.notice_texts)
    # The information map (one for the whole bot), read with the FAQ's thesaurus.
    dip = DipService(
        config.dip.paths,
        thesaurus=faq.thesaurus,
        notice_texts=notice_texts,
        holder=config.office.name,
    )
    if config.offices:
        units = [
            _build_unit(config, office, clock, codec, offload, faq, notice_texts, dip)
            for office in config.offices
        ]
    else:
        units = [_build_unit(config, None, clock, codec, offload, faq, notice_texts, dip)]
    network = Network(units)
    main = units[0]
    tickets, sla = main.tickets, main.sla
    staff_chat = main.staff_chat_id

    session = AiohttpSession(api=TelegramAPIServer.from_base(config.telegram.api_base))
    bot = Bot(token=token, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    limits = config.telegram.limits
    sender: OutboxSender

    async def topic_lost(ticket_id: int | None) -> None:
        if ticket_id is None:
            return
        async with sessionmaker() as db:
            ticket = await db.get(Ticket, ticket_id)
            if ticket is not None:
                await network.for_ticket(ticket).tickets.repost_card(db, ticket_id)
            await db.commit()

    async def delivery_failed(db: AsyncSession, row: Outbox, error: str) -> None:
        ticket = await db.get(Ticket, row.ticket_id) if row.ticket_id is not None else None
        unit = network.for_ticket(ticket) if ticket is not None else main
        await unit.tickets.delivery_failed(db, row, error)

    wa = config.whatsapp
    wa_client: WhatsAppClient | None = None
    wa_media: WhatsAppMedia | None = None
    if wa.enabled:
        assert wa.access_token is not None  # the config checks an enabled channel is complete
        wa_client = WhatsAppClient(
            wa.api_base, wa.phone_number_id, wa.access_token.get_secret_value()
        )
        wa_media = WhatsAppMedia(wa_client, int(config.limits.max_document_mb * 1024 * 1024))
    channels: dict[str, ChannelSender] = {
        TELEGRAM: TelegramSender(
            bot,
            sessionmaker,
            staff_chat,
            on_topic_lost=topic_lost,
            foreign_media=wa_media,
            more_staff_chats=[u.staff_chat_id for u in units if u.staff_chat_id is not None],
        )
    }
    if wa_client is not None:

        async def telegram_file(file_id: str) -> tuple[bytes, str]:
            return await download(bot, file_id)

        channels[WHATSAPP] = WhatsAppSender(
            wa_client,
            sessionmaker,
            telegram_file=telegram_file,
            template=wa.window_template,
            template_language=wa.window_template_language,
            fallback_parameter=config.office.name,
        )
    # Replicas count their sends together in Redis ([redis] url); one process in memory.
    make_limiter, close_redis = limiter_factory(config.redis.url, config.redis.replicas)
    sender = OutboxSender(
        sessionmaker,
        channels,
        make_limiter(
            f"telegram:{token.partition(':')[0]}",  # per bot: the bot id, not the secret
            global_per_second=limits.global_per_second,
            private_per_second=limits.private_per_second,
            group_per_minute=limits.group_per_minute,
        ),
        clock,
        on_failed=delivery_failed,
        on_outcome=metrics.send_outcome if metrics else None,
        claim_lease=parse_duration(config.outbox.claim_lease).delta,
        # WhatsApp's limits are its own: its sends do not use Telegram's windows.
        limiters={
            WHATSAPP: make_limiter(
                f"whatsapp:{wa.phone_number_id}",
                global_per_second=wa.limits.global_per_second,
                private_per_second=wa.limits.per_chat_per_second,
                group_per_minute=60 * wa.limits.per_chat_per_second,
            )
        },
    )
    for unit in units:
        unit.desk = Desk(
            faq=unit.faq,
            clock=clock,
            postman=unit.postman,
            tickets=unit.tickets,
            codec=codec,
            office_name=unit.name,
            default_language=config.office.default_language,
            max_text_length=config.limits.max_text_length,
            messages_per_minute=config.limits.messages_per_minute,
            max_document_bytes=int(config.limits.max_document_mb * 1024 * 1024),
            document_types=config.limits.document_types,
            on_commit=sender.notify,
            requests=unit.requests,
            on_faq_outcome=metrics.faq if metrics else None,
            dip=unit.dip,
        )
        unit.staff = StaffDesk(
            tickets=unit.tickets,
            postman=unit.postman,
            codec=codec,
            faq=unit.faq,
            on_commit=sender.notify,
            offload=offload,
            requests=unit.requests,
            coordinators=unit.coordinators,
            dip=unit.dip,
        )
    desk: Desk | NetworkDesk
    staff: StaffDesk | NetworkStaff
    if config.offices:
        desk = NetworkDesk(network)
        staff = NetworkStaff(network, transfer_deadline=config.requests.transfer_deadline)
    else:
        assert main.desk is not None and main.staff is not None
        desk, staff = main.desk, main.staff
    # No aiogram FSM: forms live in the database (FormState); its middleware would only cost.
    dispatcher = Dispatcher(desk=desk, staff=staff, config=config, disable_fsm=True)
    dispatcher.update.outer_middleware(DbSessionMiddleware(sessionmaker, clock, offload))
    dispatcher.include_routers(*build_routers(config))
    parsed_updates = ParsedUpdates()
    handlers = {TELEGRAM: update_handler(bot, dispatcher, parsed_updates)}
    webhook: WhatsAppWebhook | None = None
    if wa_client is not None:
        assert wa.app_secret is not None and wa.verify_token is not None
        handlers[WHATSAPP] = whatsapp_handler(sessionmaker, clock, desk, tickets, sender.notify)
    # Set-aside updates are the operators' business (`loket inbox retry` on the server): the
    # coordinating office hears of them, not whichever office is listed first.
    hub = network.for_notice(None)
    set_aside = SetAsideNotice(sessionmaker, hub.postman, clock, sender.notify)
    inbox = InboxWorker(
        sessionmaker,
        handlers,
        clock,
        max_attempts=config.inbox.max_attempts,
        on_set_aside=set_aside,
        on_handled=metrics.handled if metrics else None,
        spread=engine.dialect.name == "postgresql",
    )
    if wa_client is not None:
        assert wa.app_secret is not None and wa.verify_token is not None
        webhook = WhatsAppWebhook(
            sessionmaker,
            app_secret=wa.app_secret.get_secret_value(),
            verify_token=wa.verify_token.get_secret_value(),
            path=wa.path,
            on_stored=inbox.notify,
            clock=clock,
            phone_number_id=wa.phone_number_id,
            on_set_aside=set_aside,
        )

    web_server = None
    if config.telegram.mode == "webhook":
        tg = config.telegram
        assert tg.webhook_secret is not None  # the config checks webhook mode is complete
        web_server = WebServer(*tg.host_port, engine, key="telegram.listen")
        telegram_webhook = TelegramWebhook(
            bot,
            sessionmaker,
            secret=tg.webhook_secret.get_secret_value(),
            path=tg.webhook_path,
            clock=clock,
            on_stored=inbox.notify,
            parsed=parsed_updates,
            on_set_aside=set_aside,
        )
        web_server.add(telegram_webhook.add_routes, tg.webhook_path)
        if webhook is not None and config.shares_web_server:
            web_server.add(webhook.add_routes, wa.path)

    def announce(to: Postman) -> Callable[[Reloaded], Awaitable[None]]:
        async def report_reload(done: Reloaded) -> None:
            # A reload after a file edit is announced where the editors are: the staff group.
            # Every replica reloads; the first to claim what it read tells, once.
            prefix = "dip_" if done.what == "dip" else ""
            if done.error:
                text = st(f"{prefix}reload_failed", error=done.error)
            else:
                text = st(f"{prefix}reload_ok", count=done.count)
            async with sessionmaker() as db:
                if await claim_version(db, notice_job(done), done.digest, clock.now()):
                    await to.to_staff(db, text)
                await db.commit()
            sender.notify()

        return report_reload

    watched = _watched(config, units, (faq, dip), hub.postman, announce)
    watcher = FileWatcher(watched, config.faq.watch_interval or 3.0)
    retention = RetentionService.from_config(config, clock)
    scheduler = Scheduler(
        sessionmaker,
        sla,
        main.pushes,
        config.schedule,
        hours.timezone,
        on_commit=sender.notify,
        retention=retention,
        offices=[(u.sla, u.pushes) for u in units[1:]],
    )
    return App(
        config,
        clock,
        engine,
        sessionmaker,
        faq,
        desk,
        bot,
        dispatcher,
        sender,
        inbox,
        watcher,
        scheduler,
        webhook,
        wa_client,
        parsed_updates,
        set_aside,
        metrics_server,
        web_server,
        close_redis,
    )


def _watched(
    config: Config,
    units: list[OfficeUnit],
    shared: tuple[FaqService, DipService],
    hub: Postman,
    announce: Callable[[Postman], Callable[[Reloaded], Awaitable[None]]],
) -> list[Watched[Any]]:
    """Every knowledge base and information map in service: the shared ones, told to the
    coordinating office's staff group (``hub``: they concern every office), and a network
    office's own (its files over the shared ones), told to its own. The knowledge bases come
    first: a map is indexed with its office's thesaurus, read just before."""
    faq, dip = shared
    main = hub
    faqs: list[Watched[Any]] = [
        Watched("faq", faq.watched, faq.load, faq.install, (KnowledgeBaseError,), announce(main))
    ]
    maps: list[Watched[Any]] = [_map_watched(config, dip, faq, announce(main), None)]
    for unit in units:
        if unit.faq is not faq:
            faqs.append(
                Watched(
                    "faq",
                    unit.faq.watched,
                    unit.faq.load,
                    unit.faq.install,
                    (KnowledgeBaseError,),
                    announce(unit.postman),
                    unit.id,
                )
            )
        if unit.dip is not None and unit.dip is not dip:
            maps.append(_map_watched(config, unit.dip, unit.faq, announce(unit.postman), unit.id))
    return [*faqs, *maps]


def _map_watched(
    config: Config,
    dip: DipService,
    faq: FaqService,
    report: Callable[[Reloaded], Awaitable[None]],
    office: str | None,
) -> Watched[DipIndex]:
    def read() -> DipIndex:
        return dip.load(faq.thesaurus)  # the office's thesaurus as in service now

    # A thesaurus edit changes how the map reads questions too: the map is read again when its
    # files change and when the FAQ puts a new thesaurus in service (an edit the FAQ could not
    # read at first, its knowledge base broken, reaches the map once the FAQ is fixed).
    files = (*dip.watched, *config.faq.thesaurus)
    return Watched(
        "dip", files, read, dip.install, (DipError,), report, office, uses=lambda: faq.thesaurus
    )


def _build_unit(
    config: Config,
    office: NetworkOffice | None,
    clock: Clock,
    codec: CallbackCodec,
    offload: Offload,
    shared_faq: FaqService,
    notice_texts: NoticeTexts,
    dip: DipService | None = None,
) -> OfficeUnit:
    """One office's services: the configuration's one office (``office`` None), or an office
    of the network with its own staff group, people, calendar, ladder, knowledge, numbering."""
    hours = config.hours
    if office is None:
        staff_chat, name = config.telegram.staff_group_id, config.office.name
        officers, coordinators = config.staff.officers, config.staff.coordinators
        shifts, calendar = config.staff.shifts, hours.calendar()
        timezone, ladder_config = hours.timezone, config.sla.escalation
        letterhead = Office(name=name, address=config.office.address, city=config.office.city)
        faq, tag, office_id = shared_faq, "", None
    else:
        staff_chat, name = office.staff_group_id, office.name
        officers, coordinators = office.officers, office.coordinators
        shifts, calendar = office.shifts, office.calendar(hours)
        timezone = office.timezone or hours.timezone
        ladder_config = config.sla.escalation if office.escalation is None else office.escalation
        letterhead = Office(
            name=name,
            address=office.address or config.office.address,
            city=office.city or config.office.city,
        )
        faq = shared_faq
        if office.faq_paths:
            # The office's entries laid over the shared ones (the same id replaces one).
            faq = FaqService(
                shared_faq.paths,
                thesaurus=config.faq.thesaurus,
                learned=shared_faq.learned_path,
                overlay=office.faq_paths,
            )
        if office.dip_paths and dip is not None:
            # Its own items over the shared map, searched as published by this office.
            dip = DipService(
                dip.paths,
                thesaurus=faq.thesaurus,
                notice_texts=notice_texts,
                holder=office.name,
                overlay=office.dip_paths,
            )
        tag, office_id = office.number_prefix, office.id
    # Network.for_ticket routes tickets from before the network (office NULL) to the first
    # office, so its services must take them too.
    unrouted = office is not None and office is config.offices[0]
    postman = Postman(clock, staff_chat, is_open=calendar.is_open)
    # Built in the order they need each other, each with all it needs: the officer directory
    # and the request lookup need no service, SLA needs both, tickets need SLA, requests need
    # tickets. Nothing is set afterwards to close a cycle.
    directory = OfficerDirectory(clock=clock, roster=Roster(officers, shifts, timezone))
    lookup = RequestLookup(
        dip=dip,
        clock=clock,
        calendar=calendar,
        prefix=config.requests.prefix,
        objection_prefix=config.requests.objection_prefix,
        notice_texts=notice_texts,
    )
    sla = SlaService(
        calendar=calendar,
        clock=clock,
        postman=postman,
        ladder=[(parse_duration(step.after), step.notify) for step in ladder_config],
        first_response=parse_duration(config.sla.first_response),
        coordinators=coordinators,
        officers=directory,
        live_prefix=config.tickets.prefix,
        deadline_text=lookup.deadline_text,
        from_next_day=hours.count_from_next_day,
        office=office_id,
        takes_unrouted=unrouted,
    )
    survey = (
        SurveyService(clock=clock, postman=postman, codec=codec)
        if config.survey.mode == "ikm"
        else None
    )
    tickets = TicketService(
        clock=clock,
        postman=postman,
        directory=directory,
        sla=sla,
        calendar=calendar,
        codec=codec,
        officers=officers,
        coordinators=coordinators,
        prefix=config.tickets.prefix,
        reopen_within=parse_duration(config.tickets.reopen_within).delta,
        timezone=timezone,
        max_open_per_citizen=config.limits.open_tickets_per_citizen,
        card_extra=lookup.card_extra,
        survey=survey,
        survey_after_chat=config.survey.after_chat,
        office=office_id,
        number_tag=tag,
        takes_unrouted=unrouted,
    )
    requests = RequestService(
        clock=clock,
        calendar=calendar,
        postman=postman,
        tickets=tickets,
        lookup=lookup,
        office=letterhead,
        coordinators=coordinators,
        prefix=config.requests.prefix,
        objection_prefix=config.requests.objection_prefix,
        from_next_day=hours.count_from_next_day,
        reminder_days=config.requests.reminder_days,
        notice_texts=notice_texts,
        offload=offload,
        dip=dip,
    )
    reminder = config.schedule.rating_reminder_after
    if tickets.survey_after_chat:
        reminder = ""  # the survey replaces the single rating that the reminder asks for
    pushes = Pushes(
        calendar=calendar,
        clock=clock,
        postman=postman,
        tickets=tickets,
        sla=sla,
        rating_reminder_after=parse_duration(reminder).delta if reminder else None,
        office=office_id,
        takes_unrouted=unrouted,
    )
    return OfficeUnit(
        id=office_id,
        name=name,
        staff_chat_id=staff_chat,
        calendar=calendar,
        postman=postman,
        sla=sla,
        tickets=tickets,
        requests=requests,
        faq=faq,
        dip=dip,
        pushes=pushes,
        coordinators=frozenset(coordinators),
        places=office.places if office else (),
        parent=office.parent if office else None,
    )


def _report_crash(task: asyncio.Task[None]) -> None:
    """A background loop that ends by itself is a bug worth a loud line in the log."""
    if not task.cancelled() and task.exception() is not None:
        log.critical("%s stopped: %r", task.get_name(), task.exception())


async def until_reachable(call: Callable[[], Awaitable[T]]) -> T:
    """A start-up call to the Bot API, tried until Telegram answers: an outage is waited out
    (a restart would not fix it sooner), with a warning at the first failure and then one a
    minute. What a restart cannot fix is raised at once: a rejected token (401), or a server
    that answers but not as a Bot API (ClientDecodeError: a wrong telegram.api_base)."""
    trouble = WarnEvery(log)
    failures = 0
    while True:
        try:
            result = await call()
        except TelegramRetryAfter as exc:
            await asyncio.sleep(exc.retry_after)
            continue
        except (TelegramNetworkError, TelegramServerError) as exc:
            failures += 1
            trouble.warning("cannot reach the Bot API (%s); retrying", exc)
            await asyncio.sleep(min(30.0, 0.5 * 2**failures))
            continue
        trouble.recovered("the Bot API answers again")
        return result


async def until_database(call: Callable[[], Awaitable[T]]) -> T:
    """A start-up step that needs the database, tried until it answers (a restart would not
    bring it sooner); any other error is raised."""
    trouble = WarnEvery(log)
    while True:
        try:
            result = await call()
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            trouble.warning("the database is unavailable (%r); waiting for it", exc)
            await asyncio.sleep(2.0)
            continue
        trouble.recovered("the database answers")
        return result


async def _start(app: App, tasks: list[asyncio.Task[None]]) -> asyncio.Task[None] | None:
    """Migrate, start the sender, the inbox worker, the scheduler and the webhook servers,
    reach the Bot API and start polling or register the webhook; the started tasks go into
    ``tasks``; the poller's task (None in webhook mode)."""
    await until_database(lambda: upgrade(app.engine))
    await app.sender.recover()
    tasks.append(asyncio.create_task(app.sender.run(), name="outbox-sender"))
    tasks.append(asyncio.create_task(app.inbox.run(), name="inbox-worker"))
    for task in tasks:
        task.add_done_callback(_report_crash)
    app.scheduler.start()
    if app.config.faq.watch_interval > 0:
        tasks.append(asyncio.create_task(app.watcher.run(), name="file-watcher"))
    if app.whatsapp is not None and not app.config.shares_web_server:
        await app.whatsapp.start(*app.config.whatsapp.host_port)
    if app.web is not None:
        await app.web.start()  # before setWebhook: Telegram delivers at once
    if app.metrics is not None:
        await app.metrics.start()
    if app.web is not None:
        # The first Bot API call has a short timeout, as deleteWebhook's below.
        await until_reachable(lambda: register_webhook(app))
        await until_reachable(lambda: set_commands(app.bot, *staff_groups(app.config)))
        me = await until_reachable(app.bot.get_me)
        log.info("serving webhooks as @%s", me.username)
        return None
    # The first Bot API call: a server that accepts and never answers is reported within
    # seconds (one warning line, then a line a minute) instead of a silent minute.
    await until_reachable(
        lambda: app.bot.delete_webhook(drop_pending_updates=False, request_timeout=BOT_API_TIMEOUT)
    )
    await until_reachable(lambda: set_commands(app.bot, *staff_groups(app.config)))
    poller = TelegramPoller(
        app.bot,
        app.sessionmaker,
        on_stored=app.inbox.notify,
        timeout=app.config.telegram.polling_timeout,
        allowed_updates=app.dispatcher.resolve_used_update_types(),
        clock=app.clock,
        parsed=app.parsed_updates,
        on_set_aside=app.set_aside,
    )
    polling = asyncio.create_task(poller.run(), name="telegram-poller")
    tasks.append(polling)
    me = await until_reachable(app.bot.get_me)
    log.info("polling as @%s", me.username)
    return polling


async def register_webhook(app: App) -> bool:
    """setWebhook with this replica's settings. Every replica calls it at start: the same
    URL, secret and update types, so a second call changes nothing; pending updates are kept.
    No replica ever calls deleteWebhook on stop: the others still serve."""
    tg = app.config.telegram
    assert tg.webhook_secret is not None
    return await app.bot.set_webhook(
        url=tg.webhook_url,
        secret_token=tg.webhook_secret.get_secret_value(),
        allowed_updates=app.dispatcher.resolve_used_update_types(),
        max_connections=tg.webhook_max_connections,
        drop_pending_updates=False,
        request_timeout=BOT_API_TIMEOUT,
    )


async def run(app: App, *, handle_signals: bool = True) -> None:
    """Migrate, start sender, inbox worker and poller; run until SIGINT/SIGTERM; stop cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    if handle_signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    tasks: list[asyncio.Task[None]] = []
    stopper = asyncio.create_task(stop.wait())
    try:
        # Start-up waits out a database or Bot API outage; a stop asked for meanwhile ends it.
        starting = asyncio.create_task(_start(app, tasks))
        done, _ = await asyncio.wait({starting, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if starting not in done:
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
            log.info("stop requested during start-up")
            return
        polling = starting.result()
        waited = {stopper} if polling is None else {polling, stopper}
        done, _ = await asyncio.wait(waited, return_when=asyncio.FIRST_COMPLETED)
        if polling is not None and polling in done:
            polling.result()  # a poller that ended on its own crashed: surface the error
        log.info("stop requested; finishing the updates in hand")
    finally:
        stopper.cancel()
        if handle_signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
        await app.scheduler.stop()
        # Order matters: stop receiving, finish handling, then flush what handling queued.
        if app.web is not None:
            await app.web.stop()
        if app.whatsapp is not None:
            await app.whatsapp.stop()
        if app.metrics is not None:
            await app.metrics.stop()
        for task in tasks:
            if task.get_name() not in ("outbox-sender", "inbox-worker"):
                task.cancel()
        await app.inbox.stop()
        await app.sender.stop()
        if app.close_redis is not None:
            await app.close_redis()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await app.bot.session.close()
        if app.whatsapp_client is not None:
            await app.whatsapp_client.close()
        await app.engine.dispose()
        log.info("stopped")
