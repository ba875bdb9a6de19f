"""The officers' staff group: ticket topics, card buttons and staff commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.telegram import message_kind
from bot.core.commands import find
from bot.core.dto import StaffEvent
from bot.core.staff import StaffDesk
from handlers.commands import ANY_COMMAND, command_filter
from handlers.filters import Magic

RELAYED_KINDS = frozenset(
    {"text", "photo", "document", "voice", "video", "audio", "animation", "sticker", "video_note"}
)


def staff_event(message: Message) -> StaffEvent:
    assert message.from_user is not None
    reply = message.reply_to_message
    return StaffEvent(
        chat_id=message.chat.id,
        message_id=message.message_id,
        user_id=message.from_user.id,
        user_name=message.from_user.full_name,
        username=message.from_user.username,
        # In a non-forum group message_thread_id marks reply threads, not topics.
        thread_id=message.message_thread_id if message.is_topic_message else None,
        reply_to_message_id=reply.message_id if reply is not None else None,
        kind=message_kind(message),
        text=message.text or message.caption or "",
        media_ref=_file_id(message),
    )


def _file_id(message: Message) -> str | None:
    if message.photo:
        return message.photo[-1].file_id
    for media in (message.document, message.voice, message.video, message.audio):
        if media is not None:
            return media.file_id
    return None


def build_router(*staff_group_ids: int) -> Router:
    """The staff groups' router: one group, or each office's of a network."""
    router = Router(name=__name__)
    groups = frozenset(staff_group_ids)
    router.message.filter(Magic(F.chat.id.in_(groups), F.from_user, ~F.from_user.is_bot))
    router.callback_query.filter(Magic(F.message.chat.id.in_(groups)))

    @router.message(command_filter(private=False))
    async def command(
        message: Message, command: CommandObject, staff: StaffDesk, session: AsyncSession
    ) -> None:
        spec = find(command.command, private=False)
        assert spec is not None  # the filter matched one of the table's words
        await staff.command(session, staff_event(message), spec, command.args or "")

    @router.message(Magic(F.text.startswith("/")), Command(ANY_COMMAND))
    async def unknown_command(
        message: Message, command: CommandObject, staff: StaffDesk, session: AsyncSession
    ) -> None:
        # A typo or a command of the citizens' menu: the officer gets the staff commands.
        await staff.unknown_command(session, staff_event(message), "/" + command.command)

    @router.message(Magic(F.text.startswith("/")))
    async def other_command(message: Message) -> None:
        # Commands meant for other bots ("/cmd@other_bot"): never relayed to a citizen.
        return

    @router.message()
    async def message(message: Message, staff: StaffDesk, session: AsyncSession) -> None:
        if message_kind(message) in RELAYED_KINDS:
            await staff.message(session, staff_event(message))

    @router.callback_query()
    async def button(
        query: CallbackQuery,
        staff: StaffDesk,
        session: AsyncSession,
        after_commit: list[Callable[[], Awaitable[Any]]],
    ) -> None:
        assert query.message is not None
        event = StaffEvent(
            chat_id=query.message.chat.id,
            message_id=query.message.message_id,
            user_id=query.from_user.id,
            user_name=query.from_user.full_name,
            username=query.from_user.username,
        )
        answer = await staff.button(session, event, query.data or "")
        after_commit.append(lambda: query.answer(answer))

    return router
