"""A local WhatsApp Cloud API emulator: the Graph API the bot calls, plus webhook delivery.

The bot is configured with ``api_base = emu.api_base`` (``http://127.0.0.1:PORT/v21.0``) and the
emulator's access token; it calls ``POST {api_base}/{phone_number_id}/messages`` and the media
endpoints exactly as it would call ``graph.facebook.com``. Tests play the citizens
(``send_text``, ``send_button_reply``, ...), which POSTs signed ``whatsapp_business_account``
webhooks to the URL given to :meth:`WhatsAppEmulator.set_webhook`, and inspect what the bot sent
(``sent``, ``wait_for_message``) and how it answered the webhooks (``deliveries``).

Everything runs on one asyncio loop; state is only mutated between awaits, so no locks are
needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Self

import aiohttp
from aiohttp import web

from bot.playground.emulator.waiting import ChangeWaiter, serve_app

from . import payloads
from .models import Delivery, GraphCall, SentWaMessage, StoredMedia, WaApiError, WaUser
from .payloads import SIGNATURE_HEADER
from .validation import invalid, normalize_recipient, parse_message

DEFAULT_VERSION = "v21.0"

# Titles and details Meta answers for errors tests commonly inject (code -> title, details,
# HTTP status). Any other code gets a generic title unless ``fail_next`` is given one.
KNOWN_ERRORS: dict[int, tuple[str, str, int]] = {
    1: ("API Unknown", "Invalid request or possible server error.", 400),
    2: ("API Service", "Temporary due to downtime or due to being overloaded.", 503),
    4: ("API Too Many Calls", "The app has reached its API call rate limit.", 400),
    80007: ("Rate limit issues", "The WhatsApp Business Account has reached its rate limit.", 400),
    130429: ("Rate limit hit", "Cloud API message throughput has been reached.", 400),
    131000: ("Something went wrong", "Message failed to send due to an unknown error.", 500),
    131026: (
        "Message undeliverable",
        "Unable to deliver message. The recipient may not be a WhatsApp user or may not have "
        "accepted the latest terms of service.",
        400,
    ),
    131047: (
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last "
        "replied to this number.",
        400,
    ),
    131048: (
        "Spam rate limit hit",
        "Message failed to send because there are restrictions on how many messages can be sent "
        "from this phone number.",
        400,
    ),
    131056: (
        "(Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone number "
        "to the same phone number in a short period of time.",
        400,
    ),
}

PLACEHOLDER_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PLACEHOLDER_WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(24)

Listener = Callable[[SentWaMessage], None]


def known_error(
    code: int, details: str | None = None, http_status: int | None = None
) -> WaApiError:
    title, default_details, default_status = KNOWN_ERRORS.get(code, ("Error", None, 400))
    return WaApiError(
        code,
        title,
        details if details is not None else default_details,
        http_status if http_status is not None else default_status,
    )


class WhatsAppEmulator(ChangeWaiter[SentWaMessage]):
    """Local WhatsApp Cloud API plus a test-side API to play citizens and inspect the bot.

    Use as ``async with WhatsAppEmulator() as emu:`` or call :meth:`start` / :meth:`stop`.
    """

    def __init__(
        self,
        access_token: str = "EAAtest",
        app_secret: str = "secret",
        phone_number_id: str = "1234567890",
        verify_token: str = "verify-me",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        version: str = DEFAULT_VERSION,
        waba_id: str = "100000000000001",
        display_phone_number: str = "15550001234",
        webhook_url: str | None = None,
        webhook_timeout: float = 10.0,
        statuses: bool = True,
        read_receipts: bool = True,
        status_delay: float = 0.0,
        window_hours: float = 24.0,
        window_errors: str = "sync",
    ) -> None:
        if window_errors not in ("sync", "async"):
            raise ValueError("window_errors must be 'sync' or 'async'")
        self.access_token = access_token
        self.app_secret = app_secret
        self.phone_number_id = phone_number_id
        self.verify_token = verify_token
        self.host = host
        self.port = port
        self.version = version
        self.waba_id = waba_id
        self.display_phone_number = display_phone_number
        self.webhook_url = webhook_url
        self.webhook_timeout = webhook_timeout
        # After each accepted send: status webhooks sent -> delivered (-> read).
        self.statuses = statuses
        self.read_receipts = read_receipts
        self.status_delay = status_delay
        self.window_hours = window_hours
        # "sync": a send outside the window answers 131047 at once (as the brief wants);
        # "async": it is accepted and then reported by a "failed" status webhook, which is
        # what Meta often does in production.
        self.window_errors = window_errors
        # Approved templates: name -> language codes. Empty accepts any template.
        self.templates: dict[str, set[str]] = {}

        self.users: dict[str, WaUser] = {}
        self.inbound: list[dict[str, Any]] = []  # message objects the citizens sent
        self.sent: list[SentWaMessage] = []
        self.calls: list[GraphCall] = []
        self.errors: list[tuple[str, int, str | None]] = []  # (endpoint, code, details)
        self.deliveries: list[Delivery] = []
        self.media: dict[str, StoredMedia] = {}
        self.read_marks: list[str] = []  # wamids the bot marked as read
        self.listeners: list[Listener] = []
        self.last_challenge: str | None = None

        self._last_inbound: dict[str, float] = {}  # wa_id -> wall-clock time of last message
        self._conversations: dict[str, str] = {}
        self._sent_by_to: dict[str, list[SentWaMessage]] = {}
        self._returned: dict[str, set[int]] = {}
        self._unreturned_from: dict[str, int] = {}
        self._failures: dict[str, deque[WaApiError]] = {}
        self._flood: tuple[float, int, random.Random, str] | None = None
        self._latency = 0.0
        self._auto_numbers = 0
        self._waiters: list[asyncio.Future[None]] = []
        self._status_queue: asyncio.Queue[tuple[str, str, str, bool, list[Any] | None]] | None = (
            None
        )
        self._status_task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """``http://host:port`` without the Graph version."""
        if self._runner is None:
            raise RuntimeError("emulator is not running; call start() first")
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """What the bot's ``[whatsapp] api_base`` gets: ``http://host:port/v21.0``."""
        return f"{self.base_url}/{self.version}"

    async def start(self) -> Self:
        """Bind to ``host:port`` (a free port when 0) and start serving."""
        if self._runner is not None:
            return self
        app = web.Application(client_max_size=110 * 1024 * 1024)
        version = r"{version:v\d+\.\d+}"
        app.router.add_post(f"/{version}/{{node}}/messages", self._handle_messages)
        app.router.add_post(f"/{version}/{{node}}/media", self._handle_upload)
        app.router.add_get(f"/{version}/{{node}}", self._handle_node)
        app.router.add_delete(f"/{version}/{{node}}", self._handle_delete)
        app.router.add_get("/whatsapp_business/attachments/", self._handle_download)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        self._runner, self.port = await serve_app(app, self.host, self.port)
        self._session = aiohttp.ClientSession()
        self._status_queue = asyncio.Queue()
        self._status_task = asyncio.get_running_loop().create_task(self._status_worker())
        return self

    async def stop(self) -> None:
        task, self._status_task = self._status_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ---------------------------------------------------------- world building

    def set_webhook(self, url: str | None) -> None:
        """Where webhooks go (the bot's listening URL); None stops deliveries."""
        self.webhook_url = url

    def user(self, wa_id: str | None = None, name: str = "Warga") -> WaUser:
        """A citizen; the same ``wa_id`` twice returns the first one. None picks a number."""
        if wa_id is None:
            self._auto_numbers += 1
            wa_id = f"628{self._auto_numbers:010d}"
            while wa_id in self.users:
                self._auto_numbers += 1
                wa_id = f"628{self._auto_numbers:010d}"
        if not wa_id.isdigit() or not 8 <= len(wa_id) <= 15:
            raise ValueError(f"wa_id must be 8-15 digits with the country code: {wa_id!r}")
        existing = self.users.get(wa_id)
        if existing is not None:
            return existing
        new = WaUser(wa_id, name)
        self.users[wa_id] = new
        return new

    def add_template(self, name: str, *languages: str) -> None:
        """Register an approved template; once any exists, unknown ones fail with 132001."""
        self.templates.setdefault(name, set()).update(languages or ("id",))

    def window_open(self, user: WaUser | str) -> bool:
        """True while free-form messages to ``user`` are allowed (last inbound < 24 h ago)."""
        last = self._last_inbound.get(self._wa_id(user))
        return last is not None and time.time() - last <= self.window_hours * 3600

    def open_window(self, user: WaUser | str) -> None:
        """As if the user had just written (for tests that play only the bot's side)."""
        wa_id = self._wa_id(user)
        self.users.setdefault(wa_id, WaUser(wa_id, "Warga"))
        self._last_inbound[wa_id] = time.time()

    def add_media(self, data: bytes, mime_type: str, filename: str | None = None) -> str:
        """Store a file as if a user had sent it; returns its media id."""
        return self._store_media(data, mime_type, filename, "inbound").id

    def age_window(self, user: WaUser | str, hours: float) -> None:
        """Move the user's last inbound message ``hours`` back in time."""
        wa_id = self._wa_id(user)
        if wa_id not in self._last_inbound:
            raise ValueError(f"{wa_id} never wrote; there is no window to age")
        self._last_inbound[wa_id] -= hours * 3600

    # ------------------------------------------------------------ citizens act

    async def send_text(self, user: WaUser, text: str, *, reply_to: str | None = None) -> str:
        """The citizen writes ``text``; returns the wamid of the inbound message."""
        return await self.send_inbound(user, "text", {"body": text}, reply_to=reply_to)

    async def send_button_reply(
        self,
        user: WaUser,
        reply_id: str,
        title: str | None = None,
        context_wamid: str | None = None,
        *,
        force: bool = False,
    ) -> str:
        """The citizen taps a reply button of an interactive message the bot sent.

        Without ``context_wamid`` the latest message to the user with that button id is used.
        The button must exist there (as in a real client) unless ``force=True``.
        """
        shown = self._find_choice(user, reply_id, context_wamid, "buttons", force)
        if title is None:
            title = self._choice_title(shown, "buttons", reply_id)
        content = {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}}
        wamid = shown.wamid if shown is not None else context_wamid
        return await self.send_inbound(user, "interactive", content, context_wamid=wamid)

    async def send_list_reply(
        self,
        user: WaUser,
        row_id: str,
        title: str | None = None,
        context_wamid: str | None = None,
        description: str | None = None,
        *,
        force: bool = False,
    ) -> str:
        """The citizen picks a row of an interactive list the bot sent (see send_button_reply)."""
        shown = self._find_choice(user, row_id, context_wamid, "rows", force)
        row = next((r for r in shown.rows if r["id"] == row_id), None) if shown else None
        if title is None:
            title = self._choice_title(shown, "rows", row_id)
        reply: dict[str, str] = {"id": row_id, "title": title}
        description = description if description is not None else (row or {}).get("description")
        if description:
            reply["description"] = description
        content = {"type": "list_reply", "list_reply": reply}
        wamid = shown.wamid if shown is not None else context_wamid
        return await self.send_inbound(user, "interactive", content, context_wamid=wamid)

    async def send_image(
        self,
        user: WaUser,
        data: bytes = PLACEHOLDER_JPEG,
        mime_type: str = "image/jpeg",
        caption: str | None = None,
    ) -> str:
        """The citizen sends a photo; the bot downloads it via ``GET /{media_id}``."""
        stored = self._store_media(data, mime_type, None, "inbound")
        content: dict[str, Any] = {
            "mime_type": mime_type,
            "sha256": payloads.sha256_b64(data),
            "id": stored.id,
        }
        if caption:
            content = {"caption": caption, **content}
        return await self.send_inbound(user, "image", content)

    async def send_document(
        self,
        user: WaUser,
        data: bytes,
        filename: str = "dokumen.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
    ) -> str:
        stored = self._store_media(data, mime_type, filename, "inbound")
        content: dict[str, Any] = {
            "filename": filename,
            "mime_type": mime_type,
            "sha256": payloads.sha256_b64(data),
            "id": stored.id,
        }
        if caption:
            content = {"caption": caption, **content}
        return await self.send_inbound(user, "document", content)

    async def send_location(
        self,
        user: WaUser,
        latitude: float,
        longitude: float,
        name: str | None = None,
        address: str | None = None,
    ) -> str:
        content: dict[str, Any] = {"latitude": float(latitude), "longitude": float(longitude)}
        if name:
            content["name"] = name
        if address:
            content["address"] = address
        return await self.send_inbound(user, "location", content)

    async def send_sticker(
        self, user: WaUser, data: bytes = PLACEHOLDER_WEBP, animated: bool = False
    ) -> str:
        stored = self._store_media(data, "image/webp", None, "inbound")
        content = {
            "mime_type": "image/webp",
            "sha256": payloads.sha256_b64(data),
            "id": stored.id,
            "animated": animated,
        }
        return await self.send_inbound(user, "sticker", content)

    async def send_inbound(
        self,
        user: WaUser,
        message_type: str,
        content: dict[str, Any],
        *,
        context_wamid: str | None = None,
        reply_to: str | None = None,
    ) -> str:
        """Any inbound message (audio, reaction, contacts, unsupported...); returns its wamid.

        ``context_wamid`` marks a reply to a business message (interactive replies);
        ``reply_to`` quotes any message, as a swipe-to-reply in the app does.
        """
        self._require_webhook()
        if user.wa_id not in self.users:
            self.users[user.wa_id] = user
        wamid = payloads.new_wamid(user.wa_id)
        message: dict[str, Any] = {}
        quoted = context_wamid or reply_to
        if quoted is not None:
            author = self._author_of(quoted, user)
            message["context"] = {"from": author, "id": quoted}
        message.update(
            {
                "from": user.wa_id,
                "id": wamid,
                "timestamp": payloads.unix_now(),
                "type": message_type,
                message_type: content,
            }
        )
        self._last_inbound[user.wa_id] = time.time()
        self.inbound.append(message)
        value = payloads.inbound_value(user.wa_id, user.name, message)
        body = payloads.encode(self._envelope(value))
        await self._post("message", body, payloads.sign(body, self.app_secret), wamid)
        return wamid

    async def redeliver(self, wamid: str, status: str | None = None) -> int:
        """Post an earlier webhook again, byte for byte (as Meta's retries do).

        ``wamid`` names an inbound message; with ``status`` ("sent", "delivered", ...) it
        names the status webhook of an outbound message instead. Returns the HTTP status.
        """
        for delivery in reversed(self.deliveries):
            if delivery.wamid != wamid or delivery.kind == "raw":
                continue
            if (status is None and delivery.kind == "message") or (
                status is not None and delivery.status_name == status
            ):
                again = await self._post(
                    delivery.kind,
                    delivery.body,
                    delivery.signature,
                    wamid,
                    delivery.status_name,
                )
                return again.status
        what = f"status {status!r} webhook" if status else "inbound message webhook"
        raise ValueError(f"no {what} for {wamid} was delivered")

    async def send_raw(
        self, payload: dict[str, Any] | bytes, signature: str | None = "valid"
    ) -> int:
        """POST an arbitrary webhook body; returns the HTTP status the bot answered.

        ``signature``: "valid" signs with the app secret, "missing" (or None) sends no
        signature header, any other string is sent verbatim as a forged header.
        """
        body = payload if isinstance(payload, bytes) else payloads.encode(payload)
        if signature == "valid":
            header: str | None = payloads.sign(body, self.app_secret)
        elif signature in (None, "missing"):
            header = None
        else:
            header = signature
        delivery = await self._post("raw", body, header, None)
        return delivery.status

    async def verify_webhook(
        self,
        verify_token: str | None = None,
        challenge: str | None = None,
        mode: str = "subscribe",
    ) -> tuple[int, str]:
        """The GET Meta makes when the webhook is configured; returns (status, body).

        A correct endpoint answers 200 with ``hub.challenge`` as the body when the token
        matches, and 403 otherwise.
        """
        url = self._require_webhook()
        challenge = challenge if challenge is not None else str(secrets.randbelow(10**10))
        self.last_challenge = challenge
        params = {
            "hub.mode": mode,
            "hub.verify_token": verify_token if verify_token is not None else self.verify_token,
            "hub.challenge": challenge,
        }
        assert self._session is not None
        timeout = aiohttp.ClientTimeout(total=self.webhook_timeout)
        async with self._session.get(url, params=params, timeout=timeout) as response:
            return response.status, await response.text()

    # ------------------------------------------------------------- inspecting

    @property
    def webhook_responses(self) -> list[tuple[int, float]]:
        """(HTTP status, elapsed seconds) of every webhook delivery, oldest first."""
        return [(d.status, d.elapsed) for d in self.deliveries]

    def messages_to(self, user: WaUser | str) -> list[SentWaMessage]:
        """Messages delivered to a user (failed ones are only in ``sent``)."""
        return list(self._sent_by_to.get(self._wa_id(user), []))

    def status_deliveries(self, wamid: str) -> list[str]:
        """Status names delivered for an outbound message, in order."""
        return [
            d.status_name or "" for d in self.deliveries if d.kind == "status" and d.wamid == wamid
        ]

    def clear_records(self) -> None:
        """Forget sent messages, calls and deliveries (users, windows and media are kept)."""
        self.sent.clear()
        self.calls.clear()
        self.errors.clear()
        self.deliveries.clear()
        self.read_marks.clear()
        self._sent_by_to.clear()
        self._returned.clear()
        self._unreturned_from.clear()

    async def drain(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 - test helper
        """Wait until every queued status webhook has been delivered."""
        if self._status_queue is None:
            return
        await asyncio.wait_for(self._status_queue.join(), timeout)

    async def wait_for_message(
        self,
        to: WaUser | str,
        contains: str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the test-facing contract
    ) -> SentWaMessage:
        """The oldest message to ``to`` not yet returned by an earlier call for that user.

        Optionally only one whose ``text`` (body, interactive body or caption) contains
        ``contains``; messages passed over stay available to later calls. Raises
        AssertionError listing what was sent when nothing matches within ``timeout``.
        """
        wa_id = self._wa_id(to)
        returned = self._returned.setdefault(wa_id, set())
        deadline = time.monotonic() + timeout
        position = self._unreturned_from.get(wa_id, 0)
        while True:
            sent = self._sent_by_to.get(wa_id, [])
            while position < len(sent):
                index, candidate = position, sent[position]
                position += 1
                if index in returned:
                    continue
                if contains is not None and contains not in (candidate.text or ""):
                    continue
                returned.add(index)
                low = self._unreturned_from.get(wa_id, 0)
                while low in returned:
                    returned.discard(low)
                    low += 1
                self._unreturned_from[wa_id] = low
                return candidate
            if not await self._wait_change(deadline):
                what = f" containing {contains!r}" if contains is not None else ""
                raise AssertionError(
                    f"no new message to {wa_id}{what} within {timeout}s; "
                    f"messages to this user:\n{self._describe(sent)}\n"
                    f"all sent (last 20):\n{self._describe(self.sent[-20:])}"
                )

    async def wait_for_delivery(
        self,
        predicate: Callable[[Delivery], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - same style as wait_for
    ) -> Delivery:
        """First webhook delivery (past or future) matching ``predicate``."""
        deadline = time.monotonic() + timeout
        index = 0
        while True:
            while index < len(self.deliveries):
                delivery = self.deliveries[index]
                index += 1
                if predicate(delivery):
                    return delivery
            if not await self._wait_change(deadline):
                raise AssertionError(f"no matching webhook delivery within {timeout}s")

    # -------------------------------------------------------- fault injection

    def fail_next(
        self,
        code: int = 130429,
        message: str | None = None,
        http_status: int | None = None,
        details: str | None = None,
        count: int = 1,
        endpoint: str = "messages",
    ) -> None:
        """Make the next ``count`` calls to ``endpoint`` fail with Graph error ``code``.

        ``endpoint``: "messages", "media" (upload), "media_get", "download" or "*" (any).
        ``message`` replaces the title (the error message is "(#code) title").
        """
        queue = self._failures.setdefault(endpoint, deque())
        for _ in range(count):
            error = known_error(code, details, http_status)
            if message is not None:
                error.title = message
                error.message = f"(#{code}) {message}"
            queue.append(error)

    def set_flood(
        self,
        probability: float,
        code: int = 130429,
        seed: int | None = None,
        endpoint: str = "messages",
    ) -> None:
        """Answer a seeded random share of calls with ``code``; ``set_flood(0)`` turns it off."""
        if probability <= 0:
            self._flood = None
            return
        self._flood = (probability, code, random.Random(seed), endpoint)

    def set_latency(self, seconds: float) -> None:
        """Artificial delay before every Graph API call is processed."""
        self._latency = max(0.0, seconds)

    # ------------------------------------------------------------------ HTTP

    def _json(self, status: int, payload: dict[str, Any]) -> web.Response:
        return web.Response(
            status=status,
            body=json.dumps(payload, ensure_ascii=False).encode(),
            content_type="application/json",
        )

    def _error_response(self, endpoint: str, error: WaApiError) -> web.Response:
        self.errors.append((endpoint, error.code, error.details))
        return self._json(error.http_status, error.payload(payloads.new_fbtrace_id()))

    def _check_token(self, request: web.Request) -> None:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
        token = token or request.query.get("access_token")
        if not token:
            raise WaApiError(
                2500,
                "OAuthException",
                http_status=401,
                message="An active access token must be used to query information about the "
                "current user.",
            )
        if not secrets.compare_digest(token, self.access_token):
            raise WaApiError(
                190,
                "OAuthException",
                http_status=401,
                message="Invalid OAuth access token - Cannot parse access token",
            )

    def _inject_failure(self, endpoint: str) -> None:
        queue = self._failures.get(endpoint) or self._failures.get("*")
        if queue:
            raise queue.popleft()
        if self._flood is not None:
            probability, code, rng, target = self._flood
            if target in (endpoint, "*") and rng.random() < probability:
                raise known_error(code)

    async def _graph(
        self,
        request: web.Request,
        endpoint: str,
        handler: Callable[[web.Request, dict[str, Any]], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        """Shared frame: latency, token, injected failures, recording, error JSON."""
        if self._latency:
            await asyncio.sleep(self._latency)
        record: dict[str, Any] = {}  # the handler leaves the decoded body here
        try:
            self._check_token(request)
            self._inject_failure(endpoint)
            response = await handler(request, record)
        except WaApiError as error:
            response = self._error_response(endpoint, error)
        body = record.get("body")
        self.calls.append(
            GraphCall(request.method, request.path, body, response.status, time.monotonic())
        )
        self._notify()
        return response

    def _unknown_object(self, node: str, method: str) -> WaApiError:
        return WaApiError(
            100,
            "Invalid parameter",
            http_status=400,
            subcode=33,
            message=f"Unsupported {method.lower()} request. Object with ID '{node}' does not "
            "exist, cannot be loaded due to missing permissions, or does not support this "
            "operation.",
        )

    async def _handle_messages(self, request: web.Request) -> web.StreamResponse:
        return await self._graph(request, "messages", self._api_messages)

    async def _api_messages(self, request: web.Request, record: dict[str, Any]) -> web.Response:
        node = request.match_info["node"]
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError) as exc:
            raise invalid("The request body must be a JSON object.") from exc
        if not isinstance(body, dict):
            raise invalid("The request body must be a JSON object.")
        record["body"] = body
        if node != self.phone_number_id:
            raise self._unknown_object(node, "post")
        if body.get("status") == "read":
            return self._mark_read(body)
        sent = parse_message(body, self.media, self.templates)
        template = sent.type == "template"
        async_error: WaApiError | None = None
        if not template and not self.window_open(sent.to):
            error = known_error(131047)
            if self.window_errors == "sync":
                raise error
            async_error = error
        elif sent.to not in self.users:
            # Meta accepts the request, then reports the number as undeliverable.
            async_error = known_error(131026)
        sent.wamid = payloads.new_wamid(sent.to)
        sent.failed = async_error is not None
        self._record_sent(sent)
        if self.statuses:
            if async_error is not None:
                self._queue_status(sent, "failed", [async_error.webhook_error()])
            else:
                self._queue_status(sent, "sent")
                self._queue_status(sent, "delivered")
                if self.read_receipts:
                    self._queue_status(sent, "read")
        message: dict[str, Any] = {"id": sent.wamid}
        if template:
            message["message_status"] = "accepted"
        answer = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": str(body["to"]), "wa_id": sent.to}],
            "messages": [message],
        }
        return self._json(200, answer)

    def _mark_read(self, body: dict[str, Any]) -> web.Response:
        message_id = body.get("message_id")
        if body.get("messaging_product") != "whatsapp":
            raise invalid("The parameter messaging_product is required.")
        if not any(m["id"] == message_id for m in self.inbound):
            raise invalid(f"Param message_id is not a known inbound message: {message_id!r}")
        self.read_marks.append(str(message_id))
        return self._json(200, {"success": True})

    async def _handle_upload(self, request: web.Request) -> web.StreamResponse:
        return await self._graph(request, "media", self._api_upload)

    async def _api_upload(self, request: web.Request, record: dict[str, Any]) -> web.Response:
        node = request.match_info["node"]
        if not request.content_type.startswith("multipart/"):
            raise invalid("Media must be uploaded as multipart/form-data.")
        form = await request.post()
        fields = {k: v for k, v in form.items() if not isinstance(v, web.FileField)}
        upload = form.get("file")
        recorded: dict[str, Any] = dict(fields)
        record["body"] = recorded
        if node != self.phone_number_id:
            raise self._unknown_object(node, "post")
        if fields.get("messaging_product") != "whatsapp":
            raise invalid("The parameter messaging_product is required.")
        if not isinstance(upload, web.FileField):
            raise invalid("The parameter file is required.")
        data = upload.file.read()
        mime_type = str(fields.get("type") or "")
        if not mime_type:
            raise invalid("The parameter type is required.")
        if not data:
            raise invalid("Param file must not be empty.")
        stored = self._store_media(data, mime_type, upload.filename, "upload")
        recorded["file"] = {"filename": upload.filename, "size": len(data), "id": stored.id}
        return self._json(200, {"id": stored.id})

    async def _handle_node(self, request: web.Request) -> web.StreamResponse:
        return await self._graph(request, "media_get", self._api_node)

    async def _api_node(self, request: web.Request, record: dict[str, Any]) -> web.Response:
        node = request.match_info["node"]
        if node == self.phone_number_id:
            return self._json(
                200,
                {
                    "verified_name": "Loket Test",
                    "display_phone_number": self.display_phone_number,
                    "id": self.phone_number_id,
                    "quality_rating": "GREEN",
                    "code_verification_status": "VERIFIED",
                    "platform_type": "CLOUD_API",
                    "throughput": {"level": "STANDARD"},
                },
            )
        stored = self.media.get(node)
        owner = request.query.get("phone_number_id")
        if stored is None or (owner is not None and owner != self.phone_number_id):
            raise self._unknown_object(node, "get")
        return self._json(
            200,
            {
                "messaging_product": "whatsapp",
                "url": self._download_url(stored),
                "mime_type": stored.mime_type,
                "sha256": payloads.sha256_hex(stored.data),
                "file_size": len(stored.data),
                "id": stored.id,
            },
        )

    async def _handle_delete(self, request: web.Request) -> web.StreamResponse:
        return await self._graph(request, "media_delete", self._api_delete)

    async def _api_delete(self, request: web.Request, record: dict[str, Any]) -> web.Response:
        node = request.match_info["node"]
        if self.media.pop(node, None) is None:
            raise self._unknown_object(node, "delete")
        return self._json(200, {"success": True})

    async def _handle_download(self, request: web.Request) -> web.StreamResponse:
        return await self._graph(request, "download", self._api_download)

    async def _api_download(
        self, request: web.Request, record: dict[str, Any]
    ) -> web.StreamResponse:
        stored = self.media.get(request.query.get("mid", ""))
        if stored is None or request.query.get("hash") != self._url_hash(stored):
            return web.Response(status=404, text="Not Found")
        return web.Response(body=stored.data, content_type=stored.mime_type)

    async def _handle_unknown(self, request: web.Request) -> web.StreamResponse:
        error = WaApiError(
            100,
            "Invalid parameter",
            message=f"Unknown path components: {request.path}",
        )
        response = self._error_response("unknown", error)
        self.calls.append(
            GraphCall(request.method, request.path, None, response.status, time.monotonic())
        )
        return response

    # ---------------------------------------------------------------- internals

    def _wa_id(self, user: WaUser | str) -> str:
        if isinstance(user, WaUser):
            return user.wa_id
        return normalize_recipient(user)

    def _envelope(self, value: dict[str, Any]) -> dict[str, Any]:
        return payloads.envelope(
            self.waba_id, self.phone_number_id, self.display_phone_number, value
        )

    def _require_webhook(self) -> str:
        if not self.webhook_url:
            raise RuntimeError("no webhook URL; call emu.set_webhook(url) first")
        if self._session is None:
            raise RuntimeError("emulator is not running; call start() first")
        return self.webhook_url

    def _store_media(
        self, data: bytes, mime_type: str, filename: str | None, origin: str
    ) -> StoredMedia:
        media_id = payloads.new_media_id()
        while media_id in self.media:
            media_id = payloads.new_media_id()
        stored = StoredMedia(media_id, data, mime_type, filename, origin)
        self.media[media_id] = stored
        return stored

    def _url_hash(self, stored: StoredMedia) -> str:
        return payloads.sha256_hex(f"{stored.id}:{self.app_secret}".encode())[:24]

    def _download_url(self, stored: StoredMedia) -> str:
        expiry = int(time.time()) + 300
        return (
            f"{self.base_url}/whatsapp_business/attachments/?mid={stored.id}"
            f"&ext={expiry}&hash={self._url_hash(stored)}"
        )

    def _author_of(self, wamid: str, user: WaUser) -> str:
        if any(m.wamid == wamid for m in self.sent):
            return self.display_phone_number
        return next((m["from"] for m in self.inbound if m["id"] == wamid), user.wa_id)

    def _find_choice(
        self, user: WaUser, choice_id: str, context_wamid: str | None, kind: str, force: bool
    ) -> SentWaMessage | None:
        candidates = self._sent_by_to.get(user.wa_id, [])
        if context_wamid is not None:
            shown = next((m for m in candidates if m.wamid == context_wamid), None)
            if shown is None:
                if force:
                    return None
                raise ValueError(f"no message {context_wamid} was delivered to {user.wa_id}")
            ids = shown.button_ids if kind == "buttons" else shown.row_ids
            if choice_id not in ids and not force:
                raise ValueError(f"message {context_wamid} has no {kind} id {choice_id!r}: {ids}")
            return shown
        for shown in reversed(candidates):
            ids = shown.button_ids if kind == "buttons" else shown.row_ids
            if choice_id in ids:
                return shown
        if force:
            return None
        raise ValueError(f"no message to {user.wa_id} offers {kind} id {choice_id!r}")

    @staticmethod
    def _choice_title(shown: SentWaMessage | None, kind: str, choice_id: str) -> str:
        choices = (shown.buttons if kind == "buttons" else shown.rows) if shown else []
        return next((c["title"] for c in choices if c["id"] == choice_id), choice_id)

    def _record_sent(self, sent: SentWaMessage) -> None:
        self.sent.append(sent)
        if not sent.failed:
            self._sent_by_to.setdefault(sent.to, []).append(sent)
        for listener in self.listeners:
            listener(sent)

    def _queue_status(
        self, sent: SentWaMessage, status: str, errors: list[Any] | None = None
    ) -> None:
        if self._status_queue is not None:
            item = (sent.wamid, sent.to, status, sent.type == "template", errors)
            self._status_queue.put_nowait(item)

    async def _status_worker(self) -> None:
        assert self._status_queue is not None
        queue = self._status_queue
        while True:
            wamid, to, status, template, errors = await queue.get()
            try:
                if self.status_delay:
                    await asyncio.sleep(self.status_delay)
                if self.webhook_url:
                    conversation = self._conversations.setdefault(
                        to, payloads.new_conversation_id()
                    )
                    value = payloads.status_value(
                        wamid,
                        status,
                        to,
                        conversation_id=conversation,
                        template=template,
                        errors=errors,
                    )
                    body = payloads.encode(self._envelope(value))
                    signature = payloads.sign(body, self.app_secret)
                    await self._post("status", body, signature, wamid, status)
            except RuntimeError:
                pass  # the webhook was unset or the emulator is stopping: drop the status
            finally:
                queue.task_done()

    async def _post(
        self,
        kind: str,
        body: bytes,
        signature: str | None,
        wamid: str | None,
        status_name: str | None = None,
    ) -> Delivery:
        """POST one webhook body to the bot and record the outcome."""
        url = self._require_webhook()
        assert self._session is not None
        headers = {"Content-Type": "application/json", "User-Agent": "facebookexternalua"}
        if signature is not None:
            headers[SIGNATURE_HEADER] = signature
        started = time.monotonic()
        status, error = 0, None
        try:
            timeout = aiohttp.ClientTimeout(total=self.webhook_timeout)
            async with self._session.post(
                url, data=body, headers=headers, timeout=timeout
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        delivery = Delivery(
            kind,
            body,
            signature,
            wamid,
            status,
            time.monotonic() - started,
            status_name,
            error,
        )
        self.deliveries.append(delivery)
        self._notify()
        return delivery

    @staticmethod
    def _describe(sent: list[SentWaMessage]) -> str:
        if not sent:
            return "  (nothing)"
        return "\n".join(f"  {message.short()}" for message in sent)
