"""Citizen private chat: parse the update, call the desk, nothing else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import F, Router
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.telegram import contact_of, inbound_of
from bot.core.commands import CITIZEN_COMMANDS, find
from bot.core.desk import Desk
from bot.core.dto import Inbound
from bot.core.network import CitizenDesk
from handlers.commands import command_filter
from handlers.filters import Magic

UseCase = Callable[[CitizenDesk, AsyncSession, Inbound, str | None], Awaitable[None]]

# What each citizen command of the table (bot.core.commands) does, on every channel.
USE_CASES: dict[str, UseCase] = {
    "start": lambda desk, session, event, args: desk.start(session, event, args),
    "petugas": lambda desk, session, event, args: desk.call_officer(session, event),
    "status": lambda desk, session, event, args: desk.status(session, event, args),
    "batal": lambda desk, session, event, args: desk.cancel(session, event),
    "permohonan": lambda desk, session, event, args: desk.request(session, event),
    "keberatan": lambda desk, session, event, args: desk.objection(session, event, args),
    "kembali": lambda desk, session, event, args: desk.back(session, event),
    "bahasa": lambda desk, session, event, args: desk.language(session, event, args),
    "kantor": lambda desk, session, event, args: desk.office(session, event, args),
}


async def run_command(
    desk: CitizenDesk, session: AsyncSession, event: Inbound, name: str, args: str | None
) -> None:
    """The use case of the citizen command ``name`` (its table name, not an alias)."""
    await USE_CASES[name](desk, session, event, args)


def build_router() -> Router:
    missing = {spec.name for spec in CITIZEN_COMMANDS} ^ set(USE_CASES)
    if missing:
        raise RuntimeError(f"citizen commands without a use case, or the reverse: {missing}")
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

    @commands.message(command_filter(private=True))
    async def command(
        message: Message, command: CommandObject, desk: Desk, session: AsyncSession
    ) -> None:
        spec = find(command.command, private=True)
        assert spec is not None  # the filter matched one of the table's words
        await run_command(desk, session, inbound_of(message), spec.name, command.args)

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
