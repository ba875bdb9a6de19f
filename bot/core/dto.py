"""Plain data passed between channel adapters and the desk core (never aiogram objects)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Contact:
    """Who wrote, on which channel; external_id is the chat to answer in."""

    channel: str
    external_id: str
    name: str
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class Inbound:
    """One normalized inbound message of a citizen."""

    contact: Contact
    kind: str  # text, command, photo, document, sticker, voice, location, other
    text: str = ""
    external_message_id: str | None = None
    media_ref: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True, slots=True)
class Reply:
    """A message for a citizen; ``html`` is already safe for parse_mode HTML."""

    html: str
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class StaffEvent:
    """A message or button press of someone in the staff group."""

    chat_id: int
    message_id: int
    user_id: int
    user_name: str
    username: str | None = None
    thread_id: int | None = None  # the forum topic, when the message is in one
    reply_to_message_id: int | None = None
    kind: str = "text"
    text: str = ""
    media_ref: str | None = None  # file id of a photo or document
