"""Local WhatsApp Cloud API emulator (Graph API + signed webhooks) for end-to-end tests.

The bot gets ``api_base = emu.api_base`` and the emulator's access token, and listens for
webhooks at the URL given to ``emu.set_webhook``::

    async with WhatsAppEmulator(app_secret="secret", verify_token="verify-me") as emu:
        emu.set_webhook("http://127.0.0.1:8090/whatsapp")
        assert (await emu.verify_webhook())[0] == 200
        citizen = emu.user("6281234567890", name="Budi")
        await emu.send_text(citizen, "halo")                  # signed webhook to the bot
        reply = await emu.wait_for_message(citizen)           # what the bot sent back
        await emu.send_button_reply(citizen, reply.buttons[0]["id"])

Behaviour worth knowing when writing tests:

* The 24-hour customer service window is enforced: a non-template send to a user whose last
  inbound message is older than 24 h, or who never wrote, fails with 131047
  (``emu.age_window(user, hours)`` moves the last inbound back). With
  ``window_errors="async"`` the send is accepted and a ``failed`` status webhook follows.
* After each accepted send, ``sent`` / ``delivered`` / ``read`` status webhooks are posted in
  the background (``emu.statuses = False`` or ``read_receipts=False`` to change that;
  ``await emu.drain()`` waits for them).
* Sends to a number that ``emu.user`` never created are accepted, then reported ``failed``
  with 131026 (only templates get that far: free-form sends fail the window first).
* ``send_button_reply`` / ``send_list_reply`` require the button or row to be on a message
  the bot sent to that user (the latest such message unless ``context_wamid`` is given),
  unless ``force=True``.
* ``wait_for_message`` returns each message at most once per user: the oldest not yet
  returned whose ``text`` (body, interactive body or caption) contains ``contains``.
* Webhook deliveries are awaited by the ``send_*`` calls; every one is recorded in
  ``emu.deliveries`` (body bytes, signature, HTTP status, elapsed) and
  ``emu.webhook_responses``; a bot that cannot be reached is recorded with status 0.

``python -m tests.wa_emulator --port 8091 --webhook URL [--console]`` runs it standalone.
"""

from .models import Delivery, GraphCall, SentWaMessage, StoredMedia, WaApiError, WaUser
from .payloads import SIGNATURE_HEADER, sign
from .server import DEFAULT_VERSION, KNOWN_ERRORS, WhatsAppEmulator

__all__ = [
    "DEFAULT_VERSION",
    "KNOWN_ERRORS",
    "SIGNATURE_HEADER",
    "Delivery",
    "GraphCall",
    "SentWaMessage",
    "StoredMedia",
    "WaApiError",
    "WaUser",
    "WhatsAppEmulator",
    "sign",
]
