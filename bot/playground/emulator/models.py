"""Plain data types shared by the emulator and the tests that drive it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple


@dataclass(frozen=True, slots=True)
class FakeUser:
    """A Telegram user (or the bot itself) living inside the emulator."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    @property
    def chat_id(self) -> int:
        """Id of the private chat between this user and the bot (equal to the user id)."""
        return self.id

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass(eq=False)
class FakeChat:
    """A chat known to the emulator. Identity-hashed because ``is_forum`` can change."""

    id: int
    type: str  # "private", "group" or "supergroup"
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.title is not None:
            data["title"] = self.title
        if self.username:
            data["username"] = self.username
        if self.first_name is not None:
            data["first_name"] = self.first_name
        if self.last_name:
            data["last_name"] = self.last_name
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass
class SentMessage:
    """One successful message-producing call made by the bot (send, copy, forward, edit)."""

    method: str
    chat_id: int
    message_id: int
    thread_id: int | None = None
    text: str | None = None  # plain text (or caption), tags stripped and entities decoded
    html: str | None = None  # text or caption exactly as the bot sent it
    parse_mode: str | None = None
    entities: list[dict[str, Any]] | None = None
    reply_markup: dict[str, Any] | None = None
    disable_notification: bool = False
    protect_content: bool = False
    reply_to_message_id: int | None = None
    kind: str = "text"  # text, photo, document, voice, sticker, video, location, ...
    photo: list[dict[str, Any]] | None = None
    document: dict[str, Any] | None = None
    media: dict[str, Any] | None = None  # the file object for any other media kind
    copied_from: tuple[int, int] | None = None  # (chat_id, message_id) for copies and forwards
    message: dict[str, Any] = field(default_factory=dict)  # the Message as returned to the bot
    params: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Inline keyboard buttons, flattened row by row (empty without an inline keyboard)."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or []
        return [button for row in rows for button in row]

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]

    def short(self) -> str:
        """One-line description used in assertion messages."""
        thread = f"/{self.thread_id}" if self.thread_id else ""
        text = (self.text or "").replace("\n", "\\n")
        if len(text) > 80:
            text = text[:77] + "..."
        return f"{self.method} -> {self.chat_id}{thread} #{self.message_id} [{self.kind}] {text!r}"


class ApiCall(NamedTuple):
    """Every request the bot made: method name, decoded params, monotonic time, HTTP status."""

    method: str
    params: dict[str, Any]
    at: float
    status: int
