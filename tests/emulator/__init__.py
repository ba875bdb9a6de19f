"""Compatibility alias: the Bot API emulator now ships with the package as
``bot.playground.emulator`` (the playground runs it). Import from there; this alias keeps
tests written against the old path working until they are updated."""

from bot.playground.emulator import (
    DEFAULT_TOKEN,
    ApiCall,
    ApiError,
    BotApiEmulator,
    FakeChat,
    FakeUser,
    SentMessage,
    command_scope_key,
)

__all__ = [
    "DEFAULT_TOKEN",
    "ApiCall",
    "ApiError",
    "BotApiEmulator",
    "FakeChat",
    "FakeUser",
    "SentMessage",
    "command_scope_key",
]
