"""Delivery of outbox rows to WhatsApp citizens, within the 24-hour customer-service window."""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.base import Held, PermanentError
from bot.channels.progress import PartProgress
from bot.channels.whatsapp.client import (
    CHANNEL,
    WINDOW_CLOSED,
    WINDOW_CLOSED_TEXT,
    GraphError,
    WhatsAppClient,
    classify,
)
from bot.channels.whatsapp.markup import (
    CAPTION_MAX,
    interactive_messages,
    split_text,
    whatsapp_text,
)
from bot.core.postman import KIND_LABELS, PRIORITY_BULK
from storage.models import Outbox, Ticket
from storage.repositories import OutboxRepo

# An officer's Telegram media kind -> (WhatsApp message type, default MIME type, file name).
COPY_MEDIA = {
    "photo": ("image", "image/jpeg", "foto.jpg"),
    "document": ("document", "application/octet-stream", "dokumen"),
    "voice": ("audio", "audio/ogg", "suara.ogg"),  # Opus in OGG, which WhatsApp plays
    "audio": ("audio", "audio/mpeg", "audio.mp3"),
    "video": ("video", "video/mp4", "video.mp4"),
}

TelegramFile = Callable[[str], Awaitable[tuple[bytes, str]]]


class WhatsAppSender:
    """Delivers outbox rows of WhatsApp citizens; the outbox sender calls it like Telegram's."""

    def __init__(
        self,
        client: WhatsAppClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        telegram_file: TelegramFile,
        template: str = "",
        template_language: str = "id",
        fallback_parameter: str = "",
    ) -> None:
        self.client = client
        self.sessionmaker = sessionmaker
        # Officers answer from Telegram: their photos and documents are fetched from there.
        self.telegram_file = telegram_file
        self.template = template
        self.template_language = template_language
        self.fallback_parameter = fallback_parameter
        # Parts delivered of a long row whose later part failed (forgotten in time).
        self._progress = PartProgress()

    async def probe(
        self, chat_id: str, method: str, payload: dict[str, Any], candidates: list[int]
    ) -> str | bool | None:
        return False  # the Cloud API cannot list what a chat received: never guess

    async def send(self, row: Outbox) -> str:
        async with self.sessionmaker() as session:
            if await OutboxRepo(session).has_held(CHANNEL, row.chat_id):
                # Earlier messages wait for the citizen to write again; this one waits too,
                # in order, without another template.
                raise Held("waiting behind held messages (24-hour window)")
        try:
            return await self._deliver(row)
        except GraphError as exc:
            if exc.code != WINDOW_CLOSED:
                raise classify(exc) from None
        if not self.template or row.priority >= PRIORITY_BULK:
            # A reminder is not worth a template: it fails quietly (see delivery_failed).
            raise PermanentError(WINDOW_CLOSED_TEXT)
        await self._send_template(row)
        raise Held(f"24-hour window closed; template {self.template!r} sent")

    async def _send_template(self, row: Outbox) -> None:
        parameter = self.fallback_parameter
        if row.ticket_id is not None:
            async with self.sessionmaker() as session:
                ticket = await session.get(Ticket, row.ticket_id)
                parameter = ticket.number if ticket is not None else parameter
        template: dict[str, Any] = {
            "name": self.template,
            "language": {"code": self.template_language},
        }
        if parameter:
            template["components"] = [
                {"type": "body", "parameters": [{"type": "text", "text": parameter}]}
            ]
        try:
            await self.client.send({"to": row.chat_id, "type": "template", "template": template})
        except GraphError as exc:
            raise classify(exc) from None

    async def _deliver(self, row: Outbox) -> str:
        payload = row.payload
        lang = str(payload.get("lang") or "id")
        if row.method in ("text", "edit_card"):
            text = payload["text"]
            if payload.get("parse_mode") == "HTML":
                text = whatsapp_text(text)
            buttons = payload.get("buttons")
            if buttons:
                return await self._send_all(row, interactive_messages(text, buttons, lang))
            return await self._send_all(row, [("text", {"body": p}) for p in split_text(text)])
        if row.method == "document" and "b64" in payload:
            data = base64.b64decode(payload["b64"])
            filename = str(payload.get("filename") or "dokumen.pdf")
            mime = mimetypes.guess_type(filename)[0] or "application/pdf"
            media_id = await self.client.upload(data, mime, filename)
            document = {"id": media_id, "filename": filename}
            if payload.get("caption"):
                document["caption"] = str(payload["caption"])[:CAPTION_MAX]
            return await self.client.send(
                {"to": row.chat_id, "type": "document", "document": document}
            )
        if row.method == "copy":
            return await self._copy(row, payload)
        raise PermanentError(f"unknown outbox method {row.method!r}")

    async def _copy(self, row: Outbox, payload: dict[str, Any]) -> str:
        """An officer's Telegram message, rebuilt for WhatsApp (a copy cannot cross over)."""
        to = row.chat_id
        kind = payload.get("kind", "text")
        text = str(payload.get("text") or "")
        file_id = payload.get("file_id")
        if kind in COPY_MEDIA and file_id:
            data, path = await self.telegram_file(str(file_id))
            wa_type, default_mime, default_name = COPY_MEDIA[kind]
            filename = path.rsplit("/", 1)[-1] or default_name
            # Telegram's own names for photos and voice notes say little: keep the defaults.
            mime = default_mime if kind in ("photo", "voice") else None
            mime = mime or mimetypes.guess_type(filename)[0] or default_mime
            media_id = await self.client.upload(data, mime, filename)
            media: dict[str, Any] = {"id": media_id}
            if wa_type == "document":
                media["filename"] = filename
            if text and wa_type != "audio":  # WhatsApp audio has no caption
                media["caption"] = text[:CAPTION_MAX]
            wamid = await self.client.send({"to": to, "type": wa_type, wa_type: media})
            if text and wa_type == "audio":
                wamid = await self.client.send({"to": to, "type": "text", "text": {"body": text}})
            return wamid
        if kind == "text" and text:
            return await self._send_all(row, [("text", {"body": p}) for p in split_text(text)])
        label = KIND_LABELS.get(kind, kind)
        raise PermanentError(f"{label} tidak dapat diteruskan ke WhatsApp")

    async def _send_all(self, row: Outbox, messages: list[tuple[str, dict[str, Any]]]) -> str:
        """Send a row's parts in order. A retry after a failed part starts at that part: the
        parts already delivered are not sent twice. (After a crash the row is never resent.)"""
        key = row.id if row.id is not None else -1
        done, wamid = self._progress.get(key)
        for index in range(done, len(messages)):
            kind, content = messages[index]
            wamid = await self.client.send({"to": row.chat_id, "type": kind, kind: content})
            self._progress.delivered(key, index + 1, wamid)
        self._progress.finished(key)
        return wamid
