"""Citizen private chat: parse the update, call the desk, nothing else."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.telegram import contact_of, inbound_of
from bot.core.desk import FAQ_CALLBACK_PREFIX, Desk
from bot.core.dto import Inbound
from bot.texts import language_for

CITIZEN_COMMANDS = {"start"}


def build_router() -> Router:
    router = Router(name=__name__)
    # Only people in private chats; other bots' messages are never answered (no bot loops).
    router.message.filter(F.chat.type == "private", F.from_user, ~F.from_user.is_bot)
    router.callback_query.filter(F.message.chat.type == "private")

    @router.message(CommandStart())
    async def start(message: Message, desk: Desk, session: AsyncSession) -> None:
        await desk.start(session, inbound_of(message))

    @router.message(F.text.startswith("/"))
    async def unknown_command(message: Message, desk: Desk, session: AsyncSession) -> None:
        await desk.unknown_command(session, inbound_of(message))

    @router.message(F.text)
    async def question(message: Message, desk: Desk, session: AsyncSession) -> None:
        await desk.ask(session, inbound_of(message))

    @router.message(F.photo | F.document)
    async def media(message: Message, desk: Desk, session: AsyncSession) -> None:
        await desk.media(session, inbound_of(message))

    @router.edited_message(F.chat.type == "private", F.from_user, ~F.from_user.is_bot)
    async def edited(message: Message, desk: Desk, session: AsyncSession) -> None:
        await desk.edited(session, inbound_of(message))

    @router.message()
    async def other_content(message: Message, desk: Desk, session: AsyncSession) -> None:
        await desk.unsupported(session, inbound_of(message))

    @router.callback_query(F.data.startswith(FAQ_CALLBACK_PREFIX))
    async def faq_choice(query: CallbackQuery, desk: Desk, session: AsyncSession) -> None:
        assert query.message is not None and query.data is not None
        event = Inbound(
            contact=contact_of(query.from_user, query.message.chat.id),
            kind="button",
            text=query.data,
        )
        await desk.pick_faq(session, event, query.data)
        await query.answer()

    @router.callback_query()
    async def unknown_button(query: CallbackQuery) -> None:
        # Forged or outdated button data: say so, change nothing.
        lang = language_for(query.from_user.language_code)
        text = (
            "Tombol ini sudah tidak berlaku." if lang == "id" else "This button is no longer valid."
        )
        await query.answer(text)

    return router
