"""App factory and lifecycle: everything is built by create_app(config), nothing at import."""

from __future__ import annotations

import asyncio
import contextlib
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
from bot.channels.telegram import TelegramSender
from bot.config import Config
from bot.core.clock import Clock, SystemClock
from bot.core.desk import Desk
from bot.core.faq_service import FaqService
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
        on_commit=sender.notify,
    )
    dispatcher = Dispatcher(desk=desk, config=config)
    dispatcher.update.outer_middleware(DbSessionMiddleware(sessionmaker, clock))
    dispatcher.include_routers(*build_routers(config))
    return App(config, clock, engine, sessionmaker, faq, desk, bot, dispatcher, sender)


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
    """Migrate, start the sender, long-poll until SIGINT/SIGTERM, then shut down cleanly."""
    stop = asyncio.Event()
    if handle_signals:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    sender_task: asyncio.Task[None] | None = None
    try:
        await upgrade(app.engine)
        await app.sender.recover()
        sender_task = asyncio.create_task(app.sender.run(), name="outbox-sender")
        await app.bot.delete_webhook(drop_pending_updates=False)
        await set_commands(app.bot)
        # handle_as_tasks=False: aiogram confirms an update's offset only when it asks for the
        # next batch, so handling before asking means a crash never drops a received update.
        polling = asyncio.create_task(
            app.dispatcher.start_polling(
                app.bot,
                polling_timeout=app.config.telegram.polling_timeout,
                handle_as_tasks=False,
                handle_signals=False,
                close_bot_session=False,
            ),
            name="polling",
        )
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({polling, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("stop requested; finishing the update in hand")
            await app.dispatcher.stop_polling()
        else:
            stopper.cancel()
        await polling
    finally:
        if handle_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
        await app.sender.stop()
        if sender_task is not None:
            sender_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender_task
        await app.bot.session.close()
        await app.engine.dispose()
        log.info("stopped")
