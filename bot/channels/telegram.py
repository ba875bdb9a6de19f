"""Telegram adapter: aiogram objects in, plain DTOs out; outbox rows to Bot API calls."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, User

from bot.channels.base import PermanentError, RetryLater, TransientError
from bot.core.dto import Contact, Inbound

CHANNEL = "telegram"


def contact_of(user: User, chat_id: int) -> Contact:
    return Contact(
        channel=CHANNEL,
        external_id=str(chat_id),
        name=user.full_name,
        username=user.username,
        language_code=user.language_code,
    )


def message_kind(message: Message) -> str:
    if message.text is not None:
        return "command" if message.text.startswith("/") else "text"
    for kind in (
        "photo",
        "document",
        "sticker",
        "voice",
        "video",
        "audio",
        "animation",
        "video_note",
        "location",
        "contact",
        "poll",
        "dice",
        "venue",
    ):
        if getattr(message, kind, None):
            return kind
    return "other"


def inbound_of(message: Message) -> Inbound:
    """A private-chat message as a core event; media are referenced by file id."""
    assert message.from_user is not None
    media_ref = None
    if message.photo:
        media_ref = message.photo[-1].file_id
    elif message.document:
        media_ref = message.document.file_id
    return Inbound(
        contact=contact_of(message.from_user, message.chat.id),
        kind=message_kind(message),
        text=message.text or message.caption or "",
        external_message_id=str(message.message_id),
        media_ref=media_ref,
    )


def keyboard(buttons: list[list[dict[str, str]]] | None) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    rows = [
        [InlineKeyboardButton(text=b["label"], callback_data=b["data"]) for b in row]
        for row in buttons
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


class TelegramSender:
    """Sends outbox rows through the Bot API and maps its errors to retry decisions."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(
        self, chat_id: str, thread_id: int | None, method: str, payload: dict[str, Any]
    ) -> str:
        try:
            if method == "text":
                sent = await self.bot.send_message(
                    chat_id=int(chat_id),
                    text=payload["text"],
                    parse_mode=payload.get("parse_mode"),
                    message_thread_id=thread_id,
                    reply_markup=keyboard(payload.get("buttons")),
                    disable_notification=payload.get("silent", False),
                )
                return str(sent.message_id)
            raise PermanentError(f"unknown outbox method {method!r}")
        except TelegramRetryAfter as exc:
            raise RetryLater(float(exc.retry_after), "429 Too Many Requests") from None
        except (TelegramForbiddenError, TelegramNotFound) as exc:
            raise PermanentError(exc.message) from None
        except TelegramBadRequest as exc:
            raise PermanentError(exc.message) from None
        except TelegramUnauthorizedError:
            # A revoked token: retrying will not help, but the row must not be lost either.
            raise TransientError("unauthorized: check the bot token") from None
        except (TelegramNetworkError, TelegramServerError) as exc:
            raise TransientError(type(exc).__name__) from None
