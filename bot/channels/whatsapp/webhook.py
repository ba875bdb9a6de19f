"""The webhook: signed deliveries from Meta stored in the inbox, and stored rows read back as
core events and delivery reports."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.whatsapp.client import (
    CHANNEL,
    MEDIA_PREFIX,
    WINDOW_CLOSED,
    WINDOW_CLOSED_TEXT,
    media_file_name,
)
from bot.core.clock import Clock
from bot.core.dto import Contact, Inbound
from bot.setaside import whatsapp_rows, whatsapp_unparsed
from storage.repositories import InboxRepo

log = logging.getLogger(__name__)


SIGNATURE_HEADER = "X-Hub-Signature-256"
# The largest webhook body read (aiohttp answers 413 beyond it).
MAX_BODY = 2 * 1024 * 1024


def signature_ok(body: bytes, header: str | None, app_secret: bytes) -> bool:
    """X-Hub-Signature-256 is "sha256=" + HMAC-SHA256 of the raw body with the app secret."""
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(app_secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.encode(), expected.encode())


def inbox_rows(payload: Any, phone_number_id: str | None = None) -> list[dict[str, Any]]:
    """The messages and delivery statuses of one webhook body, as inbox rows.

    A message is keyed by its wamid and a status by wamid + status, so Meta's retries of the
    same delivery store nothing new. A chat's messages are handled in order. Events of another
    number of the same business account (``metadata.phone_number_id``) are not ours.
    """
    rows: list[dict[str, Any]] = []
    if not isinstance(payload, dict):
        return rows
    for entry in _list(payload.get("entry")):
        for change in _list(entry.get("changes") if isinstance(entry, dict) else None):
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            number = _str(value.get("metadata"), "phone_number_id")
            if phone_number_id and number and number != phone_number_id:
                continue
            names = {
                str(c.get("wa_id")): str((c.get("profile") or {}).get("name") or "")
                for c in _list(value.get("contacts"))
                if isinstance(c, dict)
            }
            for message in _list(value.get("messages")):
                wamid, sender = _str(message, "id"), _str(message, "from")
                if wamid and sender:
                    rows.append(
                        {
                            "channel": CHANNEL,
                            "update_id": wamid[:128],
                            "chat_key": f"wa:{sender}"[:64],
                            "payload": {"message": message, "name": names.get(sender, "")},
                        }
                    )
            for status in _list(value.get("statuses")):
                wamid, state = _str(status, "id"), _str(status, "status")
                recipient = _str(status, "recipient_id")
                if wamid and state and recipient:
                    rows.append(
                        {
                            "channel": CHANNEL,
                            "update_id": f"{wamid}:{state}"[:128],
                            # Apart from the chat's messages: a status waiting for its
                            # message id must not hold the citizen's next message back.
                            "chat_key": f"wa:{recipient}:status"[:64],
                            "payload": {"status": status},
                        }
                    )
    return rows


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(obj: Any, key: str) -> str:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """A status webhook of one of our messages: sent, delivered, read or failed."""

    wamid: str
    recipient: str
    state: str
    at: datetime | None
    error: str | None


def delivery_of(payload: dict[str, Any]) -> DeliveryReport:
    """A stored status row as a report; the error says why a "failed" message did not arrive."""
    status = payload["status"]
    state = str(status.get("status"))[:16]
    try:
        at: datetime | None = datetime.fromtimestamp(int(str(status.get("timestamp"))), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        at = None
    error = None
    if state == "failed":
        errors = status.get("errors")
        first = errors[0] if isinstance(errors, list) and errors else {}
        code = first.get("code") if isinstance(first, dict) else None
        title = first.get("title") if isinstance(first, dict) else None
        error = (
            WINDOW_CLOSED_TEXT
            if code == WINDOW_CLOSED
            else f"WhatsApp ({code}) {title or 'delivery failed'}"[:500]
        )
    return DeliveryReport(str(status.get("id")), str(status.get("recipient_id")), state, at, error)


UNSUPPORTED_KINDS = {"sticker": "sticker", "audio": "voice", "voice": "voice", "video": "video"}


def inbound_of(payload: dict[str, Any]) -> Inbound:
    """A stored WhatsApp message as a core event (the same shape Telegram's give)."""
    message = payload["message"]
    sender = str(message["from"])
    contact = Contact(channel=CHANNEL, external_id=sender, name=payload.get("name") or sender)
    kind = str(message.get("type") or "unknown")
    content = message.get(kind) if isinstance(message.get(kind), dict) else {}
    wamid = str(message["id"])
    if kind == "text":
        body = str(content.get("body") or "")
        command = body.lstrip().startswith("/")
        return Inbound(contact, "command" if command else "text", body, wamid)
    if kind == "interactive":
        reply = content.get("button_reply") or content.get("list_reply") or {}
        return Inbound(contact, "button", str(reply.get("id") or "")[:256], wamid)
    if kind == "button":  # a quick-reply button of a template
        return Inbound(contact, "text", str(content.get("text") or ""), wamid)
    if kind in ("image", "document"):
        mime = str(content.get("mime_type") or "")
        name = content.get("filename") if kind == "document" else None
        return Inbound(
            contact,
            "photo" if kind == "image" else "document",
            str(content.get("caption") or ""),
            wamid,
            media_ref=MEDIA_PREFIX + str(content.get("id") or ""),
            file_name=str(name) if name else media_file_name(mime or "image/jpeg", None, "foto"),
            mime_type=mime,
        )
    if kind == "location":
        return Inbound(contact, "location", str(content.get("name") or ""), wamid)
    if kind == "request_welcome":  # the user opened the chat for the first time
        return Inbound(contact, "command", "/start", wamid)
    if kind in ("reaction", "system"):  # nothing to answer
        return Inbound(contact, kind, "", wamid)
    return Inbound(contact, UNSUPPORTED_KINDS.get(kind, "other"), "", wamid)


class ListenError(Exception):
    """The webhook server cannot listen where [whatsapp] listen says (one line, for the CLI)."""


class WhatsAppWebhook:
    """The webhook endpoint: GET answers Meta's verification, POST stores signed deliveries.

    A POST is answered 200 as soon as its messages are stored (handling happens in the inbox
    worker); a storage failure answers 500 so Meta delivers it again. Anything not signed with
    the app secret is refused with 401 and leaves no trace.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        app_secret: str,
        verify_token: str,
        path: str,
        on_stored: Callable[[], None],
        clock: Clock,
        phone_number_id: str | None = None,
        on_set_aside: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.on_set_aside = on_set_aside
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.phone_number_id = phone_number_id
        self.app_secret = app_secret.encode()
        self.verify_token = verify_token
        self.path = path
        self.on_stored = on_stored
        self._runner: web.AppRunner | None = None

    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        self.add_routes(app)
        return app

    def add_routes(self, app: web.Application) -> None:
        """The webhook's routes, on a server of its own or one shared with Telegram's."""
        app.router.add_get(self.path, self.verify)
        app.router.add_post(self.path, self.receive)

    async def start(self, host: str, port: int) -> None:
        self._runner = web.AppRunner(self.application(), access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, host, port).start()
        except OSError as exc:
            await self.stop()
            reason = exc.strerror or str(exc)
            where = f"{host}:{port} ([whatsapp] listen)"
            raise ListenError(f"cannot listen for WhatsApp webhooks on {where}: {reason}") from None
        log.info("WhatsApp webhook listening on %s:%d%s", host, port, self.path)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def verify(self, request: web.Request) -> web.Response:
        query = request.query
        token = query.get("hub.verify_token", "")
        if query.get("hub.mode") == "subscribe" and hmac.compare_digest(
            token.encode(), self.verify_token.encode()
        ):
            return web.Response(text=query.get("hub.challenge", ""))
        return web.Response(status=403, text="forbidden")

    async def receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not signature_ok(body, request.headers.get(SIGNATURE_HEADER), self.app_secret):
            log.warning("WhatsApp webhook with a missing or wrong signature refused")
            return web.Response(status=401, text="bad signature")
        # What does not parse is set aside (stored as failed) and answered 200 like the rest:
        # Meta would deliver it again and again otherwise.
        payload, unparsed = whatsapp_unparsed(body)
        rows = inbox_rows(payload, self.phone_number_id) if payload is not None else []
        if rows or unparsed:
            try:
                async with self.sessionmaker() as session:
                    await InboxRepo(session).store(rows, self.clock.now())
                    await InboxRepo(session).set_aside(whatsapp_rows(unparsed), self.clock.now())
                    await session.commit()
            except Exception:
                log.exception("storing %d WhatsApp event(s) failed; Meta will retry", len(rows))
                return web.Response(status=500, text="try again")
            self.on_stored()
        if unparsed:
            log.warning("%d WhatsApp event(s) that do not parse were set aside", len(unparsed))
            if self.on_set_aside is not None:
                await self.on_set_aside()
        return web.Response(text="ok")
