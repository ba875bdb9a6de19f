"""Local Telegram Bot API emulator for end-to-end tests and load benchmarks.

An unmodified aiogram bot configured with
``TelegramAPIServer.from_base(emu.api_base)`` talks to it over real HTTP::

    async with BotApiEmulator() as emu:
        citizen = emu.user("Budi")
        await emu.send_text(citizen, "/start")          # the user writes to the bot
        reply = await emu.wait_for_message(citizen)     # what the bot answered
        assert "Selamat" in reply.text

Behaviour worth knowing when writing tests:

* Users must write to the bot (any ``send_*`` in the private chat) before the bot may
  message them; ``emu.block(user)`` makes sends fail with 403 until the user writes again.
* Groups made by ``emu.group`` are supergroups with the bot as administrator; their
  message ids start at 2, so forum topic ids never collide with the General topic (1).
* As on Telegram, a message in a forum topic without an explicit reply carries
  ``reply_to_message`` = the topic's ``forum_topic_created`` service message.
* ``sent`` records sends, copies, forwards and text/caption edits; keyboard-only edits
  (editMessageReplyMarkup) only change the stored message (see ``get_message``).
* ``wait_for_message`` returns each message at most once per chat: the oldest not yet
  returned that matches the filters; messages it passes over stay available.
* ``setWebhook`` takes HTTPS URLs, as Telegram does, and also plain http to a loopback
  address (127.0.0.0/8, ::1, localhost), so tests can serve webhooks without TLS. Delivery
  is Telegram's: up to ``max_connections`` in flight, one chat's updates one after another,
  an update kept and delivered again until answered 2xx; ``webhook_attempts`` records each.
* HTML is parsed strictly: a bare ``&`` is rejected (Telegram keeps it literally), to
  catch missing ``html.escape``; pass ``strict_html=False`` to relax.

``python -m bot.playground.emulator --port 8081 [--console]`` runs it standalone.
"""

from .models import ApiCall, FakeChat, FakeUser, SentMessage
from .server import BotApiEmulator
from .state import DEFAULT_TOKEN, ApiError, command_scope_key

__all__ = [
    "DEFAULT_TOKEN",
    "ApiCall",
    "ApiError",
    "BotApiEmulator",
    "FakeChat",
    "FakeUser",
    "SentMessage",
    "command_scope_key",
]
