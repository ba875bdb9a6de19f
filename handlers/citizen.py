"""Citizen private chat: parse the update, call the desk, nothing else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.telegram import contact_of, inbound_of
from bot.core.desk import Desk
from bot.core.dto import Inbound
from handlers.filters import Magic


def build_router() -> Router:
    router = Router(name=__name__)
    # Only people in private chats; other bots' messages are never answered (no bot loops).
    person = Magic(F.chat.type == "private", F.from_user, ~F.from_user.is_bot)
    router.message.filter(person)
    router.edited_message.filter(person)
    router.callback_query.filter(Magic(F.message.chat.type == "private"))
    # Commands first, in their own router: a message that cannot be a command (most are
    # questions) skips all their filters with one check. Command filters read captions too.
    commands = Router(name=f"{__name__}.commands")
    commands.message.filter(Magic(F.text.startswith("/") | F.caption.startswith("/")))
    messages = Router(name=f"{__name__}.messages")
    router.include_routers(commands, messages)

    @commands.message(CommandStart())
    async def start(message: Message, desk: Desk, session: AsyncSession) -> None:
        await desk.start(session, inbound_of(message))

    @commands.message(Command("petugas"))
    async def officer(message: Message, desk: Desk, session: AsyncSession) -> None:
        await desk.call_officer(session, inbound_of(message))

    @commands.message(Command("status"))
    async def status(
        message: Message, command: CommandObject, desk: Desk, session: AsyncSession
    ) -> None:
        await desk.status(session, inbound_of(message), command.args)

    @commands.message(Command("permohonan"))
    async def request(message: Message, desk: Desk, session: AsyncSession) -> None:
        await desk.request(session, inbound_of(message))

    @commands.message(Command("keberatan"))
    async def objection(
        message: Message, command: CommandObject, desk: Desk, session: AsyncSession
    ) -> None:
        await desk.objection(session, inbound_of(message), command.args)

    @commands.message(Command("bahasa"))
    async def language(
        message: Message, command: CommandObject, desk: Desk, session: AsyncSession
    ) -> None:
        await desk.language(session, inbound_of(message), command.args)

    @commands.message(Command("batal"))
    async def cancel(message: Message, desk: Desk, session: AsyncSession) -> None:
        await desk.cancel(session, inbound_of(message))

    @commands.message(Magic(F.text.startswith("/")))
    async def unknown_command(message: Message, desk: Desk, session: AsyncSession) -> None:
        await desk.unknown_command(session, inbound_of(message))

    @messages.message(Magic(F.text))
    async def question(message: Message, desk: Desk, session: AsyncSession) -> None:
        await desk.ask(session, inbound_of(message))

    @messages.message(Magic(F.photo | F.document))
    async def media(message: Message, desk: Desk, session: AsyncSession) -> None:
        await desk.media(session, inbound_of(message))

    @messages.edited_message()
    async def edited(message: Message, desk: Desk, session: AsyncSession) -> None:
        await desk.edited(session, inbound_of(message))

    @messages.message()
    async def other_content(message: Message, desk: Desk, session: AsyncSession) -> None:
        await desk.unsupported(session, inbound_of(message))

    @messages.callback_query()
    async def button(
        query: CallbackQuery,
        desk: Desk,
        session: AsyncSession,
        after_commit: list[Callable[[], Awaitable[Any]]],
    ) -> None:
        # Every button goes to the desk, which checks it (signed data, ownership); forged or
        # outdated data gets a polite "no longer available" and changes nothing.
        assert query.message is not None
        event = Inbound(
            contact=contact_of(query.from_user, query.message.chat.id),
            kind="button",
            text=(query.data or "")[:64],
        )
        await desk.button(session, event, query.data or "")
        after_commit.append(query.answer)

    return router
