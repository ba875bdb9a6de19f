"""WhatsApp Cloud API adapter: signed webhooks in, outbox rows out through the Graph API.

Citizens write on WhatsApp; officers stay in the Telegram staff group. Inbound messages and
delivery statuses are stored in the same inbox as Telegram updates (keyed by wamid, so Meta's
redeliveries are harmless) and handled by the same desk. Outgoing rows are the desk's own
rows, rendered for WhatsApp here: HTML to WhatsApp markup, inline buttons to reply buttons or
a list, documents uploaded through the media endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import mimetypes
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, ClassVar

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.base import Held, PermanentError, RetryLater, SendError, TransientError
from bot.core.clock import Clock
from bot.core.dto import Contact, Inbound
from bot.core.postman import KIND_LABELS, PRIORITY_BULK
from bot.setaside import whatsapp_rows, whatsapp_unparsed
from storage.models import Outbox, Ticket
from storage.repositories import InboxRepo, OutboxRepo

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
MEDIA_PREFIX = "wa:"  # media_ref of a file a WhatsApp citizen sent: "wa:<media id>"
SIGNATURE_HEADER = "X-Hub-Signature-256"

# Limits of the Cloud API's message objects
# (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages).
TEXT_MAX = 4096
CAPTION_MAX = 1024
BUTTON_BODY_MAX = 1024
LIST_BODY_MAX = 4096
MAX_BUTTONS = 3
BUTTON_TITLE_MAX = 20
MAX_ROWS = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
LIST_BUTTON = {"id": "Pilih", "en": "Choose"}
LIST_MORE = {"id": "Pilihan lainnya:", "en": "More choices:"}

# Graph error codes (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes)
WINDOW_CLOSED = 131047
UNDELIVERABLE = 131026
THROTTLED = {4: 30.0, 80007: 30.0, 130429: 1.0, 131048: 60.0, 131056: 6.0}
SERVER_SIDE = {1, 2, 131000}
BAD_TOKEN = {190, 2500}

# An officer's Telegram media kind -> (WhatsApp message type, default MIME type, file name).
COPY_MEDIA = {
    "photo": ("image", "image/jpeg", "foto.jpg"),
    "document": ("document", "application/octet-stream", "dokumen"),
    "voice": ("audio", "audio/ogg", "suara.ogg"),  # Opus in OGG, which WhatsApp plays
    "audio": ("audio", "audio/mpeg", "audio.mp3"),
    "video": ("video", "video/mp4", "video.mp4"),
}

WINDOW_CLOSED_TEXT = (
    "warga di luar jendela 24 jam WhatsApp: pesan bebas baru bisa dikirim setelah warga "
    "menulis lagi (131047)"
)


# -- rendering ------------------------------------------------------------------------------


class _Markup(HTMLParser):
    """Telegram's HTML subset to WhatsApp's markup (*bold*, _italic_, ~strike~, ```mono```)."""

    MARKS: ClassVar[dict[str, str]] = {
        "b": "*",
        "strong": "*",
        "i": "_",
        "em": "_",
        "s": "~",
        "strike": "~",
        "del": "~",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[tuple[str, int]] = []
        self.mono = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.MARKS:
            self.out.append(self.MARKS[tag])
        elif tag in ("code", "pre"):
            if self.mono == 0:
                self.out.append("```")
            self.mono += 1
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.out)))
        elif tag == "br":
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.MARKS:
            self.out.append(self.MARKS[tag])
        elif tag in ("code", "pre") and self.mono:
            self.mono -= 1
            if self.mono == 0:
                self.out.append("```")
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            shown = "".join(self.out[start:])
            # Mentions (tg://) mean nothing on WhatsApp; web links stay visible and tappable.
            if href.startswith(("http://", "https://")) and href not in shown:
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def whatsapp_text(html: str) -> str:
    """Render a message written for Telegram's parse_mode HTML as WhatsApp text."""
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return "".join(parser.out).strip()


def split_text(text: str, limit: int = TEXT_MAX) -> list[str]:
    """Cut at paragraph, line or word breaks so every part fits ``limit``."""
    parts: list[str] = []
    while len(text) > limit:
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = text.rfind(sep, 0, limit)
            if cut >= limit // 2:
                break
        if cut <= 0:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text or not parts:
        parts.append(text)
    return parts


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def interactive_messages(
    body: str, buttons: list[list[dict[str, str]]], lang: str
) -> list[tuple[str, dict[str, Any]]]:
    """Messages for a text with buttons: leading plain texts, then the interactive part(s).

    Up to three short choices become reply buttons; anything else becomes a list (ten rows
    per message; a long label is cut in the row title and kept whole in its description).
    Returns (type, object) pairs: ("text", {...}) or ("interactive", {...}).
    """
    choices: list[dict[str, str]] = []
    for row in buttons:
        for button in row:
            if all(c["data"] != button["data"] for c in choices):
                choices.append(button)
    labels = [c["label"] for c in choices]
    as_buttons = (
        len(choices) <= MAX_BUTTONS
        and all(len(label) <= BUTTON_TITLE_MAX for label in labels)
        and len(set(labels)) == len(labels)
    )
    body_max = BUTTON_BODY_MAX if as_buttons else LIST_BODY_MAX
    parts = split_text(body, TEXT_MAX)
    last = parts.pop()
    if len(last) > body_max:
        *more, last = split_text(last, body_max)
        parts.extend(more)
    out: list[tuple[str, dict[str, Any]]] = [("text", {"body": p}) for p in parts if p]
    if as_buttons:
        action = {
            "buttons": [
                {"type": "reply", "reply": {"id": c["data"], "title": c["label"]}} for c in choices
            ]
        }
        out.append(("interactive", {"type": "button", "body": {"text": last}, "action": action}))
        return out
    for start in range(0, len(choices), MAX_ROWS):
        rows = []
        for choice in choices[start : start + MAX_ROWS]:
            row = {"id": choice["data"], "title": _short(choice["label"], ROW_TITLE_MAX)}
            if len(choice["label"]) > ROW_TITLE_MAX:
                row["description"] = _short(choice["label"], ROW_DESCRIPTION_MAX)
            rows.append(row)
        text = last if start == 0 else LIST_MORE.get(lang, LIST_MORE["id"])
        action = {"button": LIST_BUTTON.get(lang, LIST_BUTTON["id"]), "sections": [{"rows": rows}]}
        out.append(("interactive", {"type": "list", "body": {"text": text}, "action": action}))
    return out


# -- the Graph API ---------------------------------------------------------------------------


class GraphError(Exception):
    def __init__(self, code: int, title: str, http_status: int) -> None:
        super().__init__(f"({code}) {title}")
        self.code = code
        self.title = title
        self.http_status = http_status


def classify(exc: GraphError) -> SendError:
    """A Graph API error as the outbox's retry decision."""
    if exc.code in THROTTLED or exc.http_status == 429:
        return RetryLater(THROTTLED.get(exc.code, 5.0), f"WhatsApp rate limit {exc}")
    if exc.code in BAD_TOKEN or exc.http_status == 401:
        # A revoked token: retrying will not help, but the row must not be lost either.
        return TransientError("unauthorized: check [whatsapp] access_token")
    if exc.code in SERVER_SIDE or exc.http_status >= 500:
        return TransientError(str(exc))
    if exc.code == UNDELIVERABLE:
        return PermanentError(f"nomor tidak dapat menerima pesan WhatsApp {exc}")
    return PermanentError(str(exc))


class WhatsAppClient:
    """The few Graph API calls Loket makes; tokens go in headers, never in URLs or logs."""

    def __init__(
        self, api_base: str, phone_number_id: str, access_token: str, *, timeout: float = 30.0
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self.phone_number_id = phone_number_id
        self._headers = {"Authorization": f"Bearer {access_token}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers=self._headers, timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _json(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            async with self._http().request(method, url, **kwargs) as response:
                raw = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransientError(f"WhatsApp API unreachable: {type(exc).__name__}") from None
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if status >= 400 or "error" in data:
            error = data.get("error") if isinstance(data.get("error"), dict) else {}
            details = (error.get("error_data") or {}).get("details") or error.get("message", "")
            raise GraphError(int(error.get("code") or 0), str(details)[:300], status)
        return data

    async def send(self, message: dict[str, Any]) -> str:
        """POST /{phone-number-id}/messages; the new message's wamid."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", **message}
        url = f"{self.api_base}/{self.phone_number_id}/messages"
        data = await self._json("POST", url, json=body)
        try:
            return str(data["messages"][0]["id"])
        except (KeyError, IndexError, TypeError):
            # Accepted (200) without the id we expect: it went out, so never send it again.
            log.warning("WhatsApp accepted a message but returned no id")
            return ""

    async def upload(self, data: bytes, mime_type: str, filename: str) -> str:
        form = aiohttp.FormData()
        form.add_field("messaging_product", "whatsapp")
        form.add_field("type", mime_type)
        form.add_field("file", data, filename=filename, content_type=mime_type)
        url = f"{self.api_base}/{self.phone_number_id}/media"
        answer = await self._json("POST", url, data=form)
        return str(answer["id"])

    async def download(self, media_id: str, max_bytes: int) -> tuple[bytes, str]:
        """A file a citizen sent: its URL from GET /{media-id}, then the bytes (token needed)."""
        if not media_id.isdigit():  # media ids are numbers; anything else is not a path to use
            raise PermanentError("not a WhatsApp media id")
        info = await self._json(
            "GET",
            f"{self.api_base}/{media_id}",
            params={"phone_number_id": self.phone_number_id},
        )
        if int(info.get("file_size") or 0) > max_bytes:
            raise PermanentError(f"file of {info['file_size']} bytes is over the limit")
        try:
            async with self._http().get(info["url"]) as response:
                if response.status >= 400:
                    raise TransientError(f"media download answered {response.status}")
                data = await response.content.read(max_bytes + 1)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransientError(f"media download failed: {type(exc).__name__}") from None
        if len(data) > max_bytes:
            raise PermanentError("file is over the limit")
        return data, str(info.get("mime_type") or "application/octet-stream")


def _file_name(mime_type: str, name: str | None, stem: str) -> str:
    if name:
        return name
    extension = mimetypes.guess_extension(mime_type.split(";")[0].strip()) or ".bin"
    return stem + (".jpg" if extension == ".jpe" else extension)


class WhatsAppMedia:
    """Files of WhatsApp citizens for the Telegram side (the staff topic): fetched at send time
    through the media endpoint, so nothing big sits in the database."""

    def __init__(self, client: WhatsAppClient, max_bytes: int) -> None:
        self.client = client
        self.max_bytes = max_bytes

    def owns(self, ref: str) -> bool:
        return ref.startswith(MEDIA_PREFIX)

    async def fetch(self, ref: str, name: str | None) -> tuple[bytes, str, str]:
        """(bytes, file name, mime type) of ``wa:<media id>``."""
        try:
            data, mime = await self.client.download(ref.removeprefix(MEDIA_PREFIX), self.max_bytes)
        except GraphError as exc:
            raise classify(exc) from None
        return data, _file_name(mime, name, "berkas"), mime


# -- sending ----------------------------------------------------------------------------------

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
        # Row id -> (parts delivered, last wamid) of a long row whose later part failed.
        self._progress: dict[int, tuple[int, str]] = {}

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
        done, wamid = self._progress.get(key, (0, ""))
        for index in range(done, len(messages)):
            kind, content = messages[index]
            wamid = await self.client.send({"to": row.chat_id, "type": kind, kind: content})
            self._progress[key] = (index + 1, wamid)
        self._progress.pop(key, None)
        return wamid


# -- receiving --------------------------------------------------------------------------------


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
            file_name=str(name) if name else _file_name(mime or "image/jpeg", None, "foto"),
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
        app = web.Application(client_max_size=2 * 1024 * 1024)
        app.router.add_get(self.path, self.verify)
        app.router.add_post(self.path, self.receive)
        return app

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
