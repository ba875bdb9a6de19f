"""Plain data types shared by the WhatsApp emulator and the tests that drive it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple


@dataclass(frozen=True, slots=True)
class WaUser:
    """A WhatsApp user (a citizen's phone number) living inside the emulator."""

    wa_id: str  # digits only, country code first, as Meta sends it in ``from`` / ``wa_id``
    name: str  # the profile name shown in ``contacts[].profile.name``

    def __str__(self) -> str:
        return self.wa_id


class WaApiError(Exception):
    """A Graph API error answer: ``{"error": {"message", "type", "code", ...}}``."""

    def __init__(
        self,
        code: int,
        title: str,
        details: str | None = None,
        http_status: int = 400,
        error_type: str = "OAuthException",
        *,
        message: str | None = None,
        subcode: int | None = None,
    ) -> None:
        super().__init__(f"({code}) {title}: {details or ''}")
        self.code = code
        self.title = title
        self.details = details
        self.http_status = http_status
        self.error_type = error_type
        # Graph's own errors (tokens, unknown objects) carry no "(#code)" prefix.
        self.message = message if message is not None else f"(#{code}) {title}"
        self.subcode = subcode

    def payload(self, fbtrace_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": self.message,
            "type": self.error_type,
            "code": self.code,
        }
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.details is not None:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        error["fbtrace_id"] = fbtrace_id
        return {"error": error}

    def webhook_error(self) -> dict[str, Any]:
        """The same error as it appears in ``statuses[].errors[]`` of a failed status."""
        error: dict[str, Any] = {"code": self.code, "title": self.title, "message": self.title}
        if self.details is not None:
            error["error_data"] = {"details": self.details}
        return error


@dataclass
class SentWaMessage:
    """One message the bot sent successfully through ``POST /{phone_number_id}/messages``."""

    to: str  # normalised wa_id of the recipient
    type: str  # text, interactive, document, image, template, location, ...
    wamid: str
    text: str | None = None  # text body, interactive body text or media caption
    interactive_type: str | None = None  # "button" or "list" for interactive messages
    header: str | None = None  # interactive text header
    footer: str | None = None
    buttons: list[dict[str, str]] = field(default_factory=list)  # [{"id", "title"}]
    list_button: str | None = None  # the label of the button that opens a list
    rows: list[dict[str, str]] = field(default_factory=list)  # [{"id", "title", ...}] flattened
    document: dict[str, Any] | None = None  # {"link"|"id", "filename", "caption", ...}
    image: dict[str, Any] | None = None
    media: dict[str, Any] | None = None  # audio, video or sticker: {"link"|"id", ...}
    media_data: bytes | None = None  # bytes of an uploaded media object sent by id
    template: dict[str, Any] | None = None  # {"name", "language": {"code"}, "components"}
    context_wamid: str | None = None  # the message this one replies to (``context``)
    failed: bool = False  # accepted, then reported as failed by a status webhook
    payload: dict[str, Any] = field(default_factory=dict)  # the request body as sent
    at: float = field(default_factory=time.monotonic)

    @property
    def button_ids(self) -> list[str]:
        return [button["id"] for button in self.buttons]

    @property
    def row_ids(self) -> list[str]:
        return [row["id"] for row in self.rows]

    @property
    def template_name(self) -> str | None:
        return self.template.get("name") if self.template else None

    def short(self) -> str:
        """One-line description used in assertion messages."""
        text = (self.text or "").replace("\n", "\\n")
        if len(text) > 80:
            text = text[:77] + "..."
        kind = (
            self.type if self.interactive_type is None else f"{self.type}/{self.interactive_type}"
        )
        extra = ""
        if self.buttons:
            extra = f" buttons={self.button_ids}"
        elif self.rows:
            extra = f" rows={self.row_ids}"
        elif self.template:
            extra = f" template={self.template_name}"
        elif self.document:
            extra = f" document={self.document.get('filename')!r}"
        return f"-> {self.to} [{kind}] {text!r}{extra} {self.wamid[:24]}..."


@dataclass
class Delivery:
    """One webhook POST the emulator made to the bot (or tried to)."""

    kind: str  # "message", "status" or "raw"
    body: bytes  # the exact bytes posted (redelivery posts them again)
    signature: str | None  # the X-Hub-Signature-256 header value, None when left out
    wamid: str | None  # the inbound message id, or the outbound id a status is about
    status: int  # HTTP status of the answer; 0 when the bot could not be reached
    elapsed: float  # seconds until the answer (or the failure)
    status_name: str | None = None  # sent / delivered / read / failed for status webhooks
    error: str | None = None  # connection error text when status is 0
    at: float = field(default_factory=time.monotonic)


class GraphCall(NamedTuple):
    """Every Graph API request the bot made: method, path, decoded body, HTTP status."""

    method: str
    path: str
    body: Any
    status: int
    at: float


@dataclass
class StoredMedia:
    """A media object: uploaded by the bot, or attached by a user to an inbound message."""

    id: str
    data: bytes
    mime_type: str
    filename: str | None = None
    origin: str = "upload"  # "upload" (the bot's POST /media) or "inbound" (a user's file)
