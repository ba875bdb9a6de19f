"""The Graph API calls Loket makes, its errors as the outbox's retry decisions, and the files
WhatsApp citizens send."""

from __future__ import annotations

import json
import logging
import mimetypes
from typing import Any

import aiohttp

from bot.channels.base import PermanentError, RetryLater, SendError, TransientError

log = logging.getLogger(__name__)


CHANNEL = "whatsapp"
MEDIA_PREFIX = "wa:"  # media_ref of a file a WhatsApp citizen sent: "wa:<media id>"

# Graph error codes (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes)
WINDOW_CLOSED = 131047
UNDELIVERABLE = 131026
THROTTLED = {4: 30.0, 80007: 30.0, 130429: 1.0, 131048: 60.0, 131056: 6.0}
SERVER_SIDE = {1, 2, 131000}
BAD_TOKEN = {190, 2500}

WINDOW_CLOSED_TEXT = (
    "warga di luar jendela 24 jam WhatsApp: pesan bebas baru bisa dikirim setelah warga "
    "menulis lagi (131047)"
)


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
            raw_error = data.get("error")
            error = raw_error if isinstance(raw_error, dict) else {}
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


def media_file_name(mime_type: str, name: str | None, stem: str) -> str:
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
        return data, media_file_name(mime, name, "berkas"), mime
