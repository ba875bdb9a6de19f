"""App factory and lifecycle: everything is built by create_app(config), nothing at import."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.telegram import CHANNEL as TELEGRAM
from bot.channels.telegram import TelegramPoller, TelegramSender, update_handler
from bot.config import Config
from bot.core.clock import Clock, SystemClock
from bot.core.desk import Desk
from bot.core.faq_service import FaqService
from bot.inbox import InboxWorker
from bot.outbox import OutboxSender
from bot.ratelimit import SendLimiter
from handlers import build_routers
from handlers.middlewares import DbSessionMiddleware
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade

log = logging.getLogger(__name__)


class MissingTokenError(Exception):
    pass


@dataclass
class App:
    config: Config
    clock: Clock
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    faq: FaqService
    desk: Desk
    bot: Bot
    dispatcher: Dispatcher
    sender: OutboxSender
    inbox: InboxWorker


def create_app(config: Config, *, clock: Clock | None = None) -> App:
    """Build engine, services, bot, dispatcher and sender from config (no I/O yet)."""
    if config.telegram.token is None:
        raise MissingTokenError(
            "no Telegram bot token: set [telegram] token in the config or LOKET_TELEGRAM__TOKEN"
        )
    clock = clock or SystemClock()
    engine = make_engine(config.database.url, echo=config.database.echo)
    sessionmaker = make_sessionmaker(engine)
    faq = FaqService(config.faq.paths)

    session = AiohttpSession(api=TelegramAPIServer.from_base(config.telegram.api_base))
    bot = Bot(
        token=config.telegram.token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode="HTML"),
    )
    limits = config.telegram.limits
    sender = OutboxSender(
        sessionmaker,
        {TELEGRAM: TelegramSender(bot)},
        SendLimiter(
            global_per_second=limits.global_per_second,
            private_per_second=limits.private_per_second,
            group_per_minute=limits.group_per_minute,
        ),
        clock,
    )
    desk = Desk(
        faq=faq,
        clock=clock,
        office_name=config.office.name,
        default_language=config.office.default_language,
        max_text_length=config.limits.max_text_length,
        messages_per_minute=config.limits.messages_per_minute,
        max_document_bytes=int(config.limits.max_document_mb * 1024 * 1024),
        document_types=config.limits.document_types,
        on_commit=sender.notify,
    )
    dispatcher = Dispatcher(desk=desk, config=config)
    dispatcher.update.outer_middleware(DbSessionMiddleware(sessionmaker, clock))
    dispatcher.include_routers(*build_routers(config))
    inbox = InboxWorker(sessionmaker, {TELEGRAM: update_handler(bot, dispatcher)}, clock)
    return App(config, clock, engine, sessionmaker, faq, desk, bot, dispatcher, sender, inbox)


async def set_commands(bot: Bot) -> None:
    """Register the citizen commands so Telegram shows them in the menu."""
    # https://core.telegram.org/bots/api#setmycommands — one list per scope and language.
    await bot.set_my_commands(
        [BotCommand(command="start", description="Mulai dan lihat bantuan")],
        scope=BotCommandScopeAllPrivateChats(),
    )
    await bot.set_my_commands(
        [BotCommand(command="start", description="Start and see help")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="en",
    )


async def run(app: App, *, handle_signals: bool = True) -> None:
    """Migrate, start sender, inbox worker and poller; run until SIGINT/SIGTERM; stop cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    if handle_signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    tasks: list[asyncio.Task[None]] = []
    try:
        await upgrade(app.engine)
        await app.sender.recover()
        tasks.append(asyncio.create_task(app.sender.run(), name="outbox-sender"))
        tasks.append(asyncio.create_task(app.inbox.run(), name="inbox-worker"))
        await app.bot.delete_webhook(drop_pending_updates=False)
        await set_commands(app.bot)
        poller = TelegramPoller(
            app.bot,
            app.sessionmaker,
            on_stored=app.inbox.notify,
            timeout=app.config.telegram.polling_timeout,
            allowed_updates=app.dispatcher.resolve_used_update_types(),
        )
        polling = asyncio.create_task(poller.run(), name="telegram-poller")
        tasks.append(polling)
        me = await app.bot.get_me()
        log.info("polling as @%s", me.username)
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({polling, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if polling in done:
            polling.result()  # a poller that ended on its own crashed: surface the error
        log.info("stop requested; finishing the updates in hand")
    finally:
        if handle_signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
        # Order matters: stop receiving, finish handling, then flush what handling queued.
        for task in tasks[2:]:
            task.cancel()
        await app.inbox.stop()
        await app.sender.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await app.bot.session.close()
        await app.engine.dispose()
        log.info("stopped")
