"""Signed callback data for inline buttons.

Telegram returns a button's callback_data verbatim, and any client can send any string
(https://core.telegram.org/bots/api#callbackquery), so data that acts on something carries a
short HMAC: forged or altered data is refused before it reaches a use case. Telegram allows
1-64 bytes (https://core.telegram.org/bots/api#inlinekeyboardbutton).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

MAX_BYTES = 64
_SIG_BYTES = 6  # 48 bits: forging by guessing takes ~2^47 tries against a rate-limited bot
_SEP = ":"


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    args: tuple[str, ...]


class CallbackCodec:
    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("callback secret must not be empty")
        self._key = hashlib.sha256(b"loket-callback:" + secret).digest()

    def _sign(self, body: str) -> str:
        mac = hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:_SIG_BYTES]
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def pack(self, name: str, *args: str) -> str:
        parts = [name, *args]
        if any(not p or _SEP in p for p in parts):
            raise ValueError("callback parts must be non-empty and free of ':'")
        body = _SEP.join(parts)
        data = f"{body}{_SEP}{self._sign(body)}"
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {body!r}")
        return data

    def unpack(self, data: str | None) -> Action | None:
        """The action, or None for anything forged, altered, truncated or malformed."""
        if not data or _SEP not in data:
            return None
        try:
            size = len(data.encode())
        except UnicodeEncodeError:
            return None  # a lone surrogate (JSON can carry one): no data of ours
        if size > MAX_BYTES:
            return None
        body, _, sig = data.rpartition(_SEP)
        if not body or not hmac.compare_digest(sig.encode(), self._sign(body).encode()):
            return None
        name, *args = body.split(_SEP)
        return Action(name, tuple(args))
