"""Writes outgoing messages: the transcript row and the outbox row, in the caller's transaction.

Rows are inserted as they are made, so a chat's messages go out in the order they were written."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.clock import Clock
from bot.core.dto import Button, Inbound
from bot.texts import st
from storage.models import Citizen, Notice, Ticket
from storage.repositories import MessageRepo, OutboxRepo

# Replies to citizens go before bulk pushes (digests, reminders) in the outbox; a ticket's
# card goes before anything else for its topic.
PRIORITY_CARD = -1
PRIORITY_REPLY = 0
PRIORITY_BULK = 10

Buttons = tuple[tuple[Button, ...], ...]

# What a citizen sent that only text can describe, in the officers' language.
KIND_LABELS = {
    "location": "lokasi",
    "sticker": "stiker",
    "voice": "pesan suara",
    "video": "video",
    "contact": "kontak",
    "other": "pesan jenis lain",
}

# Officers work in a Telegram group, whatever channel the citizen writes on; a citizen's
# message can be copied into a topic only from a Telegram chat.
STAFF_CHANNEL = "telegram"


def _buttons(buttons: Buttons | None) -> list[list[dict[str, str]]] | None:
    if not buttons:
        return None
    return [[{"label": b.label, "data": b.data} for b in row] for row in buttons]


class Postman:
    def __init__(
        self,
        clock: Clock,
        staff_chat_id: int | None,
        is_open: Callable[[datetime], bool] | None = None,
    ) -> None:
        self.clock = clock
        self.staff_chat_id = staff_chat_id
        # Outside office hours staff-group messages arrive without a sound, except urgent ones.
        self.is_open = is_open or (lambda _: True)

    def _quiet(self, urgent: bool) -> bool:
        return not urgent and not self.is_open(self.clock.now())

    async def to_user(self, session: AsyncSession, user_id: int, html: str) -> None:
        """A private message to an officer or coordinator (escalations): urgent, no transcript."""
        await OutboxRepo(session).write(
            channel=STAFF_CHANNEL,
            chat_id=str(user_id),
            method="text",
            payload={"text": html, "parse_mode": "HTML"},
            priority=PRIORITY_REPLY,
            now=self.clock.now(),
        )

    async def to_citizen(
        self,
        session: AsyncSession,
        citizen: Citizen,
        html: str,
        *,
        buttons: Buttons | None = None,
        ticket: Ticket | None = None,
        author_id: int | None = None,
        entry_id: str | None = None,
        score: float | None = None,
        priority: int = PRIORITY_REPLY,
    ) -> None:
        payload: dict[str, Any] = {"text": html, "parse_mode": "HTML"}
        if buttons:
            payload["buttons"] = _buttons(buttons)
        await self._citizen_row(
            session, citizen, "text", payload, html, ticket, author_id, entry_id, score, priority
        )

    async def copy_to_citizen(
        self,
        session: AsyncSession,
        citizen: Citizen,
        *,
        from_chat_id: int,
        message_id: int,
        kind: str,
        text: str,
        ticket: Ticket,
        author_id: int,
        media_ref: str | None = None,
    ) -> None:
        """An officer's message (any kind) copied, so the officer's account stays private.

        Text and file id ride along: a channel that cannot copy a Telegram message (WhatsApp)
        rebuilds it from them."""
        payload: dict[str, Any] = {
            "from_chat_id": from_chat_id,
            "message_id": message_id,
            "kind": kind,
            "text": text,
        }
        if media_ref:
            payload["file_id"] = media_ref
        await self._citizen_row(
            session,
            citizen,
            "copy",
            payload,
            text,
            ticket,
            author_id,
            None,
            None,
            PRIORITY_REPLY,
            media_ref=media_ref,
        )

    async def document_to_citizen(
        self,
        session: AsyncSession,
        citizen: Citizen,
        pdf: bytes,
        *,
        filename: str,
        caption: str,
        ticket: Ticket | None = None,
    ) -> None:
        """A document we made (a written notice): its bytes go into a notice row, written in
        the same transaction, and the outbox row refers to it, so a restart loses nothing and
        the outbox holds no file (the sender reads the bytes at send time)."""
        notice = Notice(
            ticket_id=ticket.id if ticket else None,
            filename=filename,
            pdf=pdf,
            created_at=self.clock.now(),
        )
        session.add(notice)
        await session.flush()
        payload = {
            "notice_id": notice.id,
            "filename": filename,
            "caption": caption[:1000],  # Telegram captions stop at 1024 characters
            "kind": "document",
        }
        await self._citizen_row(
            session,
            citizen,
            "document",
            payload,
            caption,
            ticket,
            None,
            None,
            None,
            PRIORITY_REPLY,
            media_ref=filename,
        )

    async def document_to_staff(
        self,
        session: AsyncSession,
        ticket: Ticket,
        *,
        file_id: str,
        caption: str = "",
        filename: str | None = None,
        silent: bool = False,
    ) -> None:
        """A file the citizen sent (e.g. the KTP scan of a request) shown in the ticket's topic.

        ``file_id`` is a Telegram file id, or a channel's own reference (``wa:<media id>``)
        that the Telegram sender fetches at send time."""
        if self.staff_chat_id is None:
            return
        payload: dict[str, Any] = {"file_id": file_id, "silent": silent or self._quiet(False)}
        if caption:
            payload["caption"] = caption[:1000]
        if filename:
            payload["filename"] = filename
        await self._staff_row(session, "document", payload, ticket, None, PRIORITY_REPLY)

    async def file_to_staff(
        self,
        session: AsyncSession,
        data: bytes,
        *,
        filename: str,
        caption: str = "",
        thread_id: int | None = None,
    ) -> None:
        """A file we made (a report's chart) in the staff group: its bytes in a notice row, like
        a written notice's, so the outbox holds no file."""
        if self.staff_chat_id is None:
            return
        notice = Notice(filename=filename, pdf=data, created_at=self.clock.now())
        session.add(notice)
        await session.flush()
        payload: dict[str, Any] = {
            "notice_id": notice.id,
            "filename": filename,
            "caption": caption[:1000],
            "silent": True,
        }
        await self._staff_row(session, "document", payload, None, thread_id, PRIORITY_REPLY)

    async def show_to_staff(self, session: AsyncSession, ticket: Ticket, event: Inbound) -> None:
        """A citizen's follow-up from a channel Telegram cannot copy from, rebuilt in the topic."""
        if event.kind in ("photo", "document") and event.media_ref:
            caption = st("citizen_says", text=event.text) if event.text else ""
            await self.document_to_staff(
                session,
                ticket,
                file_id=event.media_ref,
                caption=html.unescape(caption),  # captions go out as plain text
                filename=event.file_name,
                silent=True,
            )
        elif event.kind in ("text", "command"):
            await self.to_staff(
                session, st("citizen_says", text=event.text), ticket=ticket, silent=True
            )
        else:
            kind = KIND_LABELS.get(event.kind, KIND_LABELS["other"])
            text = st("citizen_sent_other", kind=kind, text=event.text)
            await self.to_staff(session, text, ticket=ticket, silent=True)

    async def _citizen_row(
        self,
        session: AsyncSession,
        citizen: Citizen,
        method: str,
        payload: dict[str, Any],
        text: str,
        ticket: Ticket | None,
        author_id: int | None,
        entry_id: str | None,
        score: float | None,
        priority: int,
        *,
        media_ref: str | None = None,
    ) -> None:
        assert citizen.id is not None
        # The channel renders some parts itself (WhatsApp's list button) in the citizen's language.
        payload.setdefault("lang", citizen.language)
        now = self.clock.now()
        ticket_id = ticket.id if ticket else None
        message_id = await MessageRepo(session).write(
            citizen_id=citizen.id,
            channel=citizen.channel,
            direction="out",
            kind=payload.get("kind", "text"),
            text=text,
            media_ref=media_ref,
            faq_entry_id=entry_id,
            faq_score=score,
            ticket_id=ticket_id,
            author_id=author_id,
            created_at=now,
        )
        await OutboxRepo(session).write(
            channel=citizen.channel,
            chat_id=citizen.external_id,
            method=method,
            payload=payload,
            priority=priority,
            now=now,
            message_id=message_id,
            ticket_id=ticket_id,
        )

    async def to_staff(
        self,
        session: AsyncSession,
        html: str,
        *,
        ticket: Ticket | None = None,
        thread_id: int | None = None,
        buttons: Buttons | None = None,
        card: bool = False,
        edit_card: bool = False,
        silent: bool = False,
        urgent: bool = False,
        priority_bulk: bool = False,
        link_ticket: int | None = None,
        close_topic: bool = False,
    ) -> None:
        """A message in the staff group: in the ticket's topic when a ticket is given (the
        sender finds or makes the topic at send time), else in ``thread_id``.

        ``link_ticket``: a link to that ticket's topic is added at send time (its topic may not
        exist yet); ``close_topic``: the topic is closed once the message is in it."""
        if self.staff_chat_id is None:
            return
        payload: dict[str, Any] = {
            "text": html,
            "parse_mode": "HTML",
            "silent": silent or self._quiet(urgent),
        }
        if buttons:
            payload["buttons"] = _buttons(buttons)
        if card:
            payload["card"] = True
        if link_ticket is not None:
            payload["link_ticket"] = link_ticket
        if close_topic:
            payload["close_topic"] = True
        method = "edit_card" if edit_card else "text"
        priority = PRIORITY_CARD if card else PRIORITY_BULK if priority_bulk else PRIORITY_REPLY
        await self._staff_row(session, method, payload, ticket, thread_id, priority)

    async def copy_to_staff(
        self, session: AsyncSession, ticket: Ticket, *, from_chat_id: str, message_id: int
    ) -> None:
        """A citizen's follow-up (any kind) copied into the ticket's topic."""
        if self.staff_chat_id is None:
            return
        payload = {"from_chat_id": int(from_chat_id), "message_id": message_id, "silent": True}
        await self._staff_row(session, "copy", payload, ticket, None, PRIORITY_REPLY)

    async def _staff_row(
        self,
        session: AsyncSession,
        method: str,
        payload: dict[str, Any],
        ticket: Ticket | None,
        thread_id: int | None,
        priority: int,
    ) -> None:
        # A network office's ticket: its messages go to its office's staff group, even when
        # another office's service writes them (a citizen who changed office meanwhile).
        chat_id = self.staff_chat_id
        if ticket is not None and ticket.office is not None and ticket.staff_chat_id:
            chat_id = ticket.staff_chat_id
        await OutboxRepo(session).write(
            channel=STAFF_CHANNEL,
            chat_id=str(chat_id),
            thread_id=thread_id,
            method=method,
            payload=payload,
            priority=priority,
            now=self.clock.now(),
            ticket_id=ticket.id if ticket else None,
        )
