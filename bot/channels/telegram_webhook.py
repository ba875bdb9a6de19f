"""Telegram webhook mode: deliveries checked, stored in the inbox, acknowledged after the commit.

Telegram allows one getUpdates consumer per bot, so replicas behind a load balancer take
updates as webhooks instead. A delivery is answered 200 only once its update is committed to
the inbox, exactly as the poller moves its offset only after the commit: a replica that dies
or whose database fails before that answers nothing or a 5xx, and Telegram delivers the update
again (https://core.telegram.org/bots/api#setwebhook: "In case of an unsuccessful request, we
will give up after a reasonable amount of attempts"). The inbox's unique update id makes a
redelivery of a stored update harmless.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.types import Update
from aiohttp import web
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.telegram import ParsedUpdates, poison_row, store_received, validate_updates
from bot.core.clock import Clock
from bot.setaside import WarnEvery

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# An update is a few kilobytes (a 4096-character message with its entities and a quoted
# reply stays far below this); a bigger body is not read whole: it is set aside, not parsed.
MAX_BODY = 1024 * 1024
# What is kept of an oversized body, for `loket inbox show`.
OVERSIZED_HEAD = 4096
# Telegram writes update_id first; it keys an oversized body so a redelivery stores nothing new.
_LEADING_ID = re.compile(rb'^\s*\{\s*"update_id"\s*:\s*(\d{1,19})\b')


async def read_capped(request: web.Request, limit: int = MAX_BODY) -> tuple[bytes, int]:
    """The body's first ``limit`` bytes and its whole size; the rest is read and dropped
    (memory stays bounded whatever the sender sends)."""
    kept = bytearray()
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if len(kept) < limit:
            kept += chunk[: limit - len(kept)]
    return bytes(kept), size


def oversized_row(head: bytes, size: int) -> dict[str, Any]:
    """An inbox row (set aside) for a body over MAX_BODY: its update id when it leads the
    body, and its start."""
    error = f"a webhook body of {size} bytes, over the {MAX_BODY}-byte limit: not read"
    text = head[:OVERSIZED_HEAD].decode("utf-8", "replace")
    match = _LEADING_ID.match(head)
    if match is not None:
        return poison_row({"update_id": int(match.group(1)), "head": text}, error)
    return poison_row(text, error)


class TelegramWebhook:
    """POST deliveries of Telegram updates: the secret checked, then stored as the poller does.

    Anything without the secret token set with setWebhook is refused with 401 and leaves no
    trace. A body that does not parse as an update is set aside (stored as failed) and
    answered 200: Telegram would deliver it again and again otherwise.
    """

    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        secret: str,
        path: str,
        clock: Clock,
        on_stored: Callable[[], None],
        parsed: ParsedUpdates | None = None,
        on_set_aside: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.bot = bot
        self.sessionmaker = sessionmaker
        self.secret = secret.encode()
        self.path = path
        self.clock = clock
        self.on_stored = on_stored
        self.parsed = parsed
        self.on_set_aside = on_set_aside
        self.trouble = WarnEvery(log)
        # Forged deliveries may come in floods: a line a minute, with the count.
        self.forged = WarnEvery(log)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(self.path, self.receive)

    def secret_ok(self, header: str | None) -> bool:
        # Constant time: the comparison must not tell a forger how much of a guess was right.
        return header is not None and hmac.compare_digest(header.encode(), self.secret)

    def parse(self, body: bytes, size: int) -> tuple[list[Update], list[dict[str, Any]]]:
        """The update a body holds, or the inbox row that sets it aside."""
        if size > MAX_BODY:
            return [], [oversized_row(body, size)]
        try:
            item = json.loads(body)
        except ValueError as exc:
            return [], [poison_row(body.decode("utf-8", "replace"), f"not JSON: {exc}")]
        return validate_updates(self.bot, [item])

    async def receive(self, request: web.Request) -> web.Response:
        if not self.secret_ok(request.headers.get(SECRET_HEADER)):
            self.forged.warning("webhook deliveries without the right secret token refused")
            return web.Response(status=401, text="unauthorized")
        body, size = await read_capped(request)
        updates, poison = self.parse(body, size)
        try:
            await store_received(self.sessionmaker, self.clock, updates, poison)
        except Exception as exc:
            # Not stored, so not acknowledged: Telegram delivers it again (here or to another
            # replica).
            self.trouble.warning("storing a webhook update failed (%r); Telegram will retry", exc)
            return web.Response(status=503, text="try again")
        self.trouble.recovered("webhook updates are stored again")
        if self.parsed is not None:
            self.parsed.keep(updates)
        self.on_stored()
        if poison:
            log.warning("a webhook update that does not parse was set aside")
            if self.on_set_aside is not None:
                await self.on_set_aside()
        return web.Response(text="ok")
