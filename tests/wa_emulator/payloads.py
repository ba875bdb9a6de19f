"""Builders for Meta's webhook bodies, ids and signatures.

Shapes follow the WhatsApp Cloud API "messages" webhook field: an ``object`` of
``whatsapp_business_account`` with ``entry[].changes[].value`` holding either ``contacts`` +
``messages`` (inbound) or ``statuses`` (outbound delivery reports), plus ``metadata`` naming the
business number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import time
from typing import Any

SIGNATURE_HEADER = "X-Hub-Signature-256"

_wamid_serial = itertools.count(1)
_media_serial = itertools.count(1)


def unix_now() -> str:
    """Meta sends timestamps as strings of Unix seconds."""
    return str(int(time.time()))


def new_wamid(wa_id: str) -> str:
    """A unique id shaped like Meta's: ``wamid.`` + base64 of an opaque binary blob."""
    serial = next(_wamid_serial)
    blob = (
        b"\x1c\x18"
        + bytes([len(wa_id)])
        + wa_id.encode()
        + b"\x15\x02\x00\x12\x18\x14"
        + f"{serial:06X}{secrets.token_hex(7).upper()}".encode()
        + b"\x00"
    )
    return "wamid." + base64.b64encode(blob).decode()


def new_media_id() -> str:
    """Media ids are long decimal strings."""
    return str(1_000_000_000_000_000 + next(_media_serial) * 7_919 + secrets.randbelow(7_000))


def new_fbtrace_id() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(8)).decode().rstrip("=")


def new_conversation_id() -> str:
    return secrets.token_hex(16)


def sign(body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` value: ``sha256=`` + HMAC-SHA256 hex of the raw body."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def encode(payload: dict[str, Any]) -> bytes:
    # Meta escapes non-ASCII (\uXXXX) in webhook bodies; the signature covers these bytes.
    return json.dumps(payload, separators=(",", ":")).encode()


def sha256_b64(data: bytes) -> str:
    """Media hash as inbound message webhooks carry it (base64 of the SHA-256 digest)."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def sha256_hex(data: bytes) -> str:
    """Media hash as ``GET /{media_id}`` returns it."""
    return hashlib.sha256(data).hexdigest()


def envelope(
    waba_id: str, phone_number_id: str, display_phone_number: str, value: dict[str, Any]
) -> dict[str, Any]:
    """Wrap a ``value`` into the ``whatsapp_business_account`` webhook body."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": waba_id,
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": display_phone_number,
                                "phone_number_id": phone_number_id,
                            },
                            **value,
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def inbound_value(wa_id: str, name: str, message: dict[str, Any]) -> dict[str, Any]:
    """``value`` for one message a user wrote to the business."""
    return {
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
        "messages": [message],
    }


def status_value(
    wamid: str,
    status: str,
    recipient_id: str,
    *,
    conversation_id: str,
    template: bool,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """``value`` for one delivery report (sent / delivered / read / failed)."""
    entry: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": unix_now(),
        "recipient_id": recipient_id,
    }
    if status in ("sent", "delivered"):
        conversation: dict[str, Any] = {"id": conversation_id}
        if status == "sent":
            conversation["expiration_timestamp"] = str(int(time.time()) + 24 * 3600)
        conversation["origin"] = {"type": "utility" if template else "service"}
        entry["conversation"] = conversation
        entry["pricing"] = {
            "billable": template,
            "pricing_model": "PMP",
            "type": "regular" if template else "free_customer_service",
            "category": "utility" if template else "service",
        }
    if errors:
        entry["errors"] = errors
    return {"statuses": [entry]}
