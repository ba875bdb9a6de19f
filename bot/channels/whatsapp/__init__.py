"""WhatsApp Cloud API adapter: signed webhooks in, outbox rows out through the Graph API.

Citizens write on WhatsApp; officers stay in the Telegram staff group. Inbound messages and
delivery statuses are stored in the same inbox as Telegram updates (keyed by wamid, so Meta's
redeliveries are harmless) and handled by the same desk. Outgoing rows are the desk's own
rows, rendered for WhatsApp here: HTML to WhatsApp markup, inline buttons to reply buttons or
a list, documents uploaded through the media endpoint.

client   the Graph API calls, its errors, the files citizens send
markup   HTML to WhatsApp markup, long texts split, buttons as reply buttons or a list
sender   outbox rows delivered, within the 24-hour customer-service window
webhook  signed deliveries stored in the inbox; stored rows read as core events
"""

from bot.channels.whatsapp.client import (
    CHANNEL,
    MEDIA_PREFIX,
    WINDOW_CLOSED_TEXT,
    GraphError,
    WhatsAppClient,
    WhatsAppMedia,
    classify,
)
from bot.channels.whatsapp.markup import (
    TEXT_MAX,
    interactive_messages,
    split_text,
    whatsapp_text,
)
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.channels.whatsapp.webhook import (
    DeliveryReport,
    ListenError,
    WhatsAppWebhook,
    delivery_of,
    inbound_of,
    inbox_rows,
    signature_ok,
)

__all__ = [
    "CHANNEL",
    "MEDIA_PREFIX",
    "TEXT_MAX",
    "WINDOW_CLOSED_TEXT",
    "DeliveryReport",
    "GraphError",
    "ListenError",
    "WhatsAppClient",
    "WhatsAppMedia",
    "WhatsAppSender",
    "WhatsAppWebhook",
    "classify",
    "delivery_of",
    "inbound_of",
    "inbox_rows",
    "interactive_messages",
    "signature_ok",
    "split_text",
    "whatsapp_text",
]
