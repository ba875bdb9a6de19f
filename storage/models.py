"""SQLModel tables. Schema changes go through an Alembic migration in storage/migrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.types import UtcDateTime, utcnow


def _ts(**kwargs: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UtcDateTime, **kwargs)


class Citizen(SQLModel, table=True):
    """A person writing to the bot on one channel (a Telegram user, later a WhatsApp number)."""

    __table_args__ = (sa.UniqueConstraint("channel", "external_id", name="uq_citizen_channel_ext"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=256)
    username: str | None = Field(default=None, max_length=64)
    language: str = Field(default="id", max_length=8)
    created_at: datetime = _ts()
    last_seen_at: datetime = _ts()


class Message(SQLModel, table=True):
    """The transcript: every inbound and outbound message of a citizen, with time and channel."""

    __table_args__ = (sa.Index("ix_message_citizen_time", "citizen_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    citizen_id: int = Field(foreign_key="citizen.id")
    channel: str = Field(max_length=16)
    direction: str = Field(max_length=3)  # "in" | "out"
    kind: str = Field(default="text", max_length=16)  # text, photo, document, sticker, ...
    text: str = Field(default="", sa_type=sa.Text)
    media_ref: str | None = Field(default=None, max_length=256)
    external_id: str | None = Field(default=None, max_length=64)
    faq_entry_id: str | None = Field(default=None, max_length=128)
    faq_score: float | None = None
    created_at: datetime = _ts()


class Inbox(SQLModel, table=True):
    """Every inbound update, stored before it is acknowledged to the platform.

    The unique key makes handling idempotent (a redelivered update is stored once); the row is
    marked done in the same transaction as its handling, so a crash neither drops an update
    that was received nor handles one twice.
    """

    __table_args__ = (
        sa.UniqueConstraint("channel", "update_id", name="uq_inbox_update"),
        sa.Index("ix_inbox_pending", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    update_id: str = Field(max_length=128)
    chat_key: str = Field(default="", max_length=64)  # updates of one chat are handled in order
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    status: str = Field(default="pending", max_length=16)  # pending, done, failed
    attempts: int = 0
    not_before: datetime = _ts()
    received_at: datetime = _ts()
    handled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    error: str | None = Field(default=None, sa_type=sa.Text)


class Outbox(SQLModel, table=True):
    """Messages to send, written in the same transaction as the change that caused them."""

    __table_args__ = (sa.Index("ix_outbox_due", "status", "priority", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    thread_id: int | None = None
    method: str = Field(default="text", max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    priority: int = 0  # lower goes first: replies to citizens before bulk pushes
    status: str = Field(default="pending", max_length=16)  # pending, sending, sent, failed
    attempts: int = 0
    not_before: datetime = _ts()
    created_at: datetime = _ts()
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    external_message_id: str | None = Field(default=None, max_length=64)
    error: str | None = Field(default=None, sa_type=sa.Text)
    message_id: int | None = Field(default=None, foreign_key="message.id")


class UnansweredQuestion(SQLModel, table=True):
    """Questions the FAQ could not answer, for the editors' gap report."""

    __tablename__ = "unanswered_question"

    id: int | None = Field(default=None, primary_key=True)
    citizen_id: int | None = Field(default=None, foreign_key="citizen.id")
    text: str = Field(sa_type=sa.Text)
    normalized: str = Field(default="", sa_type=sa.Text)
    best_entry_id: str | None = Field(default=None, max_length=128)
    best_score: float | None = None
    created_at: datetime = _ts(index=True)
