"""aiogram's side of the command table (bot.core.commands): filters and Telegram's menus."""

from __future__ import annotations

import re

from aiogram import Bot
from aiogram.filters import Command
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat

from bot.core.commands import COMMANDS, menu
from bot.texts import LANGUAGES

# Any word Telegram marks as a bot command: what an unknown command looks like.
ANY_COMMAND = re.compile(r"[A-Za-z0-9_]{1,32}\Z")


def command_filter(*, private: bool) -> Command:
    """One filter for every name and alias used in private chats, or in the staff group.

    Like every aiogram Command filter it skips "/cmd@other_bot" (a command for another bot).
    """
    return Command(*(word for spec in COMMANDS if spec.private == private for word in spec.words))


async def set_commands(bot: Bot, *staff_group_ids: int | None) -> None:
    """Register commands per scope so Telegram shows the right menu in each place."""
    # https://core.telegram.org/bots/api#setmycommands — one list per scope and language; the
    # list without a language is the default, Indonesian.
    scopes: list[tuple[bool, BotCommandScopeAllPrivateChats | BotCommandScopeChat]] = [
        (True, BotCommandScopeAllPrivateChats())
    ]
    for group in staff_group_ids:
        if group is not None:
            scopes.append((False, BotCommandScopeChat(chat_id=group)))
    for private, scope in scopes:
        for lang in LANGUAGES:
            await bot.set_my_commands(
                [BotCommand(command=c, description=d) for c, d in menu(private, lang)],
                scope=scope,
                language_code=None if lang == "id" else lang,
            )
